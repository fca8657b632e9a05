"""Reliability diagrams against ``calibration_curve`` and ``brier_score_loss``."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from mnist_dash import charts


@pytest.fixture(scope="module")
def probabilities(is_five, sgd_scores, forest_scores) -> dict[str, np.ndarray]:
    """The forest's probabilities, and a sigmoid squashing of SGD's scores."""
    squashed = 1 / (1 + np.exp(-sgd_scores / sgd_scores.std()))
    return {"Random forest": forest_scores, "SGD, squashed": squashed}


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_calibration_matches_sklearn(is_five, probabilities, strategy):
    data = charts.compute_calibration(
        is_five,
        probabilities,
        n_bins=8,
        strategy=strategy,
        models={"Random forest": "random_forest", "SGD, squashed": "sgd"},
    )
    fig = charts.calibration_figure(data)
    assert fig.data[0].name == "Perfectly calibrated"
    for index, (name, p) in enumerate(probabilities.items()):
        prob_true, prob_pred = calibration_curve(
            is_five, p, n_bins=8, strategy=strategy
        )
        curve = data.curve(name)
        assert_allclose(curve.prob_true, prob_true)
        assert_allclose(curve.prob_pred, prob_pred)
        assert curve.brier == pytest.approx(brier_score_loss(is_five, p))
        # Every digit falls in one bin; the mean probability of each bin agrees.
        assert curve.counts.sum() == len(p)
        assert_allclose((curve.prob_pred * curve.counts).sum(), p.sum())
        top, bottom = fig.data[1 + index], fig.data[1 + len(probabilities) + index]
        assert_array_equal(top.x, prob_pred)
        assert_array_equal(top.y, prob_true)
        assert top.name == f"{name} (Brier {curve.brier:.4f})"
        assert_array_equal(bottom.y, curve.counts)
    assert fig.data[1].line.color == charts.model_colour("random_forest")


def test_a_second_series_of_one_model_is_dashed(is_five, probabilities):
    p = probabilities["SGD, squashed"]
    data = charts.compute_calibration(
        is_five,
        {"sigmoid": p, "isotonic": np.sqrt(p)},
        models={"sigmoid": "sgd", "isotonic": "sgd"},
    )
    sigmoid, isotonic = charts.calibration_figure(data).data[1:3]
    assert sigmoid.line.color == isotonic.line.color == charts.model_colour("sgd")
    assert (sigmoid.line.dash, isotonic.line.dash) == ("solid", "dash")


def test_calibration_inputs_are_validated(is_five, sgd_scores):
    with pytest.raises(ValueError, match="between 0 and 1"):
        charts.compute_calibration(is_five, {"scores": sgd_scores})
    with pytest.raises(ValueError, match="empty"):
        charts.compute_calibration(is_five, {})
