"""Fitting a pipeline with progress reports, without changing what is fitted.

Three ways to fit, one per kind of model (see ``ModelSpec.fit_style``):

* ``"epochs"``: the last step learns epoch by epoch (``partial_fit``), so each
  epoch is a progress step. For the models of our own making (averaged SGD, MLP).
* ``"trees"``: a forest grows ten trees at a time (``warm_start``). scikit-learn
  draws every tree's seed from ``random_state`` in the same order either way, so
  the forest is the one a single ``fit`` call grows.
* ``"once"``: one ``fit`` call, exactly the book's. An ``SGDClassifier`` fitted
  this way still reports real progress: for the length of the call it runs with
  ``verbose=1`` and the epochs it prints ("-- Epoch 7") are read from this
  thread's output and turned into progress reports; ``verbose`` does not change
  what SGD computes, and is set back to its value afterwards.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TextIO

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mnist_dash import forksafe

__all__ = [
    "FitStyle",
    "Progress",
    "column_blocks",
    "fit_scaler_in_blocks",
    "transform_in_place",
    "fit_with_progress",
    "sgd_epochs_reported",
]

Progress = Callable[[float, str], None]
FitStyle = Literal["epochs", "trees", "once"]


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


class _ThreadRoutedStream:
    """A stand-in for ``sys.stdout``/``sys.stderr`` that hands the text written by
    registered threads to their own callback and passes everything else through.

    Streamlit serves every session from threads of one process, so redirecting
    the stream for the whole process (``contextlib.redirect_stdout``) would take
    other sessions' output too.
    """

    def __init__(self, wrapped: TextIO) -> None:
        self.wrapped = wrapped
        self.sinks: dict[int, Callable[[str], None]] = {}

    def write(self, text: str) -> int:
        sink = self.sinks.get(threading.get_ident())
        if sink is None:
            return self.wrapped.write(text)
        sink(text)
        return len(text)

    def flush(self) -> None:
        self.wrapped.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


_routing_guard = forksafe.Lock()


@contextmanager
def _thread_output(sink: Callable[[str], None]) -> Iterator[None]:
    """Send what this thread writes to stdout and stderr to ``sink``."""
    ident = threading.get_ident()
    streams = []
    with _routing_guard:
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if not isinstance(stream, _ThreadRoutedStream):
                stream = _ThreadRoutedStream(stream)
                setattr(sys, name, stream)
            stream.sinks[ident] = sink
            streams.append((name, stream))
    try:
        yield
    finally:
        with _routing_guard:
            for name, stream in streams:
                stream.sinks.pop(ident, None)
                # The last user puts the real stream back, unless someone else
                # (a test runner's capture) replaced it in the meantime.
                if not stream.sinks and getattr(sys, name) is stream:
                    setattr(sys, name, stream.wrapped)


@contextmanager
def sgd_epochs_reported(
    sgd: SGDClassifier,
    *,
    n_classes: int,
    progress: Progress | None,
    label: str,
) -> Iterator[None]:
    """Report the epochs of ``sgd.fit`` as progress, for the length of the block.

    A multiclass SGD fits one binary classifier per class (one-versus-the-rest),
    one after the other, each for as many epochs as it needs (at most
    ``max_iter``); the fraction reported is the share of classes done, and the
    message names the class and the epoch.
    """
    if progress is None:
        yield
        return
    binaries = 1 if n_classes <= 2 else n_classes
    state = {"binary": 0, "epoch": 0, "partial": ""}

    def read(text: str) -> None:
        lines = (state["partial"] + text).split("\n")
        state["partial"] = lines.pop()
        for line in lines:
            if not line.startswith("-- Epoch "):
                continue
            epoch = int(line.split()[-1])
            if epoch == 1:
                state["binary"] += 1
            state["epoch"] = epoch
            which = (
                ""
                if binaries == 1
                else f"class {state['binary']} of {binaries}, "
            )
            _report(
                progress,
                (state["binary"] - 1) / binaries,
                f"Training {label}: {which}epoch {epoch} "
                f"(stops when the loss stops improving, at most {sgd.max_iter:,})",
            )

    verbose = sgd.verbose
    sgd.set_params(verbose=1)
    try:
        with _thread_output(read):
            yield
    finally:
        sgd.set_params(verbose=verbose)


def fit_scaler_in_blocks(
    scaler: StandardScaler, blocks: Iterable[np.ndarray]
) -> StandardScaler:
    """Fit ``scaler`` on an array given as blocks of its columns, left to right.

    A ``StandardScaler``'s statistics are per column, each column's computed on
    its own, so they come out the same bit for bit as a fit on the whole array.
    Its variance is computed on a float64 temporary the size of what it is
    given: a block wide here, instead of 250 MB for a fold of 40,000 digits.

    Examples
    --------
    >>> X = np.arange(12, dtype=np.float32).reshape(4, 3) ** 2
    >>> scaler = fit_scaler_in_blocks(StandardScaler(), [X[:, :2], X[:, 2:]])
    >>> bool(np.array_equal(scaler.scale_, StandardScaler().fit(X).scale_))
    True
    """
    parts = [clone(scaler).fit(np.ascontiguousarray(block)) for block in blocks]
    state = dict(vars(parts[0]))
    for name in ("mean_", "var_", "scale_", "n_samples_seen_"):
        values = [getattr(part, name) for part in parts]
        if isinstance(values[0], np.ndarray):
            state[name] = np.concatenate(values)
    state["n_features_in_"] = sum(part.n_features_in_ for part in parts)
    vars(scaler).update(state)
    return scaler


def column_blocks(X: np.ndarray, block: int = 64) -> Iterator[np.ndarray]:
    """``X``'s columns, ``block`` (2 or more) at a time, as views.

    Never a column alone (unless ``X`` has one): numpy sums a lone column
    pairwise, but two or more columns row by row, as it sums the whole array,
    so a last block of one column joins the block before it.
    """
    if block < 2:
        raise ValueError(f"blocks of at least 2 columns, got {block}")
    width = X.shape[1]
    starts = list(range(0, width, block))
    if len(starts) > 1 and width - starts[-1] == 1:
        starts.pop()
    for start, stop in zip(starts, [*starts[1:], width], strict=True):
        yield X[:, start:stop]


def rows_as(
    X: np.ndarray, rows: np.ndarray, dtype: Any, *, block: int = 4096
) -> np.ndarray:
    """``X[rows]`` as ``dtype``, converted ``block`` rows at a time.

    ``np.asarray(X[rows], dtype)`` first copies the rows in ``X``'s own dtype:
    for a fold of 40,000 uint8 digits, 31 MB beside its 251 MB of float64, at a
    job's peak. The values are the same.

    >>> rows_as(np.arange(6, dtype=np.uint8).reshape(3, 2), np.array([2, 0]), float)
    array([[4., 5.],
           [0., 1.]])
    """
    out = np.empty((len(rows), *X.shape[1:]), dtype=dtype)
    for start in range(0, len(rows), block):
        out[start : start + block] = X[rows[start : start + block]]
    return out


def transform_in_place(
    steps: list[tuple[str, Any]],
    X: np.ndarray,
    y: np.ndarray | None = None,
    *,
    fit: bool,
    scratch: bool = False,
) -> np.ndarray:
    """``X`` through the transformer ``steps`` (fitting them first if ``fit``).

    A step with a ``copy`` parameter (``StandardScaler``) works in place on the
    copy the step before it made: the same numbers with one float copy of the
    pixels instead of two (376 MB instead of 752 MB for 60,000 float64 digits).
    Its ``copy`` is set back afterwards. A scaler is fitted a block of columns
    at a time (:func:`fit_scaler_in_blocks`): the same statistics without its
    float64 temporaries the size of the data. With ``scratch`` the caller gives
    ``X`` up (a working copy made for this): it may be changed in place too.
    """
    features = X
    for _, step in steps:
        copy = step.get_params().get("copy")
        if copy is not None and (scratch or features is not X):
            step.set_params(copy=False)
        try:
            if fit and isinstance(step, StandardScaler):
                fit_scaler_in_blocks(step, column_blocks(features))
                features = step.transform(features)
            elif fit:
                features = step.fit_transform(features, y)
            else:
                features = step.transform(features)
        finally:
            if copy is not None:
                step.set_params(copy=copy)
    return features


def _fit_once(
    model: Pipeline,
    X: np.ndarray,
    y: np.ndarray,
    *,
    progress: Progress | None,
    label: str,
    scratch: bool,
) -> None:
    *head, (_, last) = model.steps
    if not isinstance(last, SGDClassifier):
        _report(progress, 0.0, f"Fitting {label}")
        model.fit(X, y)
        return
    features = transform_in_place(head, X, y, fit=True, scratch=scratch)
    with sgd_epochs_reported(
        last, n_classes=len(np.unique(y)), progress=progress, label=label
    ):
        last.fit(features, y)


def fit_with_progress(
    model: Pipeline,
    X: np.ndarray,
    y: np.ndarray,
    *,
    fit_style: FitStyle,
    epochs: int = 10,
    progress: Progress | None = None,
    label: str = "model",
    scratch: bool = False,
) -> Pipeline:
    """Fit ``model`` on ``(X, y)``, calling ``progress(fraction, message)`` as it goes.

    See the module docstring for the three ``fit_style``\\ s. For ``"epochs"``
    and ``"trees"`` the steps before the last are fitted once and their output
    reused for every epoch or batch of trees. ``scratch``: ``X`` is a working
    copy the steps may change (see :func:`transform_in_place`).
    """
    if fit_style == "once":
        _fit_once(model, X, y, progress=progress, label=label, scratch=scratch)
        _report(progress, 1.0, f"{label} trained")
        return model
    *head, (_, last) = model.steps
    _report(progress, 0.0, f"Preparing the digits for {label}")
    features = transform_in_place(head, X, y, fit=True, scratch=scratch)
    if fit_style == "epochs":
        classes = np.unique(y)
        for epoch in range(epochs):
            _report(
                progress,
                epoch / epochs,
                f"Training {label}: epoch {epoch + 1} of {epochs}",
            )
            last.partial_fit(features, y, classes=classes)
    else:
        total = last.get_params()["n_estimators"]
        last.set_params(warm_start=True)
        for grown in range(10, total + 10, 10):
            _report(
                progress,
                (grown - 10) / total,
                f"Training {label}: trees {grown - 9}-{min(grown, total)} of {total}",
            )
            last.set_params(n_estimators=min(grown, total))
            last.fit(features, y)
        last.set_params(warm_start=False)
    _report(progress, 1.0, f"{label} trained")
    return model
