"""Confusion matrices: counts and shares against ``confusion_matrix``, clicks."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import confusion_matrix

from mnist_dash import charts


def _streamlit_point(fig, curve: int, index: int) -> dict:
    """A point as ``st.plotly_chart(..., on_select=...)`` reports it."""
    trace = fig.data[curve]
    return {
        "curve_number": curve,
        "point_number": index,
        "point_index": index,
        "x": trace.x[index],
        "y": trace.y[index],
        "customdata": list(trace.customdata[index]),
    }



def test_multiclass_confusion_matches_sklearn(mnist, multiclass_pred):
    y = mnist[1]
    data = charts.compute_confusion(y, multiclass_pred)
    fig = charts.confusion_figure(data)

    assert_array_equal(data.labels, np.arange(10))
    assert_array_equal(data.counts, confusion_matrix(y, multiclass_pred))
    assert_array_equal(fig.data[0].z, confusion_matrix(y, multiclass_pred))
    assert fig.layout.xaxis.title.text == "Predicted"
    assert fig.layout.yaxis.title.text == "Actual"
    assert list(fig.layout.xaxis.ticktext) == [str(d) for d in range(10)]
    assert fig.data[0].text[3][5] == f"{data.counts[3, 5]:,}"


@pytest.mark.parametrize("normalize", ["true", "pred"])
def test_normalised_confusion_matches_sklearn(mnist, multiclass_pred, normalize):
    y = mnist[1]
    data = charts.compute_confusion(y, multiclass_pred, normalize=normalize)
    fig = charts.confusion_figure(data)

    expected = confusion_matrix(y, multiclass_pred, normalize=normalize)
    assert_allclose(data.matrix, expected)
    assert_allclose(fig.data[0].z, expected)
    assert_array_equal(data.counts, confusion_matrix(y, multiclass_pred))


@pytest.mark.parametrize("normalize", [None, "true", "pred"])
def test_errors_only_is_the_books_error_analysis(mnist, multiclass_pred, normalize):
    """The book weights each sample by ``y_pred != y_true`` before normalising."""
    y = mnist[1]
    data = charts.compute_confusion(
        y, multiclass_pred, normalize=normalize, errors_only=True
    )
    fig = charts.confusion_figure(data)

    expected = confusion_matrix(
        y,
        multiclass_pred,
        sample_weight=(multiclass_pred != y).astype(float),
        normalize=normalize,
    )
    assert_allclose(data.matrix, expected)
    assert_allclose(fig.data[0].z, expected)
    assert_array_equal(np.diag(data.matrix), 0)
    assert fig.data[0].text[4][4] == ""  # the zeroed diagonal is left blank
    assert fig.layout.title.text.startswith("Errors only")


def test_binary_confusion_labels_cells(is_five, sgd_scores):
    y_pred = sgd_scores >= 0
    data = charts.compute_confusion(is_five, y_pred)
    fig = charts.confusion_figure(data, class_names=["not 5", "5"])

    tn, fp, fn, tp = confusion_matrix(is_five, y_pred).ravel()
    assert data.is_binary
    assert_array_equal(fig.data[0].z, [[tn, fp], [fn, tp]])
    text = fig.data[0].text
    assert text[0][0] == f"<b>TN</b><br>{tn:,}"
    assert text[0][1] == f"<b>FP</b><br>{fp:,}"
    assert text[1][0] == f"<b>FN</b><br>{fn:,}"
    assert text[1][1] == f"<b>TP</b><br>{tp:,}"
    assert list(fig.layout.yaxis.ticktext) == ["not 5", "5"]


@pytest.mark.parametrize("normalize", [None, "true", "pred"])
def test_confusion_from_metrics_at_a_threshold(is_five, sgd_scores, normalize):
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    threshold = charts.threshold_for_precision(curves, 0.9)
    metrics = charts.metrics_at_threshold(curves, threshold)
    data = charts.confusion_from_metrics(metrics, normalize=normalize)
    fig = charts.confusion_figure(data)

    y_pred = sgd_scores >= threshold
    assert_array_equal(data.counts, confusion_matrix(is_five, y_pred))
    expected = confusion_matrix(is_five, y_pred, normalize=normalize)
    assert_allclose(fig.data[0].z, expected)


def test_confusion_rejects_bad_options(mnist, multiclass_pred):
    y = mnist[1]
    with pytest.raises(ValueError, match="normalize"):
        charts.compute_confusion(y, multiclass_pred, normalize="all")
    data = charts.compute_confusion(y, multiclass_pred)
    with pytest.raises(ValueError, match="class names"):
        charts.confusion_figure(data, class_names=["a", "b"])


def test_every_cell_is_a_selectable_point(mnist, multiclass_pred):
    """Heatmaps cannot be selected in plotly; trace 1 has one marker per cell."""
    y = mnist[1]
    data = charts.compute_confusion(y, multiclass_pred)
    fig = charts.confusion_figure(data)

    cells = fig.data[1]
    assert cells.type == "scatter"
    assert len(cells.x) == len(cells.y) == len(cells.customdata) == 100
    for index in range(100):
        actual, predicted, count = cells.customdata[index]
        assert (cells.y[index], cells.x[index]) == (actual, predicted)
        assert count == data.counts[actual, predicted]
    assert fig.layout.hoverdistance == -1


def test_cell_from_selection_reads_a_streamlit_click(mnist, multiclass_pred):
    y = mnist[1]
    fig = charts.confusion_figure(charts.compute_confusion(y, multiclass_pred))
    index = 3 * 10 + 5  # row-major: actual 3, predicted 5

    assert charts.cell_from_selection([_streamlit_point(fig, 1, index)]) == (3, 5)
    assert charts.cell_from_selection([]) is None
    assert charts.cell_from_selection(None) is None
    assert charts.cell_from_selection([{"curve_number": 0, "x": 1, "y": 2}]) is None


def test_cell_from_selection_with_boolean_labels(is_five, sgd_scores):
    fig = charts.confusion_figure(charts.compute_confusion(is_five, sgd_scores >= 0))
    # Row-major 2x2: index 2 is actual True, predicted False, a false negative.
    assert charts.cell_from_selection([_streamlit_point(fig, 1, 2)]) == (1, 0)
