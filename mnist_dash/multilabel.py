"""Multilabel classification: two yes-or-no answers about each digit at once.

The book's example::

    y_train_large = (y_train >= 7)
    y_train_odd = (y_train.astype("int8") % 2 == 1)
    y_multilabel = np.c_[y_train_large, y_train_odd]
    knn_clf = KNeighborsClassifier()
    knn_clf.fit(X_train, y_multilabel)
    y_train_knn_pred = cross_val_predict(knn_clf, X_train, y_multilabel, cv=3)
    f1_score(y_multilabel, y_train_knn_pred, average="macro")

then ``ClassifierChain(SVC(), cv=3, random_state=42)`` fitted on the first 2,000
digits, where the second label's model also sees the first label.

:func:`cross_val_predict_knn` is that ``cross_val_predict``: the same folds
(``KFold(3)``: scikit-learn does not stratify multilabel targets) and the same
``KNeighborsClassifier()``, fitted on float32 pixels (half the memory of the
book's float64, the same distances: scikit-learn computes them in float64
either way) and predicting the test digits a block at a time, with progress.
Each fold is kept in the cache folder as soon as it is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from sklearn.model_selection import KFold
from sklearn.multioutput import ClassifierChain
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from mnist_dash import models, store
from mnist_dash.neighbours import PixelNeighbours, majority_vote

__all__ = [
    "CHAIN_DIGITS",
    "LABELS",
    "MultilabelResult",
    "cross_val_predict_knn",
    "fit_book_chain",
    "is_cached",
    "multilabel_targets",
    "predict_labels",
]

Progress = Callable[[float, str], None]

#: The two labels, in the book's order.
LABELS = ("large (7, 8 or 9)", "odd")
#: ``KNeighborsClassifier()``'s default.
NEIGHBOURS = 5
#: The book fits its classifier chain on the first 2,000 training digits.
CHAIN_DIGITS = 2000
#: Test digits predicted at once (a progress step).
_BLOCK = 1000


def multilabel_targets(y: ArrayLike) -> np.ndarray:
    """``np.c_[y >= 7, y % 2 == 1]``: is the digit large, is it odd.

    >>> multilabel_targets([5, 8, 7])
    array([[False,  True],
           [ True, False],
           [ True,  True]])
    """
    digits = np.asarray(y).astype(np.int64)
    return np.c_[digits >= 7, digits % 2 == 1]


@dataclass(frozen=True, eq=False)
class MultilabelResult:
    """Out-of-fold multilabel predictions.

    Attributes
    ----------
    y_true, y_pred : ndarray of bool, shape (n, 2)
        The targets and the predictions, one column per label of :data:`LABELS`.
    fold_seconds : ndarray, shape (cv,)
        Wall time of each fold's fit and predictions.
    """

    y_true: np.ndarray
    y_pred: np.ndarray
    fold_seconds: np.ndarray

    @property
    def seconds(self) -> float:
        """Wall time of the whole cross-validation."""
        return float(self.fold_seconds.sum())


def _key(X: np.ndarray, y: np.ndarray, cv: int) -> str:
    return store.cache_key(
        "multilabel-knn",
        {"data": models.data_digest(X, y), "cv": cv, "k": NEIGHBOURS},
    )


def is_cached(X: np.ndarray, y: np.ndarray, *, cv: int = 3) -> bool:
    """Whether :func:`cross_val_predict_knn` would only read its result from disk."""
    return store.has_arrays(_key(X, y, cv))


def cross_val_predict_knn(
    X: np.ndarray,
    y: np.ndarray,
    *,
    cv: int = 3,
    progress: Progress | None = None,
    between_folds: Callable[[], None] | None = None,
    cache: bool = True,
) -> MultilabelResult:
    """The book's ``cross_val_predict(KNeighborsClassifier(), X, y_multilabel)``.

    Parameters
    ----------
    X : ndarray, shape (n, 784)
        Training pixels (uint8).
    y : ndarray, shape (n,)
        Digit labels; the targets are :func:`multilabel_targets` of them.
    cv : int
        Folds, ``KFold(cv)`` as scikit-learn picks for multilabel targets.
    progress : callable, optional
        ``progress(fraction, message)``.
    between_folds : callable, optional
        Called before each fold, when no working copy is held: a scheduler can
        let shorter work go first there.
    cache : bool
        Read and keep the result (and each fold as it is done) in the cache
        folder.

    Examples
    --------
    >>> from mnist_dash.data import load_mnist
    >>> d = load_mnist("sample")
    >>> r = cross_val_predict_knn(d.X_train[:600], d.y_train[:600], cache=False)
    >>> r.y_pred.shape, r.y_pred.dtype
    ((600, 2), dtype('bool'))
    """
    targets = multilabel_targets(y)
    key = _key(X, y, cv)
    if cache:
        with store.locked(key):
            found = store.load_arrays(key)
            if found is None:
                result = _compute(X, targets, cv, key, progress, between_folds)
                store.save_arrays(
                    key,
                    {"y_pred": result.y_pred, "fold_seconds": result.fold_seconds},
                )
                for fold in range(cv):
                    store.delete_arrays(f"{key}-fold{fold}")
                return result
        if progress is not None:
            progress(1.0, "Multilabel predictions loaded from the cache folder")
        return MultilabelResult(targets, found["y_pred"], found["fold_seconds"])
    return _compute(X, targets, cv, None, progress, between_folds)


def _compute(
    X: np.ndarray,
    targets: np.ndarray,
    cv: int,
    key: str | None,
    progress: Progress | None,
    between_folds: Callable[[], None] | None,
) -> MultilabelResult:
    y_pred = np.empty_like(targets)
    seconds = np.empty(cv)
    folds = store.stored_folds(
        key,
        KFold(n_splits=cv).split(X),
        lambda fold, train, test: _fit_fold(
            X, targets, train, test, fold, cv, progress
        ),
        between_folds=between_folds,
    )
    for fold, test, done in folds:
        y_pred[test] = done["y_pred"]
        seconds[fold] = float(done["seconds"])
    if progress is not None:
        progress(1.0, "Cross-validation done")
    return MultilabelResult(targets, y_pred, seconds)


def _fit_fold(
    X: np.ndarray,
    targets: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    fold: int,
    cv: int,
    progress: Progress | None,
) -> dict[str, np.ndarray]:
    started = time.perf_counter()
    knn = KNeighborsClassifier().fit(X[train].astype(np.float32), targets[train])
    predictions = np.empty((len(test), targets.shape[1]), dtype=bool)
    for start in range(0, len(test), _BLOCK):
        if progress is not None:
            progress(
                (fold + start / len(test)) / cv,
                f"Fold {fold + 1} of {cv}: predicting digits {start + 1:,} to "
                f"{min(start + _BLOCK, len(test)):,} of {len(test):,}",
            )
        rows = test[start : start + _BLOCK]
        predictions[start : start + len(rows)] = knn.predict(X[rows].astype(np.float32))
    return {
        "y_pred": predictions,
        "seconds": np.array(time.perf_counter() - started),
    }


def predict_labels(
    neighbours: PixelNeighbours, targets: np.ndarray, queries: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """What ``KNeighborsClassifier().fit(X, targets).predict(queries)`` gives.

    ``neighbours`` searches ``X``; ``targets`` is (n, labels) of bools. Returns
    the predicted labels (q, labels) and the indices of the 5 nearest training
    digits (q, 5), which voted.
    """
    _, indices = neighbours.kneighbors(queries, k=NEIGHBOURS)
    return majority_vote(targets[indices]), indices


def fit_book_chain(
    X: np.ndarray,
    y: np.ndarray,
    *,
    progress: Progress | None = None,
    cache: bool = True,
) -> ClassifierChain:
    """The book's ``ClassifierChain(SVC(), cv=3, random_state=42)``.

    Fitted on the first :data:`CHAIN_DIGITS` training digits (float64 pixels, as
    the book's), and kept in the cache folder.
    """
    X_first = np.asarray(X[:CHAIN_DIGITS], dtype=np.float64)
    targets = multilabel_targets(y[:CHAIN_DIGITS])
    key = store.cache_key(
        "chain", {"data": models.data_digest(X[:CHAIN_DIGITS], y[:CHAIN_DIGITS])}
    )
    if cache:
        chain = store.load_model(key, expected_type=ClassifierChain)
        if chain is not None:
            return chain
    if progress is not None:
        progress(0.0, f"Fitting the chain of two SVCs on {len(X_first):,} digits")
    chain = ClassifierChain(SVC(), cv=3, random_state=42).fit(X_first, targets)
    if cache:
        store.save_model(key, chain)
    return chain
