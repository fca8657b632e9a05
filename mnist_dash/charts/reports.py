"""Tables and bars about a whole data set: per-class report, class counts, accuracy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike
from sklearn.metrics import precision_recall_fscore_support

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
    fig = go.Figure(
        go.Bar(
            x=[label_text(c) for c in data.classes],
            y=data.counts,
            marker={"color": COUNTS_COLOUR},
            hovertemplate="Class %{x}: %{y:,} samples<extra></extra>",
        )
    )
    return layout(
        fig,
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
    fig = go.Figure(
        go.Bar(
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
    )
    return layout(
        fig,
        title="Cross-validated accuracy",
        height=320,
        xaxis={"type": "category"},
        yaxis={"title": "Accuracy", "range": [0, 1], "tickformat": ".0%"},
    )
