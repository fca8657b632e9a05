"""How well the noise-cleaning KNN cleans: the pixel error against the noise level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike
from sklearn.metrics import mean_absolute_error

from mnist_dash.charts._common import frozen
from mnist_dash.charts._style import (
    CHANCE_LINE,
    THRESHOLD_LINE,
    layout,
    model_colour,
    operating_point,
)


@dataclass(frozen=True, eq=False)
class DenoisingErrors:
    """Mean absolute pixel error (0-255 scale) at each noise level.

    Attributes
    ----------
    levels : ndarray, shape (L,)
        Noise levels (the largest noise added to a pixel, about).
    cleaned : ndarray, shape (L,)
        ``mean_absolute_error(originals, cleaned)`` at each level.
    noisy : ndarray, shape (L,)
        ``mean_absolute_error(originals, noisy)``: what the noise alone does.
    n_digits : int
        How many digits each error averages.
    trained_level : float
        The noise level the model was trained with.
    model : str or None
        The registry name of the model, for its colour.
    """

    levels: np.ndarray
    cleaned: np.ndarray
    noisy: np.ndarray
    n_digits: int
    trained_level: float
    model: str | None = None

    def cleaned_at(self, level: float) -> float:
        """The cleaned error at ``level``, interpolated between the levels."""
        return float(np.interp(level, self.levels, self.cleaned))


def compute_denoising_errors(
    originals: ArrayLike,
    noisy: ArrayLike,
    cleaned: ArrayLike,
    *,
    levels: ArrayLike,
    trained_level: float,
    model: str | None = None,
) -> DenoisingErrors:
    """The pixel error of the noisy and of the cleaned digits at each level.

    Parameters
    ----------
    originals : array-like, shape (n, 784)
        The clean digits.
    noisy, cleaned : array-like, shape (L, n, 784)
        The digits with each level's noise, and as the model cleaned them.
    levels : array-like, shape (L,)
    trained_level : float
    model : str, optional

    Examples
    --------
    >>> e = compute_denoising_errors(
    ...     [[0, 10]], [[[0, 10]], [[4, 20]]], [[[0, 10]], [[0, 12]]],
    ...     levels=[0, 10], trained_level=10,
    ... )
    >>> e.noisy, e.cleaned
    (array([0., 7.]), array([0., 1.]))
    """
    truth = np.asarray(originals, dtype=np.float64)
    noisy_by_level = np.asarray(noisy, dtype=np.float64)
    cleaned_by_level = np.asarray(cleaned, dtype=np.float64)
    grid = np.asarray(levels, dtype=np.float64)
    if noisy_by_level.shape != cleaned_by_level.shape or noisy_by_level.shape[1:] != (
        truth.shape
    ):
        raise ValueError("noisy and cleaned must be (levels, *originals.shape)")
    if len(grid) != len(noisy_by_level):
        raise ValueError(f"{len(grid)} levels for {len(noisy_by_level)} sets of digits")
    return DenoisingErrors(
        levels=frozen(grid),
        cleaned=frozen([mean_absolute_error(truth, c) for c in cleaned_by_level]),
        noisy=frozen([mean_absolute_error(truth, n) for n in noisy_by_level]),
        n_digits=len(truth),
        trained_level=float(trained_level),
        model=model,
    )


def denoising_figure(errors: DenoisingErrors, *, level: float) -> go.Figure:
    """The cleaned digits' error and the noisy ones' against the noise level.

    Trace 0 is the cleaned error (in the model's colour), trace 1 the noisy
    error (grey, dashed: the noise alone), trace 2 the cleaned error at
    ``level`` (the accent), also marked by a vertical dotted line; a grey
    dotted line marks the level the model was trained with.
    """
    traces = [
        dict(
            type="scatter",
            x=errors.levels,
            y=errors.cleaned,
            mode="lines+markers",
            name="Cleaned",
            line={"color": model_colour(errors.model)},
            hovertemplate="Noise %{x}: error %{y:.1f}<extra>cleaned</extra>",
        ),
        dict(
            type="scatter",
            x=errors.levels,
            y=errors.noisy,
            mode="lines",
            name="Noisy (not cleaned)",
            line=CHANCE_LINE,
            hovertemplate="Noise %{x}: error %{y:.1f}<extra>noisy</extra>",
        ),
        operating_point(
            [level], [errors.cleaned_at(level)], name="At this noise level"
        ),
    ]
    return layout(
        traces,
        title=f"Mean pixel error over {errors.n_digits} test digits",
        height=320,
        shapes=[
            {
                "type": "line",
                "x0": level,
                "x1": level,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": THRESHOLD_LINE,
            },
            {
                "type": "line",
                "x0": errors.trained_level,
                "x1": errors.trained_level,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {**CHANCE_LINE, "dash": "dot"},
            },
        ],
        xaxis={"title": "Noise level"},
        yaxis={"title": "Mean absolute error (0-255)", "rangemode": "tozero"},
        legend={"x": 0.02, "y": 0.98, "xanchor": "left", "yanchor": "top"},
    )
