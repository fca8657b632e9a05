"""Cross-validated predictions and scores, computed once and kept.

The book calls ``cross_val_score`` and ``cross_val_predict`` (``cv=3``) again and
again on the same model; here one pass over the three folds gives all of it: the
out-of-fold predictions, the out-of-fold decision scores (or probabilities) and
each fold's accuracy. The folds are scikit-learn's own (``StratifiedKFold(3)``, no
shuffling), so the numbers equal those of ``cross_val_score`` and
``cross_val_predict``. Results are stored in the cache folder as plain arrays.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold

from mnist_dash import models, store

__all__ = ["CrossValResult", "check_cv", "cross_validate_model", "dummy_accuracy"]

Progress = Callable[[float, str], None]


@dataclass(frozen=True, eq=False)
class CrossValResult:
    """Out-of-fold results of one model on one training set.

    Attributes
    ----------
    y_true : ndarray, shape (n,)
        Targets: digit labels, or booleans for a binary detector.
    y_pred : ndarray, shape (n,)
        Out-of-fold predictions, as ``cross_val_predict`` gives them.
    scores : ndarray, shape (n,) or (n, 10)
        Out-of-fold scores. Binary: the decision score, or the probability of the
        positive class for models with ``predict_proba`` and no decision function.
        Multiclass: one column per digit.
    score_kind : str
        ``"decision"`` or ``"probability"``.
    fold_accuracy : ndarray, shape (cv,)
        Accuracy of each fold, as ``cross_val_score(..., scoring="accuracy")``.
    """

    y_true: np.ndarray
    y_pred: np.ndarray
    scores: np.ndarray
    score_kind: str
    fold_accuracy: np.ndarray

    @property
    def accuracy(self) -> float:
        """Mean accuracy over the folds."""
        return float(self.fold_accuracy.mean())

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays, for :func:`mnist_dash.store.save_arrays` (no pickles)."""
        return {
            "y_true": self.y_true,
            "y_pred": self.y_pred,
            "scores": self.scores,
            "fold_accuracy": self.fold_accuracy,
            "score_kind": np.array(self.score_kind),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> CrossValResult:
        """The inverse of :meth:`to_arrays`."""
        return cls(
            y_true=arrays["y_true"],
            y_pred=arrays["y_pred"],
            scores=arrays["scores"],
            score_kind=str(arrays["score_kind"]),
            fold_accuracy=arrays["fold_accuracy"],
        )


def _fold_scores(model, X: np.ndarray, binary: bool) -> tuple[np.ndarray, str]:
    last = model.steps[-1][1]
    if hasattr(last, "decision_function"):
        return model.decision_function(X), "decision"
    proba = model.predict_proba(X)
    return (proba[:, 1] if binary else proba), "probability"


def check_cv(cv: int, y: np.ndarray, *, target_digit: int | None = None) -> None:
    """Refuse a number of folds that cannot each hold every class of ``y``.

    Stratified folds need ``2 <= cv <=`` the count of the rarest class.

    Raises
    ------
    ValueError
        With a message that says which values would do.

    Examples
    --------
    >>> check_cv(3, np.array([0, 0, 0, 1, 1, 1, 1]))
    >>> check_cv(4, np.array([0, 0, 0, 1, 1, 1, 1]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cv=4 is too many folds: ... only 3 digits of class 0, ...; use 2 to 3
    """
    if isinstance(cv, bool) or not isinstance(cv, numbers.Integral) or cv < 2:
        raise ValueError(f"cv must be a whole number of folds, 2 or more; got {cv!r}")
    targets = models.targets_for(y, target_digit)
    labels, counts = np.unique(targets, return_counts=True)
    if len(labels) < 2:
        raise ValueError(
            "cross-validation needs a training set with at least two classes"
        )
    if cv > counts.min():
        rarest = labels[counts.argmin()]
        if target_digit is not None:
            rarest = f"{'' if rarest else 'not '}{target_digit}"
        raise ValueError(
            f"cv={cv} is too many folds: the training set has only {counts.min()} "
            f"digits of class {rarest}, and each fold needs one of each class; "
            f"use 2 to {counts.min()}"
        )


def cross_validate_model(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    target_digit: int | None = None,
    cv: int = 3,
    progress: Progress | None = None,
    random_state: int = 42,
    cache: bool = True,
) -> CrossValResult:
    """Cross-validate the registry model ``name``: predictions, scores, accuracy.

    Parameters
    ----------
    name : str
        A key of :data:`mnist_dash.models.MODELS`.
    X, y : ndarray
        Training pixels and digit labels.
    target_digit : int, optional
        Cross-validate the binary detector "is it a ``target_digit``?".
    cv : int
        Number of stratified folds, as in ``cross_val_predict(..., cv=cv)``: 2 up
        to the count of the rarest class (see :func:`check_cv`).
    progress : callable, optional
        ``progress(fraction, message)``.
    random_state : int
        Seed of the model.
    cache : bool
        Reuse and store results in the cache folder.

    Examples
    --------
    >>> from mnist_dash.data import load_mnist
    >>> d = load_mnist("sample")
    >>> r = cross_validate_model("sgd", d.X_train[:600], d.y_train[:600],
    ...                          target_digit=5, cache=False)
    >>> r.scores.shape, r.fold_accuracy.shape
    ((600,), (3,))
    """
    check_cv(cv, y, target_digit=target_digit)
    spec = models.MODELS.get(name)
    if spec is None:
        raise ValueError(
            f"Unknown model {name!r}; choose one of {', '.join(models.MODELS)}"
        )
    targets = models.targets_for(y, target_digit)
    key = store.cache_key(
        "cv",
        {
            "model": models.model_key(
                name, X, y, target_digit=target_digit, random_state=random_state
            ),
            "cv": cv,
        },
    )

    def compute() -> CrossValResult:
        return _compute(
            spec,
            X,
            targets,
            cv=cv,
            progress=progress,
            random_state=random_state,
            binary=target_digit is not None,
        )

    if not cache:
        return compute()
    with store.locked(key):
        cached = store.load_arrays(key)
        if cached is None:
            result = compute()
            store.save_arrays(key, result.to_arrays())
            return result
    if progress is not None:
        progress(1.0, "Cross-validation results loaded from the cache folder")
    return CrossValResult.from_arrays(cached)


def _compute(
    spec: models.ModelSpec,
    X: np.ndarray,
    targets: np.ndarray,
    *,
    cv: int,
    progress: Progress | None,
    random_state: int,
    binary: bool,
) -> CrossValResult:
    folds = StratifiedKFold(n_splits=cv)
    y_pred = np.empty_like(targets)
    scores: np.ndarray | None = None
    fold_accuracy = np.empty(cv)
    kind = "decision"
    for fold, (train, test) in enumerate(folds.split(X, targets)):

        def fold_progress(fraction: float, message: str, fold: int = fold) -> None:
            if progress is not None:
                progress((fold + fraction) / cv, f"Fold {fold + 1} of {cv}: {message}")

        model = models.fit_spec(
            spec,
            X[train],
            targets[train],
            random_state=random_state,
            progress=fold_progress,
        )
        fold_scores, kind = _fold_scores(model, X[test], binary)
        if scores is None:
            scores = np.empty((len(targets), *fold_scores.shape[1:]), dtype=np.float64)
        scores[test] = fold_scores
        y_pred[test] = model.predict(X[test])
        fold_accuracy[fold] = np.mean(y_pred[test] == targets[test])
    if progress is not None:
        progress(1.0, "Cross-validation done")
    assert scores is not None
    return CrossValResult(
        y_true=targets,
        y_pred=y_pred,
        scores=scores,
        score_kind=kind,
        fold_accuracy=fold_accuracy,
    )


def dummy_accuracy(y: np.ndarray, *, target_digit: int, cv: int = 3) -> np.ndarray:
    """Per-fold accuracy of a classifier that never says ``target_digit``.

    The book's ``DummyClassifier`` baseline: on MNIST about 90 % of digits are
    not a 5, so saying "not 5" every time is right about 90 % of the time.
    """
    from sklearn.model_selection import cross_val_score

    targets = models.targets_for(y, target_digit)
    features = np.zeros((len(targets), 1))  # the dummy never looks at pixels
    return cross_val_score(
        DummyClassifier(), features, targets, cv=cv, scoring="accuracy"
    )
