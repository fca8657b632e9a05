"""Reading one drawing: preprocess it, ask the model, and refuse what it cannot read.

A reading is refused (``uncertain``, with a ``reason``) in two cases:

* **the drawing does not look like a digit**: a
  :class:`~mnist_dash.refusal.DigitRefusal` (the one inside the model, as in
  :data:`~mnist_dash.models.DRAW_MODEL`, or one passed in) scores it below its
  threshold (see :mod:`mnist_dash.refusal` for the method);
* **the model hesitates** between two digits: the gap between its two best
  answers, its *margin*, is below ``min_margin``. For a model with
  probabilities it is the difference of the two largest; for a linear model
  (SGD) it is how far the drawing is from the boundary between its two best
  digits, as a share of the drawing's own size: ``(s_a - s_b) / (|w_a - w_b|
  |x|)``, scale-free where raw decision scores run to hundreds of thousands.
  :func:`calibrate_margin` sets ``min_margin`` as the margin below which a
  given share of held-out digits fall; without one, :data:`DEFAULT_MIN_MARGIN`
  (fitting the Draw page's MLP) is used.

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
from sklearn.pipeline import Pipeline

from mnist_dash.models import scores_for
from mnist_dash.preprocess import canvas_to_mnist
from mnist_dash.refusal import DigitRefusal

__all__ = [
    "DEFAULT_MIN_MARGIN",
    "NOT_A_DIGIT",
    "Assessment",
    "Reading",
    "assess",
    "calibrate_margin",
    "detector_score",
    "margins",
    "read_drawing",
    "read_features",
    "refusal_of",
]

#: The margin below which a reading is refused as unsure, when no calibrated one
#: is given: for probabilities, and for linear decision scores (a share of the
#: drawing's size). The MLP's is the margin below which 1 % of drawn MNIST test
#: digits fall (``bench/bench_refusal.py``); the linear one, sgd_averaged's.
DEFAULT_MIN_MARGIN = {"probability": 0.1, "decision": 0.003}
#: The share of held-out digits a calibrated margin refuses as unsure.
MARGIN_REFUSED = 0.01
#: Why a drawing unlike any digit is refused.
NOT_A_DIGIT = "this does not look like a digit"


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
        The reading is refused: the drawing looks like no digit, or the model
        hesitates between two.
    reason : str
        Why it is refused, for people; empty when it is not.
    runner_up : int or None
        The model's second choice.
    margin : float
        How far ahead the first choice is (see the module docstring).
    likeness : float or None
        How much the drawing looks like a digit (0-1), when it was checked.
    """

    features: np.ndarray
    digit: int | None
    values: np.ndarray
    kind: Literal["probability", "decision"]
    uncertain: bool
    reason: str
    runner_up: int | None = None
    margin: float = 0.0
    likeness: float | None = None

    @property
    def empty(self) -> bool:
        """Nothing was drawn."""
        return self.digit is None

    @property
    def not_a_digit(self) -> bool:
        """Refused because the drawing looks like no digit."""
        return self.reason == NOT_A_DIGIT


def refusal_of(model: Any) -> DigitRefusal | None:
    """The :class:`~mnist_dash.refusal.DigitRefusal` step inside ``model``, if any."""
    if isinstance(model, Pipeline):
        for _, step in model.steps:
            if isinstance(step, DigitRefusal):
                return step
    return None


def _linear_parts(model: Any) -> tuple[Any, np.ndarray] | None:
    """The steps before a linear last step, and its weights, if it is linear."""
    if isinstance(model, Pipeline) and hasattr(model[-1], "coef_"):
        return model[:-1], np.asarray(model[-1].coef_, dtype=np.float64)
    return None


