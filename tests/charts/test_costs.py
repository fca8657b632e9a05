"""The cost of the mistakes: its minimum is TunedThresholdClassifierCV's choice."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import confusion_matrix, make_scorer
from sklearn.model_selection import TunedThresholdClassifierCV

from mnist_dash import charts


class OutOfFoldScores(ClassifierMixin, BaseEstimator):
    """A fitted classifier whose decision score is its one feature.

    With ``X = scores[:, None]`` it hands ``TunedThresholdClassifierCV`` the
    out-of-fold scores themselves, the ones the page's cost curve is made of.
    """

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def decision_function(self, X):
        return np.asarray(X)[:, 0]


def expected_cost(y_true, y_pred, *, fp_cost, fn_cost):
    """The cost scorer's function: mean cost per digit from the confusion matrix."""
    (_, fp), (fn, _) = confusion_matrix(y_true, y_pred, labels=[False, True])
    return (fp_cost * fp + fn_cost * fn) / len(y_true)


@pytest.mark.parametrize(("fp_cost", "fn_cost"), [(1, 5), (1, 1)])
def test_lowest_cost_is_tuned_threshold_classifiers_choice(
    is_five, sgd_scores, fp_cost, fn_cost
):
    """Why they agree: ``cv="prefit"`` with ``refit=False`` scores the given data
    once (no folds of its own); the candidate thresholds are the curve's own
    (every distinct out-of-fold score), so its interpolation between thresholds
    lands on them exactly; the scorer computes the same cost from the confusion
    matrix; and both take the first of equal costs (``argmax`` of its score, our
    ``argmin``), the lowest threshold."""
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    cost = charts.compute_cost_curve(curves, fp_cost=fp_cost, fn_cost=fn_cost)

    scorer = make_scorer(
        expected_cost, greater_is_better=False, fp_cost=fp_cost, fn_cost=fn_cost
    )
    tuned = TunedThresholdClassifierCV(
        OutOfFoldScores().fit(sgd_scores[:, None], is_five),
        scoring=scorer,
        response_method="decision_function",
        thresholds=curves.thresholds,
        cv="prefit",
        refit=False,
        store_cv_results=True,
    ).fit(sgd_scores[:, None], is_five)

    assert_array_equal(tuned.cv_results_["thresholds"], cost.thresholds)
    assert_allclose(-tuned.cv_results_["scores"], cost.costs)
    assert cost.best_threshold == tuned.best_threshold_
    assert cost.best_cost == pytest.approx(-tuned.best_score_)
    # The cost at any threshold, as the marked point is drawn.
    for threshold in (cost.best_threshold, 0.0, sgd_scores.max() + 1):
        assert cost.cost_at(threshold) == pytest.approx(
            expected_cost(
                is_five, sgd_scores >= threshold, fp_cost=fp_cost, fn_cost=fn_cost
            )
        )


def test_cost_follows_the_prevalence(is_five, sgd_scores):
    curves = charts.at_prevalence(
        charts.compute_threshold_curves(is_five, sgd_scores), 0.5
    )
    cost = charts.compute_cost_curve(curves, fp_cost=1, fn_cost=5)
    weights = np.where(is_five, 0.5 / is_five.mean(), 0.5 / (1 - is_five.mean()))
    for index in (0, cost.best, len(cost.thresholds) - 1):
        y_pred = sgd_scores >= cost.thresholds[index]
        (_, fp), (fn, _) = confusion_matrix(is_five, y_pred, sample_weight=weights)
        assert cost.costs[index] == pytest.approx((fp + 5 * fn) / len(is_five))
    # Where positives are common, missing them costs more: the threshold falls.
    at_data = charts.compute_cost_curve(
        charts.compute_threshold_curves(is_five, sgd_scores), fp_cost=1, fn_cost=5
    )
    assert cost.best_threshold < at_data.best_threshold


def test_cost_figure(is_five, sgd_scores, large_problem):
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    cost = charts.compute_cost_curve(curves, fp_cost=1, fn_cost=5, model="sgd")
    fig = charts.cost_figure(cost, threshold=0.0)
    assert_array_equal(fig.data[0].x, cost.thresholds)
    assert_array_equal(fig.data[0].y, cost.costs)
    assert fig.data[0].line.color == charts.model_colour("sgd")
    assert (fig.data[1].x[0], fig.data[1].y[0]) == (cost.best_threshold, cost.best_cost)
    assert fig.data[2].marker.color == charts.ACCENT
    assert fig.data[2].y[0] == pytest.approx(cost.cost_at(0.0))
    assert fig.layout.shapes[0].x0 == 0.0

    y, scores = large_problem  # thinned out, the minimum kept
    big = charts.compute_cost_curve(
        charts.compute_threshold_curves(y, scores), fp_cost=1, fn_cost=2
    )
    drawn = charts.cost_figure(big, threshold=0.0).data[0]
    assert len(drawn.x) <= charts.MAX_CURVE_POINTS
    assert min(drawn.y) == big.best_cost


def test_costs_are_validated(is_five, sgd_scores):
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    for fp_cost, fn_cost in ((-1, 1), (0, 0)):
        with pytest.raises(ValueError, match="costs"):
            charts.compute_cost_curve(curves, fp_cost=fp_cost, fn_cost=fn_cost)
