"""Confusion matrices: counts, shares or errors only, drawn as clickable heatmaps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike
from sklearn.metrics import confusion_matrix

from mnist_dash.charts._common import frozen, label_text, python_scalar
from mnist_dash.charts._style import (
    BINARY_CELL_FONT_SIZE,
    CELL_FONT_SIZE,
    NEUTRAL,
    SEQUENTIAL,
    layout,
    scale_colour,
    text_colour_on,
)

if TYPE_CHECKING:
    from mnist_dash.charts.thresholds import BinaryMetrics

Normalize = Literal["true", "pred"] | None


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
        The values shown: the counts, or normalised, or the errors only.
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
    >>> from mnist_dash.charts import compute_threshold_curves, metrics_at_threshold
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
        labels=frozen(labels),
        counts=frozen(counts),
        matrix=frozen(matrix),
        normalize=normalize,
        errors_only=errors_only,
    )


def _confusion_title(data: ConfusionData) -> str:
    by = {None: "", "true": ", normalised by row", "pred": ", normalised by column"}
    head = "Errors only" if data.errors_only else "Confusion matrix"
    return head + by[data.normalize]


def _coloured_values(data: ConfusionData) -> np.ndarray:
    """What each cell is coloured by; NaN where ``errors_only`` hides a cell.

    ``data.matrix``, except for the 2x2 matrix of counts: there each cell is
    coloured by its share of its row, or TN (about 90 % of the digits) would
    outshine the cells that matter.
    """
    values = data.matrix.astype(np.float64)
    if data.is_binary and data.normalize is None:
        totals = values.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(totals > 0, values / totals, 0.0)
    if data.errors_only:
        np.fill_diagonal(values, np.nan)
    return values


def _cell_text(data: ConfusionData, values: np.ndarray, i: int, j: int) -> str:
    if np.isnan(values[i, j]):
        return ""
    count = int(data.counts[i, j])
    if data.is_binary:
        name = (("TN", "FP"), ("FN", "TP"))[i][j]
        return f"<b>{name}</b><br>{count:,}<br>{values[i, j]:.1%}"
    return f"{data.matrix[i, j]:.0%}" if data.normalize is not None else f"{count:,}"


def confusion_figure(
    data: ConfusionData,
    *,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
) -> go.Figure:
    """Draw a confusion matrix as a labelled heatmap, one clickable point per cell.

    Rows are the actual classes (top to bottom), columns the predicted ones.

    Trace 0 is the heatmap. Its ``z`` holds what each cell is coloured by, on
    the sequential scale: ``data.matrix``, with NaN (an empty cell) where
    ``errors_only`` hides the diagonal; but the 2x2 matrix of counts is coloured
    by each cell's share of its row, so that TP is coloured by the recall and TN
    by the specificity, not by counts that TN dominates. Its ``text`` is what is
    written in each cell: TN/FP/FN/TP, the count and that share for two classes;
    the count or the share for more. Each text is black or white, whichever
    contrasts more with its cell.

    Trace 1 is an invisible scatter with one marker per cell whose
    ``customdata`` is ``(actual, predicted, count)``, so the counts are there
    whatever ``z`` holds. Plotly heatmaps cannot be selected, scatter points
    can, so a click on a cell selects (and frames) that marker. Read the click
    back with :func:`cell_from_selection`.

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
        else [label_text(label) for label in data.labels]
    )
    values = _coloured_values(data)
    shown = values[~np.isnan(values)]
    top = 1.0 if data.is_binary or not shown.size or shown.max() <= 0 else shown.max()
    # The colour of each cell is known, so its text can contrast with it.
    ink = np.full((k, k), NEUTRAL, dtype=object)
    text = np.empty((k, k), dtype=object)
    for i in range(k):
        for j in range(k):
            if not np.isnan(values[i, j]):
                ink[i, j] = text_colour_on(scale_colour(SEQUENTIAL, values[i, j] / top))
            words = _cell_text(data, values, i, j)
            text[i, j] = (
                f'<span style="color:{ink[i, j]}">{words}</span>' if words else ""
            )
    rows, cols = np.indices((k, k)).reshape(2, -1)
    customdata = [
        [
            python_scalar(data.labels[i]),
            python_scalar(data.labels[j]),
            int(data.counts[i, j]),
        ]
        for i, j in zip(rows, cols, strict=True)
    ]
    heatmap = dict(
        type="heatmap",
        z=values,
        x=np.arange(k),
        y=np.arange(k),
        zmin=0.0,
        zmax=top,
        text=text,
        texttemplate="%{text}",
        textfont={"size": BINARY_CELL_FONT_SIZE if data.is_binary else CELL_FONT_SIZE},
        colorscale=SEQUENTIAL,
        showscale=False,
        hoverinfo="skip",
        name="matrix",
    )
    cells = dict(
        type="scatter",
        x=cols,
        y=rows,
        mode="markers",
        customdata=customdata,
        # Invisible until selected; then the clicked cell is framed in the
        # colour of its text, which contrasts with the cell.
        marker={
            "symbol": "square-open",
            "size": max(14, min(60, 320 // k)),
            "color": ink[rows, cols].tolist(),
            "opacity": 0,
            "line": {"width": 3},
        },
        selected={"marker": {"opacity": 1}},
        unselected={"marker": {"opacity": 0}},
        hovertemplate=(
            "Actual %{customdata[0]}<br>Predicted %{customdata[1]}"
            "<br>%{customdata[2]:,} digits<extra></extra>"
        ),
        showlegend=False,
        name="cells",
    )
    traces = [heatmap, cells]
    # Fixed ranges: the markers would otherwise pad the autorange.
    axis = {
        "tickmode": "array",
        "tickvals": list(range(k)),
        "ticktext": ticks,
        "showgrid": False,
        "zeroline": False,
        "constrain": "domain",
    }
    # Two classes fill the width of their column; more keep square cells, the
    # matrix kept up under its title when the column is narrower than tall.
    square = {} if data.is_binary else {"scaleanchor": "x", "constraintoward": "top"}
    return layout(
        traces,
        title=title if title is not None else _confusion_title(data),
        height=340 if data.is_binary else 520,
        xaxis={**axis, "title": "Predicted", "range": [-0.5, k - 0.5]},
        yaxis={**axis, "title": "Actual", "range": [k - 0.5, -0.5], **square},
        # No hover cut-off: the nearest cell marker is always the cell under the
        # pointer, so a click anywhere in a cell selects that cell.
        hovermode="closest",
        hoverdistance=-1,
    )


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
