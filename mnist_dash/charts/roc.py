"""ROC curves of several models on one binary target, with their AUC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike
from sklearn.metrics import roc_auc_score, roc_curve

from mnist_dash.charts._common import (
    MAX_CURVE_POINTS,
    binary_target,
    decimation_index,
    format_number,
    frozen,
    scores_for,
)
from mnist_dash.charts._style import (
    CHANCE_LINE,
    layout,
    operating_point,
    series_colours,
    series_models,
)
from mnist_dash.charts.thresholds import ScoreRanking, metrics_at_threshold


@dataclass(frozen=True, eq=False)
class RocCurve:
    """One model's ROC curve, as ``roc_curve`` and ``roc_auc_score`` give it.

    ``name`` is the name shown; ``model`` the registry name (``"sgd"``) that
    gives the curve its colour, or None.
    """

    name: str
    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    auc: float
    ranking: ScoreRanking
    model: str | None = None


@dataclass(frozen=True, eq=False)
class RocData:
    """ROC curves of several models on the same binary target."""

    curves: tuple[RocCurve, ...]

    @property
    def names(self) -> list[str]:
        """The model names, in drawing order."""
        return [curve.name for curve in self.curves]

    def curve(self, name: str) -> RocCurve:
        """The curve of the model called ``name``."""
        for curve in self.curves:
            if curve.name == name:
                return curve
        raise ValueError(f"no ROC curve for {name!r}; have {self.names}")


def compute_roc(
    y_true_binary: ArrayLike,
    scores_by_model: Mapping[str, ArrayLike],
    *,
    models: Mapping[str, str] | None = None,
) -> RocData:
    """ROC curve and AUC of each model.

    Parameters
    ----------
    y_true_binary : array-like of bool or 0/1, shape (n,)
    scores_by_model : mapping of str to array-like, shape (n,)
        Decision scores or positive-class probabilities (the book uses
        ``predict_proba(X)[:, 1]`` for the random forest), by the name shown.
    models : mapping of str to str, optional
        The registry name of each shown name (``{"SGD": "sgd"}``), which gives
        its curve the model's colour on every page. A shown name that is itself
        a registry name needs no entry; a curve with no registry name takes a
        free colour.

    Returns
    -------
    RocData

    Examples
    --------
    >>> data = compute_roc(
    ...     [0, 0, 1, 1], {"SGD": [0.1, 0.4, 0.35, 0.8]}, models={"SGD": "sgd"}
    ... )
    >>> data.curve("SGD").auc, data.curve("SGD").model
    (0.75, 'sgd')
    """
    if not scores_by_model:
        raise ValueError("scores_by_model is empty")
    y = binary_target(y_true_binary)
    registry = series_models(list(scores_by_model), models)
    curves = []
    for (name, model_scores), model in zip(
        scores_by_model.items(), registry, strict=True
    ):
        scores = scores_for(y, model_scores, name=f"scores of {name!r}")
        fpr, tpr, thresholds = roc_curve(y, scores)
        curves.append(
            RocCurve(
                name=name,
                fpr=frozen(fpr),
                tpr=frozen(tpr),
                thresholds=frozen(thresholds),
                auc=float(roc_auc_score(y, scores)),
                ranking=ScoreRanking.from_scores(y, scores),
                model=model,
            )
        )
    return RocData(curves=tuple(curves))


def roc_figure(
    data: RocData,
    *,
    threshold: float | None = None,
    threshold_model: str | None = None,
    max_points: int = MAX_CURVE_POINTS,
    log_fpr: bool = False,
) -> go.Figure:
    """ROC curves with their AUC, the random-classifier diagonal and a threshold.

    Trace 0 is the diagonal; then one trace per model (``fpr`` on x, ``tpr`` on
    y, thinned out past ``max_points``), in its model's colour; then, if
    ``threshold`` is given, the operating point of ``threshold_model`` (default:
    the first model) there, in the accent colour.

    With ``log_fpr`` the false positive rate is on a log scale, which opens up
    the top-left corner where good detectors differ. The axis starts at the
    smallest rate there is, one false positive (:func:`smallest_fpr`); a log
    axis cannot show a rate of 0, so the points at 0 are left out and an
    operating point at 0 is drawn at the axis's start (its hover says 0). The
    diagonal is drawn with enough points to follow the log axis.

    Parameters
    ----------
    data : RocData
    threshold : float, optional
        For example the threshold for 90% precision, as in the book.
    threshold_model : str, optional
        Whose curve the threshold belongs to.
    max_points : int

    Returns
    -------
    plotly.graph_objects.Figure
    """
    colours = series_colours([curve.model for curve in data.curves])
    start = smallest_fpr(data)
    diagonal = np.geomspace(start, 1, 60) if log_fpr else np.array([0.0, 1.0])
    traces: list[dict[str, Any]] = [
        dict(
            type="scatter",
            x=diagonal,
            y=diagonal,
            mode="lines",
            name="Random classifier",
            line=CHANCE_LINE,
            hoverinfo="skip",
        )
    ]
    for curve, colour in zip(data.curves, colours, strict=True):
        keep = decimation_index(curve.fpr, curve.tpr, max_points=max_points)
        traces.append(
            dict(
                type="scatter",
                x=curve.fpr[keep],
                y=curve.tpr[keep],
                mode="lines",
                name=f"{curve.name} (AUC = {curve.auc:.3f})",
                line={"color": colour},
                hovertemplate="FPR %{x:.3f}<br>TPR %{y:.3f}",
            )
        )
    if threshold is not None:
        curve = data.curve(threshold_model or data.curves[0].name)
        at = metrics_at_threshold(curve, threshold)
        traces.append(
            operating_point(
                [max(at.fpr, start) if log_fpr else at.fpr],
                [at.tpr],
                name=f"{curve.name} at threshold {format_number(threshold)}",
                showlegend=True,
                hovertemplate=(
                    f"Threshold {format_number(threshold)}"
                    f"<br>FPR {at.fpr:.4f}<br>TPR %{{y:.3f}}<extra></extra>"
                ),
            )
        )
    if log_fpr:
        xaxis = {
            "title": "False positive rate (fall-out), log scale",
            "type": "log",
            "range": [np.log10(start), 0],
        }
    else:
        xaxis = {"title": "False positive rate (fall-out)", "range": [0, 1]}
    return layout(
        traces,
        title="ROC curve, top-left corner" if log_fpr else "ROC curve",
        height=480,
        xaxis=xaxis,
        yaxis={"title": "True positive rate (recall)", "range": [0, 1.01]},
        legend={"x": 0.98, "y": 0.02, "xanchor": "right", "yanchor": "bottom"},
    )


def smallest_fpr(data: RocData) -> float:
    """The smallest false positive rate above 0: one false positive, 1 / negatives.

    Examples
    --------
    >>> smallest_fpr(compute_roc([0, 0, 0, 0, 1], {"m": [1, 2, 3, 4, 5]}))
    0.25
    """
    return 1.0 / max(curve.ranking.n_negative for curve in data.curves)
