"""Things people draw on the canvas that are not digits, and digits in a style.

Used by ``bench/bench_refusal.py``, ``bench/bench_teach.py`` and the tests of
:mod:`mnist_dash.refusal` and :mod:`mnist_dash.personal`. Every shape is a list
of strokes, each a polyline of ``(x, y)`` points in a unit box, drawn as a person
would: a random size (80-250 px), place and round pen (6-30 px) on the 280x280
canvas, slightly rotated, sheared and wobbly (:func:`strokes_on_canvas`), white
on opaque black like ``_drawing.redraw_on_canvas``.

Non-digits come in five kinds (:data:`NON_DIGIT_KINDS`): capital letters (but
not those that are drawn like a digit: O, I, S, Z, B, G), dashes, crosses, blobs
and scribbles.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> canvas = non_digit("dash", rng=rng)
>>> canvas.shape, canvas.dtype
((280, 280, 4), dtype('uint8'))
"""

from __future__ import annotations

import math

import numpy as np
from _drawing import ink_lines
from PIL import Image, ImageDraw

__all__ = [
    "LETTERS",
    "NON_DIGIT_KINDS",
    "STYLES",
    "non_digit",
    "strokes_on_canvas",
    "styled_digit",
]

Stroke = list[tuple[float, float]]


def _arc(
    cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 24
) -> Stroke:
    """Points on an ellipse from ``start`` to ``end`` degrees (0 = right, clockwise
    on screen, since y grows downwards)."""
    angles = np.radians(np.linspace(start, end, n))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


#: Capital letters as strokes in a unit box. O, I, S, Z, B and G are left out:
#: people draw them as 0, 1, 5, 2, 8 and 6, and nothing could refuse them
#: without refusing those digits.
LETTERS: dict[str, list[Stroke]] = {
    "A": [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.22, 0.6), (0.78, 0.6)]],
    "C": [_arc(0.5, 0.5, 0.5, 0.5, -45, -315)],
    "D": [[(0.0, 0.0), (0.0, 1.0)], [(0.0, 0.0), *_arc(0.3, 0.5, 0.7, 0.5, -90, 90)]],
    "E": [[(1.0, 0.0), (0.0, 0.0), (0.0, 1.0), (1.0, 1.0)], [(0.0, 0.5), (0.8, 0.5)]],
    "F": [[(1.0, 0.0), (0.0, 0.0), (0.0, 1.0)], [(0.0, 0.5), (0.8, 0.5)]],
    "H": [[(0.0, 0.0), (0.0, 1.0)], [(1.0, 0.0), (1.0, 1.0)], [(0.0, 0.5), (1.0, 0.5)]],
    "J": [[(0.2, 0.0), (1.0, 0.0)], [(0.7, 0.0), *_arc(0.4, 0.7, 0.3, 0.3, 0, 180)]],
    "K": [[(0.0, 0.0), (0.0, 1.0)], [(1.0, 0.0), (0.0, 0.55), (1.0, 1.0)]],
    "L": [[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]],
    "M": [[(0.0, 1.0), (0.0, 0.0), (0.5, 0.6), (1.0, 0.0), (1.0, 1.0)]],
    "N": [[(0.0, 1.0), (0.0, 0.0), (1.0, 1.0), (1.0, 0.0)]],
    "P": [[(0.0, 1.0), (0.0, 0.0)], [(0.0, 0.0), *_arc(0.3, 0.27, 0.7, 0.27, -90, 90)]],
    "Q": [_arc(0.5, 0.5, 0.5, 0.5, 0, 360, 40), [(0.6, 0.7), (1.05, 1.1)]],
    "R": [
        [(0.0, 1.0), (0.0, 0.0)],
        [(0.0, 0.0), *_arc(0.3, 0.27, 0.7, 0.27, -90, 90)],
        [(0.3, 0.54), (1.0, 1.0)],
    ],
    "T": [[(0.0, 0.0), (1.0, 0.0)], [(0.5, 0.0), (0.5, 1.0)]],
    "U": [[(0.0, 0.0), (0.0, 0.6), *_arc(0.5, 0.6, 0.5, 0.4, 180, 0), (1.0, 0.0)]],
    "V": [[(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]],
    "W": [[(0.0, 0.0), (0.25, 1.0), (0.5, 0.35), (0.75, 1.0), (1.0, 0.0)]],
    "X": [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]],
    "Y": [[(0.0, 0.0), (0.5, 0.5), (1.0, 0.0)], [(0.5, 0.5), (0.5, 1.0)]],
}
#: Width over height of each letter as drawn.
_LETTER_ASPECT = {"M": 1.0, "W": 1.1, "I": 0.2}

NON_DIGIT_KINDS = ("letter", "dash", "cross", "blob", "scribble")


