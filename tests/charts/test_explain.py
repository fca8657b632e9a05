"""Explanation figures draw exactly what mnist_dash.explain computed."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import SGDClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from mnist_dash import charts, explain


@pytest.fixture(scope="module")
def linear(mnist):
    X, y = mnist
    return make_pipeline(SGDClassifier(random_state=42)).fit(X[:1000], y[:1000])


def test_templates_and_shares_are_drawn_as_computed(linear, mnist) -> None:
    X, _ = mnist
    why = explain.explain_linear(linear, X[1500])
    templates = charts.templates_figure(why)
    assert len(templates.data) == 10
    for trace, weights in zip(templates.data, why.templates, strict=True):
        assert_allclose(np.asarray(trace.z), weights.reshape(28, 28))
        assert trace.zmid == 0 and trace.colorscale == tuple(
            tuple(stop) for stop in charts.DIVERGING
        )
    shares = charts.contributions_figure(why)
    assert_allclose(np.asarray(shares.data[0].z).ravel(), why.toward_digit)
    assert_allclose(np.asarray(shares.data[1].z).ravel(), why.toward_runner_up)
    titles = [a.text for a in shares.layout.annotations]
    assert titles == [f"Towards {why.digit}", f"Towards {why.runner_up}"]
    # One symmetric colour range for both panels.
    assert shares.data[0].zmin == shares.data[1].zmin == -shares.data[0].zmax


def test_neighbours_are_titled_with_label_and_distance(mnist) -> None:
    X, y = mnist
    knn = make_pipeline(KNeighborsClassifier(3)).fit(X[:1000], y[:1000])
    near = explain.explain_neighbours(knn, X[1500])
    fig = charts.neighbours_figure(near)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [
        f"{label} · {distance:,.0f}"
        for label, distance in zip(near.labels, near.distances, strict=True)
    ]


def test_saliency_map_and_outline(mnist) -> None:
    X, _ = mnist
    drop = np.linspace(-1, 1, 784)
    seen = explain.Saliency(digit=3, probability=0.9, drop=drop, patch=4)
    fig = charts.saliency_figure(seen, X[0])
    assert_allclose(np.asarray(fig.data[0].z).ravel(), seen.drop)
    assert fig.data[0].zmid == 0
    assert_allclose(np.asarray(fig.data[1].z).ravel(), X[0])
