"""Why a model read a drawing: weight templates, pixel shares, neighbours, saliency.

The numbers come from :mod:`mnist_dash.explain`, which fills the dataclasses
below; the builders only draw them.
Signed maps use :data:`~mnist_dash.charts._style.DIVERGING` centred on zero
(blue pushes towards the digit, red away from it), on a symmetric range so that
equal colours mean equal amounts on every panel of a figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from mnist_dash.charts._common import label_text
from mnist_dash.charts._style import DIVERGING, NEUTRAL, layout
from mnist_dash.charts.digits import digit_grid_figure

__all__ = [
    "LinearExplanation",
    "Neighbours",
    "Saliency",
    "contributions_figure",
    "neighbours_figure",
    "saliency_figure",
    "templates_figure",
]


@dataclass(frozen=True, eq=False)
class LinearExplanation:
    """A linear model's reading of one image, pixel by pixel.

    Attributes
    ----------
    classes : ndarray, shape (10,)
    templates : ndarray, shape (10, 784)
        The weights of each class (``coef_``), over what the model sees.
    intercepts : ndarray, shape (10,)
    scores : ndarray, shape (10,)
        ``templates @ z + intercepts``: the model's ``decision_function``.
    digit, runner_up : int
        The best and second-best classes.
    toward_digit, toward_runner_up : ndarray, shape (784,)
        Each pixel's share ``w_ci z_i`` of the two classes' scores.
    """

    classes: np.ndarray
    templates: np.ndarray
    intercepts: np.ndarray
    scores: np.ndarray
    digit: int
    runner_up: int
    toward_digit: np.ndarray
    toward_runner_up: np.ndarray


@dataclass(frozen=True, eq=False)
class Neighbours:
    """The training digits closest to an image, which voted for its label.

    Attributes
    ----------
    images : ndarray, shape (k, 784)
        As the model keeps them (0-255 pixels).
    labels : ndarray of int, shape (k,)
    distances : ndarray, shape (k,)
        Euclidean, in 0-255 pixel units, nearest first.
    """

    images: np.ndarray
    labels: np.ndarray
    distances: np.ndarray


@dataclass(frozen=True, eq=False)
class Saliency:
    """How much hiding each part of an image lowers the predicted log-probability.

    Attributes
    ----------
    digit : int
        The predicted class.
    probability : float
        Its probability for the whole image.
    drop : ndarray, shape (784,)
        For each pixel, the mean fall of that probability's logarithm over the
        patches covering it when each is hidden (negative: hiding it helps the
        digit); 0 where no patch with ink covers it.
    patch : int
        Side of the hidden patches, in pixels.
    """

    digit: int
    probability: float
    drop: np.ndarray
    patch: int


_HIDDEN = {"visible": False, "showgrid": False, "zeroline": False}


def _limit(*maps: np.ndarray) -> float:
    """The symmetric colour range shared by ``maps``: their largest magnitude."""
    largest = max(float(np.abs(m).max()) for m in maps)
    return largest if largest > 0 else 1.0


def _panels(
    maps: list[np.ndarray],
    titles: list[str],
    *,
    columns: int,
    height: int,
    hover: str,
) -> go.Figure:
    """Square 28x28 signed heatmaps side by side, one colour range for all."""
    rows = -(-len(maps) // columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=titles,
        horizontal_spacing=0.02,
        vertical_spacing=0.12 if rows > 1 else 0.0,
    )
    limit = _limit(*maps)
    for i, values in enumerate(maps):
        fig.add_trace(
            dict(
                type="heatmap",
                z=np.asarray(values, dtype=np.float64).reshape(28, 28),
                colorscale=DIVERGING,
                zmid=0,
                zmin=-limit,
                zmax=limit,
                zsmooth=False,
                showscale=i == len(maps) - 1,
                colorbar={"thickness": 10, "len": 0.8},
                hovertemplate=hover + "<extra></extra>",
            ),
            row=i // columns + 1,
            col=i % columns + 1,
        )
    fig.update_xaxes(**_HIDDEN, constrain="domain")
    fig.update_yaxes(**_HIDDEN, autorange="reversed")
    for i in range(len(maps)):  # square pixels in every panel
        anchor = "x" if i == 0 else f"x{i + 1}"
        fig.update_yaxes(scaleanchor=anchor, row=i // columns + 1, col=i % columns + 1)
    fig.update_annotations(font_size=12)
    return layout(fig, title=None, height=height, margin={"t": 30, "l": 0, "r": 0})


def templates_figure(data: LinearExplanation) -> go.Figure:
    """The ten weight templates, one 28x28 map per digit (traces 0-9, ``z``).

    Blue pixels raise the digit's score where there is ink, red ones lower it.
    """
    return _panels(
        list(data.templates),
        [label_text(c) for c in data.classes],
        columns=5,
        height=300,
        hover="weight %{z:.3g}",
    )


def contributions_figure(data: LinearExplanation) -> go.Figure:
    """Each pixel's share (weight x pixel) of the scores of the two best digits.

    Trace 0 is ``toward_digit``, trace 1 ``toward_runner_up`` (28x28 ``z``).
    """
    return _panels(
        [data.toward_digit, data.toward_runner_up],
        [f"Towards {data.digit}", f"Towards {data.runner_up}"],
        columns=2,
        height=230,
        hover="share of the score %{z:.3g}",
    )


def neighbours_figure(data: Neighbours) -> go.Figure:
    """The training digits that voted, each titled with its label and distance."""
    titles = [
        f"{label} · {distance:,.0f}"
        for label, distance in zip(data.labels, data.distances, strict=True)
    ]
    return digit_grid_figure(data.images, columns=len(titles), titles=titles, gap=4)


def saliency_figure(data: Saliency, image: np.ndarray) -> go.Figure:
    """The drawing's outline over how much hiding each part lowers the digit.

    Trace 0 is the saliency (``drop`` as 28x28 ``z``), trace 1 the outline of
    the ink (a contour of ``image``).
    """
    limit = _limit(data.drop)
    traces = [
        dict(
            type="heatmap",
            z=np.asarray(data.drop).reshape(28, 28),
            colorscale=DIVERGING,
            zmid=0,
            zmin=-limit,
            zmax=limit,
            zsmooth=False,
            colorbar={"thickness": 10, "len": 0.8},
            hovertemplate="log-probability lost %{z:.2f}<extra></extra>",
        ),
        dict(
            type="contour",
            z=np.asarray(image, dtype=np.float64).reshape(28, 28),
            contours={"start": 128, "end": 128, "coloring": "none"},
            line={"color": NEUTRAL, "width": 1},
            showscale=False,
            hoverinfo="skip",
        ),
    ]
    return layout(
        traces,
        title=None,
        height=250,
        margin={"t": 10, "l": 0, "r": 0},
        xaxis={**_HIDDEN, "constrain": "domain"},
        yaxis={**_HIDDEN, "autorange": "reversed", "scaleanchor": "x"},
    )
