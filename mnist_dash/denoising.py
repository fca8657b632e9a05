"""Multioutput classification: the book's KNN that cleans noisy digits.

The book adds noise to every digit and trains ``KNeighborsClassifier()`` to
output the clean digit, 784 outputs (one class per pixel) at once::

    np.random.seed(42)
    noise = np.random.randint(0, 100, (len(X_train), 784))
    X_train_mod = X_train + noise
    noise = np.random.randint(0, 100, (len(X_test), 784))
    X_test_mod = X_test + noise
    y_train_mod, y_test_mod = X_train, X_test
    knn_clf = KNeighborsClassifier()
    knn_clf.fit(X_train_mod, y_train_mod)
    clean_digit = knn_clf.predict([X_test_mod[0]])

Here the noise is the book's, drawn from the same seed (a block at a time, which
draws the same numbers). Neither the noisy training digits nor their noise are
stored: :class:`~mnist_dash.neighbours.PixelNeighbours` draws the noise again on
each search and adds it as it goes through the training digits (0.8 s more for
full MNIST, 47 MB less), and the clean targets are the training pixels
themselves. Only the test noise is kept (7.5 MB). The prediction
is the most common value of each pixel among the 5 nearest noisy training
digits, as the KNN predicts it.

A noise *level* ``L`` scales the book's test noise by ``L / 100``: at 100 it is
the book's own ``X_test_mod``; the model is always the book's, trained on noise
up to 99.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mnist_dash import models, store
from mnist_dash.neighbours import PixelNeighbours, pixel_mode

__all__ = [
    "BOOK_LEVEL",
    "ERROR_LEVELS",
    "LEVELS",
    "Denoiser",
    "add_noise",
    "book_test_noise",
    "clean_at_levels",
    "cleaned_test_digits",
    "make_denoiser",
    "noise_stream",
    "noisy_test_digits",
]

Progress = Callable[[float, str], None]

#: The book's noise: ``randint(0, 100)`` added to every pixel.
BOOK_LEVEL = 100
#: The noise levels a page offers for one digit: up to five times the book's.
LEVELS = tuple(range(0, 501, 10))
#: The noise levels of the error curve, and how many test digits it averages.
ERROR_LEVELS = tuple(range(0, 501, 50))
ERROR_DIGITS = 100
SEED = 42
NEIGHBOURS = 5


def _draw(
    generator: np.random.RandomState, rows: int, *, block: int = 1000
) -> np.ndarray:
    """The next ``rows`` rows of ``randint(0, 100, (rows, 784))``, as uint8.

    Drawn ``block`` rows at a time: the same numbers as one draw, without its
    int64 array (8 bytes a pixel).
    """
    out = np.empty((rows, 784), dtype=np.uint8)
    for start in range(0, rows, block):
        stop = min(start + block, rows)
        out[start:stop] = generator.randint(0, BOOK_LEVEL, (stop - start, 784))
    return out


def noise_stream(*, seed: int = SEED) -> Callable[[int], np.ndarray]:
    """The book's training noise, drawn as it is asked for: ``stream(m)`` gives
    the next ``m`` rows, as ``np.random.seed(seed)`` then ``randint(0, 100,
    (len(X_train), 784))`` would.

    >>> stream = noise_stream()
    >>> first, then = stream(2), stream(1)
    >>> np.random.seed(42)
    >>> bool((np.random.randint(0, 100, (3, 784)) == np.vstack([first, then])).all())
    True
    """
    generator = np.random.RandomState(seed)
    return lambda rows: _draw(generator, rows)


def book_test_noise(n_train: int, n_test: int, *, seed: int = SEED) -> np.ndarray:
    """The book's test noise: drawn after the ``n_train`` rows of training noise."""
    stream = noise_stream(seed=seed)
    for start in range(0, n_train, 5000):
        stream(min(5000, n_train - start))
    return stream(n_test)


