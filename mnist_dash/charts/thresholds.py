"""Scores and thresholds: precision and recall at every threshold, and at one.

Precision depends on how common the positive class is; recall and the false
positive rate do not (each is counted within one class). :func:`at_prevalence`
gives the curves as they would be where a share ``prevalence`` of the digits are
positive, by weighting each class as ``sample_weight`` would:

    precision = TPR * prevalence / (TPR * prevalence + FPR * (1 - prevalence))
"""

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
    CHANCE_LINE,
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

    @property
    def base_rate(self) -> float:
        """The share of positives among the samples."""
        return self.n_positive / len(self.sorted_scores)

    def counts(self, thresholds: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """TP and FP at each threshold (``score >= threshold``), vectorised."""
        first = np.searchsorted(self.sorted_scores, thresholds, side="left")
        tp = self.positives_from[first]
        return tp, (len(self.sorted_scores) - first) - tp

    def class_weights(self, prevalence: float | None) -> tuple[float, float]:
        """``sample_weight`` of a negative and of a positive for ``prevalence``.

        Both are 1.0 for None (the data as it is); otherwise the negatives
        weigh ``(1 - prevalence) * n / n_negative`` and the positives
        ``prevalence * n / n_positive``, so the total weight is still ``n``.
        """
        if prevalence is None:
            return 1.0, 1.0
        check_prevalence(prevalence)
        if not self.n_positive or not self.n_negative:
            raise ValueError("a prevalence needs both classes among the samples")
        n = len(self.sorted_scores)
        return (1 - prevalence) * n / self.n_negative, prevalence * n / self.n_positive

    def metrics(
        self, threshold: float, *, prevalence: float | None = None
    ) -> BinaryMetrics:
        """Counts and rates with ``score >= threshold`` predicted positive.

        With ``prevalence``, the rates are those of the same number of samples
        of which that share is positive, and the counts are the expected ones,
        rounded (each row of the matrix still adds up).
        """
        n = len(self.sorted_scores)
        first = int(np.searchsorted(self.sorted_scores, threshold, side="left"))
        tp = int(self.positives_from[first])
        fp = (n - first) - tp
        fn = self.n_positive - tp
        tn = self.n_negative - fp

        def ratio(num: float, den: float) -> float:
            return num / den if den else 0.0

        w_neg, w_pos = self.class_weights(prevalence)
        tp_w, fp_w, fn_w, tn_w = tp * w_pos, fp * w_neg, fn * w_pos, tn * w_neg
        if prevalence is not None:
            positives = round(prevalence * n)
            tp = round(ratio(tp_w, tp_w + fn_w) * positives)
            fn = positives - tp
            fp = round(ratio(fp_w, fp_w + tn_w) * (n - positives))
            tn = n - positives - fp
        return BinaryMetrics(
            threshold=float(threshold),
            tp=tp,
            fp=fp,
            fn=fn,
            tn=tn,
            precision=ratio(tp_w, tp_w + fp_w),
            recall=ratio(tp_w, tp_w + fn_w),
            f1=ratio(2 * tp_w, 2 * tp_w + fp_w + fn_w),
            fpr=ratio(fp_w, fp_w + tn_w),
            accuracy=ratio(tp_w + tn_w, n),
        )


def check_prevalence(prevalence: float) -> None:
    """Refuse a share of positives outside (0, 1)."""
    if not 0 < prevalence < 1:
        raise ValueError(
            f"prevalence must lie strictly between 0 and 1, got {prevalence}"
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
    prevalence : float or None
        The share of positives the precisions assume (see :func:`at_prevalence`);
        None for the data as it is.
    """

    precisions: np.ndarray
    recalls: np.ndarray
    thresholds: np.ndarray
    ranking: ScoreRanking
    prevalence: float | None = None

    @property
    def positive_share(self) -> float:
        """The share of positives the curves assume: a random classifier's
        precision, the chance level of the PR curve."""
        return self.ranking.base_rate if self.prevalence is None else self.prevalence


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


def at_prevalence(curves: ThresholdCurves, prevalence: float | None) -> ThresholdCurves:
    """The same curves where a share ``prevalence`` of the samples is positive.

    Precision follows the prevalence; recall (and the ROC curve) does not. The
    precisions are ``precision_recall_curve(..., sample_weight=w)``'s with the
    weights of :meth:`ScoreRanking.class_weights`, computed from the sorted
    scores in O(m log n). None gives back the data's own curves.

    Examples
    --------
    >>> curves = compute_threshold_curves([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> at_prevalence(curves, 0.2).precisions.round(3)
    array([0.2  , 0.333, 0.2  , 1.   , 1.   ])
    """
    if prevalence is None and curves.prevalence is None:
        return curves
    tp, fp = curves.ranking.counts(curves.thresholds)
    w_neg, w_pos = curves.ranking.class_weights(prevalence)
    tp_w, fp_w = tp * w_pos, fp * w_neg
    precisions = np.append(tp_w / (tp_w + fp_w), 1.0)
    return ThresholdCurves(
        precisions=frozen(precisions),
        recalls=curves.recalls,
        thresholds=curves.thresholds,
        ranking=curves.ranking,
        prevalence=prevalence,
    )


def threshold_for_recall(curves: ThresholdCurves, target_recall: float) -> float:
    """The highest threshold whose recall still reaches ``target_recall``.

    Recall falls as the threshold rises, so the book's idiom for precision,
    ``thresholds[(recalls >= r).argmax()]``, would return the *first* threshold
    with that recall: the lowest score of all, where recall is 1.

    Raises
    ------
    ValueError
        If no threshold reaches the target recall (only a target above 1).

    Examples
    --------
    >>> curves = compute_threshold_curves([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> threshold_for_recall(curves, 0.9), threshold_for_recall(curves, 0.5)
    (0.35, 0.8)
    """
    reached = np.flatnonzero(curves.recalls[:-1] >= target_recall)
    if not len(reached):
        raise ValueError(f"no threshold reaches a recall of {target_recall:.2%}")
    return float(curves.thresholds[reached[-1]])


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
    prevalence = source.prevalence if isinstance(source, ThresholdCurves) else None
    return ranking.metrics(threshold, prevalence=prevalence)


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
    traces = [
        dict(
            type="scatter",
            x=x,
            y=precisions[keep],
            name="Precision",
            line={"color": PRECISION_COLOUR},
        ),
        dict(
            type="scatter",
            x=x,
            y=recalls[keep],
            name="Recall",
            line={"color": RECALL_COLOUR, "dash": "dash"},
        ),
        operating_point(
            [threshold, threshold],
            [at.precision, at.recall],
            name="At threshold",
            hoverinfo="skip",
        ),
    ]
    return layout(
        traces,
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
    ``max_points``), trace 1 the operating point, trace 2 the chance level: a
    classifier that guesses at random has a precision equal to the share of
    positives (``curves.positive_share``), whatever its recall.

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
    traces = [
        dict(
            type="scatter",
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
        dict(
            type="scatter",
            x=[0, 1],
            y=[curves.positive_share] * 2,
            mode="lines",
            name="Random classifier",
            line=CHANCE_LINE,
            hovertemplate="Chance: precision %{y:.1%}<extra></extra>",
        ),
    ]
    where = (
        ""
        if curves.prevalence is None
        else f", where {curves.prevalence:.1%} are positive"
    )
    return layout(
        traces,
        title=(
            f"Precision {at.precision:.1%}, recall {at.recall:.1%} "
            f"at threshold {format_number(threshold)}{where}"
        ),
        height=400,
        xaxis={"title": "Recall", "range": [0, 1.01]},
        yaxis={"title": "Precision", "range": [0, 1.02]},
        showlegend=False,
    )
