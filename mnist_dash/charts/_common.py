"""Helpers shared by the chart families: validation, read-only arrays, thinning.

Private to :mod:`mnist_dash.charts`; nothing here draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

#: Above this many points a curve is thinned out for drawing (see ``max_points``).
MAX_CURVE_POINTS = 2000


def format_number(value: float) -> str:
    """A score for people: ``877,600`` rather than ``8.776e+05``; ``0.25`` stays."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def label_text(label: Any) -> str:
    """A class label as text: ``5`` rather than ``np.int64(5)``."""
    return str(python_scalar(label))


def python_scalar(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (JSON and ``int()`` like these)."""
    return value.item() if isinstance(value, np.generic) else value


def frozen(array: ArrayLike, dtype: Any = None) -> np.ndarray:
    """A read-only copy, so that a frozen dataclass really cannot change."""
    out = np.array(array, dtype=dtype)
    out.setflags(write=False)
    return out


def binary_target(y_true: ArrayLike) -> np.ndarray:
    """Validate a binary target (bools or 0/1) and return it as bools."""
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(f"y_true must be one-dimensional, got shape {y.shape}")
    if y.dtype != bool:
        values = set(np.unique(y).tolist())
        if not values <= {0, 1}:
            raise ValueError(
                f"y_true must be binary (bools or 0/1), got values {sorted(values)}"
            )
    return y.astype(bool)


def scores_for(y: np.ndarray, scores: ArrayLike, name: str = "scores") -> np.ndarray:
    """Validate the scores of ``y``: same shape, all finite; as float64."""
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != y.shape:
        raise ValueError(f"{name} has shape {s.shape}, y_true has shape {y.shape}")
    if not np.isfinite(s).all():
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    return s


def decimation_index(*series: np.ndarray, max_points: int) -> np.ndarray:
    """Indices of the points to draw so that each series keeps its shape.

    Min-max decimation: the index range is cut into buckets and each bucket keeps
    its first and last point and, for every series, its lowest and highest point.
    The first and last points overall are always kept. The result is sorted and
    has at most ``max_points`` indices; every index is a real point of the input.

    >>> decimation_index(np.arange(5.0), max_points=10)
    array([0, 1, 2, 3, 4])
    """
    n = len(series[0])
    if n <= max_points:
        return np.arange(n)
    per_bucket = 2 + 2 * len(series)
    n_buckets = max(1, (max_points - 1) // per_bucket)
    size = -(-n // n_buckets)
    grid = np.minimum(np.arange(n_buckets * size).reshape(n_buckets, size), n - 1)
    rows = np.arange(n_buckets)
    keep = [grid[:, 0], grid[:, -1], np.array([n - 1])]
    for values in series:
        block = values[grid]
        keep += [grid[rows, block.argmin(axis=1)], grid[rows, block.argmax(axis=1)]]
    return np.unique(np.concatenate(keep))
