"""Why a model read a drawing as it did, in the model's own numbers.

One explanation per kind of model, each computed from the model itself and
checked against its own outputs in ``tests/test_explain.py``:

* **linear models** (the SGD family): a score per digit is a sum over pixels,
  ``s_c = sum_i w_ci z_i + b_c``, where ``z`` is what the last step sees (the
  pixels, standardised for ``sgd_scaled``). :func:`explain_linear` gives the ten
  weight templates ``w_c`` and, for the predicted digit and the runner-up, each
  pixel's share ``w_ci z_i``: the pixels that pushed towards each. The shares
  add up to ``decision_function`` exactly.
* **nearest neighbours**: :func:`explain_neighbours` gives the training digits
  that voted, with their labels and distances (as ``kneighbors`` finds them).
* **anything with probabilities** (the MLP, the forest): :func:`occlusion_saliency`
  hides the drawing a 4x4 patch at a time and measures how much the predicted
  digit's log-probability falls: what the model looked at. (Log-probabilities,
  as a sure model's probability hardly moves: 0.99999 to 0.99998.) It asks the
  model about at most 169 covered copies in one batch (about 5 ms for the MLP,
  40 ms for the forest).

Nothing here draws: :mod:`mnist_dash.charts.explain` does, and holds the
dataclasses these functions fill.

Example
-------
>>> from mnist_dash.data import load_sample
>>> from mnist_dash.models import train_model
>>> d = load_sample()
>>> sgd = train_model("sgd_averaged", d.X_train, d.y_train, cache=False)
>>> why = explain_linear(sgd, d.X_test[0])
>>> bool(np.allclose(why.scores, sgd.decision_function(d.X_test[:1])[0]))
True
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from mnist_dash.charts.explain import LinearExplanation, Neighbours, Saliency

__all__ = [
    "LinearExplanation",
    "Neighbours",
    "Saliency",
    "explain_linear",
    "explain_neighbours",
    "explanation_kind",
    "occlusion_saliency",
]

ExplanationKind = Literal["linear", "neighbours", "saliency"]


def _frozen(array: Any, dtype: Any = np.float64) -> np.ndarray:
    out = np.array(array, dtype=dtype)
    out.setflags(write=False)
    return out


def _split(model: Any) -> tuple[Any, Any]:
    """The steps before the last (or None) and the last one."""
    if isinstance(model, Pipeline):
        return (model[:-1] if len(model) > 1 else None), model[-1]
    return None, model


def _features(head: Any, image: np.ndarray) -> np.ndarray:
    row = np.asarray(image, dtype=np.float32).reshape(1, 784)
    return np.asarray(row if head is None else head.transform(row), np.float64)


def explanation_kind(model: Any) -> ExplanationKind | None:
    """Which explanation fits ``model``, or None when none does."""
    _, last = _split(model)
    if hasattr(last, "coef_") and np.ndim(last.coef_) == 2 and len(last.coef_) > 2:
        return "linear"
    if isinstance(last, KNeighborsClassifier):
        return "neighbours"
    if hasattr(model, "predict_proba"):
        return "saliency"
    return None


def explain_linear(model: Any, image: np.ndarray) -> LinearExplanation:
    """The weight templates and each pixel's share of the two best scores.

    ``image`` is 784 pixels, 0-255. Raises ValueError for a non-linear model.
    """
    if explanation_kind(model) != "linear":
        raise ValueError("explain_linear needs a multiclass linear model")
    head, last = _split(model)
    z = _features(head, image)[0]
    coef = np.asarray(last.coef_, dtype=np.float64)
    intercepts = np.asarray(last.intercept_, dtype=np.float64)
    scores = coef @ z + intercepts
    order = np.argsort(scores)
    first, second = int(order[-1]), int(order[-2])
    return LinearExplanation(
        classes=_frozen(last.classes_, dtype=None),
        templates=_frozen(coef),
        intercepts=_frozen(intercepts),
        scores=_frozen(scores),
        digit=int(last.classes_[first]),
        runner_up=int(last.classes_[second]),
        toward_digit=_frozen(coef[first] * z),
        toward_runner_up=_frozen(coef[second] * z),
    )


def explain_neighbours(model: Any, image: np.ndarray) -> Neighbours:
    """The ``n_neighbors`` training digits nearest to ``image`` (784 pixels)."""
    head, last = _split(model)
    if not isinstance(last, KNeighborsClassifier):
        raise ValueError("explain_neighbours needs a nearest-neighbours model")
    distances, index = last.kneighbors(_features(head, image))
    # The fitted data and its encoded labels, as kneighbors searched them.
    stored = np.asarray(last._fit_X)[index[0]]
    labels = np.asarray(last.classes_)[np.asarray(last._y)[index[0]]]
    return Neighbours(
        images=_frozen(stored),
        labels=_frozen(labels, dtype=np.int64),
        distances=_frozen(distances[0]),
    )


def _log(probability: Any) -> np.ndarray:
    """Natural log, with 0 (a forest's "never") taken as one in a million."""
    return np.log(np.maximum(probability, 1e-6))


def occlusion_saliency(
    model: Any, image: np.ndarray, *, patch: int = 4, stride: int = 2
) -> Saliency:
    """Hide each ``patch``x``patch`` square holding ink, in one batch, and see.

    ``image`` is 784 pixels, 0-255; a hidden square is set to 0 (no ink).
    """
    picture = np.asarray(image, dtype=np.float32).reshape(28, 28)
    base = model.predict_proba(picture.reshape(1, 784))[0]
    best = int(np.argmax(base))
    corners = [
        (r, c)
        for r in range(0, 28 - patch + 1, stride)
        for c in range(0, 28 - patch + 1, stride)
        if picture[r : r + patch, c : c + patch].any()
    ]
    drop = np.zeros((28, 28))
    covered = np.zeros((28, 28))
    if corners:
        hidden = np.repeat(picture[None], len(corners), axis=0)
        for i, (r, c) in enumerate(corners):
            hidden[i, r : r + patch, c : c + patch] = 0
        probabilities = model.predict_proba(hidden.reshape(len(corners), 784))
        lost = _log(base[best]) - _log(probabilities[:, best])
        for (r, c), fall in zip(corners, lost, strict=True):
            drop[r : r + patch, c : c + patch] += fall
            covered[r : r + patch, c : c + patch] += 1
    return Saliency(
        digit=int(model.classes_[best]),
        probability=float(base[best]),
        drop=_frozen(np.divide(drop, np.maximum(covered, 1)).ravel()),
        patch=patch,
    )
