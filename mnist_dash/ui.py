"""The one Streamlit-aware module: cached loaders with progress, session defaults.

Core modules know nothing of Streamlit; pages call these wrappers. What is loaded,
trained or cross-validated is kept in memory for the whole server process (shared
by every session) under an explicit key, and on disk by the core modules, so a
page switch, a rerun, a second visitor or a restart never computes it again.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from typing import Any, TypeVar

import streamlit as st

from mnist_dash import charts, evaluation, models
from mnist_dash import data as data_module

__all__ = [
    "init_session",
    "shared_digit",
    "digit_picker",
    "model_picker",
    "data_source",
    "get_data",
    "get_model",
    "get_cross_val",
    "get_test_accuracy",
    "is_ready",
    "model_ready",
    "progress_bar",
    "get_threshold",
    "get_threshold_curves",
    "detector_threshold",
    "set_detector_threshold",
    "SOURCE_LABELS",
]

T = TypeVar("T")

SOURCE_LABELS = {
    "sample": "Bundled sample (5,000 digits)",
    "openml": "Full MNIST (70,000)",
}

#: Session defaults, set once per session and shared by every page.
DEFAULTS: dict[str, Any] = {
    "data_source": "sample",
    "model_name": models.DEFAULT_MODEL,
    "draw_model": models.DRAW_MODEL,
    "target_digit": 5,
}

Progress = Callable[[float, str], None]


class _Job:
    """One computation, run once per server process in a worker thread.

    The worker only updates ``fraction`` and ``message``; the sessions waiting on
    it draw the progress bar. A click or a canvas stroke stops a page's script
    (Streamlit reruns it at once), but not the worker: the rerun finds the job
    still running and waits on it again, so nothing is ever started twice.
    """

    def __init__(self, compute: Callable[[Progress], Any]) -> None:
        self.fraction = 0.0
        self.message = "Starting…"
        self.future: Future[Any] = _workers.submit(compute, self.update)

    def update(self, fraction: float, message: str) -> None:
        self.fraction, self.message = min(max(fraction, 0.0), 1.0), message


# Two workers: the machine this is made for has two cores.
_workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mnist_dash")
_jobs: dict[tuple[Any, ...], _Job] = {}
_jobs_guard = threading.Lock()


def init_session() -> None:
    """Put the shared defaults into ``st.session_state`` (only where missing)."""
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value


def shared_digit(key: str) -> int:
    """The digit of the "is it a …?" detector, shared by every page.

    Call before drawing :func:`digit_picker` with the same ``key``: a widget's own
    state is dropped while its page is not shown, so each page seeds its picker
    from the shared digit.
    """
    init_session()
    st.session_state[key] = st.session_state["target_digit"]
    return st.session_state["target_digit"]


def digit_picker(key: str, *, help: str) -> None:
    """The "Is it a …?" selectbox; a choice becomes the shared digit."""

    def remember() -> None:
        st.session_state["target_digit"] = st.session_state[key]

    st.selectbox("Is it a …?", list(range(10)), key=key, on_change=remember, help=help)


def model_picker(key: str, *, shared: str) -> str:
    """A "Model" selectbox over the registry, remembered in ``shared``.

    Like :func:`digit_picker`: the widget (``key``) is seeded from the session's
    ``shared`` choice, which outlives the widget when its page is not shown.
    Returns the chosen registry name.
    """
    init_session()
    st.session_state[key] = st.session_state[shared]

    def remember() -> None:
        st.session_state[shared] = st.session_state[key]

    st.selectbox(
        "Model",
        list(models.MODELS),
        format_func=lambda name: models.MODELS[name].label,
        key=key,
        on_change=remember,
    )
    return st.session_state[shared]


def data_source() -> str:
    """The data source chosen in this session (``"sample"`` until changed)."""
    init_session()
    return st.session_state["data_source"]


def _memoised(
    key: tuple[Any, ...], compute: Callable[[Progress], T], *, title: str
) -> T:
    """``compute(progress)`` once per process for ``key``, with a progress bar.

    A failed computation is forgotten, so the next call tries again; its
    exception is raised to every caller waiting on it.
    """
    with _jobs_guard:
        job = _jobs.get(key)
        if job is None:
            job = _jobs[key] = _Job(compute)
    if not job.future.done():
        with progress_bar(title) as progress:
            while True:
                try:
                    job.future.result(timeout=0.1)
                    break
                except FutureTimeout:
                    if job.future.done():  # the computation raised TimeoutError
                        break
                    progress(job.fraction, job.message)
                except Exception:  # noqa: BLE001 - re-raised below, after cleanup
                    break
    error = job.future.exception()
    if error is not None:
        with _jobs_guard:
            if _jobs.get(key) is job:
                del _jobs[key]
        raise error
    return job.future.result()


def is_ready(kind: str, *args: Any) -> bool:
    """Whether ``get_<kind>(*args)`` would return at once, from memory."""
    job = _jobs.get((kind, *args))
    return job is not None and job.future.done() and job.future.exception() is None


def model_ready(name: str, *, source: str | None = None) -> bool:
    """Whether the multiclass model ``name`` is trained on ``source`` already."""
    return is_ready("model", source or data_source(), name, None)


@contextmanager
def progress_bar(text: str) -> Iterator[Callable[[float, str], None]]:
    """A progress bar for the duration of the block, removed after it.

    Yields a ``progress(fraction, message)`` callback for the core functions.
    """
    slot = st.empty()
    bar = slot.progress(0.0, text=text)

    def update(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    try:
        yield update
    finally:
        slot.empty()


def get_data(source: str | None = None) -> data_module.MnistData:
    """The dataset for ``source`` (default: this session's choice), loaded once.

    Raises :class:`mnist_dash.data.DataSourceError` when it cannot be loaded.
    """
    source = source or data_source()

    def load(progress: Progress) -> data_module.MnistData:
        return data_module.load_mnist(source, progress=progress)

    return _memoised(
        ("data", source), load, title=f"Loading {SOURCE_LABELS.get(source, source)}"
    )


def get_model(
    name: str,
    *,
    source: str | None = None,
    target_digit: int | None = None,
) -> Any:
    """The model ``name`` trained on ``source``'s training set, with a progress bar.

    Trained at most once per server (and stored for the next start).
    """
    source = source or data_source()
    dataset = get_data(source)

    def train(progress: Progress) -> Any:
        return models.train_model(
            name,
            dataset.X_train,
            dataset.y_train,
            target_digit=target_digit,
            progress=progress,
        )

    title = f"Training {models.describe(name, target_digit=target_digit)}"
    return _memoised(("model", source, name, target_digit), train, title=title)


def get_test_accuracy(name: str, *, source: str | None = None) -> float:
    """Test-set accuracy of the multiclass model ``name``, computed once."""
    source = source or data_source()
    dataset = get_data(source)
    model = get_model(name, source=source)

    def score(progress: Progress) -> float:
        progress(0.0, "Predicting the test digits")
        return models.accuracy(model, dataset.X_test, dataset.y_test)

    return _memoised(
        ("accuracy", source, name), score, title="Scoring on the test digits"
    )


def get_cross_val(
    name: str,
    *,
    source: str | None = None,
    target_digit: int | None = None,
) -> evaluation.CrossValResult:
    """Out-of-fold predictions and scores (``cv=3``), computed once with progress."""
    source = source or data_source()
    dataset = get_data(source)

    def compute(progress: Progress) -> evaluation.CrossValResult:
        return evaluation.cross_validate_model(
            name,
            dataset.X_train,
            dataset.y_train,
            target_digit=target_digit,
            progress=progress,
        )

    title = f"Cross-validating {models.describe(name, target_digit=target_digit)}"
    return _memoised(("cv", source, name, target_digit), compute, title=title)


def get_threshold(default: float = 0.0) -> float:
    """The decision threshold shared by the Draw, Precision/recall and ROC pages.

    Taken from this session, else from the URL (``?threshold=...``, so a shared
    link opens the same view), else ``default`` (SGD's own threshold is 0).
    """
    init_session()
    if "threshold" not in st.session_state:
        try:
            from_url = float(st.query_params["threshold"])
        except (KeyError, ValueError):
            return default
        if not math.isfinite(from_url):  # "nan" or "inf" typed into the URL
            return default
        st.session_state["threshold"] = from_url
    return float(st.session_state["threshold"])


def get_threshold_curves(
    name: str,
    *,
    target_digit: int,
    source: str | None = None,
) -> charts.ThresholdCurves:
    """Precision and recall at every threshold of a cross-validated detector.

    Sorted once per server process, so that moving a threshold slider only looks
    values up (:func:`mnist_dash.charts.metrics_at_threshold`).
    """
    source = source or data_source()
    result = get_cross_val(name, source=source, target_digit=target_digit)
    return _memoised(
        ("curves", source, name, target_digit),
        lambda progress: charts.compute_threshold_curves(result.y_true, result.scores),
        title="Sorting the scores",
    )


def set_detector_threshold(value: float, *, target_digit: int) -> None:
    """Share the threshold of the "is it a ``target_digit``?" detector.

    Kept in this session and in the URL (so a link opens the same view), with
    the digit it belongs to. The URL is only written when its value changes.
    """
    st.session_state["threshold"] = float(value)
    st.session_state["threshold_digit"] = int(target_digit)
    text = f"{value:.6g}"
    if st.query_params.get("threshold") != text:
        st.query_params["threshold"] = text


def detector_threshold(
    target_digit: int, *, default: float, share: bool = True
) -> float:
    """The shared threshold for the "is it a ``target_digit``?" detector.

    The shared threshold (this session's, else the URL's) when it was set for this
    digit or for no digit in particular (a shared link); otherwise ``default``,
    for example this digit's 90 %-precision threshold. With ``share`` the result
    becomes the shared threshold; without it (the Draw page, which only reads the
    threshold) nothing is written, so the Precision/recall page still starts a new
    digit at its own 90 %-precision threshold.
    """
    init_session()
    owner = st.session_state.get("threshold_digit")
    value = get_threshold(default) if owner in (None, target_digit) else default
    if not abs(value) < float("inf"):  # NaN or infinite, from a hand-made URL
        value = default
    if share:
        set_detector_threshold(value, target_digit=target_digit)
    return value
