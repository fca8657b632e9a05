"""The nearest training digits of any digit, straight from the uint8 pixels.

``KNeighborsClassifier`` keeps a float copy of its training set: 188 MB for full
MNIST in float32, and a multioutput one (784 outputs, the book's noise-cleaning
KNN) keeps another 376 MB of encoded targets. Here the training pixels stay the
dataset's own uint8 array (kept by reference, never copied) and are turned into
float64 a block of rows at a time while distances are computed, so the working
memory is a few tens of MB whatever the training set's size. Distances between
whole-number pixels come out exact in float64, as scikit-learn's own brute-force
search computes them (it upcasts to float64 too), so the neighbours, the votes
and the predictions are those of ``KNeighborsClassifier()`` (checked in
``tests/test_neighbours.py``). :class:`PixelKNeighborsClassifier` is
scikit-learn's ``KNeighborsClassifier`` with this search: the registry's KNN
models keep the dataset's uint8 digits instead of a float copy.

Example
-------
>>> X = np.array([[0, 0], [10, 0], [0, 10], [9, 9]], dtype=np.uint8)
>>> distances, indices = PixelNeighbours(X).kneighbors([[8, 8]], k=2)
>>> indices.tolist(), distances.round(3).tolist()
([[3, 1]], [[1.414, 8.246]])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.neighbors import KNeighborsClassifier

__all__ = [
    "PixelKNeighborsClassifier",
    "PixelNeighbours",
    "majority_vote",
    "pixel_mode",
]

Progress = Callable[[float, str], None]
#: ``stream(m)``: the next ``m`` rows of offsets (see :class:`PixelNeighbours`).
OffsetStream = Callable[[int], np.ndarray]

#: Bytes of float64 working memory for a block of training rows, and for the
#: block's distances to the queries (and as much again for their ranking).
BLOCK_BYTES = 32 * 2**20
DISTANCE_BYTES = 8 * 2**20


class PixelNeighbours:
    """Exact Euclidean nearest neighbours among training digits kept as uint8.

    Parameters
    ----------
    X : ndarray of uint8, shape (n, d)
        The training pixels, kept by reference (not copied).
    offsets : callable, optional
        Something to add to ``X`` when distances are computed, without keeping
        it: ``offsets()`` opens a stream and ``stream(m)`` gives the next ``m``
        rows. Each pass over the training rows opens a new stream and takes the
        rows in order; the book's noisy training digits are ``X_train + noise``,
        with the noise drawn again, a block at a time, on each pass.
    """

    def __init__(
        self, X: np.ndarray, *, offsets: Callable[[], OffsetStream] | None = None
    ) -> None:
        if X.ndim != 2:
            raise ValueError(f"X must be (n, d), got shape {X.shape}")
        self._X = X
        self._offsets = offsets
        self._rows_per_block = max(1, BLOCK_BYTES // (8 * X.shape[1]))
        self.norms = np.empty(len(X))
        for start, rows in self._blocks(self._rows_per_block):
            self.norms[start : start + len(rows)] = np.einsum("ij,ij->i", rows, rows)

    def __len__(self) -> int:
        return len(self._X)

    def _blocks(self, step: int) -> Iterator[tuple[int, np.ndarray]]:
        """The training rows as float64 (plus their offsets), ``step`` at a time."""
        stream = self._offsets() if self._offsets is not None else None
        for start in range(0, len(self._X), step):
            rows = self._X[start : start + step].astype(np.float64)
            if stream is not None:
                rows += stream(len(rows))
            yield start, rows

    def kneighbors(
        self, queries: ArrayLike, *, k: int = 5, progress: Progress | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest training rows of each query, nearest first.

        Parameters
        ----------
        queries : array-like, shape (q, d)
        k : int
        progress : callable, optional
            ``progress(fraction, message)``, as the training rows are gone through.

        Returns
        -------
        distances : ndarray of float, shape (q, k)
        indices : ndarray of int, shape (q, k)
        """
        Q = np.atleast_2d(np.asarray(queries, dtype=np.float64))
        if Q.shape[1] != self._X.shape[1]:
            raise ValueError(
                f"queries have {Q.shape[1]} columns, X has {self._X.shape[1]}"
            )
        if not 1 <= k <= len(self):
            raise ValueError(f"k must be 1 to {len(self)}, got {k}")
        best_d = np.full((len(Q), k), np.inf)
        best_i = np.zeros((len(Q), k), dtype=np.intp)
        # Few queries: big blocks of training rows; many: the distances bound it.
        step = max(k, min(self._rows_per_block, DISTANCE_BYTES // (8 * len(Q))))
        for start, rows in self._blocks(step):
            # ||x - q||^2 without ||q||^2, which does not change the order; in
            # place, so the block's distances are the only array of their size.
            partial = Q @ rows.T
            partial *= -2.0
            partial += self.norms[start : start + len(rows)]
            if partial.shape[1] > k:
                near = np.argpartition(partial, k - 1, axis=1)[:, :k]
            else:
                near = np.broadcast_to(np.arange(partial.shape[1]), partial.shape)
            candidates_d = np.concatenate(
                [best_d, np.take_along_axis(partial, near, axis=1)], axis=1
            )
            candidates_i = np.concatenate([best_i, near + start], axis=1)
            order = np.lexsort((candidates_i, candidates_d))[:, :k]
            best_d = np.take_along_axis(candidates_d, order, axis=1)
            best_i = np.take_along_axis(candidates_i, order, axis=1)
            if progress is not None:
                done = start + len(rows)
                progress(done / len(self), f"{done:,} of {len(self):,} training digits")
        squared = best_d + np.einsum("ij,ij->i", Q, Q)[:, None]
        return np.sqrt(np.maximum(squared, 0.0)), best_i


class PixelKNeighborsClassifier(KNeighborsClassifier):
    """scikit-learn's ``KNeighborsClassifier``, searching uint8 digits kept as they are.

    Fitted on uint8 pixels, scikit-learn's own keeps them by reference but
    converts all of them to float64 for every prediction (376 MB for full
    MNIST), so the registry used to fit it on a float32 copy (188 MB, for as
    long as the model lives). This one finds the neighbours with
    :class:`PixelNeighbours` (exact Euclidean distances, a block of rows at a
    time) and leaves the rest (the weights, the vote, the probabilities) to
    scikit-learn's code: its neighbours and predictions are scikit-learn's
    (``tests/test_neighbours.py``). Any metric but the Euclidean one, or
    ``kneighbors()`` of the training digits themselves, is scikit-learn's own.
    """

    def fit(self, X: Any, y: Any) -> PixelKNeighborsClassifier:
        super().fit(X, y)
        self._pixel_index = PixelNeighbours(self._fit_X) if self._euclidean() else None
        return self

    def _euclidean(self) -> bool:
        return self.effective_metric_ == "euclidean" and not self.metric_params

    def kneighbors(
        self,
        X: Any = None,
        n_neighbors: int | None = None,
        return_distance: bool = True,
    ) -> Any:
        index = getattr(self, "_pixel_index", None)
        if X is None or index is None:
            return super().kneighbors(X, n_neighbors, return_distance)
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        distances, indices = index.kneighbors(X, k=k)
        return (distances, indices) if return_distance else indices

    def __getstate__(self) -> dict[str, Any]:
        # The index refers to the training digits, which are pickled already.
        state = super().__getstate__()
        state.pop("_pixel_index", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        if hasattr(self, "_fit_X") and self._euclidean():
            self._pixel_index = PixelNeighbours(self._fit_X)


def majority_vote(labels: np.ndarray) -> np.ndarray:
    """The label most of the neighbours have, per output; ties go to False.

    ``labels`` is (q, k, outputs) of bools, the neighbours' labels; this is what
    ``KNeighborsClassifier().predict`` does with them (its ties go to the
    smaller class).

    >>> majority_vote(np.array([[[True, False], [True, True], [False, False]]]))
    array([[ True, False]])
    """
    return labels.sum(axis=1) * 2 > labels.shape[1]


def pixel_mode(values: np.ndarray) -> np.ndarray:
    """The most common value per output, ties to the smallest: a KNN's prediction.

    ``values`` is (q, k, outputs) of uint8, the neighbours' targets (for the
    book's noise-cleaning KNN, their clean pixels). ``KNeighborsClassifier``
    predicts each output's most common class among the neighbours, the smallest
    one when several are as common.

    >>> pixel_mode(np.array([[[3, 9], [5, 9], [5, 1], [3, 2]]], dtype=np.uint8))
    array([[3, 9]], dtype=uint8)
    """
    out = np.empty((values.shape[0], values.shape[2]), dtype=values.dtype)
    for start in range(0, len(values), 64):  # 64 queries at a time: a few MB
        block = values[start : start + 64]
        same = block[:, :, None, :] == block[:, None, :, :]
        counts = same.sum(axis=2, dtype=np.int16)
        # The most neighbours first; among as many, the smallest value.
        key = counts * 256 + (255 - block.astype(np.int16))
        best = key.argmax(axis=1)[:, None, :]
        out[start : start + 64] = np.take_along_axis(block, best, axis=1)[:, 0, :]
    return out
