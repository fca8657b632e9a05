"""Scores and thresholds: precision and recall at every threshold, and at one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike
from sklearn.metrics import precision_recall_curve

from mnist_dash.charts._common import (
    MAX_CURVE_POINTS,
    binary_target,
    decimation_index,
    format_number,
    frozen,
    scores_for,
)
from mnist_dash.charts._style import (
    PRECISION_COLOUR,
    RECALL_COLOUR,
    THRESHOLD_LINE,
    layout,
    operating_point,
)

if TYPE_CHECKING:
    from mnist_dash.charts.roc import RocCurve



@dataclass(frozen=True)
class BinaryMetrics:
    """Counts and rates of a binary classifier at one threshold.

    A sample is predicted positive when ``score >= threshold``. A rate whose
    denominator is zero is 0.0 (scikit-learn's ``zero_division=0``).
    """

    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float
    fpr: float
    accuracy: float

    @property
    def tpr(self) -> float:
        """True positive rate, the same as recall."""
        return self.recall


@dataclass(frozen=True, eq=False)
class ScoreRanking:
    """Scores sorted once, so that any threshold is evaluated in O(log n).

    Attributes
    ----------
    sorted_scores : ndarray of float, shape (n,)
        The scores, ascending.
    positives_from : ndarray of int, shape (n + 1,)
        ``positives_from[i]`` is the number of positives among
        ``sorted_scores[i:]``; ``positives_from[n] == 0``.
    """

    sorted_scores: np.ndarray
    positives_from: np.ndarray

    @classmethod
    def from_scores(cls, y_true_binary: ArrayLike, scores: ArrayLike) -> ScoreRanking:
        """Sort the scores of a binary problem (targets bools or 0/1)."""
        y = binary_target(y_true_binary)
        s = scores_for(y, scores)
        order = np.argsort(s, kind="stable")
        from_end = np.cumsum(y[order][::-1], dtype=np.int64)[::-1]
        return cls(
            sorted_scores=frozen(s[order]),
            positives_from=frozen(np.append(from_end, 0)),
        )

    @property
    def n_positive(self) -> int:
        """How many samples are actually positive."""
        return int(self.positives_from[0])

    @property
    def n_negative(self) -> int:
        """How many samples are actually negative."""
        return len(self.sorted_scores) - self.n_positive

    def metrics(self, threshold: float) -> BinaryMetrics:
        """Counts and rates with ``score >= threshold`` predicted positive."""
        n = len(self.sorted_scores)
        first = int(np.searchsorted(self.sorted_scores, threshold, side="left"))
        tp = int(self.positives_from[first])
        fp = (n - first) - tp
        fn = self.n_positive - tp
        tn = self.n_negative - fp

        def ratio(num: int, den: int) -> float:
            return num / den if den else 0.0

        return BinaryMetrics(
            threshold=float(threshold),
            tp=tp,
            fp=fp,
            fn=fn,
            tn=tn,
            precision=ratio(tp, tp + fp),
            recall=ratio(tp, tp + fn),
            f1=ratio(2 * tp, 2 * tp + fp + fn),
            fpr=ratio(fp, fp + tn),
            accuracy=ratio(tp + tn, n),
        )


@dataclass(frozen=True, eq=False)
class ThresholdCurves:
    """Precision and recall for every threshold, as ``precision_recall_curve``.

    Attributes
    ----------
    precisions, recalls : ndarray, shape (m + 1,)
        As scikit-learn returns them: the last entries are 1 and 0, for a
        threshold above every score.
    thresholds : ndarray, shape (m,)
        The distinct scores, ascending.
    ranking : ScoreRanking
        The sorted scores, for :func:`metrics_at_threshold`.
    """

    precisions: np.ndarray
    recalls: np.ndarray
    thresholds: np.ndarray
    ranking: ScoreRanking


def compute_threshold_curves(
    y_true_binary: ArrayLike, scores: ArrayLike
) -> ThresholdCurves:
    """Precision and recall at every threshold of a binary classifier.

    Parameters
    ----------
    y_true_binary : array-like of bool or 0/1, shape (n,)
        Whether each sample is positive (for example ``y_train == 5``).
    scores : array-like of float, shape (n,)
        Decision scores or positive-class probabilities.

    Returns
    -------
    ThresholdCurves

    Examples
    --------
    >>> curves = compute_threshold_curves([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> curves.thresholds
    array([0.1 , 0.35, 0.4 , 0.8 ])
    >>> curves.recalls
    array([1. , 1. , 0.5, 0.5, 0. ])
    """
    ranking = ScoreRanking.from_scores(y_true_binary, scores)
    y = binary_target(y_true_binary)
    precisions, recalls, thresholds = precision_recall_curve(
        y, np.asarray(scores, dtype=np.float64)
    )
    return ThresholdCurves(
        precisions=frozen(precisions),
        recalls=frozen(recalls),
        thresholds=frozen(thresholds),
        ranking=ranking,
    )


def threshold_for_precision(curves: ThresholdCurves, target_precision: float) -> float:
    """The lowest threshold whose precision reaches ``target_precision``.

    The book's ``thresholds[(precisions >= 0.90).argmax()]``.

    Raises
    ------
    ValueError
        If no threshold reaches the target precision.

    Examples
    --------
    >>> curves = compute_threshold_curves([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> threshold_for_precision(curves, 0.9)
    0.8
    """
    reached = curves.precisions[:-1] >= target_precision
    if not reached.any():
        raise ValueError(f"no threshold reaches a precision of {target_precision:.2%}")
    return float(curves.thresholds[reached.argmax()])


def metrics_at_threshold(
    source: ThresholdCurves | RocCurve | ScoreRanking, threshold: float
) -> BinaryMetrics:
    """TP, FP, FN, TN, precision, recall, F1 at one threshold, in O(log n).

    ``score >= threshold`` is positive, as in the book. The scores were sorted
    once when ``source`` was computed, so this is cheap enough to run on every
    move of a slider.

    Parameters
    ----------
    source : ThresholdCurves, RocCurve or ScoreRanking
    threshold : float

    Returns
    -------
    BinaryMetrics

    Examples
    --------
    >>> curves = compute_threshold_curves([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> m = metrics_at_threshold(curves, 0.35)
    >>> m.tp, m.fp, m.fn, m.tn, round(m.precision, 3), m.recall
    (2, 1, 0, 1, 0.667, 1.0)
    """
    ranking = source if isinstance(source, ScoreRanking) else source.ranking
    return ranking.metrics(threshold)


def threshold_figure(
    curves: ThresholdCurves,
    *,
    threshold: float,
    max_points: int = MAX_CURVE_POINTS,
) -> go.Figure:
    """Precision and recall against the threshold, as the book's Figure 3-5.

    Trace 0 is precision, trace 1 recall (``precisions[:-1]`` and
    ``recalls[:-1]`` against ``thresholds``), trace 2 the two values at
    ``threshold``, which is also marked by a vertical dotted line. Curves longer
    than ``max_points`` are thinned out for drawing, keeping their shape.

    Parameters
    ----------
    curves : ThresholdCurves
    threshold : float
        The threshold to mark.
    max_points : int
        Most points drawn per curve.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    precisions = curves.precisions[:-1]
    recalls = curves.recalls[:-1]
    keep = decimation_index(precisions, recalls, max_points=max_points)
    x = curves.thresholds[keep]
    at = metrics_at_threshold(curves, threshold)
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=precisions[keep],
                name="Precision",
                line={"color": PRECISION_COLOUR},
            ),
            go.Scatter(
                x=x,
                y=recalls[keep],
                name="Recall",
                line={"color": RECALL_COLOUR, "dash": "dash"},
            ),
            operating_point(
                [threshold, threshold], [at.precision, at.recall], name="At threshold"
            ).update(hoverinfo="skip"),
        ]
    )
    return layout(
        fig,
        title=f"Precision and recall versus threshold ({format_number(threshold)})",
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
        legend={"x": 0.01, "y": 0.5, "xanchor": "left", "yanchor": "middle"},
    )


def pr_curve_figure(
    curves: ThresholdCurves,
    *,
    threshold: float,
    max_points: int = MAX_CURVE_POINTS,
) -> go.Figure:
    """Precision against recall, with the operating point at ``threshold``.

    Trace 0 is the curve (``recalls`` on x, ``precisions`` on y, thinned out past
    ``max_points``), trace 1 the operating point.

    Parameters
    ----------
    curves : ThresholdCurves
    threshold : float
    max_points : int

    Returns
    -------
    plotly.graph_objects.Figure
    """
    keep = decimation_index(curves.precisions, curves.recalls, max_points=max_points)
    at = metrics_at_threshold(curves, threshold)
    fig = go.Figure(
        [
            go.Scatter(
                x=curves.recalls[keep],
                y=curves.precisions[keep],
                name="Precision/recall curve",
                line={"color": PRECISION_COLOUR},
                hovertemplate="Recall %{x:.3f}<br>Precision %{y:.3f}<extra></extra>",
            ),
            operating_point(
                [at.recall],
                [at.precision],
                name=f"Threshold {format_number(threshold)}",
            ),
        ]
    )
    return layout(
        fig,
        title=(
            f"Precision {at.precision:.1%}, recall {at.recall:.1%} "
            f"at threshold {format_number(threshold)}"
        ),
        height=400,
        xaxis={"title": "Recall", "range": [0, 1.01]},
        yaxis={"title": "Precision", "range": [0, 1.02]},
        showlegend=False,
    )
