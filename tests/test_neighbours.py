"""Nearest digits from uint8 pixels: the neighbours and votes of a KNN classifier."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from mnist_dash import data
from mnist_dash.neighbours import (
    PixelKNeighborsClassifier,
    PixelNeighbours,
    majority_vote,
    pixel_mode,
)


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_mnist("sample")


def test_neighbours_are_sklearns(sample: data.MnistData) -> None:
    X, queries = sample.X_train[:1500], sample.X_test[:40]
    knn = KNeighborsClassifier().fit(X.astype(np.float64), sample.y_train[:1500])
    expected_d, expected_i = knn.kneighbors(queries.astype(np.float64))
    neighbours = PixelNeighbours(X)
    distances, indices = neighbours.kneighbors(queries)
    np.testing.assert_array_equal(indices, expected_i)
    np.testing.assert_allclose(distances, expected_d)
    assert not np.shares_memory(neighbours.norms, X)  # ... and X is not copied
    assert neighbours._X is X


def test_offsets_are_streamed_on_each_pass(sample: data.MnistData) -> None:
    X = sample.X_train[:500]
    noise = np.random.default_rng(0).integers(0, 100, X.shape, dtype=np.uint8)
    opened: list[int] = []

    def stream():
        """The noise, the next rows at a time, as a fresh stream each pass."""
        taken = [0]
        opened.append(1)

        def take(rows: int) -> np.ndarray:
            taken[0] += rows
            return noise[taken[0] - rows : taken[0]]

        return take

    noisy = X.astype(np.float64) + noise
    queries = noisy[:5] + 3.5
    expected = KNeighborsClassifier(n_neighbors=3).fit(noisy, sample.y_train[:500])
    neighbours = PixelNeighbours(X, offsets=stream)
    _, indices = neighbours.kneighbors(queries, k=3)
    np.testing.assert_array_equal(
        indices, expected.kneighbors(queries, return_distance=False)
    )
    assert len(opened) == 2  # the norms, then the search


def test_votes_are_the_classifiers_predictions(sample: data.MnistData) -> None:
    X, y = sample.X_train[:1000], sample.y_train[:1000]
    labels = np.c_[y >= 7, y % 2 == 1]
    queries = sample.X_test[:60]
    _, indices = PixelNeighbours(X).kneighbors(queries)
    expected = KNeighborsClassifier().fit(X, labels).predict(queries)
    np.testing.assert_array_equal(majority_vote(labels[indices]), expected)
    # 784 outputs, each pixel's most common value (a tie: the smallest).
    pixels = KNeighborsClassifier().fit(X, X[:, ::-1]).predict(queries)
    np.testing.assert_array_equal(pixel_mode(X[:, ::-1][indices]), pixels)


def test_bad_queries_are_refused(sample: data.MnistData) -> None:
    neighbours = PixelNeighbours(sample.X_train[:10])
    with pytest.raises(ValueError, match="columns"):
        neighbours.kneighbors(np.zeros((1, 5)))
    with pytest.raises(ValueError, match="k must be"):
        neighbours.kneighbors(sample.X_test[:1], k=11)


@pytest.mark.parametrize("weights", ["distance", "uniform"])
def test_the_pixel_knn_classifier_is_sklearns(
    sample: data.MnistData, weights: str
) -> None:
    """The registry's KNN: scikit-learn's votes over the same neighbours, with
    the training digits kept as the dataset's uint8 array (no float copy)."""
    X, y, queries = sample.X_train, sample.y_train, sample.X_test[:300]
    ours = PixelKNeighborsClassifier(n_neighbors=4, weights=weights).fit(X, y)
    theirs = KNeighborsClassifier(n_neighbors=4, weights=weights)
    theirs.fit(X.astype(np.float64), y)
    assert np.shares_memory(ours._fit_X, X) and ours._fit_X.dtype == np.uint8
    np.testing.assert_array_equal(ours.predict(queries), theirs.predict(queries))
    np.testing.assert_allclose(
        ours.predict_proba(queries), theirs.predict_proba(queries), atol=1e-12
    )
    distances, indices = ours.kneighbors(queries[:5])
    expected_d, expected_i = theirs.kneighbors(queries[:5].astype(np.float64))
    np.testing.assert_array_equal(indices, expected_i)
    np.testing.assert_allclose(distances, expected_d)
    # Unpickled (a job process sends a model back this way), it searches alike.
    again = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(again.predict(queries), theirs.predict(queries))