def strokes_on_canvas(
    strokes: list[Stroke],
    *,
    rng: np.random.Generator,
    aspect: float = 0.75,
    size: float | None = None,
    pen_width: float | None = None,
    wobble: float = 0.02,
    fill: bool = False,
    canvas_size: int = 280,
) -> np.ndarray:
    """Draw ``strokes`` (unit-box polylines) as a person would on the canvas.

    The shape is ``aspect`` times as wide as it is tall, its longer side ``size``
    pixels (uniform in 80-250 by default, less if it must to fit), rotated by up to
    8 degrees, sheared by up to 0.15 and each point moved by up to ``wobble``
    of its size; then placed at random and inked with a round pen ``pen_width``
    pixels wide (uniform in 6-30). With ``fill``, closed strokes are filled in.
    """
    pen = float(rng.uniform(6, 30) if pen_width is None else pen_width)
    wanted = float(rng.uniform(80, 250) if size is None else size)
    angle = math.radians(rng.uniform(-8, 8))
    shear = rng.uniform(-0.15, 0.15)
    rotate = np.array(
        [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]
    ) @ np.array([[1.0, shear], [0.0, 1.0]])
    moved = []
    for stroke in strokes:
        points = np.asarray(stroke, dtype=np.float64) * (aspect, 1.0)
        points = points + rng.normal(0.0, wobble, size=points.shape)
        moved.append(points @ rotate.T)
    every = np.concatenate(moved)
    low = every.min(axis=0)
    extent = np.maximum(every.max(axis=0) - low, 1e-3)
    room = canvas_size - pen - 4
    scale = min(wanted, room) / extent.max()
    slack = np.maximum(canvas_size - 2 * (pen / 2 + 2) - extent * scale, 0.0)
    origin = pen / 2 + 2 + rng.uniform(0.0, 1.0, size=2) * slack
    lines = Image.new("1", (canvas_size, canvas_size), 0)
    draw = ImageDraw.Draw(lines)
    for points in moved:
        xy = [tuple(p) for p in (points - low) * scale + origin]
        if fill and len(xy) > 2:
            draw.polygon(xy, fill=1)
        if len(xy) == 1:
            draw.point(xy[0], fill=1)
        else:
            draw.line(xy, fill=1)
    return ink_lines(np.asarray(lines), pen)


def _letter(rng: np.random.Generator) -> np.ndarray:
    name = str(rng.choice(sorted(LETTERS)))
    aspect = _LETTER_ASPECT.get(name, 0.75) * rng.uniform(0.8, 1.2)
    return strokes_on_canvas(LETTERS[name], rng=rng, aspect=aspect)


def _dash(rng: np.random.Generator) -> np.ndarray:
    tilt = math.radians(rng.uniform(-10, 10))
    stroke = [(0.0, 0.0), (math.cos(tilt), math.sin(tilt))]
    return strokes_on_canvas(
        [stroke], rng=rng, aspect=1.0, size=rng.uniform(60, 250), wobble=0.005
    )


def _cross(rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.5:  # a plus sign
        strokes = [[(0.5, 0.0), (0.5, 1.0)], [(0.0, 0.5), (1.0, 0.5)]]
    else:  # a multiplication sign, or a tick-like cross
        strokes = [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]]
    return strokes_on_canvas(strokes, rng=rng, aspect=rng.uniform(0.7, 1.3))


def _blob(rng: np.random.Generator) -> np.ndarray:
    corners = int(rng.integers(5, 12))
    angles = np.sort(rng.uniform(0, 2 * math.pi, corners))
    radii = rng.uniform(0.6, 1.0, corners)
    outline = [
        (0.5 + 0.5 * r * math.cos(a), 0.5 + 0.5 * r * math.sin(a))
        for a, r in zip(angles, radii, strict=True)
    ]
    return strokes_on_canvas(
        [[*outline, outline[0]]],
        rng=rng,
        aspect=rng.uniform(0.6, 1.6),
        size=rng.uniform(40, 220),
        fill=True,
    )


def _scribble(rng: np.random.Generator) -> np.ndarray:
    strokes = []
    for _ in range(int(rng.integers(1, 4))):
        steps = int(rng.integers(8, 25))
        walk = np.cumsum(rng.normal(0.0, 0.25, size=(steps, 2)), axis=0)
        strokes.append([tuple(p) for p in walk])
    return strokes_on_canvas(
        strokes, rng=rng, aspect=rng.uniform(0.7, 1.4), wobble=0.0
    )


_MAKERS = {
    "letter": _letter,
    "dash": _dash,
    "cross": _cross,
    "blob": _blob,
    "scribble": _scribble,
}


def non_digit(kind: str, *, rng: np.random.Generator) -> np.ndarray:
    """A canvas (280x280 RGBA) holding one non-digit of ``kind``."""
    return _MAKERS[kind](rng)


#: Digits in one person's consistent style, unlike most of MNIST's: a 7 crossed
#: in the middle with a hooked top, a 1 with a flag and a foot, a 4 drawn open
#: with a long slanted stroke. label -> strokes.
STYLES: dict[str, tuple[int, list[Stroke]]] = {
    "crossed 7": (
        7,
        [
            [(0.05, 0.15), (0.1, 0.0), (1.0, 0.0), (0.35, 1.0)],
            [(0.3, 0.5), (0.95, 0.5)],
        ],
    ),
    "flagged 1": (
        1,
        [[(0.1, 0.3), (0.55, 0.0), (0.55, 1.0)], [(0.15, 1.0), (0.95, 1.0)]],
    ),
    "open 4": (
        4,
        [[(0.55, 0.0), (0.0, 0.7), (1.0, 0.7)], [(0.85, 0.3), (0.7, 1.0)]],
    ),
}


def styled_digit(style: str, *, rng: np.random.Generator) -> np.ndarray:
    """A canvas holding one digit drawn in ``style`` (a key of :data:`STYLES`)."""
    _, strokes = STYLES[style]
    return strokes_on_canvas(strokes, rng=rng, aspect=rng.uniform(0.6, 0.8))
