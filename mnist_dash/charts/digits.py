"""Pictures of digits: one 28x28 digit enlarged, or a gallery tiled into one image."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from mnist_dash.charts._style import INK, NEUTRAL, TITLE_MARGIN, layout


def _as_images(images: ArrayLike) -> np.ndarray:
    a = np.asarray(images, dtype=np.float64)
    if a.ndim == 1:
        a = a[np.newaxis]
    if a.ndim == 2 and a.shape[1] == 784:
        a = a.reshape(-1, 28, 28)
    if a.ndim != 3 or a.shape[1:] != (28, 28):
        raise ValueError(f"expected images of 784 pixels, got shape {a.shape}")
    return a


def _ink_range(images: np.ndarray) -> float:
    # Pixels are 0-255 in MNIST; a [0, 1] image is drawn on its own scale.
    return 255.0 if images.size and images.max() > 1 else 1.0


#: Room above a picture without a title, so the mode bar shown on hover sits there.
_PICTURE_TOP = 30


def _picture_layout(
    traces: list[dict[str, Any]], *, title: str | None, height: int, **more: Any
) -> go.Figure:
    """Hidden axes, square pixels; the gaps between tiles (NaN) show the page."""
    hidden = {"visible": False, "showgrid": False, "zeroline": False}
    return layout(
        traces,
        title=title,
        height=height,
        margin={"l": 0, "r": 0, "b": 0, **({} if title else {"t": _PICTURE_TOP})},
        xaxis={**hidden, "constrain": "domain"},
        yaxis={**hidden, "autorange": "reversed", "scaleanchor": "x"},
        **more,
    )


def digit_grid_figure(
    images: ArrayLike,
    *,
    columns: int = 10,
    titles: Sequence[str] | None = None,
    gap: int = 2,
    cell_px: int | None = None,
) -> go.Figure:
    """A gallery of digits tiled into one picture, as the book's ``plot_digits``.

    Trace 0 is one heatmap of the mosaic: tile ``i`` sits at row ``i // columns``,
    column ``i % columns``; the gaps between tiles are NaN (drawn blank).

    Parameters
    ----------
    images : array-like, shape (n, 784) or (n, 28, 28)
        Pixel values 0-255 (or 0-1).
    columns : int
        Tiles per row.
    titles : sequence of str, optional
        One short caption per image, written above it.
    gap : int
        Blank pixels between tiles (more when there are titles).
    cell_px : int, optional
        Height on screen, in pixels, of each digit's 28x28 cell: large enough
        to see a one-pixel shift takes about 150. By default the figure's
        height grows with the number of rows, from 150 to 800 pixels. The
        width follows the page; a page too narrow shrinks the picture.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    digits = _as_images(images)
    n = len(digits)
    if columns < 1:
        raise ValueError("columns must be at least 1")
    if cell_px is not None and cell_px < 1:
        raise ValueError("cell_px must be at least 1")
    if titles is not None and len(titles) != n:
        raise ValueError(f"{len(titles)} titles for {n} images")
    columns = max(1, min(columns, n))
    rows = max(1, -(-n // columns))
    top = 9 if titles is not None else 0
    step_x, step_y = 28 + gap, 28 + gap + top
    mosaic = np.full((rows * step_y - gap, columns * step_x - gap), np.nan)
    annotations = []
    for i, digit in enumerate(digits):
        r, c = divmod(i, columns)
        y0, x0 = r * step_y + top, c * step_x
        mosaic[y0 : y0 + 28, x0 : x0 + 28] = digit
        if titles is not None:
            annotations.append(
                {
                    "x": x0 + 13.5,
                    "y": y0 - 1,
                    "text": titles[i],
                    "showarrow": False,
                    "yanchor": "bottom",
                    "font": {"size": 11},
                }
            )
    traces = [
        dict(
            type="heatmap",
            z=mosaic,
            colorscale=INK,
            zmin=0,
            zmax=_ink_range(digits),
            showscale=False,
            hoverinfo="skip",
            hoverongaps=False,
        )
    ]
    if cell_px is None:
        # The picture keeps square pixels; a height near its aspect avoids blank
        # bands.
        height = int(np.clip(40 + 1.7 * mosaic.shape[0], 150, 800))
    else:
        height = _PICTURE_TOP + round(mosaic.shape[0] * cell_px / 28)
    return _picture_layout(traces, title=None, height=height, annotations=annotations)


def digit_figure(image: ArrayLike, *, title: str | None = None) -> go.Figure:
    """One 28x28 digit, enlarged with square pixels, as a model sees it.

    Trace 0 is a heatmap whose ``z`` is the image reshaped to 28x28, drawn
    without smoothing.

    Parameters
    ----------
    image : array-like, shape (784,) or (28, 28)
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
    """
    digit = _as_images(image)
    if len(digit) != 1:
        raise ValueError(f"expected one image, got {len(digit)}")
    traces = [
        dict(
            type="heatmap",
            z=digit[0],
            colorscale=INK,
            zmin=0,
            zmax=_ink_range(digit),
            zsmooth=False,
            showscale=False,
            hovertemplate="row %{y}, column %{x}: %{z}<extra></extra>",
        )
    ]
    return _picture_layout(
        traces,
        title=title,
        # 260 pixels of picture under the room its title (or the mode bar) needs.
        height=260 + (TITLE_MARGIN if title else _PICTURE_TOP),
        shapes=[
            {
                "type": "rect",
                "x0": -0.5,
                "x1": 27.5,
                "y0": -0.5,
                "y1": 27.5,
                "line": {"color": NEUTRAL, "width": 1},
            }
        ],
        title_font_size=14,
        width=260,
    )
