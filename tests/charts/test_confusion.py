"""Confusion matrices: counts and shares against ``confusion_matrix``, clicks."""

from __future__ import annotations

import re

import numpy as np
import plotly.colors
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import confusion_matrix, recall_score

from mnist_dash import charts

_STYLED = re.compile(r'<span style="color:(#000000|#FFFFFF)">(.*)</span>')


def _words(text: str) -> str:
    """What a cell says, without the colour of its text ("" for an empty cell)."""
    if text == "":
        return ""
    match = _STYLED.fullmatch(text)
    assert match, text
    return match[2]


def _counts(fig) -> np.ndarray:
    """The counts, from the cell markers' ``(actual, predicted, count)``."""
    cells = fig.data[1]
    k = int(np.sqrt(len(cells.customdata)))
    counts = np.zeros((k, k), dtype=int)
    for x, y, (_, _, count) in zip(cells.x, cells.y, cells.customdata, strict=True):
        counts[y, x] = count
    return counts


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""

    def luminance(colour: str) -> float:
        (rgb,), _ = plotly.colors.convert_colors_to_same_type(colour)
        channels = np.array(plotly.colors.unlabel_rgb(rgb)) / 255
        linear = np.where(
            channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4
        )
        return float(linear @ [0.2126, 0.7152, 0.0722])

    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _cell_colour(heatmap, value: float) -> str:
    """The colour plotly gives a cell of ``value`` (a linear colour scale)."""
    scale = [list(stop) for stop in heatmap.colorscale]
    fraction = (value - heatmap.zmin) / (heatmap.zmax - heatmap.zmin)
    return plotly.colors.sample_colorscale(scale, [fraction])[0]


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
    assert_array_equal(_counts(fig), confusion_matrix(y, multiclass_pred))
    assert fig.layout.xaxis.title.text == "Predicted"
    assert fig.layout.yaxis.title.text == "Actual"
    assert list(fig.layout.xaxis.ticktext) == [str(d) for d in range(10)]
    assert _words(fig.data[0].text[3][5]) == f"{data.counts[3, 5]:,}"


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
    assert_array_equal(np.diag(data.matrix), 0)
    # Drawn: the errors as computed, the hidden diagonal as empty cells (NaN).
    z = np.asarray(fig.data[0].z, dtype=float)
    off_diagonal = ~np.eye(10, dtype=bool)
    assert_allclose(z[off_diagonal], expected[off_diagonal])
    assert np.isnan(np.diag(z)).all()
    assert fig.data[0].text[4][4] == ""  # the zeroed diagonal is left blank
    assert_array_equal(_counts(fig), confusion_matrix(y, multiclass_pred))
    assert fig.layout.title.text.startswith("Errors only")


def test_binary_confusion_labels_cells(is_five, sgd_scores):
    y_pred = sgd_scores >= 0
    data = charts.compute_confusion(is_five, y_pred)
    fig = charts.confusion_figure(data, class_names=["not 5", "5"])

    tn, fp, fn, tp = confusion_matrix(is_five, y_pred).ravel()
    assert data.is_binary
    assert_array_equal(_counts(fig), [[tn, fp], [fn, tp]])
    shares = confusion_matrix(is_five, y_pred, normalize="true")
    assert_allclose(fig.data[0].z, shares)
    text = [[_words(cell) for cell in row] for row in fig.data[0].text]
    assert text[0][0] == f"<b>TN</b><br>{tn:,}<br>{shares[0, 0]:.1%}"
    assert text[0][1] == f"<b>FP</b><br>{fp:,}<br>{shares[0, 1]:.1%}"
    assert text[1][0] == f"<b>FN</b><br>{fn:,}<br>{shares[1, 0]:.1%}"
    assert text[1][1] == f"<b>TP</b><br>{tp:,}<br>{shares[1, 1]:.1%}"
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
    assert_array_equal(_counts(fig), confusion_matrix(is_five, y_pred))
    # Two classes of counts are coloured by each row's shares.
    expected = confusion_matrix(is_five, y_pred, normalize=normalize or "true")
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


