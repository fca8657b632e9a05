"""Every chart in two steps: ``compute_*`` -> frozen dataclass -> ``*_figure``.

The ``compute_*`` functions do the numbers with scikit-learn and return a frozen
dataclass; the ``*_figure`` functions only draw that dataclass with plotly. Like
scikit-learn's Display objects, computing is kept apart from drawing so that each
half can be cached and tested on its own. Nothing here imports Streamlit.

The dataclasses hold numpy arrays, so they are declared with ``eq=False``: the
generated ``__eq__`` would compare arrays element-wise and fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike
from sklearn.metrics import (
    confusion_matrix,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

__all__ = [
    "AccuracyBars",
    "BinaryMetrics",
    "ClassCounts",
    "ClassReport",
    "ConfusionData",
    "ProbabilityBars",
    "RocCurve",
    "RocData",
    "ScoreRanking",
    "ThresholdCurves",
    "accuracy_bars_figure",
    "cell_from_selection",
    "class_counts_figure",
    "compute_accuracy_bars",
    "compute_class_counts",
    "compute_class_report",
    "compute_confusion",
    "compute_probabilities",
    "compute_roc",
    "compute_threshold_curves",
    "confusion_figure",
    "confusion_from_metrics",
    "digit_figure",
    "digit_grid_figure",
    "metrics_at_threshold",
    "pr_curve_figure",
    "probability_figure",
    "roc_figure",
    "threshold_figure",
    "threshold_for_precision",
]

Normalize = Literal["true", "pred"] | None
ScoreKind = Literal["probability", "decision"]

#: Above this many points a curve is thinned out for drawing (see ``max_points``).
MAX_CURVE_POINTS = 2000

_BLUE = "#1f77b4"
_ORANGE = "#ff7f0e"
_GREEN = "#2ca02c"
_RED = "#d62728"
_GREY = "#7f7f7f"


def _number(value: float) -> str:
    """A score for people: ``877,600`` rather than ``8.776e+05``; ``0.25`` stays."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


# Digits as MNIST stores them and the canvas draws them: white ink on black.
_INK = [[0.0, "black"], [1.0, "white"]]
_MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}


def _frozen(array: ArrayLike, dtype: Any = None) -> np.ndarray:
    """A read-only copy, so that a frozen dataclass really cannot change."""
    out = np.array(array, dtype=dtype)
    out.setflags(write=False)
    return out


def _binary_target(y_true: ArrayLike) -> np.ndarray:
    """Validate a binary target (bools or 0/1) and return it as bools."""
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(f"y_true must be one-dimensional, got shape {y.shape}")
    if y.dtype != bool:
        values = set(np.unique(y).tolist())
        if not values <= {0, 1}:
            raise ValueError(
                f"y_true must be binary (bools or 0/1), got values {sorted(values)}"
            )
    return y.astype(bool)


def _scores_for(y: np.ndarray, scores: ArrayLike, name: str = "scores") -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != y.shape:
        raise ValueError(f"{name} has shape {s.shape}, y_true has shape {y.shape}")
    if not np.isfinite(s).all():
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    return s


