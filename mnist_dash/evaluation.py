"""Cross-validated predictions and scores, computed once and kept.

The book calls ``cross_val_score`` and ``cross_val_predict`` (``cv=3``) again and
again on the same model; here one pass over the three folds gives all of it: the
out-of-fold predictions, the out-of-fold decision scores (or probabilities) and
each fold's accuracy. The folds are scikit-learn's own (``StratifiedKFold(3)``, no
shuffling), and each fold's test digits are scored in one call as
``cross_val_predict`` scores them, so the numbers equal those of
``cross_val_score`` and ``cross_val_predict`` to the last bit.

Where the book standardises the whole training set before cross-validating
(``ModelSpec.prefit_steps``), so does this: the scaler is fitted once on every
training digit, a block of pixel columns at a time (the same statistics, bit for
bit, in a fraction of the memory), and only SGD is fitted per fold.

Results are stored in the cache folder as plain arrays, each fold as soon as it
is done, so a run stopped half way (a restart) resumes at the next fold.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mnist_dash import models, store
from mnist_dash.fitting import (
    column_blocks,
    fit_scaler_in_blocks,
    fit_with_progress,
    rows_as,
    transform_in_place,
)

__all__ = [
    "CrossValResult",
    "check_cv",
    "cross_validate_model",
    "dummy_accuracy",
    "fit_columnwise",
    "fold_ids",
    "is_cached",
]

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
    fold_seconds : ndarray, shape (cv,)
        Wall time of each fold's fit and scoring, when it was computed (a result
        read from the cache folder keeps the times of the run that made it).
    """

    y_true: np.ndarray
    y_pred: np.ndarray
    scores: np.ndarray
    score_kind: str
    fold_accuracy: np.ndarray
    fold_seconds: np.ndarray

    @property
    def accuracy(self) -> float:
        """Mean accuracy over the folds."""
        return float(self.fold_accuracy.mean())

    @property
    def seconds(self) -> float:
        """Wall time of the whole cross-validation, fold by fold added up."""
        return float(self.fold_seconds.sum())

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays, for :func:`mnist_dash.store.save_arrays` (no pickles)."""
        return {
            "y_true": self.y_true,
            "y_pred": self.y_pred,
            "scores": self.scores,
            "fold_accuracy": self.fold_accuracy,
            "fold_seconds": self.fold_seconds,
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
            fold_seconds=arrays["fold_seconds"],
        )


def _fold_scores(
    model: Pipeline, X: np.ndarray, binary: bool
) -> tuple[np.ndarray, str]:
    last = model.steps[-1][1]
    if hasattr(last, "decision_function"):
        return model.decision_function(X), "decision"
    proba = model.predict_proba(X)
    return (proba[:, 1] if binary else proba), "probability"


def _predictions(model: Pipeline, X: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """What ``model.predict(X)`` returns, from the scores already computed.

    SGD's ``predict`` is the sign (binary) or the argmax of its decision scores;
    scoring the fold's 20,000 float64 digits twice would take time and another
    125 MB. Other models are asked.
    """
    last = model.steps[-1][1]
    if isinstance(last, SGDClassifier):
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return last.classes_[index]
    return model.predict(X)


def fit_columnwise(
    steps: list[tuple[str, Any]], X: np.ndarray, *, block: int = 64
) -> None:
    """Fit transformer ``steps`` that treat each pixel column on its own, in blocks.

    For the book's ``StandardScaler().fit(X_train.astype("float64"))`` on 60,000
    digits: its per-column mean and variance come out the same bit for bit when
    the columns are taken ``block`` at a time, and the float64 copy is a block
    wide (60,000 x 64 x 8 bytes = 31 MB) instead of 376 MB. The steps before a
    scaler must be element-wise (``FunctionTransformer`` of the pixels).

    Examples
    --------
    >>> X = np.arange(12, dtype=np.uint8).reshape(4, 3) ** 2
    >>> steps = [("scaler", StandardScaler())]
    >>> fit_columnwise(steps, X, block=2)
    >>> bool(np.array_equal(steps[0][1].scale_, StandardScaler().fit(X).scale_))
    True
    """
    for position, (_, step) in enumerate(steps):
        if not isinstance(step, StandardScaler):
            step.fit(X)
            continue

        def blocks(position: int = position) -> Iterator[np.ndarray]:
            for columns in column_blocks(X, block):
                for _, before in steps[:position]:
                    columns = before.transform(columns)
                yield np.asarray(columns, dtype=np.float64)

        fit_scaler_in_blocks(step, blocks())


def _cv_key(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    target_digit: int | None,
    cv: int,
    random_state: int,
) -> str:
    return store.cache_key(
        "cv",
        {
            "model": models.model_key(
                name, X, y, target_digit=target_digit, random_state=random_state
            ),
            "cv": cv,
            "prefit": models.MODELS[name].prefit_steps,
        },
    )


def is_cached(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    target_digit: int | None = None,
    cv: int = 3,
    random_state: int = 42,
) -> bool:
    """Whether :func:`cross_validate_model` would only read its results from disk."""
    _check_name(name)
    key = _cv_key(
        name, X, y, target_digit=target_digit, cv=cv, random_state=random_state
    )
    return store.has_arrays(key)


def _check_name(name: str) -> models.ModelSpec:
    spec = models.MODELS.get(name)
    if spec is None:
        raise ValueError(
            f"Unknown model {name!r}; choose one of {', '.join(models.MODELS)}"
        )
    return spec
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
    between_folds: Callable[[], None] | None = None,
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
        Reuse and store results in the cache folder (each fold as it is done).
    between_folds : callable, optional
        Called before each fold is fitted, when the previous fold's working
        copies are freed: a scheduler can make a long run wait there while
        shorter work goes first.

    Examples
    --------
    >>> from mnist_dash.data import load_mnist
    >>> d = load_mnist("sample")
    >>> r = cross_validate_model("sgd", d.X_train[:600], d.y_train[:600],
    ...                          target_digit=5, cache=False)
    >>> r.scores.shape, r.fold_accuracy.shape
    ((600,), (3,))
    """
    spec = _check_name(name)
    check_cv(cv, y, target_digit=target_digit)
    targets = models.targets_for(y, target_digit)
    key = _cv_key(
        name, X, y, target_digit=target_digit, cv=cv, random_state=random_state
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
            fold_key=key if cache else None,
            between_folds=between_folds,
        )

    if not cache:
        return compute()
    with store.locked(key):
        cached = store.load_arrays(key)
        if cached is None:
            result = compute()
            store.save_arrays(key, result.to_arrays())
            for fold in range(cv):
                store.delete_arrays(f"{key}-fold{fold}")
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
    fold_key: str | None,
    between_folds: Callable[[], None] | None,
) -> CrossValResult:
    folds = list(StratifiedKFold(n_splits=cv).split(X, targets))
    y_pred = np.empty_like(targets)
    scores: np.ndarray | None = None
    fold_accuracy = np.empty(cv)
    fold_seconds = np.empty(cv)
    kind = "decision"
    head: list[tuple[str, Any]] = []
    last_step: tuple[str, Any] | None = None

    def compute_fold(
        fold: int, train: np.ndarray, test: np.ndarray
    ) -> dict[str, np.ndarray]:
        nonlocal head, last_step

        def fold_progress(fraction: float, message: str) -> None:
            if progress is not None:
                progress((fold + fraction) / cv, f"Fold {fold + 1} of {cv}: {message}")

        started = time.perf_counter()
        if spec.prefit_steps and not head:
            fold_progress(0.0, "standardising every training digit, as the book")
            pipeline = spec.build(random_state)
            head = pipeline.steps[: spec.prefit_steps]
            last_step = pipeline.steps[-1]
            fit_columnwise(head, X)
        done = _fit_fold(
            spec,
            X,
            targets,
            train,
            test,
            head=head,
            last_step=last_step,
            random_state=random_state,
            binary=binary,
            progress=fold_progress,
        )
        # The scaler fitted on every digit counts once, in the first fold.
        done["seconds"] = np.array(time.perf_counter() - started)
        return done

    for fold, test, done in store.stored_folds(
        fold_key, folds, compute_fold, between_folds=between_folds
    ):
        fold_scores = done["scores"]
        kind = str(done["score_kind"])
        if scores is None:
            scores = np.empty((len(targets), *fold_scores.shape[1:]), dtype=np.float64)
        scores[test] = fold_scores
        y_pred[test] = done["y_pred"]
        fold_accuracy[fold] = np.mean(y_pred[test] == targets[test])
        fold_seconds[fold] = float(done["seconds"])
    if progress is not None:
        progress(1.0, "Cross-validation done")
    assert scores is not None
    return CrossValResult(
        y_true=targets,
        y_pred=y_pred,
        scores=scores,
        score_kind=kind,
        fold_accuracy=fold_accuracy,
        fold_seconds=fold_seconds,
    )