def add_noise(digits: ArrayLike, noise: np.ndarray, level: float) -> np.ndarray:
    """``digits + noise * level / 100``, as float64 (not clipped, as the book).

    >>> add_noise([[10, 0]], np.array([[50, 99]], dtype=np.uint8), 200)
    array([[110., 198.]])
    """
    return np.asarray(digits, dtype=np.float64) + noise * (level / BOOK_LEVEL)


@dataclass(frozen=True, eq=False)
class Denoiser:
    """The book's noise-cleaning KNN, without its copies of the data.

    Attributes
    ----------
    neighbours : PixelNeighbours
        Over the noisy training digits, ``X_train + train_noise``.
    targets : ndarray of uint8, shape (n, 784)
        The clean training digits (the dataset's own array).
    test_noise : ndarray of uint8, shape (n_test, 784)
        The book's noise for the test digits.
    """

    neighbours: PixelNeighbours
    targets: np.ndarray
    test_noise: np.ndarray

    def clean(
        self, noisy: ArrayLike, *, progress: Progress | None = None
    ) -> np.ndarray:
        """The clean digits the KNN predicts for ``noisy`` ones, as uint8.

        ``knn_clf.predict(noisy)`` for the book's ``knn_clf``.
        """
        _, indices = self.neighbours.kneighbors(noisy, k=NEIGHBOURS, progress=progress)
        return pixel_mode(self.targets[indices])


def make_denoiser(X_train: np.ndarray, *, n_test: int) -> Denoiser:
    """The book's denoiser for training pixels ``X_train`` (uint8, kept as is).

    The training noise is not kept (47 MB for full MNIST): each search draws
    it again, a block at a time, as it goes through the training digits.
    """
    return Denoiser(
        neighbours=PixelNeighbours(X_train, offsets=noise_stream),
        targets=X_train,
        test_noise=book_test_noise(len(X_train), n_test),
    )


def clean_at_levels(
    denoiser: Denoiser,
    digit: ArrayLike,
    noise: np.ndarray,
    *,
    levels: tuple[int, ...] = LEVELS,
) -> tuple[np.ndarray, np.ndarray]:
    """One digit with its noise at every level, and the KNN's cleaned versions.

    Returns ``(noisy, cleaned)``, each (len(levels), 784): the levels in one pass
    over the training digits, so that a slider over them only looks up.
    """
    noisy = np.vstack([add_noise(digit, noise, level) for level in levels])
    return noisy, denoiser.clean(noisy)


def noisy_test_digits(
    denoiser: Denoiser,
    X_test: np.ndarray,
    *,
    levels: tuple[int, ...] = ERROR_LEVELS,
    n_digits: int = ERROR_DIGITS,
) -> np.ndarray:
    """The first ``n_digits`` test digits with the book's noise at each level.

    Float64 (len(levels), n_digits, 784).
    """
    n = min(n_digits, len(X_test))
    return np.stack(
        [add_noise(X_test[:n], denoiser.test_noise[:n], level) for level in levels]
    )


def cleaned_test_digits(
    denoiser: Denoiser,
    X_train: np.ndarray,
    X_test: np.ndarray,
    *,
    levels: tuple[int, ...] = ERROR_LEVELS,
    n_digits: int = ERROR_DIGITS,
    progress: Progress | None = None,
    cache: bool = True,
) -> np.ndarray:
    """The first ``n_digits`` test digits cleaned at each noise level.

    Returns uint8 (len(levels), n_digits, 784), computed in one pass over the
    training digits and kept in the cache folder.
    """
    n = min(n_digits, len(X_test))
    key = store.cache_key(
        "denoised",
        {
            "data": models.data_digest(X_train, X_test[:n]),
            "levels": levels,
            "k": NEIGHBOURS,
            "seed": SEED,
        },
    )
    if cache and (found := store.load_arrays(key)) is not None:
        return found["cleaned"]
    noisy = noisy_test_digits(denoiser, X_test, levels=levels, n_digits=n)
    cleaned = denoiser.clean(noisy.reshape(-1, noisy.shape[-1]), progress=progress)
    cleaned = cleaned.reshape(noisy.shape)
    if cache:
        store.save_arrays(key, {"cleaned": cleaned})
    return cleaned
