"""How steady a detector is: its metrics on each cross-validation fold.

Like Yellowbrick's ``DiscriminationThreshold``: precision, recall, F1 and the
queue rate (the share of samples called positive, the work a "yes" creates)
against the threshold, each as the mean over the folds with the band from the
lowest to the highest fold. Each fold is scored on its own out-of-fold scores,
as ``precision_score(y[fold], scores[fold] >= t)`` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from mnist_dash.charts._common import binary_target, frozen, scores_for
from mnist_dash.charts._style import (
    F1_COLOUR,
    PRECISION_COLOUR,
    QUEUE_COLOUR,
    RECALL_COLOUR,
    THRESHOLD_LINE,
    layout,
)
from mnist_dash.charts.thresholds import ScoreRanking, check_prevalence

FoldMetric = Literal["precision", "recall", "f1", "queue_rate"]
#: The metrics drawn, in order, with their names for people and colours.
FOLD_METRICS: dict[FoldMetric, tuple[str, str]] = {
    "precision": ("Precision", PRECISION_COLOUR),
    "recall": ("Recall", RECALL_COLOUR),
    "f1": ("F1", F1_COLOUR),
    "queue_rate": ("Queue rate", QUEUE_COLOUR),
}


@dataclass(frozen=True, eq=False)
class FoldSpread:
    """Precision, recall, F1 and queue rate of each fold on a grid of thresholds.

    Attributes
    ----------
    thresholds : ndarray, shape (t,)
        The grid: quantiles of all the scores, so that it is dense where the
        scores are.
    values : dict of str to ndarray, shape (k, t)
        One row per fold, for each of :data:`FOLD_METRICS`. Precision is NaN
        where a fold calls nothing positive (it is undefined there).
    prevalence : float or None
        The share of positives each fold is weighted to; None for as it is.
    """

    thresholds: np.ndarray
    values: dict[str, np.ndarray]
    prevalence: float | None = None

    @property
    def n_folds(self) -> int:
        """How many folds."""
        return len(self.values["recall"])

    def band(self, metric: FoldMetric) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The lowest fold, the mean over folds and the highest fold, per threshold.

        NaN where a fold's value is undefined.
        """
        rows = self.values[metric]
        return rows.min(axis=0), rows.mean(axis=0), rows.max(axis=0)


def compute_fold_spread(
    y_true_binary: ArrayLike,
    scores: ArrayLike,
    folds: ArrayLike,
    *,
    n_thresholds: int = 200,
    prevalence: float | None = None,
) -> FoldSpread:
    """Each fold's precision, recall, F1 and queue rate at a grid of thresholds.

    Parameters
    ----------
    y_true_binary : array-like of bool or 0/1, shape (n,)
    scores : array-like of float, shape (n,)
        Out-of-fold scores.
    folds : array-like of int, shape (n,)
        The fold each sample was scored in (see
        :func:`mnist_dash.evaluation.fold_ids`).
    n_thresholds : int
        Quantiles of the scores to use as thresholds (fewer when scores repeat).
    prevalence : float, optional
        Weight each fold's classes to this share of positives, as
        :func:`~mnist_dash.charts.at_prevalence` does for the whole set.

    Returns
    -------
    FoldSpread

    Examples
    --------
    >>> spread = compute_fold_spread(
    ...     [0, 1, 0, 1], [0.2, 0.9, 0.6, 0.4], [0, 0, 1, 1], n_thresholds=3
    ... )
    >>> spread.thresholds, spread.values["recall"]
    (array([0.2, 0.5, 0.9]), array([[1., 1., 1.],
           [1., 0., 0.]]))
    """
    y = binary_target(y_true_binary)
    s = scores_for(y, scores)
    fold_of = np.asarray(folds)
    if fold_of.shape != y.shape:
        raise ValueError(f"folds has shape {fold_of.shape}, y_true has {y.shape}")
    if prevalence is not None:
        check_prevalence(prevalence)
    grid = np.unique(np.quantile(s, np.linspace(0, 1, max(n_thresholds, 2))))
    names = list(FOLD_METRICS)
    rows: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for fold in np.unique(fold_of):
        members = fold_of == fold
        ranking = ScoreRanking.from_scores(y[members], s[members])
        tp, fp = ranking.counts(grid)
        w_neg, w_pos = ranking.class_weights(prevalence)
        tp_w, fp_w = tp * w_pos, fp * w_neg
        positives_w = ranking.n_positive * w_pos
        total_w = positives_w + ranking.n_negative * w_neg
        with np.errstate(invalid="ignore", divide="ignore"):
            rows["precision"].append(tp_w / (tp_w + fp_w))
            rows["recall"].append(tp_w / positives_w)
            rows["f1"].append(2 * tp_w / (tp_w + fp_w + positives_w))
        rows["queue_rate"].append((tp_w + fp_w) / total_w)
    return FoldSpread(
        thresholds=frozen(grid),
        values={name: frozen(np.vstack(rows[name])) for name in names},
        prevalence=prevalence,
    )


def _translucent(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def fold_spread_figure(spread: FoldSpread, *, threshold: float) -> go.Figure:
    """Each metric's mean over the folds, with its lowest-to-highest fold band.

    For each metric of :data:`FOLD_METRICS`, in order, three traces: the lowest
    fold (an invisible line), the highest fold filled down to it (the band) and
    the mean over the folds, in the metric's colour. A vertical dotted line marks
    ``threshold``.
    """
    traces: list[dict[str, Any]] = []
    for metric, (name, colour) in FOLD_METRICS.items():
        low, mean, high = spread.band(metric)
        common = {"x": spread.thresholds, "mode": "lines", "legendgroup": metric}
        traces += [
            dict(
                type="scatter",
                y=low,
                line={"width": 0, "color": colour},
                showlegend=False,
                hoverinfo="skip",
                name=f"{name}, lowest fold",
                **common,
            ),
            dict(
                type="scatter",
                y=high,
                line={"width": 0, "color": colour},
                fill="tonexty",
                fillcolor=_translucent(colour, 0.25),
                showlegend=False,
                hoverinfo="skip",
                name=f"{name}, highest fold",
                **common,
            ),
            dict(
                type="scatter",
                y=mean,
                line={"color": colour, "width": 2},
                name=name,
                hovertemplate=f"{name} %{{y:.3f}}<extra></extra>",
                **common,
            ),
        ]
    return layout(
        traces,
        title=f"{spread.n_folds} folds: their mean, and a band from lowest to highest",
        height=400,
        shapes=[
            {
                "type": "line",
                "x0": threshold,
                "x1": threshold,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": THRESHOLD_LINE,
            }
        ],
        xaxis={"title": "Threshold"},
        yaxis={"title": "Value", "range": [0, 1.02]},
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.2},
    )