def _fold_pixels(
    spec: models.ModelSpec, X: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, bool]:
    """A fold's digits for ``spec``'s pipeline, and whether they are a float copy.

    Where the pipeline's first step only converts the pixels to float64 or
    float32 (``pixels_as_float64``, ``pixels_as_float32``), the fold is
    converted here, a block of rows at a time (:func:`fitting.rows_as`), and the
    step then passes it through as it is: the same numbers without the uint8
    copy of the fold beside the float one (31 MB of a 282 MB peak for the
    book's SGD at full MNIST).
    """
    step = spec.build(0).named_steps.get("pixels")
    dtype = {
        models.pixels_as_float64: np.float64,
        models.pixels_as_float32: np.float32,
    }.get(getattr(step, "func", None))
    if dtype is None:
        return X[rows], False
    return rows_as(X, rows, dtype), True


def _fit_fold(
    spec: models.ModelSpec,
    X: np.ndarray,
    targets: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    *,
    head: list[tuple[str, Any]],
    last_step: tuple[str, Any] | None,
    random_state: int,
    binary: bool,
    progress: Progress,
) -> dict[str, np.ndarray]:
    """Fit one fold and score its test digits: the arrays kept for that fold."""
    pixels, converted = _fold_pixels(spec, X, train)
    if head and last_step is not None:
        # The book's scaler, fitted once on all digits; only the last step is
        # fitted on this fold's digits (transformed in place: one float copy).
        features = transform_in_place(head, pixels, fit=False, scratch=converted)
        del pixels
        name, step = last_step
        model = fit_with_progress(
            Pipeline([(name, clone(step))]),
            features,
            targets[train],
            fit_style=spec.fit_style,
            epochs=spec.epochs,
            progress=progress,
            label=spec.label,
        )
        del features
        model = Pipeline([*head, *model.steps])
    else:
        model = models.fit_spec(
            spec,
            pixels,
            targets[train],
            random_state=random_state,
            progress=progress,
            scratch=converted,
        )
        del pixels
    if head:
        features = transform_in_place(head, X[test], fit=False)
        fold_scores, kind = _fold_scores(model[-1:], features, binary)
        predictions = _predictions(model[-1:], features, fold_scores)
    else:
        fold_scores, kind = _fold_scores(model, X[test], binary)
        predictions = _predictions(model, X[test], fold_scores)
    return {
        "scores": np.asarray(fold_scores, dtype=np.float64),
        "y_pred": predictions,
        "score_kind": np.array(kind),
    }


def fold_ids(
    y: np.ndarray, *, target_digit: int | None = None, cv: int = 3
) -> np.ndarray:
    """The fold in which :func:`cross_validate_model` scored each digit.

    ``StratifiedKFold(cv)`` on the targets, unshuffled: the folds of the book's
    ``cross_val_predict(..., cv=3)``.

    >>> fold_ids(np.array([0, 1, 0, 1, 0, 1]), cv=3)
    array([0, 0, 1, 1, 2, 2])
    """
    targets = models.targets_for(y, target_digit)
    out = np.empty(len(targets), dtype=np.int64)
    for fold, (_, test) in enumerate(
        StratifiedKFold(n_splits=cv).split(np.zeros(len(targets)), targets)
    ):
        out[test] = fold
    return out


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
