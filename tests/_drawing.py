"""Redraw MNIST digits the way a person draws them on the dashboard's canvas.

Used by ``tests/test_preprocess.py`` and ``bench/bench_draw.py`` to check
:func:`mnist_dash.preprocess.canvas_to_mnist` on realistic input: a 28x28 digit is
thinned to its strokes, scaled to a random size, moved to a random place on a
280x280 canvas and re-inked with a round pen of a random width, white on an opaque
black background, anti-aliased, as streamlit-drawable-canvas returns it.

>>> import numpy as np
>>> digit = np.zeros((28, 28))
>>> digit[4:24, 12:16] = 255.0  # a thick "1"
>>> canvas = redraw_on_canvas(digit, rng=np.random.default_rng(0))
>>> canvas.shape, canvas.dtype, bool((canvas[..., 3] == 255).all())
((280, 280, 4), dtype('uint8'), True)
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

__all__ = ["ink_lines", "redraw_on_canvas", "thin"]

# Zhang-Suen neighbour order: P2 (north) clockwise to P9 (north-west).
_NEIGHBOURS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def thin(mask: np.ndarray) -> np.ndarray:
    """Thin a binary image to 1-pixel-wide strokes (Zhang and Suen, 1984).

    Parameters
    ----------
    mask : ndarray of bool, shape (H, W)
        The shape to thin.

    Returns
    -------
    ndarray of bool, shape (H, W)
        Its skeleton, 8-connected where the shape was connected.

    Examples
    --------
    >>> block = np.zeros((7, 9), dtype=bool)
    >>> block[2:5, 1:8] = True
    >>> thin(block).sum(axis=0).max()
    np.int64(1)
    """
    img = np.pad(np.asarray(mask, dtype=bool), 1)
    h, w = img.shape
    while True:
        changed = False
        for step in (0, 1):
            p = [
                img[1 + dy : h - 1 + dy, 1 + dx : w - 1 + dx] for dy, dx in _NEIGHBOURS
            ]
            count = np.sum(p, axis=0)
            # Number of 0->1 transitions around the 8 neighbours, in order.
            transitions = sum(
                (~p[i] & p[(i + 1) % 8]).astype(np.uint8) for i in range(8)
            )
            p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
            if step == 0:
                side = ~(p2 & p4 & p6) & ~(p4 & p6 & p8)
            else:
                side = ~(p2 & p4 & p8) & ~(p2 & p6 & p8)
            centre = img[1:-1, 1:-1]
            remove = centre & (count >= 2) & (count <= 6) & (transitions == 1) & side
            if remove.any():
                centre[remove] = False
                changed = True
        if not changed:
            return img[1:-1, 1:-1]


def redraw_on_canvas(
    digit28: np.ndarray,
    *,
    rng: np.random.Generator,
    canvas_size: int | tuple[int, int] = 280,
    height: float | None = None,
    pen_width: float | None = None,
) -> np.ndarray:
    """Redraw a 28x28 MNIST digit on a canvas, as a user of the draw page would.

    The digit is upsampled 4x and thinned to its strokes; the strokes are scaled
    so the digit is ``height`` pixels tall (or fits the canvas), placed at a random
    position and inked with a round pen ``pen_width`` pixels wide, anti-aliased.

    Parameters
    ----------
    digit28 : array-like, shape (28, 28) or (784,)
        An MNIST digit, white (255) ink on black (0).
    rng : numpy.random.Generator
        Source of the random height, pen width and position.
    canvas_size : int or (int, int), default 280
        Canvas side, or ``(height, width)``.
    height : float, optional
        Height of the drawn digit in pixels; uniform in 80-250 by default (capped
        so that the digit fits the canvas).
    pen_width : float, optional
        Pen diameter in pixels; uniform in 6-30 by default.

    Returns
    -------
    ndarray of uint8, shape (canvas_height, canvas_width, 4)
        White strokes on opaque black, alpha 255 everywhere.
    """
    rows, cols = (
        (canvas_size, canvas_size) if isinstance(canvas_size, int) else canvas_size
    )
    digit = np.asarray(digit28, dtype=np.float64).reshape(28, 28)
    pen = float(rng.uniform(6, 30) if pen_width is None else pen_width)
    wanted = float(rng.uniform(80, 250) if height is None else height)

    # Strokes: the digit's centre lines at 4x, as (row, col) points in digit pixels.
    big = Image.fromarray(np.clip(digit, 0, 255).astype(np.uint8)).resize(
        (112, 112), Image.Resampling.BILINEAR
    )
    skeleton = thin(np.asarray(big) >= 128)
    if not skeleton.any():
        return _blank(rows, cols)
    points = np.argwhere(skeleton).astype(np.float64) / 4.0
    top, left = points.min(axis=0)
    extent = points.max(axis=0) - (top, left) + 0.25
    scale = min(wanted / extent[0], (cols - pen - 2) / extent[1])
    scale = min(scale, (rows - pen - 2) / extent[0])
    size = extent * scale
    margin = pen / 2 + 1
    slack = np.maximum(np.array((rows, cols)) - 2 * margin - size, 0.0)
    origin = margin + rng.uniform(0.0, 1.0, size=2) * slack
    canvas_points = (points - (top, left)) * scale + origin

    # Join 8-adjacent skeleton pixels with 1-px lines, then ink them with the pen.
    lines = Image.new("1", (cols, rows), 0)
    draw = ImageDraw.Draw(lines)
    index = {tuple(p): i for i, p in enumerate(np.argwhere(skeleton))}
    for (r, c), i in index.items():
        for dr, dc in ((0, 1), (1, -1), (1, 0), (1, 1)):
            j = index.get((r + dr, c + dc))
            if j is not None:
                (r0, c0), (r1, c1) = canvas_points[i], canvas_points[j]
                draw.line((c0, r0, c1, r1), fill=1)
        r0, c0 = canvas_points[i]
        draw.point((c0, r0), fill=1)
    return ink_lines(np.asarray(lines), pen)


def ink_lines(lines: np.ndarray, pen: float) -> np.ndarray:
    """1-px lines inked with a round pen ``pen`` pixels wide, as the canvas returns.

    Every pixel within ``pen / 2`` of a line is inked; the 1-px ramp at the edge
    anti-aliases like a browser. Returns white on opaque black, uint8 RGBA.
    """
    distance = ndimage.distance_transform_edt(~np.asarray(lines, dtype=bool))
    ink = np.clip(pen / 2 + 0.5 - distance, 0.0, 1.0)
    out = _blank(*lines.shape)
    out[..., :3] = np.round(ink * 255).astype(np.uint8)[..., None]
    return out


def _blank(rows: int, cols: int) -> np.ndarray:
    out = np.zeros((rows, cols, 4), dtype=np.uint8)
    out[..., 3] = 255
    return out
