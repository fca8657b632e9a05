"""Teach it: a visitor's own copy of an online model, corrected by their drawings.

"That is wrong, it is a 1": the drawing and its four one-pixel shifts update a
*copy* of :data:`BASE_MODEL` (the averaged SGD, which learns online) with
``partial_fit``. The copy belongs to one visitor (the Draw page keeps it in
their session), so nobody else's model changes.

How it learns, and why:

* The copy stops averaging and learns at a constant rate
  (:data:`LEARNING_RATE`): the averaged weights already sum up thousands of
  updates, so a handful more would barely move them.
* Each correction is rehearsed with :data:`REPLAY` training digits drawn at
  random, :data:`PASSES` times: learning from a few drawings alone makes the
  model forget the rest of MNIST (with the averaged SGD's 5,000-digit sample,
  test accuracy fell by up to 5 points without rehearsal). Each correction
  rehearses other digits: repeating the same 100 for five corrections of one
  style cost up to 0.97 points of official test accuracy, other digits 0.44.

Measured by ``bench/bench_teach.py`` (README, "Teach it").

Corrections are kept as :class:`Corrections` and saved as an ``.npz``
(:mod:`mnist_dash.npz`), which :func:`mnist_dash.data.load_mnist` reads too.

Example
-------
>>> from mnist_dash.data import load_sample
>>> from mnist_dash.models import train_model
>>> d = load_sample()
>>> base = train_model(BASE_MODEL, d.X_train, d.y_train, cache=False)
>>> taught = teach(base, d.X_test[:1], d.y_test[:1], replay=(d.X_train, d.y_train))
>>> taught is base, base[-1].average
(False, True)
"""

from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass

import numpy as np
from sklearn.pipeline import Pipeline

from mnist_dash.data import DataSourceError, shifted_copies
from mnist_dash.npz import digits_to_npz, read_digits_npz

__all__ = [
    "BASE_MODEL",
    "LEARNING_RATE",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_DIGITS",
    "PASSES",
    "REPLAY",
    "Corrections",
    "personal_copy",
    "teach",
]

#: The registry model a visitor's copy starts from.
BASE_MODEL = "sgd_averaged"
#: SGD's constant learning rate for corrections (on 0-255 pixels).
LEARNING_RATE = 0.05
#: Training digits rehearsed with each correction, and how many times.
REPLAY = 100
PASSES = 3
#: Largest corrections file read back: 2,000 digits take about 0.5 MB zipped.
MAX_UPLOAD_BYTES = 4 * 2**20
MAX_UPLOAD_DIGITS = 2000


@dataclass(frozen=True, eq=False)
class Corrections:
    """Drawings a visitor labelled: uint8 ``images`` ``(n, 784)``, ``labels``."""

    images: np.ndarray
    labels: np.ndarray

    @classmethod
    def empty(cls) -> Corrections:
        """No corrections yet."""
        return cls(np.zeros((0, 784), np.uint8), np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.labels)

    def add(self, image: np.ndarray, label: int) -> Corrections:
        """These corrections and one more (a 784-pixel image, 0-255)."""
        if not 0 <= int(label) <= 9:
            raise ValueError(f"a correction is a digit 0-9, not {label}")
        pixels = np.clip(np.round(np.asarray(image, np.float64)), 0, 255)
        return Corrections(
            np.vstack([self.images, pixels.astype(np.uint8).reshape(1, 784)]),
            np.append(self.labels, np.int64(label)),
        )

    def to_npz(self) -> bytes:
        """The corrections as an ``.npz`` file (``images`` 28x28 uint8, ``labels``)."""
        return digits_to_npz(self.images, self.labels)

    @classmethod
    def from_npz(cls, data: bytes) -> Corrections:
        """Corrections read back from :meth:`to_npz`'s bytes, within bounds.

        Raises ValueError, with a message for people, for a file that is too
        large or is not such a file.
        """
        if len(data) > MAX_UPLOAD_BYTES:
            raise ValueError(
                f"the file is {len(data):,} bytes, more than the "
                f"{MAX_UPLOAD_BYTES:,} accepted"
            )
        try:
            images, labels = read_digits_npz(
                data, max_bytes=MAX_UPLOAD_DIGITS * 800, max_digits=MAX_UPLOAD_DIGITS
            )
        except DataSourceError as error:
            raise ValueError(str(error)) from None
        return cls(images, labels)


def personal_copy(model: Pipeline) -> Pipeline:
    """A copy of a fitted averaged-SGD pipeline, set to learn from corrections.

    The copy starts from the model's (averaged) weights; the model itself is
    left as it is.
    """
    if not hasattr(model[-1], "partial_fit") or not hasattr(model[-1], "coef_"):
        raise ValueError("a personal copy needs a fitted linear model")
    mine = copy.deepcopy(model)
    mine[-1].set_params(
        average=False, learning_rate="constant", eta0=LEARNING_RATE, n_jobs=1
    )
    return mine


def teach(
    model: Pipeline,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    replay: tuple[np.ndarray, np.ndarray],
    random_state: int = 42,
) -> Pipeline:
    """A new copy of ``model`` taught ``images`` (0-255, ``(n, 784)``) as ``labels``.

    Each correction is learnt with its one-pixel shifts and :data:`REPLAY`
    digits of ``replay`` (the training set), :data:`PASSES` times. ``model``
    may be the registry's model or a copy already taught; it is not changed.
    """
    mine = personal_copy(model) if model[-1].average else copy.deepcopy(model)
    head, sgd = mine[:-1], mine[-1]
    X_replay, y_replay = replay
    pixels = np.clip(np.round(np.asarray(images, np.float64)), 0, 255)
    # Seeded by the drawings too: corrections taught one at a time each rehearse
    # other training digits (the same 100 again and again, it forgets more).
    rng = np.random.default_rng([random_state, zlib.crc32(pixels.tobytes())])
    for image, label in zip(pixels.astype(np.uint8), np.asarray(labels), strict=True):
        shifted, shifted_labels = shifted_copies(image[None], np.array([label]))
        for _ in range(PASSES):
            pick = rng.choice(len(y_replay), size=min(REPLAY, len(y_replay)))
            X = np.concatenate([shifted, np.asarray(X_replay)[pick]])
            y = np.concatenate([shifted_labels, np.asarray(y_replay)[pick]])
            sgd.partial_fit(head.transform(X), y)
    return mine

