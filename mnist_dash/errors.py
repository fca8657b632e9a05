"""Error analysis: which training digits land in a cell of the confusion matrix.

The book's error analysis looks at the confusion matrix, picks a cell (3s read as
5s) and draws the training digits in it. :func:`cell_digits` selects those digits
from the out-of-fold predictions; :func:`default_cell` picks the cell to show
before anyone has clicked one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "BOOK_CELL",
    "CellDigits",
    "CellSummary",
    "summarize_cell",
    "cell_digits",
    "cell_indices",
    "default_cell",
]

#: The book's example: 3s that the classifier reads as 5s.
BOOK_CELL = (3, 5)


def _labels(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    actual = np.asarray(y_true)
    predicted = np.asarray(y_pred)
    if actual.ndim != 1 or actual.shape != predicted.shape:
        raise ValueError(
            f"y_true and y_pred must be 1-d of the same length, got shapes "
            f"{actual.shape} and {predicted.shape}"
        )
    return actual, predicted


def cell_indices(
    y_true: ArrayLike, y_pred: ArrayLike, *, actual: int, predicted: int
) -> np.ndarray:
    """Positions of the samples of class ``actual`` that were predicted ``predicted``.

    Examples
    --------
    >>> cell_indices([3, 5, 3, 3], [5, 5, 3, 5], actual=3, predicted=5)
    array([0, 3])
    """
    y_true_, y_pred_ = _labels(y_true, y_pred)
    return np.flatnonzero((y_true_ == actual) & (y_pred_ == predicted))


@dataclass(frozen=True, eq=False)
class CellDigits:
    """The digits of one confusion cell, ready for a gallery.

    Attributes
    ----------
    actual, predicted : int
        The cell: true class and predicted class.
    indices : ndarray of int, shape (k,)
        Positions in the training set of the digits shown (the first ``limit``).
    images : ndarray, shape (k, 784)
        Those digits' pixels.
    total : int
        How many digits the cell holds in all (``k <= total``).
    """

    actual: int
    predicted: int
    indices: np.ndarray
    images: np.ndarray
    total: int

    @property
    def is_error(self) -> bool:
        """Whether these are misclassified digits (an off-diagonal cell)."""
        return self.actual != self.predicted


def cell_digits(
    X: ArrayLike,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    actual: int,
    predicted: int,
    limit: int = 50,
) -> CellDigits:
    """The training digits of class ``actual`` predicted as ``predicted``.

    Parameters
    ----------
    X : array-like, shape (n, 784)
        The digits that ``y_true`` and ``y_pred`` describe, in the same order (the
        training set, with out-of-fold predictions from ``cross_val_predict``).
    y_true, y_pred : array-like, shape (n,)
    actual, predicted : int
        The confusion cell.
    limit : int
        Most digits returned, the first ones in training-set order.

    Returns
    -------
    CellDigits

    Examples
    --------
    >>> X = np.arange(4 * 784).reshape(4, 784)
    >>> cell = cell_digits(X, [3, 5, 3, 3], [5, 5, 3, 5], actual=3, predicted=5,
    ...                    limit=1)
    >>> cell.indices, cell.total, cell.images.shape
    (array([0]), 2, (1, 784))
    """
    images = np.asarray(X)
    indices = cell_indices(y_true, y_pred, actual=actual, predicted=predicted)
    if images.ndim != 2 or len(images) != len(np.asarray(y_true)):
        raise ValueError(
            f"X must hold one row per label: {images.shape} for "
            f"{len(np.asarray(y_true))} labels"
        )
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    shown = indices[:limit]
    return CellDigits(
        actual=int(actual),
        predicted=int(predicted),
        indices=shown,
        images=images[shown],
        total=len(indices),
    )


def default_cell(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    preferred: tuple[int, int] | None = BOOK_CELL,
) -> tuple[int, int]:
    """The cell to show before one is clicked: ``preferred``, else the worst error.

    ``preferred`` (the book's 3s read as 5s) is used when it holds at least one
    digit; otherwise the most frequent confusion (largest off-diagonal count), and
    if there is no error at all, the first class read as itself.

    Examples
    --------
    >>> default_cell([3, 5, 7, 7], [5, 5, 1, 1])
    (3, 5)
    >>> default_cell([3, 5, 7, 7], [3, 5, 1, 1])
    (7, 1)
    """
    y_true_, y_pred_ = _labels(y_true, y_pred)
    if len(y_true_) == 0:
        raise ValueError("no predictions to choose a cell from")
    if preferred is not None:
        a, p = preferred
        if np.any((y_true_ == a) & (y_pred_ == p)):
            return int(a), int(p)
    wrong = y_true_ != y_pred_
    if not wrong.any():
        first = np.min(y_true_)
        return int(first), int(first)
    pairs, counts = np.unique(
        np.stack([y_true_[wrong], y_pred_[wrong]], axis=1), axis=0, return_counts=True
    )
    a, p = pairs[counts.argmax()]
    return int(a), int(p)


@dataclass(frozen=True)
class CellSummary:
    """What one cell says about its row: how big it is and what else goes wrong.

    Attributes
    ----------
    actual, predicted : int
        The cell.
    count : int
        Digits in the cell.
    actual_total : int
        Digits of class ``actual`` (the row's sum).
    top_error : int or None
        The class that ``actual`` digits are most often mistaken for; None when
        every one of them was read right.
    top_error_count : int
        How many were mistaken for it.
    """

    actual: int
    predicted: int
    count: int
    actual_total: int
    top_error: int | None
    top_error_count: int

    @property
    def share(self) -> float:
        """The cell's share of its row (0 for an empty row)."""
        return self.count / self.actual_total if self.actual_total else 0.0

    @property
    def is_error(self) -> bool:
        """Whether the cell is off the diagonal."""
        return self.actual != self.predicted


def summarize_cell(
    y_true: ArrayLike, y_pred: ArrayLike, *, actual: int, predicted: int
) -> CellSummary:
    """Count a cell and its row's most frequent error.

    Examples
    --------
    >>> s = summarize_cell([3, 3, 3, 3, 5], [3, 5, 8, 8, 5], actual=3, predicted=5)
    >>> s.count, s.actual_total, s.top_error, s.top_error_count, s.share
    (1, 4, 8, 2, 0.25)
    """
    y_true_, y_pred_ = _labels(y_true, y_pred)
    row = y_pred_[y_true_ == actual]
    wrong = row[row != actual]
    if wrong.size:
        values, counts = np.unique(wrong, return_counts=True)
        top, top_count = int(values[counts.argmax()]), int(counts.max())
    else:
        top, top_count = None, 0
    return CellSummary(
        actual=int(actual),
        predicted=int(predicted),
        count=int(np.sum(row == predicted)),
        actual_total=int(row.size),
        top_error=top,
        top_error_count=top_count,
    )
