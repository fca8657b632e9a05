"""Each fold's precision, recall, F1 and queue rate, against sklearn's metrics."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold

from mnist_dash import charts


@pytest.fixture(scope="module")
def folds(is_five) -> np.ndarray:
    """The fold of each digit, as ``cross_val_predict(..., cv=3)`` makes them."""
    fold_of = np.empty(len(is_five), dtype=int)
    for fold, (_, test) in enumerate(StratifiedKFold(3).split(is_five, is_five)):
        fold_of[test] = fold
    return fold_of


@pytest.mark.parametrize("prevalence", [None, 0.3])
def test_fold_spread_matches_sklearn_on_each_fold(
    is_five, sgd_scores, folds, prevalence
):
    spread = charts.compute_fold_spread(
        is_five, sgd_scores, folds, n_thresholds=50, prevalence=prevalence
    )
    assert spread.n_folds == 3
    assert spread.thresholds[0] == sgd_scores.min()
    assert spread.thresholds[-1] == sgd_scores.max()
    for fold in range(3):
        y, s = is_five[folds == fold], sgd_scores[folds == fold]
        weights = (
            None
            if prevalence is None
            else np.where(y, prevalence / y.mean(), (1 - prevalence) / (1 - y.mean()))
        )
        for column in range(0, 50, 7):
            threshold = spread.thresholds[column]
            y_pred = s >= threshold
            expected = {
                "precision": precision_score(
                    y, y_pred, sample_weight=weights, zero_division=np.nan
                ),
                "recall": recall_score(y, y_pred, sample_weight=weights),
                "f1": f1_score(y, y_pred, sample_weight=weights),
                "queue_rate": np.average(y_pred, weights=weights),
            }
            for metric, value in expected.items():
                assert_allclose(
                    spread.values[metric][fold, column], value, err_msg=metric
                )


def test_fold_spread_figure_draws_each_band(is_five, sgd_scores, folds):
    spread = charts.compute_fold_spread(is_five, sgd_scores, folds)
    fig = charts.fold_spread_figure(spread, threshold=0.0)
    assert len(fig.data) == 3 * len(charts.FOLD_METRICS)
    for index, (metric, (name, colour)) in enumerate(charts.FOLD_METRICS.items()):
        low, high, mean = fig.data[3 * index : 3 * index + 3]
        values = spread.values[metric]
        assert_array_equal(low.x, spread.thresholds)
        assert_allclose(low.y, values.min(axis=0))
        assert_allclose(high.y, values.max(axis=0))
        assert high.fill == "tonexty"
        assert_allclose(mean.y, values.mean(axis=0))
        assert (mean.name, mean.line.color) == (name, colour)
    assert fig.layout.shapes[0].x0 == 0.0


def test_fold_spread_is_validated(is_five, sgd_scores, folds):
    with pytest.raises(ValueError, match="folds"):
        charts.compute_fold_spread(is_five, sgd_scores, folds[:-1])
    with pytest.raises(ValueError, match="prevalence"):
        charts.compute_fold_spread(is_five, sgd_scores, folds, prevalence=1.0)
