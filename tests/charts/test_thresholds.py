"""Thresholds: precision/recall curves and metrics at a threshold, against sklearn."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
)

from mnist_dash import charts


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


def test_threshold_for_recall_is_the_highest_with_that_recall(is_five, sgd_scores):
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    precisions, recalls, thresholds = precision_recall_curve(is_five, sgd_scores)

    threshold = charts.threshold_for_recall(curves, 0.90)
    assert recall_score(is_five, sgd_scores >= threshold) >= 0.90
    # The next threshold up loses the recall: this is the highest one.
    above = thresholds[thresholds > threshold].min()
    assert recall_score(is_five, sgd_scores >= above) < 0.90
    # The book's idiom for precision, turned to recall, finds the lowest score.
    assert thresholds[(recalls >= 0.90).argmax()] == sgd_scores.min()
    assert charts.threshold_for_recall(curves, 1.0) == pytest.approx(
        sgd_scores[is_five].min()
    )
    with pytest.raises(ValueError, match="recall"):
        charts.threshold_for_recall(curves, 1.01)


def _weights(y: np.ndarray, prevalence: float) -> np.ndarray:
    """``sample_weight`` that makes a share ``prevalence`` of ``y`` positive."""
    return np.where(y, prevalence / y.mean(), (1 - prevalence) / (1 - y.mean()))


@pytest.mark.parametrize("prevalence", [0.01, 0.5])
def test_prevalence_reweights_precision_as_sample_weight(
    is_five, sgd_scores, prevalence
):
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    moved = charts.at_prevalence(curves, prevalence)
    weights = _weights(is_five, prevalence)
    precisions, recalls, thresholds = precision_recall_curve(
        is_five, sgd_scores, sample_weight=weights
    )
    assert_array_equal(moved.thresholds, thresholds)
    assert_allclose(moved.precisions, precisions)
    assert_allclose(moved.recalls, recalls)
    assert_array_equal(moved.recalls, curves.recalls)  # recall does not move
    assert moved.positive_share == prevalence
    # precision = TPR * pi / (TPR * pi + FPR * (1 - pi)), at each threshold.
    for threshold in _thresholds_to_try(sgd_scores)[:-1]:
        got = charts.metrics_at_threshold(moved, float(threshold))
        at_data = charts.metrics_at_threshold(curves, float(threshold))
        y_pred = sgd_scores >= threshold
        assert got.precision == pytest.approx(
            precision_score(is_five, y_pred, sample_weight=weights, zero_division=0)
        )
        assert got.recall == pytest.approx(at_data.recall)
        assert got.fpr == pytest.approx(at_data.fpr)
        if got.tp + got.fp:
            tpr, fpr = at_data.recall, at_data.fpr
            assert got.precision == pytest.approx(
                tpr * prevalence / (tpr * prevalence + fpr * (1 - prevalence))
            )
        # The matrix: expected counts among as many digits, rounded.
        expected = confusion_matrix(is_five, y_pred, sample_weight=weights)
        (tn, fp), (fn, tp) = expected
        assert abs(got.tp - tp) <= 1 and abs(got.fp - fp) <= 1
        assert got.tp + got.fn == round(prevalence * len(is_five))
        assert got.tp + got.fp + got.fn + got.tn == len(is_five)


def test_prevalence_none_is_the_data_itself(is_five, sgd_scores):
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    same = charts.at_prevalence(curves, None)
    assert_array_equal(same.precisions, curves.precisions)
    assert charts.metrics_at_threshold(same, 0.0) == charts.metrics_at_threshold(
        curves, 0.0
    )
    assert same.positive_share == pytest.approx(is_five.mean())
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="prevalence"):
            charts.at_prevalence(curves, bad)


def test_pr_curve_draws_the_chance_level_at_the_prevalence(is_five, sgd_scores):
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    chance = charts.pr_curve_figure(curves, threshold=0.0).data[2]
    assert chance.name == "Random classifier"
    assert_allclose(chance.y, [is_five.mean()] * 2)
    fig = charts.pr_curve_figure(charts.at_prevalence(curves, 0.3), threshold=0.0)
    assert_allclose(fig.data[2].y, [0.3, 0.3])
    assert "30.0% are positive" in fig.layout.title.text
