"""Tables and bars about a whole data set: per-class report, class counts, accuracy,
and the F1 of each label of a multilabel classifier."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike
from sklearn.metrics import f1_score, precision_recall_fscore_support

from mnist_dash.charts._common import frozen, label_text, python_scalar
from mnist_dash.charts._style import (
    COUNTS_COLOUR,
    layout,
    series_colours,
    series_models,
    text_colour_on,
)


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
                "class": python_scalar(label),
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
        labels=frozen(labels),
        precision=frozen(precision),
        recall=frozen(recall),
        f1=frozen(f1),
        support=frozen(support),
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
    return ClassCounts(classes=frozen(classes), counts=frozen(counts))


def class_counts_figure(data: ClassCounts) -> go.Figure:
    """A bar per class: how many samples it has (trace 0), in a small figure.

    MNIST's ten classes are nearly equal, so the chart is kept short: it only
    has to show that they are.
    """
    traces = [
        dict(
            type="bar",
            x=[label_text(c) for c in data.classes],
            y=data.counts,
            marker={"color": COUNTS_COLOUR},
            hovertemplate="Class %{x}: %{y:,} samples<extra></extra>",
        )
    ]
    return layout(
        traces,
        title="Samples per class",
        height=220,
        xaxis={"type": "category"},
        yaxis={"title": "Samples"},
    )


@dataclass(frozen=True, eq=False)
class AccuracyBars:
    """Mean and standard deviation of cross-validated accuracy, by model.

    ``names`` are the names shown; ``models`` the registry name of each
    (``"sgd"``), which gives its bar the model's colour, or None.
    """

    names: tuple[str, ...]
    means: np.ndarray
    stds: np.ndarray
    models: tuple[str | None, ...] | None = None


def compute_accuracy_bars(
    scores_by_model: Mapping[str, ArrayLike],
    *,
    models: Mapping[str, str] | None = None,
) -> AccuracyBars:
    """Summarise per-fold accuracies (``cross_val_score`` output) by model.

    Parameters
    ----------
    scores_by_model : mapping of str to array-like
        The fold scores of each model, by the name shown.
    models : mapping of str to str, optional
        The registry name of each shown name (``{"SGD, raw pixels": "sgd"}``),
        which gives its bar the model's colour on every page. A shown name that
        is itself a registry name (``"dummy"``, ``"sgd"``) needs no entry; a bar
        with no registry name takes a free colour.

    Returns
    -------
    AccuracyBars

    Examples
    --------
    >>> bars = compute_accuracy_bars({"dummy": [0.9, 0.9, 0.9], "SGD": [0.9, 1.0]})
    >>> bars.names, bars.means, bars.models
    (('dummy', 'SGD'), array([0.9 , 0.95]), ('dummy', None))
    """
    if not scores_by_model:
        raise ValueError("scores_by_model is empty")
    folds = [np.asarray(s, dtype=np.float64) for s in scores_by_model.values()]
    if any(f.ndim != 1 or len(f) == 0 for f in folds):
        raise ValueError("each model needs a non-empty 1-d array of fold scores")
    return AccuracyBars(
        names=tuple(scores_by_model),
        means=frozen([f.mean() for f in folds]),
        stds=frozen([f.std() for f in folds]),
        models=series_models(list(scores_by_model), models),
    )


def accuracy_bars_figure(data: AccuracyBars) -> go.Figure:
    """Cross-validated accuracy by model, error bars one standard deviation.

    Trace 0 is the bar chart: ``x`` the names, ``y`` the means, ``error_y`` the
    standard deviations, each bar in its model's colour.
    """
    colours = series_colours(data.models or [None] * len(data.names))
    traces = [
        dict(
            type="bar",
            x=list(data.names),
            y=data.means,
            error_y={"type": "data", "array": data.stds, "visible": True},
            marker={"color": colours},
            text=[f"{m:.1%}" for m in data.means],
            textposition="inside",
            # The text sits on its bar, whose colour is known.
            textfont={"color": [text_colour_on(c) for c in colours]},
            hovertemplate="%{x}: %{y:.2%}<extra></extra>",
        )
    ]
    return layout(
        traces,
        title="Cross-validated accuracy",
        height=320,
        xaxis={"type": "category"},
        yaxis={"title": "Accuracy", "range": [0, 1], "tickformat": ".0%"},
    )


@dataclass(frozen=True, eq=False)
class MultilabelF1:
    """F1 of each label of a multilabel classifier, and their averages.

    From ``f1_score(Y_true, Y_pred, average=...)`` with ``average=None`` (one per
    label), ``"macro"`` (their plain mean) and ``"weighted"`` (their mean
    weighted by ``support``, the number of samples each label is true for).
    """

    labels: tuple[str, ...]
    f1: np.ndarray
    support: np.ndarray
    macro: float
    weighted: float
    model: str | None = None


def compute_multilabel_f1(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: tuple[str, ...],
    model: str | None = None,
) -> MultilabelF1:
    """Per-label, macro and weighted F1 of multilabel predictions.

    Parameters
    ----------
    y_true, y_pred : array-like of bool, shape (n, k)
        One column per label.
    labels : tuple of str
        The labels' names, one per column.
    model : str, optional
        The registry name of the model, for its colour.

    Examples
    --------
    >>> f1 = compute_multilabel_f1(
    ...     [[1, 0], [1, 1], [0, 1]], [[1, 0], [0, 1], [0, 1]], labels=("a", "b")
    ... )
    >>> f1.f1.round(3), round(f1.macro, 3), f1.support
    (array([0.667, 1.   ]), 0.833, array([2, 2]))
    """
    true = np.asarray(y_true).astype(bool)
    pred = np.asarray(y_pred).astype(bool)
    if true.ndim != 2 or true.shape != pred.shape:
        raise ValueError(
            f"y_true and y_pred must be (n, k) alike, got {true.shape}, {pred.shape}"
        )
    if len(labels) != true.shape[1]:
        raise ValueError(f"{len(labels)} label names for {true.shape[1]} columns")
    return MultilabelF1(
        labels=tuple(labels),
        f1=frozen(f1_score(true, pred, average=None)),
        support=frozen(true.sum(axis=0)),
        macro=float(f1_score(true, pred, average="macro")),
        weighted=float(f1_score(true, pred, average="weighted")),
        model=model,
    )


def multilabel_f1_figure(data: MultilabelF1) -> go.Figure:
    """One bar per label, then the macro and weighted averages (hatched).

    Trace 0 is the bar chart: ``x`` the label names then ``"macro average"`` and
    ``"weighted average"``, ``y`` their F1, every bar in the model's colour.
    """
    colour = series_colours([data.model])[0]
    names = [*data.labels, "macro average", "weighted average"]
    values = [*data.f1.tolist(), data.macro, data.weighted]
    traces = [
        dict(
            type="bar",
            x=names,
            y=values,
            marker={
                "color": colour,
                "pattern": {"shape": [""] * len(data.labels) + ["/", "/"]},
            },
            text=[f"{v:.4f}" for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: F1 %{y:.4f}<extra></extra>",
        )
    ]
    return layout(
        traces,
        title="F1 of each label, out of fold (cross_val_predict, cv=3)",
        height=320,
        xaxis={"type": "category"},
        yaxis={"title": "F1", "range": [0, 1.1]},
    )
