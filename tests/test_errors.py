"""Error analysis: the digits of a confusion cell, checked against sklearn's matrix."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from mnist_dash import data, errors, evaluation


@pytest.fixture(scope="module")
def sample_cv() -> tuple[np.ndarray, evaluation.CrossValResult]:
    """Out-of-fold predictions of the book's scaled SGD on part of the sample."""
    sample = data.load_mnist("sample")
    X, y = sample.X_train[:1500], sample.y_train[:1500]
    return X, evaluation.cross_validate_model("sgd_scaled", X, y, cache=False)


def test_every_cell_holds_as_many_digits_as_the_confusion_matrix_says(
    sample_cv: tuple[np.ndarray, evaluation.CrossValResult],
) -> None:
    X, cv = sample_cv
    counts = confusion_matrix(cv.y_true, cv.y_pred, labels=range(10))
    for actual in range(10):
        for predicted in range(10):
            cell = errors.cell_digits(
                X, cv.y_true, cv.y_pred, actual=actual, predicted=predicted, limit=5
            )
            assert cell.total == counts[actual, predicted]
            assert len(cell.indices) == min(5, cell.total)
            assert cell.is_error == (actual != predicted)


def test_cell_digits_are_the_training_digits_of_that_cell(
    sample_cv: tuple[np.ndarray, evaluation.CrossValResult],
) -> None:
    X, cv = sample_cv
    actual, predicted = errors.default_cell(cv.y_true, cv.y_pred)
    cell = errors.cell_digits(
        X, cv.y_true, cv.y_pred, actual=actual, predicted=predicted, limit=1000
    )
    assert cell.total > 0
    assert (cv.y_true[cell.indices] == actual).all()
    assert (cv.y_pred[cell.indices] == predicted).all()
    np.testing.assert_array_equal(cell.images, X[cell.indices])
    assert list(cell.indices) == sorted(cell.indices)  # training-set order


def test_default_cell_is_the_books_three_read_as_five_when_there_is_one() -> None:
    y_true = np.array([3, 3, 7, 7, 7, 1])
    y_pred = np.array([5, 3, 1, 1, 1, 1])
    assert errors.default_cell(y_true, y_pred) == (3, 5)
    assert errors.default_cell(y_true, y_pred, preferred=None) == (7, 1)


def test_default_cell_falls_back_to_the_most_frequent_confusion() -> None:
    y_true = np.array([3, 2, 2, 9, 9, 9])
    y_pred = np.array([3, 8, 8, 4, 4, 9])
    assert errors.default_cell(y_true, y_pred) in {(2, 8), (9, 4)}
    assert errors.default_cell(y_true, y_pred) == (2, 8)  # ties: the smaller pair


def test_default_cell_without_errors_shows_a_diagonal_cell() -> None:
    assert errors.default_cell([4, 6, 4], [4, 6, 4]) == (4, 4)


@pytest.mark.parametrize(
    ("X", "y_true", "y_pred", "limit", "message"),
    [
        (np.zeros((2, 784)), [3, 5], [3, 5, 1], 5, "same length"),
        (np.zeros((3, 784)), [3, 5], [3, 5], 5, "one row per label"),
        (np.zeros((2, 784)), [3, 5], [3, 5], -1, "limit"),
    ],
)
def test_cell_digits_rejects_inconsistent_input(
    X: np.ndarray, y_true: list[int], y_pred: list[int], limit: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        errors.cell_digits(X, y_true, y_pred, actual=3, predicted=5, limit=limit)


def test_default_cell_needs_predictions() -> None:
    with pytest.raises(ValueError, match="no predictions"):
        errors.default_cell([], [])
