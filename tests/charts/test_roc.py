"""ROC curves and AUC against ``roc_curve`` and ``roc_auc_score``."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve

from mnist_dash import charts


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


def test_each_named_model_has_its_own_colour(is_five, sgd_scores, forest_scores):
    """Registry names give curves the model's colour, the same on every page."""
    scores = {"SGD": sgd_scores, "Random forest": forest_scores}
    data = charts.compute_roc(
        is_five, scores, models={"SGD": "sgd", "Random forest": "random_forest"}
    )
    fig = charts.roc_figure(data)

    assert [curve.model for curve in data.curves] == ["sgd", "random_forest"]
    assert [trace.line.color for trace in fig.data[1:]] == [
        charts.MODEL_COLOURS["sgd"],
        charts.MODEL_COLOURS["random_forest"],
    ]
    # A series named by its registry name needs no mapping.
    by_name = charts.compute_roc(is_five, {"knn": sgd_scores})
    assert by_name.curve("knn").model == "knn"
    assert charts.roc_figure(by_name).data[1].line.color == charts.model_colour("knn")


def test_unnamed_curves_stay_apart(is_five, sgd_scores, forest_scores):
    """Today's call, without registry names, still draws distinct curves."""
    data = charts.compute_roc(
        is_five, {"SGD": sgd_scores, "Forest": forest_scores, "Again": sgd_scores}
    )
    colours = [trace.line.color for trace in charts.roc_figure(data).data[1:]]
    assert [curve.model for curve in data.curves] == [None, None, None]
    assert len(set(colours)) == 3
    assert charts.ACCENT not in colours and charts.NEUTRAL not in colours
    # A named curve keeps its colour; the unnamed one takes another.
    mixed = charts.compute_roc(
        is_five, {"SGD": sgd_scores, "Mine": forest_scores}, models={"SGD": "sgd"}
    )
    sgd, mine = (trace.line.color for trace in charts.roc_figure(mixed).data[1:])
    assert sgd == charts.MODEL_COLOURS["sgd"] and mine != sgd


def test_models_must_name_drawn_curves(is_five, sgd_scores):
    with pytest.raises(ValueError, match="not drawn"):
        charts.compute_roc(is_five, {"SGD": sgd_scores}, models={"Sgd": "sgd"})


def test_log_zoom_opens_the_top_left_corner(is_five, sgd_scores):
    data = charts.compute_roc(is_five, {"SGD": sgd_scores}, models={"SGD": "sgd"})
    start = charts.smallest_fpr(data)
    assert start == 1 / np.sum(~is_five)
    high = float(sgd_scores.max()) + 1  # nothing positive: FPR 0
    fig = charts.roc_figure(data, threshold=high, log_fpr=True)
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.xaxis.range == (np.log10(start), 0)
    diagonal = fig.data[0]
    assert_array_equal(diagonal.x, diagonal.y)
    assert len(diagonal.x) > 2 and diagonal.x[0] == pytest.approx(start)
    # The curve is the same; the point at FPR 0 is drawn at the axis's start.
    fpr, tpr, _ = roc_curve(is_five, sgd_scores)
    assert_array_equal(fig.data[1].x, fpr)
    assert_array_equal(fig.data[1].y, tpr)
    assert fig.data[-1].x[0] == start and fig.data[-1].y[0] == 0
    assert "FPR 0.0000" in fig.data[-1].hovertemplate


def test_roc_does_not_move_with_the_prevalence(is_five, sgd_scores):
    """ROC's rates are each counted within one class: weighting the classes
    (a prevalence) leaves them as they are, where precision changes."""
    weights = np.where(is_five, 0.4 / is_five.mean(), 0.6 / (1 - is_five.mean()))
    fpr, tpr, thresholds = roc_curve(
        is_five, sgd_scores, sample_weight=weights, drop_intermediate=False
    )
    curve = charts.compute_roc(is_five, {"SGD": sgd_scores}).curve("SGD")
    # The same points at each of the curve's thresholds (descending in both).
    at = np.searchsorted(-thresholds, -curve.thresholds)
    assert_array_equal(thresholds[at], curve.thresholds)
    assert_allclose(fpr[at], curve.fpr)
    assert_allclose(tpr[at], curve.tpr)
