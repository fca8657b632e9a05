"""Pictures of digits: the pixels drawn are the digits' own."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from mnist_dash import charts


def test_digit_grid_tiles_the_images(mnist):
    X, _ = mnist
    fig = charts.digit_grid_figure(X[:7], columns=3, gap=2)
    z = np.asarray(fig.data[0].z, dtype=float)

    assert z.shape == (3 * 30 - 2, 3 * 30 - 2)
    for i in range(7):
        r, c = divmod(i, 3)
        tile = z[r * 30 : r * 30 + 28, c * 30 : c * 30 + 28]
        assert_array_equal(tile, X[i].reshape(28, 28))
    assert np.isnan(z[28:30]).all()  # the gap between rows is blank
    assert np.isnan(z[60:, 30:]).all()  # so are the two missing tiles
    assert fig.layout.xaxis.visible is False
    assert fig.layout.yaxis.scaleanchor == "x"


def test_digit_grid_titles(mnist):
    X, y = mnist
    titles = [f"{label}" for label in y[:4]]
    fig = charts.digit_grid_figure(X[:4], columns=4, titles=titles)
    assert [a.text for a in fig.layout.annotations] == titles
    with pytest.raises(ValueError, match="titles"):
        charts.digit_grid_figure(X[:4], titles=titles[:2])


def test_digit_figure_shows_the_28x28_pixels(mnist):
    X, _ = mnist
    fig = charts.digit_figure(X[0])
    assert_array_equal(fig.data[0].z, X[0].reshape(28, 28))
    assert fig.data[0].zsmooth is False
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0, 255)
    assert fig.layout.yaxis.scaleanchor == "x"
    with pytest.raises(ValueError, match="784"):
        charts.digit_figure(X[0][:100])
