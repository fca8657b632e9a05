"""Reading one drawing: preprocess it, ask the model, judge how sure it is.

Example
-------
>>> import numpy as np
>>> from mnist_dash.data import load_mnist
>>> from mnist_dash.models import train_model
>>> d = load_mnist("sample")
>>> model = train_model("knn", d.X_train, d.y_train, cache=False)
>>> read_drawing(model, np.zeros((280, 280, 4), np.uint8)).digit is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from mnist_dash.models import scores_for
from mnist_dash.preprocess import canvas_to_mnist

__all__ = ["Reading", "read_drawing", "read_features", "detector_score"]

#: Below this top probability, the reading is flagged as uncertain.
MIN_CONFIDENCE = 0.6
#: Share of 28x28 pixels brighter than half: 99.9 % of MNIST test digits have at most
#: 0.30, so more than this is a blob or a scribble, not a digit the model knows.
MAX_INK_SHARE = 0.35


@dataclass(frozen=True, eq=False)
class Reading:
    """What a model read in one drawing.

    Attributes
    ----------
    features : ndarray of float32, shape (784,)
        The 28x28 image the model sees, 0-255.
    digit : int or None
        The predicted digit; None for an empty drawing.
    values : ndarray, shape (10,)
        Probability (or decision score) of each digit 0-9; zeros when empty.
    kind : {"probability", "decision"}
        What ``values`` holds.
    uncertain : bool
        The model is unsure, or the drawing looks like no MNIST digit.
    reason : str
        Why it is uncertain, for people; empty when it is not.
    """

    features: np.ndarray
    digit: int | None
    values: np.ndarray
    kind: Literal["probability", "decision"]
    uncertain: bool
    reason: str

    @property
    def empty(self) -> bool:
        """Nothing was drawn."""
        return self.digit is None


def _judge(values: np.ndarray, kind: str, features: np.ndarray) -> str:
    ink_share = float(np.mean(features > 127.5))
    if ink_share > MAX_INK_SHARE:
        return "this looks more like a blob or a scribble than a digit"
    if kind == "probability":
        top = float(values.max())
        if top < MIN_CONFIDENCE:
            return f"the model gives its best guess only {top:.0%}"
        return ""
    # One-vs-rest decision scores: sure when exactly one detector says yes.
    claims = int(np.sum(values > 0))
    if claims == 0:
        return "none of the ten one-vs-rest detectors recognises it"
    if claims > 1:
        return f"{claims} of the ten one-vs-rest detectors claim it"
    return ""


def read_features(model: Any, features: np.ndarray) -> Reading:
    """Read a 784-pixel image (0-255) that is already in MNIST's layout."""
    features = np.asarray(features, dtype=np.float32).reshape(784)
    if not features.any():
        return Reading(features, None, np.zeros(10), "probability", False, "")
    scores, kind = scores_for(model, features[None, :])
    values = np.asarray(scores[0], dtype=np.float64)
    digit = int(model.classes_[int(np.argmax(values))])
    reason = _judge(values, kind, features)
    return Reading(features, digit, values, kind, bool(reason), reason)


def read_drawing(model: Any, image: np.ndarray | None) -> Reading:
    """Preprocess a canvas image the MNIST way and read it with ``model``.

    ``image`` is what the canvas returns (uint8 (H, W, 4)), or None before the
    first stroke. Bad shapes or dtypes raise ValueError (from
    :func:`mnist_dash.preprocess.canvas_to_mnist`).
    """
    if image is None:
        return read_features(model, np.zeros(784, dtype=np.float32))
    return read_features(model, canvas_to_mnist(image))


def detector_score(model: Any, features: np.ndarray) -> float:
    """The binary detector's decision score for one 784-pixel image."""
    return float(model.decision_function(np.asarray(features)[None, :])[0])
