"""Calibration: do a model's probabilities mean what they say?

A reliability diagram bins the predicted probabilities and plots, for each bin,
the share of samples that really are positive against the mean probability
predicted (``sklearn.calibration.calibration_curve``); a calibrated model sits on
the diagonal. The Brier score (``brier_score_loss``, the mean squared error of
the probabilities) sums up calibration and sharpness in one number: lower is
better, 0 is perfect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike
from plotly.subplots import make_subplots
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from mnist_dash.charts._common import binary_target, frozen, scores_for
from mnist_dash.charts._style import (
    CHANCE_LINE,
    TITLE_MARGIN,
    layout,
    series_colours,
    series_models,
)

Strategy = Literal["uniform", "quantile"]
#: Line styles of series that share a colour (the same model, calibrated twice).
_DASHES = ("solid", "dash", "dot", "dashdot")


@dataclass(frozen=True, eq=False)
class CalibrationCurve:
    """One model's reliability curve and Brier score.

    Attributes
    ----------
    name : str
        The name shown.
    prob_true, prob_pred : ndarray, shape (b,)
        ``calibration_curve``'s output: the share of positives and the mean
        predicted probability of each bin that holds samples.
    counts : ndarray of int, shape (b,)
        How many samples each of those bins holds.
    brier : float
        ``brier_score_loss(y_true, probabilities)``.
    model : str or None
        The registry name that gives the curve its colour.
    """

    name: str
    prob_true: np.ndarray
    prob_pred: np.ndarray
    counts: np.ndarray
    brier: float
    model: str | None = None


@dataclass(frozen=True, eq=False)
class CalibrationData:
    """Reliability curves of several models on the same binary target."""

    curves: tuple[CalibrationCurve, ...]
    n_bins: int
    strategy: Strategy

    def curve(self, name: str) -> CalibrationCurve:
        """The curve of the model called ``name``."""
        for curve in self.curves:
            if curve.name == name:
                return curve
        raise ValueError(f"no calibration curve for {name!r}")


def _bin_counts(
    probabilities: np.ndarray, *, n_bins: int, strategy: Strategy
) -> np.ndarray:
    """Samples per non-empty bin, with ``calibration_curve``'s own bin edges."""
    if strategy == "quantile":
        edges = np.percentile(probabilities, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    totals = np.bincount(np.searchsorted(edges[1:-1], probabilities), minlength=n_bins)
    return totals[totals != 0]


def compute_calibration(
    y_true_binary: ArrayLike,
    probabilities_by_model: Mapping[str, ArrayLike],
    *,
    n_bins: int = 10,
    strategy: Strategy = "uniform",
    models: Mapping[str, str] | None = None,
) -> CalibrationData:
    """Reliability curve and Brier score of each model's positive-class probabilities.

    Parameters
    ----------
    y_true_binary : array-like of bool or 0/1, shape (n,)
    probabilities_by_model : mapping of str to array-like, shape (n,)
        Probabilities of the positive class (``predict_proba(X)[:, 1]``), by the
        name shown.
    n_bins : int
        Bins of ``calibration_curve``.
    strategy : {"uniform", "quantile"}
        Bins of equal width, or holding equal numbers of samples.
    models : mapping of str to str, optional
        The registry name of each shown name, for its colour.

    Returns
    -------
    CalibrationData

    Examples
    --------
    >>> data = compute_calibration([0, 0, 1, 1], {"m": [0.1, 0.3, 0.6, 0.9]}, n_bins=2)
    >>> data.curves[0].prob_true, data.curves[0].counts, data.curves[0].brier
    (array([0., 1.]), array([2, 2]), 0.0675)
    """
    if not probabilities_by_model:
        raise ValueError("probabilities_by_model is empty")
    if n_bins < 2:
        raise ValueError("n_bins must be at least 2")
    y = binary_target(y_true_binary)
    registry = series_models(list(probabilities_by_model), models)
    curves = []
    for (name, values), model in zip(
        probabilities_by_model.items(), registry, strict=True
    ):
        p = scores_for(y, values, name=f"probabilities of {name!r}")
        if p.min() < 0 or p.max() > 1:
            raise ValueError(f"probabilities of {name!r} must lie between 0 and 1")
        prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
        curves.append(
            CalibrationCurve(
                name=name,
                prob_true=frozen(prob_true),
                prob_pred=frozen(prob_pred),
                counts=frozen(_bin_counts(p, n_bins=n_bins, strategy=strategy)),
                brier=float(brier_score_loss(y, p)),
                model=model,
            )
        )
    return CalibrationData(curves=tuple(curves), n_bins=n_bins, strategy=strategy)


def _dashes(models: list[str | None]) -> list[str]:
    """Solid for a model's first series; its later ones dashed, then dotted."""
    seen: dict[str | None, int] = {}
    out = []
    for index, model in enumerate(models):
        key = model if model is not None else f"series {index}"
        out.append(_DASHES[seen.get(key, 0) % len(_DASHES)])
        seen[key] = seen.get(key, 0) + 1
    return out


def calibration_figure(data: CalibrationData) -> go.Figure:
    """The reliability diagram above, how many samples each bin holds below.

    Top (traces 0 to k): trace 0 is the diagonal of perfect calibration, then one
    trace per model, ``prob_pred`` on x and ``prob_true`` on y, named with its
    Brier score, in its model's colour (a second series of the same model is
    dashed, a third dotted). Bottom (traces k + 1 to 2k): the counts of each
    model's bins, against their mean probability, on a log scale.
    """
    models = [curve.model for curve in data.curves]
    colours = series_colours(models)
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.72, 0.28],
        vertical_spacing=0.06,
    )
    fig.add_trace(
        dict(
            type="scatter",
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="Perfectly calibrated",
            line=CHANCE_LINE,
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    for curve, colour, dash in zip(data.curves, colours, _dashes(models), strict=True):
        fig.add_trace(
            dict(
                type="scatter",
                x=curve.prob_pred,
                y=curve.prob_true,
                mode="lines+markers",
                name=f"{curve.name} (Brier {curve.brier:.4f})",
                line={"color": colour, "dash": dash},
                customdata=curve.counts,
                hovertemplate="Predicted %{x:.3f}<br>Really positive %{y:.3f}"
                "<br>%{customdata:,} digits<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for curve, colour, dash in zip(data.curves, colours, _dashes(models), strict=True):
        fig.add_trace(
            dict(
                type="scatter",
                x=curve.prob_pred,
                y=curve.counts,
                mode="lines+markers",
                line={"color": colour, "dash": dash},
                showlegend=False,
                name=curve.name,
                hovertemplate="%{y:,} digits<extra></extra>",
            ),
            row=2,
            col=1,
        )
    return layout(
        fig,
        title=f"Reliability diagram ({data.n_bins} {data.strategy} bins)",
        height=560,
        margin={"t": TITLE_MARGIN},
        xaxis={"range": [0, 1]},
        xaxis2={"title": "Mean predicted probability", "range": [0, 1]},
        yaxis={"title": "Share really positive", "range": [0, 1.02]},
        yaxis2={"title": "Digits", "type": "log", "dtick": 1},
        legend={"x": 0.02, "y": 0.98, "xanchor": "left", "yanchor": "top"},
    )
