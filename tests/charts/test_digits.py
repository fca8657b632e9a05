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


def test_digit_grid_cells_can_be_made_larger(mnist):
    """One digit and its one-pixel shifts need large cells to be seen apart."""
    X, _ = mnist
    titles = ["original", "left", "right", "up", "down"]
    default = charts.digit_grid_figure(X[:5], columns=5, titles=titles)
    large = charts.digit_grid_figure(X[:5], columns=5, titles=titles, cell_px=150)

    assert_array_equal(large.data[0].z, default.data[0].z)  # same picture
    rows = np.asarray(large.data[0].z).shape[0]  # 28 pixels and the caption band
    top = large.layout.margin.t
    assert large.layout.height - top == pytest.approx(rows * 150 / 28, abs=1)
    assert default.layout.height == 150  # today's default, unchanged
    with pytest.raises(ValueError, match="cell_px"):
        charts.digit_grid_figure(X[:5], cell_px=0)


def test_digit_figure_leaves_room_for_its_title(mnist):
    X, _ = mnist
    titled = charts.digit_figure(X[0], title="What the model sees (28×28)")
    plain = charts.digit_figure(X[0])
    assert titled.layout.height - titled.layout.margin.t == 260
    assert plain.layout.height - plain.layout.margin.t == 260
    assert titled.layout.width == plain.layout.width == 260
