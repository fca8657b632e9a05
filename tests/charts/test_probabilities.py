"""One drawing's output per class, from real fitted estimators."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import RidgeClassifier

from mnist_dash import charts


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


def test_the_predicted_bar_is_the_accent_and_not_red():
    data = charts.compute_probabilities(
        [0.002, 0.01, 0.05, 0.7, 0.0, 0.2, 0.0, 0.03, 0.008, 0.0], kind="probability"
    )
    bars = charts.probability_figure(data).data[0]
    colours = list(bars.marker.color)
    assert colours[3] == charts.ACCENT
    assert set(colours[:3] + colours[4:]) == {charts.NEUTRAL}
    red, green, _ = (int(charts.ACCENT[i : i + 2], 16) for i in (1, 3, 5))
    assert green > red / 2  # orange, not red: red reads as an error


def test_only_probabilities_of_one_percent_or_more_are_written():
    data = charts.compute_probabilities(
        [0.002, 0.01, 0.05, 0.7, 0.0, 0.2, 0.0, 0.03, 0.008, 0.0], kind="probability"
    )
    text = list(charts.probability_figure(data).data[0].text)
    assert text == ["", "1%", "5%", "70%", "", "20%", "", "3%", "", ""]


def test_decision_scores_write_only_the_winner():
    data = charts.compute_probabilities([-3e5, 2e4, -1.5e5], kind="decision")
    assert list(charts.probability_figure(data).data[0].text) == ["", "20,000", ""]
