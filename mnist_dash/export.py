"""A detector with its chosen threshold, as a file scikit-learn alone can load.

The trained "is it a d?" SGD pipeline is wrapped in scikit-learn's
``FixedThresholdClassifier``: ``predict`` says yes when the decision score
reaches the threshold chosen on the Precision/recall page (``score >=
threshold``), where the plain SGD says yes from 0. The pipeline's first step,
which turns uint8 pixels into float64 (the book's input), is this package's own
function; in the file it is ``FunctionTransformer(np.asarray,
kw_args={"dtype": "float64"})``, the same numbers, so the file needs
scikit-learn and numpy but not ``mnist_dash``. The fitted pipeline is wrapped
in ``FrozenEstimator``, so that fitting the classifier again never retrains it.

The file is a pickle, the way scikit-learn models are normally persisted (see
scikit-learn's "Model persistence"), written as the cache folder writes its
models. Loading a pickle runs code: load one only from a source you trust. It
loads with the same scikit-learn version it was written with.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import FixedThresholdClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from mnist_dash import store

__all__ = ["detector_with_threshold", "detector_bytes", "save_detector"]


def detector_with_threshold(
    model: Pipeline, *, threshold: float
) -> FixedThresholdClassifier:
    """``model`` (a fitted registry detector) answering yes from ``threshold``.

    The pixel step is replaced by its scikit-learn equivalent (see the module
    docstring); the decision scores stay the same to the last bit.
    """
    if not np.isfinite(threshold):
        raise ValueError(f"the threshold must be a finite number, got {threshold}")
    to_float = FunctionTransformer(np.asarray, kw_args={"dtype": "float64"})
    pipeline = Pipeline([("pixels", to_float), *model.steps[1:]])
    return FixedThresholdClassifier(
        FrozenEstimator(pipeline),
        threshold=float(threshold),
        response_method="decision_function",
    )


def detector_bytes(detector: FixedThresholdClassifier) -> bytes:
    """The detector as the bytes of a pickle file."""
    return pickle.dumps(detector, protocol=pickle.HIGHEST_PROTOCOL)


def save_detector(detector: FixedThresholdClassifier, path: str | Path) -> Path:
    """Write the detector to ``path`` (written whole, then renamed into place)."""
    path = Path(path)
    body = detector_bytes(detector)
    store.atomic_write(path, lambda handle: handle.write(body))
    return path
