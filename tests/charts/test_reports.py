"""Whole-data-set summaries against ``precision_recall_fscore_support`` and CV."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import cross_val_score

from mnist_dash import charts


def test_class_report_matches_sklearn(mnist, multiclass_pred):
    y = mnist[1]
    report = charts.compute_class_report(y, multiclass_pred)
    precision, recall, f1, support = precision_recall_fscore_support(y, multiclass_pred)

    rows = report.rows()
    assert [row["class"] for row in rows] == list(range(10))
    assert_allclose([row["precision"] for row in rows], precision)
    assert_allclose([row["recall"] for row in rows], recall)
    assert_allclose([row["f1"] for row in rows], f1)
    assert [row["support"] for row in rows] == support.tolist()


def test_class_counts(mnist):
    y = mnist[1]
    fig = charts.class_counts_figure(charts.compute_class_counts(y))
    assert_array_equal(fig.data[0].y, np.bincount(y, minlength=10))
    assert list(fig.data[0].x) == [str(d) for d in range(10)]


def test_accuracy_bars_of_cross_validated_models(mnist, is_five):
    X, _ = mnist
    folds = {
        "Dummy": cross_val_score(DummyClassifier(), X, is_five, cv=3),
        "Forest": cross_val_score(
            RandomForestClassifier(n_estimators=10, random_state=42), X, is_five, cv=3
        ),
    }
    fig = charts.accuracy_bars_figure(charts.compute_accuracy_bars(folds))

    assert list(fig.data[0].x) == ["Dummy", "Forest"]
    assert_allclose(fig.data[0].y, [f.mean() for f in folds.values()])
    assert_allclose(fig.data[0].error_y.array, [f.std() for f in folds.values()])
    assert fig.data[0].y[0] == pytest.approx(1 - is_five.mean())  # always "not 5"


def test_accuracy_bars_take_their_models_colours():
    bars = charts.compute_accuracy_bars(
        {"Dummy (never 5)": [0.9, 0.9], "SGD, is it a 5?": [0.95, 0.96]},
        models={"Dummy (never 5)": "dummy", "SGD, is it a 5?": "sgd"},
    )
    fig = charts.accuracy_bars_figure(bars)
    assert bars.models == ("dummy", "sgd")
    assert list(fig.data[0].marker.color) == [
        charts.MODEL_COLOURS["dummy"],
        charts.MODEL_COLOURS["sgd"],
    ]
    # Without registry names the bars still differ, as today's pages call it.
    unnamed = charts.accuracy_bars_figure(
        charts.compute_accuracy_bars({"A": [0.9], "B": [0.8]})
    )
    assert len(set(unnamed.data[0].marker.color)) == 2


def test_class_counts_chart_is_compact(mnist):
    """Ten nearly equal bars need little room."""
    fig = charts.class_counts_figure(charts.compute_class_counts(mnist[1]))
    assert fig.layout.height <= 240
    assert fig.data[0].marker.color not in charts.MODEL_COLOURS.values()


def test_multilabel_f1_matches_sklearn(mnist, multiclass_pred):
    from sklearn.metrics import f1_score

    y = mnist[1]
    y_true = np.c_[y >= 7, y % 2 == 1]
    y_pred = np.c_[multiclass_pred >= 7, multiclass_pred % 2 == 1]
    data = charts.compute_multilabel_f1(
        y_true, y_pred, labels=("large", "odd"), model="knn"
    )
    assert_allclose(data.f1, f1_score(y_true, y_pred, average=None))
    assert data.macro == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert data.weighted == pytest.approx(f1_score(y_true, y_pred, average="weighted"))
    assert_array_equal(data.support, y_true.sum(axis=0))

    bars = charts.multilabel_f1_figure(data).data[0]
    assert list(bars.x) == ["large", "odd", "macro average", "weighted average"]
    assert_allclose(bars.y, [*data.f1, data.macro, data.weighted])
    assert bars.marker.color == charts.model_colour("knn")
    with pytest.raises(ValueError, match="label names"):
        charts.compute_multilabel_f1(y_true, y_pred, labels=("one",))
