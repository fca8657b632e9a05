"""Risk against coverage, checked against a direct count at every threshold."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression

from mnist_dash import charts


@pytest.fixture(scope="module")
def readings(mnist):
    """A real model's readings of held-out digits: right or wrong, how sure."""
    X, y = mnist
    model = LogisticRegression(max_iter=200).fit(X[:1500] / 255, y[:1500])
    probabilities = model.predict_proba(X[1500:] / 255)
    correct = model.predict(X[1500:] / 255) == y[1500:]
    return correct, probabilities.max(axis=1)


def test_each_point_is_the_error_rate_of_the_most_confident(readings) -> None:
    correct, confidence = readings
    data = charts.compute_risk_coverage(correct, confidence, threshold=0.9)
    order = np.argsort(-confidence, kind="stable")
    for k in (1, 10, 100, len(correct)):
        kept = order[:k]
        assert data.coverage[k - 1] == pytest.approx(k / len(correct))
        assert data.risk[k - 1] == pytest.approx(1 - correct[kept].mean())
    kept = confidence >= 0.9
    assert data.operating_coverage == pytest.approx(kept.mean())
    assert data.operating_risk == pytest.approx(1 - correct[kept].mean())
    # Reading everything, the risk is the error rate.
    assert data.risk[-1] == pytest.approx(1 - correct.mean())


def test_figure_draws_each_curve_and_marks_the_one_in_use(readings) -> None:
    correct, confidence = readings
    ours = charts.compute_risk_coverage(correct, confidence, threshold=0.9)
    other = charts.compute_risk_coverage(correct, -confidence, threshold=0.0)
    fig = charts.risk_coverage_figure({"ours": ours, "reversed": other})
    assert [t.name for t in fig.data[:2]] == ["ours", "reversed"]
    assert_allclose(fig.data[0].x, ours.coverage)
    assert_allclose(fig.data[0].y, ours.risk)
    point = fig.data[-1]
    assert point.marker.color == charts.ACCENT
    assert (point.x[0], point.y[0]) == (ours.operating_coverage, ours.operating_risk)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        charts.compute_risk_coverage([True], [0.5, 0.2], threshold=0)
    with pytest.raises(ValueError):
        charts.compute_risk_coverage([True], [np.nan], threshold=0)
    with pytest.raises(ValueError):
        charts.risk_coverage_figure({})
