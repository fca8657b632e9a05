"""The book's SGD made probabilistic, out of fold: ``CalibratedClassifierCV``.

``SGDClassifier``'s decision score is a signed distance to its hyperplane, not
a probability. ``CalibratedClassifierCV(sgd, method=..., cv=3)`` fits SGD on two
thirds of its data and maps its scores on the last third to probabilities, with
a sigmoid (Platt's method) or an isotonic (stepwise increasing) function; it
does so for each of its three folds and averages the three.

:func:`cross_validate_calibrated_sgd` gives, for each method, the out-of-fold
probabilities of

    cross_val_predict(CalibratedClassifierCV(sgd_clf, method=m, cv=3),
                      X_train, y_train_5, cv=3, method="predict_proba")[:, 1]

with the outer folds of the other pages (``StratifiedKFold(3)``). Both methods
use the same SGD fits (the inner folds are the same), so each of the nine SGDs
is fitted once, and frozen (``FrozenEstimator``) while each method calibrates
it on its fold; the probabilities are averaged as ``CalibratedClassifierCV``
averages them. Each outer fold is kept in the cache folder when it is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import StratifiedKFold

from mnist_dash import models, store

__all__ = [
    "METHODS",
    "CalibratedScores",
    "cross_validate_calibrated_sgd",
    "is_cached",
]

Progress = Callable[[float, str], None]

#: ``CalibratedClassifierCV``'s two methods.
METHODS = ("sigmoid", "isotonic")
#: The registry model made probabilistic: the book's SGD.
MODEL = "sgd"
#: Test digits scored at once (their float64 copy: 31 MB).
_BLOCK = 5000


@dataclass(frozen=True, eq=False)
class CalibratedScores:
    """Out-of-fold probabilities of the positive class, one array per method.

    Attributes
    ----------
    y_true : ndarray of bool, shape (n,)
    probabilities : dict of str to ndarray, shape (n,)
        By method (``"sigmoid"``, ``"isotonic"``).
    fold_seconds : ndarray, shape (cv,)
        Wall time of each outer fold.
    """

    y_true: np.ndarray
    probabilities: dict[str, np.ndarray]
    fold_seconds: np.ndarray

    @property
    def seconds(self) -> float:
        """Wall time of the whole computation."""
        return float(self.fold_seconds.sum())


def _key(X: np.ndarray, y: np.ndarray, target_digit: int, cv: int) -> str:
    return store.cache_key(
        "calibrated",
        {
            "model": models.model_key(MODEL, X, y, target_digit=target_digit),
            "cv": cv,
            "methods": METHODS,
        },
    )


def is_cached(X: np.ndarray, y: np.ndarray, *, target_digit: int, cv: int = 3) -> bool:
    """Whether :func:`cross_validate_calibrated_sgd` would only read from disk."""
    return store.has_arrays(_key(X, y, target_digit, cv))


def cross_validate_calibrated_sgd(
    X: np.ndarray,
    y: np.ndarray,
    *,
    target_digit: int,
    cv: int = 3,
    progress: Progress | None = None,
    between_folds: Callable[[], None] | None = None,
    cache: bool = True,
) -> CalibratedScores:
    """Out-of-fold calibrated probabilities of the book's "is it a d?" SGD.

    Parameters
    ----------
    X, y : ndarray
        Training pixels and digit labels.
    target_digit : int
        The detector's digit.
    cv : int
        Outer folds (as every page) and ``CalibratedClassifierCV``'s inner ones.
    progress : callable, optional
        ``progress(fraction, message)``.
    between_folds : callable, optional
        Called before each outer fold, when no working copy is held.
    cache : bool
        Read and keep the result (and each fold as it is done) in the cache folder.

    """
    targets = models.targets_for(y, target_digit)
    key = _key(X, y, target_digit, cv)
    if not cache:
        return _compute(X, targets, cv, None, progress, between_folds)
    with store.locked(key):
        found = store.load_arrays(key)
        if found is None:
            result = _compute(X, targets, cv, key, progress, between_folds)
            store.save_arrays(
                key, {**result.probabilities, "fold_seconds": result.fold_seconds}
            )
            for fold in range(cv):
                store.delete_arrays(f"{key}-fold{fold}")
            return result
    if progress is not None:
        progress(1.0, "Calibrated probabilities loaded from the cache folder")
    return CalibratedScores(
        y_true=targets,
        probabilities={method: found[method] for method in METHODS},
        fold_seconds=found["fold_seconds"],
    )


def _compute(
    X: np.ndarray,
    targets: np.ndarray,
    cv: int,
    key: str | None,
    progress: Progress | None,
    between_folds: Callable[[], None] | None,
) -> CalibratedScores:
    probabilities = {method: np.empty(len(targets)) for method in METHODS}
    seconds = np.empty(cv)
    folds = store.stored_folds(
        key,
        StratifiedKFold(cv).split(X, targets),
        lambda fold, train, test: _outer_fold(
            X, targets, train, test, fold, cv, progress
        ),
        between_folds=between_folds,
    )
    for fold, test, done in folds:
        for method in METHODS:
            probabilities[method][test] = done[method]
        seconds[fold] = float(done["seconds"])
    if progress is not None:
        progress(1.0, "Calibration done")
    return CalibratedScores(targets, probabilities, seconds)


def _outer_fold(
    X: np.ndarray,
    targets: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    fold: int,
    cv: int,
    progress: Progress | None,
) -> dict[str, np.ndarray]:
    """What ``CalibratedClassifierCV(sgd, method=m, cv=cv)`` fitted on ``train``
    predicts for ``test``, for every method ``m``, each SGD fitted once."""
    started = time.perf_counter()
    spec = models.MODELS[MODEL]
    y_train = targets[train]
    sums = {method: np.zeros((len(test), 2)) for method in METHODS}
    inner = list(StratifiedKFold(cv).split(np.zeros(len(train)), y_train))
    for step, (fit_rows, calibration_rows) in enumerate(inner):

        def report(fraction: float, message: str, step: int = step) -> None:
            if progress is not None:
                progress(
                    (fold + (step + fraction) / cv) / cv,
                    f"Fold {fold + 1} of {cv}, SGD {step + 1} of {cv}: {message}",
                )

        # Rows picked from X itself: no copy of the outer fold's pixels.
        sgd = models.fit_spec(
            spec, X[train[fit_rows]], y_train[fit_rows], progress=report
        )
        report(0.99, "calibrating")
        frozen = FrozenEstimator(sgd)
        for method in METHODS:
            calibrated = CalibratedClassifierCV(frozen, method=method).fit(
                X[train[calibration_rows]], y_train[calibration_rows]
            )
            # A block of test digits at a time: a small float64 copy each.
            for start in range(0, len(test), _BLOCK):
                rows = test[start : start + _BLOCK]
                sums[method][start : start + len(rows)] += calibrated.predict_proba(
                    X[rows]
                )
    out = {method: sums[method][:, 1] / len(inner) for method in METHODS}
    return {**out, "seconds": np.array(time.perf_counter() - started)}