# --------------------------------------------------------------------------------
# The look: readable on the light and the dark theme
# --------------------------------------------------------------------------------


def test_binary_matrix_colours_tp_by_recall(is_five, sgd_scores):
    """TN (about 90 % of the digits) must not outshine TP: cells show row shares."""
    y_pred = sgd_scores >= 0
    fig = charts.confusion_figure(charts.compute_confusion(is_five, y_pred))
    heatmap = fig.data[0]
    z = np.asarray(heatmap.z, dtype=float)

    assert z[1, 1] == pytest.approx(recall_score(is_five, y_pred))  # TP
    assert z[0, 0] == pytest.approx(recall_score(~is_five, ~y_pred))  # TN
    assert z[1, 1] + z[1, 0] == pytest.approx(1)
    assert (heatmap.zmin, heatmap.zmax) == (0, 1)  # a share's colour is absolute
    assert list(heatmap.colorscale[0]) == list(charts.SEQUENTIAL[0])


def test_binary_matrix_is_large_and_fills_its_column(is_five, sgd_scores):
    fig = charts.confusion_figure(charts.compute_confusion(is_five, sgd_scores >= 0))
    assert fig.data[0].textfont.size >= 14
    assert fig.layout.height >= 320
    assert fig.layout.width is None  # the width is the column's
    assert fig.layout.yaxis.scaleanchor is None  # cells stretch to fill it
    assert fig.layout.xaxis.title.text == "Predicted"
    assert fig.layout.yaxis.title.text == "Actual"


@pytest.mark.parametrize(
    ("normalize", "errors_only"),
    [(None, False), ("true", False), ("true", True), ("pred", True)],
)
def test_cell_text_is_readable_on_its_cell(
    mnist, multiclass_pred, normalize, errors_only
):
    y = mnist[1]
    data = charts.compute_confusion(
        y, multiclass_pred, normalize=normalize, errors_only=errors_only
    )
    heatmap = charts.confusion_figure(data).data[0]
    assert heatmap.textfont.size >= 12
    z = np.asarray(heatmap.z, dtype=float)
    for i in range(10):
        for j in range(10):
            if np.isnan(z[i, j]):
                continue
            colour = _STYLED.fullmatch(heatmap.text[i][j])[1]
            assert _contrast(colour, _cell_colour(heatmap, z[i, j])) >= 4.5, (i, j)


def test_hidden_diagonal_is_drawn_empty_not_as_zero(mnist, multiclass_pred):
    """Errors only: the diagonal is left out (NaN, no colour), real zeros are not."""
    y = mnist[1]
    data = charts.compute_confusion(y, multiclass_pred, normalize="true")
    errors = charts.compute_confusion(
        y, multiclass_pred, normalize="true", errors_only=True
    )
    z = np.asarray(charts.confusion_figure(errors).data[0].z, dtype=float)
    assert np.isnan(np.diag(z)).all()
    assert not np.isnan(z[~np.eye(10, dtype=bool)]).any()
    # Without errors_only nothing is hidden.
    assert not np.isnan(np.asarray(charts.confusion_figure(data).data[0].z)).any()


def test_a_selected_cell_is_framed_in_a_contrasting_colour(mnist, multiclass_pred):
    """The frame is the cell's text colour (black or white), never an error red."""
    fig = charts.confusion_figure(charts.compute_confusion(mnist[1], multiclass_pred))
    cells = fig.data[1]
    assert cells.marker.opacity == 0 and cells.selected.marker.opacity == 1
    frames = list(cells.marker.color)
    for index, (x, y) in enumerate(zip(cells.x, cells.y, strict=True)):
        assert frames[index] == _STYLED.fullmatch(fig.data[0].text[y][x])[1]