def margins(model: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """Each row's margin, its scores and their kind (see the module docstring).

    Returns ``(margins, scores, kind)``; ``scores`` is what :func:`scores_for`
    gives, one row per image.
    """
    X = np.asarray(X, dtype=np.float32).reshape(-1, 784)
    scores, kind = scores_for(model, X)
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(scores, axis=1)
    rows = np.arange(len(scores))
    first, second = order[:, -1], order[:, -2]
    gap = scores[rows, first] - scores[rows, second]
    if kind == "probability":
        return gap, scores, kind
    linear = _linear_parts(model)
    if linear is None:  # a decision function of unknown scale: no judgement
        return np.full(len(gap), np.inf), scores, kind
    head, coef = linear
    features = np.asarray(head.transform(X), dtype=np.float64)
    size = np.linalg.norm(features, axis=1)
    apart = np.linalg.norm(coef[first] - coef[second], axis=1)
    return gap / np.maximum(apart * size, 1e-12), scores, kind


def calibrate_margin(
    model: Any, X: np.ndarray, *, refused: float = MARGIN_REFUSED
) -> float:
    """The margin below which a share ``refused`` of the digits ``X`` fall.

    ``X`` should be held-out digits as the model will meet them (for drawings:
    :func:`mnist_dash.refusal.as_drawn`).
    """
    values, _, _ = margins(model, X)
    finite = values[np.isfinite(values)]
    return float(np.quantile(finite, refused)) if finite.size else 0.0


@dataclass(frozen=True, eq=False)
class Assessment:
    """How a model's readings of held-out digits and of non-digits turn out.

    Attributes
    ----------
    correct : ndarray of bool, shape (n,)
        The digit read is the right one (never, for a non-digit).
    is_digit : ndarray of bool, shape (n,)
    confidence : ndarray, shape (n,)
        ``min(likeness / its threshold, margin / min_margin)``: a reading is
        refused exactly when it is below 1.
    margin_confidence : ndarray, shape (n,)
        ``margin / min_margin`` alone: the model's own hesitation, without the
        not-a-digit check.
    min_margin : float
        The margin calibrated on the other half of the digits.
    """

    correct: np.ndarray
    is_digit: np.ndarray
    confidence: np.ndarray
    margin_confidence: np.ndarray
    min_margin: float

    @property
    def refused(self) -> np.ndarray:
        """Which readings are refused."""
        return self.confidence < 1


def assess(
    model: Any,
    digits: np.ndarray,
    labels: np.ndarray,
    non_digits: np.ndarray,
    *,
    refusal: DigitRefusal,
    refused: float = MARGIN_REFUSED,
) -> Assessment:
    """Read held-out ``digits`` (as drawn) and ``non_digits``, and judge each.

    The first half of ``digits`` sets ``min_margin`` (:func:`calibrate_margin`,
    a share ``refused`` of them); the readings are of the second half and of
    ``non_digits``.
    """
    half = len(digits) // 2
    min_margin = calibrate_margin(model, digits[:half], refused=refused)
    X = np.concatenate([digits[half:], non_digits]).astype(np.float32)
    is_digit = np.r_[np.ones(len(digits) - half, bool), np.zeros(len(non_digits), bool)]
    margin_values, scores, _ = margins(model, X)
    read = np.asarray(model.classes_)[np.argmax(scores, axis=1)]
    truth = np.r_[np.asarray(labels)[half:], np.full(len(non_digits), -1)]
    by_margin = margin_values / max(min_margin, 1e-12)
    likeness = refusal.digit_likeness(X) / max(refusal.threshold_, 1e-12)
    return Assessment(
        correct=is_digit & (read == truth),
        is_digit=is_digit,
        confidence=np.minimum(likeness, by_margin),
        margin_confidence=by_margin,
        min_margin=min_margin,
    )


def read_features(
    model: Any,
    features: np.ndarray,
    *,
    refusal: DigitRefusal | None = None,
    min_margin: float | None = None,
) -> Reading:
    """Read a 784-pixel image (0-255) that is already in MNIST's layout.

    ``refusal`` defaults to the one inside ``model`` (none: no such check);
    ``min_margin`` to :data:`DEFAULT_MIN_MARGIN`.
    """
    features = np.asarray(features, dtype=np.float32).reshape(784)
    if not features.any():
        return Reading(features, None, np.zeros(10), "probability", False, "")
    refusal = refusal if refusal is not None else refusal_of(model)
    margin_values, scores, kind = margins(model, features[None, :])
    values = scores[0]
    order = np.argsort(values)
    digit = int(model.classes_[order[-1]])
    runner_up = int(model.classes_[order[-2]])
    margin = float(margin_values[0])
    likeness = None
    reason = ""
    if refusal is not None:
        likeness = float(refusal.digit_likeness(features[None, :])[0])
        if likeness < refusal.threshold_:
            reason = NOT_A_DIGIT
    if min_margin is None:
        min_margin = DEFAULT_MIN_MARGIN[kind]
    if not reason and margin < min_margin:
        reason = f"not sure: {digit} or {runner_up}?"
    return Reading(
        features,
        digit,
        values,
        kind,
        bool(reason),
        reason,
        runner_up=runner_up,
        margin=margin,
        likeness=likeness,
    )


def read_drawing(
    model: Any,
    image: np.ndarray | None,
    *,
    refusal: DigitRefusal | None = None,
    min_margin: float | None = None,
) -> Reading:
    """Preprocess a canvas image the MNIST way and read it with ``model``.

    ``image`` is what the canvas returns (uint8 (H, W, 4)), or None before the
    first stroke. Bad shapes or dtypes raise ValueError (from
    :func:`mnist_dash.preprocess.canvas_to_mnist`). ``refusal`` and
    ``min_margin`` as in :func:`read_features`.
    """
    features = (
        np.zeros(784, dtype=np.float32) if image is None else canvas_to_mnist(image)
    )
    return read_features(model, features, refusal=refusal, min_margin=min_margin)


def detector_score(model: Any, features: np.ndarray) -> float:
    """The binary detector's decision score for one 784-pixel image."""
    return float(model.decision_function(np.asarray(features)[None, :])[0])
