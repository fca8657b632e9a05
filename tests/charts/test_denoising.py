"""The noise-cleaning KNN's error curve against ``mean_absolute_error``."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import mean_absolute_error

from mnist_dash import charts


def test_denoising_errors_match_sklearn(mnist):
    X = mnist[0][:20].astype(np.float64)
    rng = np.random.default_rng(0)
    levels = [0, 50, 100]
    noisy = np.stack([X + rng.integers(0, level + 1, X.shape) for level in levels])
    cleaned = np.clip(noisy - 10, 0, 255)
    errors = charts.compute_denoising_errors(
        X, noisy, cleaned, levels=levels, trained_level=100, model="knn"
    )
    for index in range(len(levels)):
        assert errors.noisy[index] == pytest.approx(
            mean_absolute_error(X, noisy[index])
        )
        assert errors.cleaned[index] == pytest.approx(
            mean_absolute_error(X, cleaned[index])
        )
    assert errors.n_digits == 20

    fig = charts.denoising_figure(errors, level=75)
    assert_array_equal(fig.data[0].x, levels)
    assert_allclose(fig.data[0].y, errors.cleaned)
    assert_allclose(fig.data[1].y, errors.noisy)
    assert fig.data[0].line.color == charts.model_colour("knn")
    assert fig.data[2].marker.color == charts.ACCENT
    assert fig.data[2].y[0] == pytest.approx(np.interp(75, levels, errors.cleaned))
    assert [shape.x0 for shape in fig.layout.shapes] == [75, 100]


def test_denoising_inputs_are_validated(mnist):
    X = mnist[0][:3]
    with pytest.raises(ValueError, match="levels"):
        charts.compute_denoising_errors(
            X, np.stack([X, X]), np.stack([X, X]), levels=[0], trained_level=100
        )