def _decimation_index(*series: np.ndarray, max_points: int) -> np.ndarray:
    """Indices of the points to draw so that each series keeps its shape.

    Min-max decimation: the index range is cut into buckets and each bucket keeps
    its first and last point and, for every series, its lowest and highest point.
    The first and last points overall are always kept. The result is sorted and
    has at most ``max_points`` indices; every index is a real point of the input.

    >>> _decimation_index(np.arange(5.0), max_points=10)
    array([0, 1, 2, 3, 4])
    """
    n = len(series[0])
    if n <= max_points:
        return np.arange(n)
    per_bucket = 2 + 2 * len(series)
    n_buckets = max(1, (max_points - 1) // per_bucket)
    size = -(-n // n_buckets)
    grid = np.minimum(np.arange(n_buckets * size).reshape(n_buckets, size), n - 1)
    rows = np.arange(n_buckets)
    keep = [grid[:, 0], grid[:, -1], np.array([n - 1])]
    for values in series:
        block = values[grid]
        keep += [grid[rows, block.argmin(axis=1)], grid[rows, block.argmax(axis=1)]]
    return np.unique(np.concatenate(keep))


# --------------------------------------------------------------------------------
# Confusion matrix
# --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ConfusionData:
    """A confusion matrix and the values to display for it.

    Attributes
    ----------
    labels : ndarray, shape (k,)
        Class labels, in the order of rows and columns.
    counts : ndarray of int, shape (k, k)
        ``confusion_matrix(y_true, y_pred)``: rows are actual, columns predicted.
    matrix : ndarray, shape (k, k)
        What is drawn: the counts, or normalised, or the errors only.
    normalize : {None, "true", "pred"}
        ``"true"`` divides each row by its sum, ``"pred"`` each column.
    errors_only : bool
        Whether the diagonal was zeroed before normalising (the book's error
        analysis, ``sample_weight=(y_pred != y_true)``).
    """

    labels: np.ndarray
    counts: np.ndarray
    matrix: np.ndarray
    normalize: Normalize
    errors_only: bool

    @property
    def is_binary(self) -> bool:
        """Two classes: the cells are TN, FP, FN and TP."""
        return len(self.labels) == 2


def compute_confusion(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    normalize: Normalize = None,
    errors_only: bool = False,
) -> ConfusionData:
    """Count the confusion matrix and work out the values to display.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n,)
        Actual and predicted classes.
    labels : array-like, optional
        Classes in display order; by default all classes seen, sorted.
    normalize : {None, "true", "pred"}
        Divide each row (``"true"``) or column (``"pred"``) by its sum.
    errors_only : bool
        Zero the diagonal first, so that only the errors are compared, as in the
        book's error analysis.

    Returns
    -------
    ConfusionData

    Examples
    --------
    >>> data = compute_confusion([0, 0, 1, 1], [0, 1, 1, 1])
    >>> data.counts
    array([[1, 1],
           [0, 2]])
    >>> compute_confusion([0, 0, 1, 1], [0, 1, 1, 1], normalize="true").matrix
    array([[0.5, 0.5],
           [0. , 1. ]])
    """
    if normalize not in (None, "true", "pred"):
        raise ValueError(f"normalize must be None, 'true' or 'pred', not {normalize!r}")
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    labels = np.asarray(labels)
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    return _confusion_data(labels, counts, normalize=normalize, errors_only=errors_only)


def confusion_from_metrics(
    metrics: BinaryMetrics, *, normalize: Normalize = None
) -> ConfusionData:
    """The binary confusion matrix at a threshold, without looking at the scores.

    For the tradeoff page: :func:`metrics_at_threshold` already counted TN, FP,
    FN and TP in O(log n), so redrawing the matrix on a slider move costs nothing.
    The labels are ``False`` and ``True``.

    Examples
    --------
    >>> curves = compute_threshold_curves([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> confusion_from_metrics(metrics_at_threshold(curves, 0.35)).counts
    array([[1, 1],
           [0, 2]])
    """
    counts = np.array([[metrics.tn, metrics.fp], [metrics.fn, metrics.tp]])
    labels = np.array([False, True])
    return _confusion_data(labels, counts, normalize=normalize, errors_only=False)


def _confusion_data(
    labels: np.ndarray,
    counts: np.ndarray,
    *,
    normalize: Normalize,
    errors_only: bool,
) -> ConfusionData:
    if normalize not in (None, "true", "pred"):
        raise ValueError(f"normalize must be None, 'true' or 'pred', not {normalize!r}")
    matrix = counts.copy()
    if errors_only:
        np.fill_diagonal(matrix, 0)
    if normalize is not None:
        axis = 1 if normalize == "true" else 0
        totals = matrix.sum(axis=axis, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = np.where(totals > 0, matrix / totals, 0.0)
    return ConfusionData(
        labels=_frozen(labels),
        counts=_frozen(counts),
        matrix=_frozen(matrix),
        normalize=normalize,
        errors_only=errors_only,
    )


def _label_text(label: Any) -> str:
    return str(label.item() if isinstance(label, np.generic) else label)


def _python_scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _confusion_title(data: ConfusionData) -> str:
    by = {None: "", "true": ", normalised by row", "pred": ", normalised by column"}
    head = "Errors only" if data.errors_only else "Confusion matrix"
    return head + by[data.normalize]


def confusion_figure(
    data: ConfusionData,
    *,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
) -> go.Figure:
    """Draw a confusion matrix as a labelled heatmap, one clickable point per cell.

    Rows are the actual classes (top to bottom), columns the predicted ones. Two
    classes get TN/FP/FN/TP cells with their counts. Trace 0 is the heatmap
    (``z`` is ``data.matrix``); trace 1 is an invisible scatter with one marker per
    cell whose ``customdata`` is ``(actual, predicted, count)``: plotly heatmaps
    cannot be selected, scatter points can, so a click on a cell selects that
    marker. Read the click back with :func:`cell_from_selection`.

    Parameters
    ----------
    data : ConfusionData
    title : str, optional
        Defaults to a title that says what is shown.
    class_names : sequence of str, optional
        Tick labels, one per class (for example ``["not 5", "5"]``); by default
        the labels themselves.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    k = len(data.labels)
    if class_names is not None and len(class_names) != k:
        raise ValueError(f"{len(class_names)} class names for {k} classes")
    ticks = (
        list(class_names)
        if class_names is not None
        else [_label_text(label) for label in data.labels]
    )
    normalised = data.normalize is not None
    fmt = "{:.1%}" if data.is_binary else "{:.0%}"
    text = np.empty((k, k), dtype=object)
    for i in range(k):
        for j in range(k):
            count = int(data.counts[i, j])
            value = fmt.format(data.matrix[i, j]) if normalised else f"{count:,}"
            if data.errors_only and i == j:
                value = ""
            if data.is_binary:
                name = (("TN", "FP"), ("FN", "TP"))[i][j]
                extra = f"<br>({count:,})" if normalised else ""
                value = f"<b>{name}</b><br>{value}{extra}"
            text[i, j] = value
    rows, cols = np.indices((k, k)).reshape(2, -1)
    customdata = [
        [
            _python_scalar(data.labels[i]),
            _python_scalar(data.labels[j]),
            int(data.counts[i, j]),
        ]
        for i, j in zip(rows, cols, strict=True)
    ]
    heatmap = go.Heatmap(
        z=data.matrix,
        x=np.arange(k),
        y=np.arange(k),
        text=text,
        texttemplate="%{text}",
        colorscale="Blues",
        showscale=False,
        hoverinfo="skip",
        name="matrix",
    )
    cells = go.Scatter(
        x=cols,
        y=rows,
        mode="markers",
        customdata=customdata,
        # Transparent until selected; then the clicked cell gets a red frame.
        marker={
            "symbol": "square-open",
            "size": max(14, min(60, 320 // k)),
            "color": "rgba(0,0,0,0)",
            "line": {"width": 3},
        },
        selected={"marker": {"color": _RED, "opacity": 0.9}},
        unselected={"marker": {"opacity": 0}},
        hovertemplate=(
            "Actual %{customdata[0]}<br>Predicted %{customdata[1]}"
            "<br>%{customdata[2]:,} digits<extra></extra>"
        ),
        showlegend=False,
        name="cells",
    )
    fig = go.Figure([heatmap, cells])
    # Fixed ranges: the markers would otherwise pad the autorange.
    axis = {
        "tickmode": "array",
        "tickvals": list(range(k)),
        "ticktext": ticks,
        "showgrid": False,
        "zeroline": False,
        "constrain": "domain",
    }
    fig.update_layout(
        title=title if title is not None else _confusion_title(data),
        xaxis={**axis, "title": "Predicted", "range": [-0.5, k - 0.5]},
        yaxis={
            **axis,
            "title": "Actual",
            "range": [k - 0.5, -0.5],
            "scaleanchor": "x",
        },
        # No hover cut-off: the nearest cell marker is always the cell under the
        # pointer, so a click anywhere in a cell selects that cell.
        hovermode="closest",
        hoverdistance=-1,
        plot_bgcolor="white",
        margin=_MARGIN,
        height=300 if data.is_binary else 480,
    )
    return fig


def cell_from_selection(
    points: Sequence[Mapping[str, Any]] | None,
) -> tuple[int, int] | None:
    """The ``(actual, predicted)`` cell clicked in a :func:`confusion_figure`.

    Parameters
    ----------
    points : list of dict or None
        ``event.selection.points`` (or ``event["selection"]["points"]``) from
        ``st.plotly_chart(fig, on_select="rerun", selection_mode="points")``.

    Returns
    -------
    tuple of int or None
        The actual and predicted class labels of the last selected cell, or
        ``None`` when no cell is selected.

    Examples
    --------
    >>> cell_from_selection([{"curve_number": 1, "customdata": [3, 5, 12]}])
    (3, 5)
    >>> cell_from_selection([]) is None
    True
    """
    for point in reversed(list(points or [])):
        custom = point.get("customdata")
        if isinstance(custom, Sequence) and not isinstance(custom, str):
            if len(custom) >= 2:
                return int(custom[0]), int(custom[1])
    return None


# --------------------------------------------------------------------------------
# Scores and thresholds
# --------------------------------------------------------------------------------


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
        y = _binary_target(y_true_binary)
        s = _scores_for(y, scores)
        order = np.argsort(s, kind="stable")
        from_end = np.cumsum(y[order][::-1], dtype=np.int64)[::-1]
        return cls(
            sorted_scores=_frozen(s[order]),
            positives_from=_frozen(np.append(from_end, 0)),
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
    y = _binary_target(y_true_binary)
    precisions, recalls, thresholds = precision_recall_curve(
        y, np.asarray(scores, dtype=np.float64)
    )
    return ThresholdCurves(
        precisions=_frozen(precisions),
        recalls=_frozen(recalls),
        thresholds=_frozen(thresholds),
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


def _operating_point_marker(
    x: list[float], y: list[float], name: str, color: str
) -> go.Scatter:
    return go.Scatter(
        x=x,
        y=y,
        mode="markers",
        marker={"size": 11, "color": color, "line": {"color": "white", "width": 1}},
        name=name,
        showlegend=False,
    )


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
    keep = _decimation_index(precisions, recalls, max_points=max_points)
    x = curves.thresholds[keep]
    at = metrics_at_threshold(curves, threshold)
    fig = go.Figure(
        [
            go.Scatter(
                x=x, y=precisions[keep], name="Precision", line={"color": _BLUE}
            ),
            go.Scatter(
                x=x,
                y=recalls[keep],
                name="Recall",
                line={"color": _GREEN, "dash": "dash"},
            ),
            go.Scatter(
                x=[threshold, threshold],
                y=[at.precision, at.recall],
                mode="markers",
                marker={"size": 10, "color": [_BLUE, _GREEN]},
                name="At threshold",
                showlegend=False,
                hoverinfo="skip",
            ),
        ]
    )
    fig.update_layout(
        shapes=[
            {
                "type": "line",
                "x0": threshold,
                "x1": threshold,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"color": _GREY, "dash": "dot", "width": 2},
            }
        ],
        title=f"Precision and recall versus threshold ({_number(threshold)})",
        xaxis={"title": "Threshold"},
        yaxis={"title": "Value", "range": [0, 1.02]},
        hovermode="x unified",
        legend={"x": 0.01, "y": 0.5, "xanchor": "left", "yanchor": "middle"},
        margin=_MARGIN,
        height=400,
    )
    return fig


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
    keep = _decimation_index(curves.precisions, curves.recalls, max_points=max_points)
    at = metrics_at_threshold(curves, threshold)
    fig = go.Figure(
        [
            go.Scatter(
                x=curves.recalls[keep],
                y=curves.precisions[keep],
                name="Precision/recall curve",
                line={"color": _BLUE},
                hovertemplate="Recall %{x:.3f}<br>Precision %{y:.3f}<extra></extra>",
            ),
            _operating_point_marker(
                [at.recall],
                [at.precision],
                f"Threshold {_number(threshold)}",
                _RED,
            ),
        ]
    )
    fig.update_layout(
        title=(
            f"Precision {at.precision:.1%}, recall {at.recall:.1%} "
            f"at threshold {_number(threshold)}"
        ),
        xaxis={"title": "Recall", "range": [0, 1.01]},
        yaxis={"title": "Precision", "range": [0, 1.02]},
        showlegend=False,
        margin=_MARGIN,
        height=400,
    )
    return fig


# --------------------------------------------------------------------------------
# ROC
# --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RocCurve:
    """One model's ROC curve, as ``roc_curve`` and ``roc_auc_score`` give it."""

    name: str
    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    auc: float
    ranking: ScoreRanking


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
    y_true_binary: ArrayLike, scores_by_model: Mapping[str, ArrayLike]
) -> RocData:
    """ROC curve and AUC of each model.

    Parameters
    ----------
    y_true_binary : array-like of bool or 0/1, shape (n,)
    scores_by_model : mapping of str to array-like, shape (n,)
        Decision scores or positive-class probabilities (the book uses
        ``predict_proba(X)[:, 1]`` for the random forest), by model name.

    Returns
    -------
    RocData

    Examples
    --------
    >>> data = compute_roc([0, 0, 1, 1], {"SGD": [0.1, 0.4, 0.35, 0.8]})
    >>> data.curve("SGD").auc
    0.75
    """
    if not scores_by_model:
        raise ValueError("scores_by_model is empty")
    y = _binary_target(y_true_binary)
    curves = []
    for name, model_scores in scores_by_model.items():
        scores = _scores_for(y, model_scores, name=f"scores of {name!r}")
        fpr, tpr, thresholds = roc_curve(y, scores)
        curves.append(
            RocCurve(
                name=name,
                fpr=_frozen(fpr),
                tpr=_frozen(tpr),
                thresholds=_frozen(thresholds),
                auc=float(roc_auc_score(y, scores)),
                ranking=ScoreRanking.from_scores(y, scores),
            )
        )
    return RocData(curves=tuple(curves))


def roc_figure(
    data: RocData,
    *,
    threshold: float | None = None,
    threshold_model: str | None = None,
    max_points: int = MAX_CURVE_POINTS,
) -> go.Figure:
    """ROC curves with their AUC, the random-classifier diagonal and a threshold.

    Trace 0 is the diagonal; then one trace per model (``fpr`` on x, ``tpr`` on
    y, thinned out past ``max_points``); then, if ``threshold`` is given, the
    operating point of ``threshold_model`` (default: the first model) there.

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
    colors = [_BLUE, _ORANGE, _GREEN, "#9467bd", "#8c564b", "#e377c2"]
    traces: list[go.Scatter] = [
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="Random classifier",
            line={"color": _GREY, "dash": "dot"},
            hoverinfo="skip",
        )
    ]
    for n, curve in enumerate(data.curves):
        keep = _decimation_index(curve.fpr, curve.tpr, max_points=max_points)
        traces.append(
            go.Scatter(
                x=curve.fpr[keep],
                y=curve.tpr[keep],
                mode="lines",
                name=f"{curve.name} (AUC = {curve.auc:.3f})",
                line={"color": colors[n % len(colors)]},
                hovertemplate="FPR %{x:.3f}<br>TPR %{y:.3f}",
            )
        )
    if threshold is not None:
        curve = data.curve(threshold_model or data.curves[0].name)
        at = metrics_at_threshold(curve, threshold)
        traces.append(
            _operating_point_marker(
                [at.fpr],
                [at.tpr],
                f"{curve.name} at threshold {_number(threshold)}",
                _RED,
            )
        )
        traces[-1].update(
            showlegend=True,
            hovertemplate=(
                f"Threshold {_number(threshold)}<br>FPR %{{x:.3f}}<br>TPR %{{y:.3f}}"
                "<extra></extra>"
            ),
        )
    fig = go.Figure(traces)
    fig.update_layout(
        title="ROC curve",
        xaxis={"title": "False positive rate (fall-out)", "range": [0, 1]},
        yaxis={"title": "True positive rate (recall)", "range": [0, 1.01]},
        legend={"x": 0.98, "y": 0.02, "xanchor": "right", "yanchor": "bottom"},
        margin=_MARGIN,
        height=480,
    )
    return fig


# --------------------------------------------------------------------------------
# One drawing: class probabilities or scores
# --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ProbabilityBars:
    """A model's output for one image: one value per class.

    Attributes
    ----------
    classes : ndarray, shape (k,)
    values : ndarray of float, shape (k,)
        Probabilities (``predict_proba``) or decision scores.
    kind : {"probability", "decision"}
    predicted : int
        Index of the predicted class (the largest value).
    """

    classes: np.ndarray
    values: np.ndarray
    kind: ScoreKind
    predicted: int

    @property
    def predicted_class(self) -> Any:
        """The label of the predicted class."""
        return _python_scalar(self.classes[self.predicted])


def compute_probabilities(
    values: ArrayLike,
    *,
    kind: ScoreKind,
    classes: ArrayLike | None = None,
) -> ProbabilityBars:
    """Per-class output of a model for one image, ready to draw.

    Parameters
    ----------
    values : array-like, shape (k,) or (1, k)
        A row of ``predict_proba`` or ``decision_function``.
    kind : {"probability", "decision"}
    classes : array-like, shape (k,), optional
        ``model.classes_``; by default ``0 .. k-1``.

    Returns
    -------
    ProbabilityBars

    Examples
    --------
    >>> bars = compute_probabilities([0.1, 0.7, 0.2], kind="probability")
    >>> bars.predicted_class
    1
    """
    if kind not in ("probability", "decision"):
        raise ValueError(f"kind must be 'probability' or 'decision', not {kind!r}")
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 2 and v.shape[0] == 1:
        v = v[0]
    if v.ndim != 1 or len(v) < 2:
        raise ValueError(f"need one value per class (at least 2), got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError("values must be finite")
    if kind == "probability" and ((v < 0).any() or (v > 1 + 1e-9).any()):
        raise ValueError("probabilities must lie between 0 and 1")
    labels = np.arange(len(v)) if classes is None else np.asarray(classes)
    if labels.shape != v.shape:
        raise ValueError(f"{len(labels)} classes for {len(v)} values")
    return ProbabilityBars(
        classes=_frozen(labels),
        values=_frozen(v),
        kind=kind,
        predicted=int(v.argmax()),
    )


def _value_text(value: float, is_probability: bool) -> str:
    if is_probability:
        return f"{value:.0%}"
    return _number(value)


def probability_figure(data: ProbabilityBars) -> go.Figure:
    """A bar per class, the predicted class highlighted.

    Trace 0 is the bar chart: ``x`` the class labels (as text), ``y`` the values.

    Parameters
    ----------
    data : ProbabilityBars

    Returns
    -------
    plotly.graph_objects.Figure
    """
    is_probability = data.kind == "probability"
    colors = [_BLUE] * len(data.values)
    colors[data.predicted] = _RED
    fig = go.Figure(
        go.Bar(
            x=[_label_text(c) for c in data.classes],
            y=data.values,
            marker={"color": colors},
            text=[_value_text(v, is_probability) for v in data.values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="Class %{x}: %{y:.4g}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"Predicted: {data.predicted_class}",
        xaxis={"title": "Class", "type": "category"},
        yaxis={
            "title": "Probability" if is_probability else "Decision score",
            **({"range": [0, 1.1], "tickformat": ".0%"} if is_probability else {}),
        },
        margin=_MARGIN,
        height=320,
    )
    return fig


# --------------------------------------------------------------------------------
# Images of digits
# --------------------------------------------------------------------------------


def _as_images(images: ArrayLike) -> np.ndarray:
    a = np.asarray(images, dtype=np.float64)
    if a.ndim == 1:
        a = a[np.newaxis]
    if a.ndim == 2 and a.shape[1] == 784:
        a = a.reshape(-1, 28, 28)
    if a.ndim != 3 or a.shape[1:] != (28, 28):
        raise ValueError(f"expected images of 784 pixels, got shape {a.shape}")
    return a


def _ink_range(images: np.ndarray) -> float:
    # Pixels are 0-255 in MNIST; a [0, 1] image is drawn on its own scale.
    return 255.0 if images.size and images.max() > 1 else 1.0


def _picture_layout(fig: go.Figure) -> None:
    hidden = {"visible": False, "showgrid": False, "zeroline": False}
    fig.update_layout(
        xaxis={**hidden, "constrain": "domain"},
        yaxis={**hidden, "autorange": "reversed", "scaleanchor": "x"},
        # Gaps between tiles are NaN: let the page's background show through.
        plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
    )


def digit_grid_figure(
    images: ArrayLike,
    *,
    columns: int = 10,
    titles: Sequence[str] | None = None,
    gap: int = 2,
) -> go.Figure:
    """A gallery of digits tiled into one picture, as the book's ``plot_digits``.

    Trace 0 is one heatmap of the mosaic: tile ``i`` sits at row ``i // columns``,
    column ``i % columns``; the gaps between tiles are NaN (drawn blank).

    Parameters
    ----------
    images : array-like, shape (n, 784) or (n, 28, 28)
        Pixel values 0-255 (or 0-1).
    columns : int
        Tiles per row.
    titles : sequence of str, optional
        One short caption per image, written above it.
    gap : int
        Blank pixels between tiles (more when there are titles).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    digits = _as_images(images)
    n = len(digits)
    if columns < 1:
        raise ValueError("columns must be at least 1")
    if titles is not None and len(titles) != n:
        raise ValueError(f"{len(titles)} titles for {n} images")
    columns = max(1, min(columns, n))
    rows = max(1, -(-n // columns))
    top = 9 if titles is not None else 0
    step_x, step_y = 28 + gap, 28 + gap + top
    mosaic = np.full((rows * step_y - gap, columns * step_x - gap), np.nan)
    annotations = []
    for i, digit in enumerate(digits):
        r, c = divmod(i, columns)
        y0, x0 = r * step_y + top, c * step_x
        mosaic[y0 : y0 + 28, x0 : x0 + 28] = digit
        if titles is not None:
            annotations.append(
                {
                    "x": x0 + 13.5,
                    "y": y0 - 1,
                    "text": titles[i],
                    "showarrow": False,
                    "yanchor": "bottom",
                    "font": {"size": 11},
                }
            )
    fig = go.Figure(
        go.Heatmap(
            z=mosaic,
            colorscale=_INK,
            zmin=0,
            zmax=_ink_range(digits),
            showscale=False,
            hoverinfo="skip",
            hoverongaps=False,
        )
    )
    _picture_layout(fig)
    # The picture keeps square pixels; a height near its aspect avoids blank bands.
    height = int(np.clip(40 + 1.7 * mosaic.shape[0], 150, 800))
    fig.update_layout(annotations=annotations, height=height)
    return fig


def digit_figure(image: ArrayLike, *, title: str | None = None) -> go.Figure:
    """One 28x28 digit, enlarged with square pixels, as a model sees it.

    Trace 0 is a heatmap whose ``z`` is the image reshaped to 28x28, drawn
    without smoothing.

    Parameters
    ----------
    image : array-like, shape (784,) or (28, 28)
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
    """
    digit = _as_images(image)
    if len(digit) != 1:
        raise ValueError(f"expected one image, got {len(digit)}")
    fig = go.Figure(
        go.Heatmap(
            z=digit[0],
            colorscale=_INK,
            zmin=0,
            zmax=_ink_range(digit),
            zsmooth=False,
            showscale=False,
            hovertemplate="row %{y}, column %{x}: %{z}<extra></extra>",
        )
    )
    _picture_layout(fig)
    fig.update_layout(
        title=title,
        shapes=[
            {
                "type": "rect",
                "x0": -0.5,
                "x1": 27.5,
                "y0": -0.5,
                "y1": 27.5,
                "line": {"color": _GREY, "width": 1},
            }
        ],
        title_font_size=14,
        width=260,
        height=290,
    )
    return fig


# --------------------------------------------------------------------------------
# Tables and bars
# --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ClassReport:
    """Per-class precision, recall, F1 and support.

    From ``precision_recall_fscore_support(y_true, y_pred, zero_division=0)``.
    """

    labels: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray

    def rows(self) -> list[dict[str, Any]]:
        """One dict per class, for ``st.dataframe``.

        Examples
        --------
        >>> row = compute_class_report([0, 1, 1], [0, 1, 0]).rows()[0]
        >>> row["class"], row["precision"], row["recall"], row["support"]
        (0, 0.5, 1.0, 1)
        """
        return [
            {
                "class": _python_scalar(label),
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(s),
            }
            for label, p, r, f, s in zip(
                self.labels,
                self.precision,
                self.recall,
                self.f1,
                self.support,
                strict=True,
            )
        ]


def compute_class_report(
    y_true: ArrayLike, y_pred: ArrayLike, *, labels: ArrayLike | None = None
) -> ClassReport:
    """Precision, recall, F1 and support of each class.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n,)
    labels : array-like, optional
        Classes to report; by default all classes seen, sorted.

    Returns
    -------
    ClassReport
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    labels = np.asarray(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    return ClassReport(
        labels=_frozen(labels),
        precision=_frozen(precision),
        recall=_frozen(recall),
        f1=_frozen(f1),
        support=_frozen(support),
    )


@dataclass(frozen=True, eq=False)
class ClassCounts:
    """How many samples each class has."""

    classes: np.ndarray
    counts: np.ndarray


def compute_class_counts(y: ArrayLike) -> ClassCounts:
    """Count the samples of each class.

    Examples
    --------
    >>> compute_class_counts([5, 0, 5]).counts
    array([1, 2])
    """
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    return ClassCounts(classes=_frozen(classes), counts=_frozen(counts))


def class_counts_figure(data: ClassCounts) -> go.Figure:
    """A bar per class: how many samples it has (trace 0)."""
    fig = go.Figure(
        go.Bar(
            x=[_label_text(c) for c in data.classes],
            y=data.counts,
            marker={"color": _BLUE},
            hovertemplate="Class %{x}: %{y:,} samples<extra></extra>",
        )
    )
    fig.update_layout(
        title="Samples per class",
        xaxis={"title": "Class", "type": "category"},
        yaxis={"title": "Samples"},
        margin=_MARGIN,
        height=320,
    )
    return fig


@dataclass(frozen=True, eq=False)
class AccuracyBars:
    """Mean and standard deviation of cross-validated accuracy, by model."""

    names: tuple[str, ...]
    means: np.ndarray
    stds: np.ndarray


def compute_accuracy_bars(scores_by_model: Mapping[str, ArrayLike]) -> AccuracyBars:
    """Summarise per-fold accuracies (``cross_val_score`` output) by model.

    Examples
    --------
    >>> bars = compute_accuracy_bars({"dummy": [0.9, 0.9, 0.9], "SGD": [0.9, 1.0]})
    >>> bars.names, bars.means
    (('dummy', 'SGD'), array([0.9 , 0.95]))
    """
    if not scores_by_model:
        raise ValueError("scores_by_model is empty")
    folds = [np.asarray(s, dtype=np.float64) for s in scores_by_model.values()]
    if any(f.ndim != 1 or len(f) == 0 for f in folds):
        raise ValueError("each model needs a non-empty 1-d array of fold scores")
    return AccuracyBars(
        names=tuple(scores_by_model),
        means=_frozen([f.mean() for f in folds]),
        stds=_frozen([f.std() for f in folds]),
    )


def accuracy_bars_figure(data: AccuracyBars) -> go.Figure:
    """Cross-validated accuracy by model, error bars one standard deviation.

    Trace 0 is the bar chart: ``x`` the names, ``y`` the means, ``error_y`` the
    standard deviations.
    """
    fig = go.Figure(
        go.Bar(
            x=list(data.names),
            y=data.means,
            error_y={"type": "data", "array": data.stds, "visible": True},
            marker={"color": _BLUE},
            text=[f"{m:.1%}" for m in data.means],
            textposition="inside",
            hovertemplate="%{x}: %{y:.2%}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Cross-validated accuracy",
        xaxis={"type": "category"},
        yaxis={"title": "Accuracy", "range": [0, 1], "tickformat": ".0%"},
        margin=_MARGIN,
        height=320,
    )
    return fig
