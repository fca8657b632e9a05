"""The one Streamlit-aware module: computations with progress, session defaults.

Core modules know nothing of Streamlit; pages call these wrappers. What is loaded,
trained or cross-validated is computed once for the whole server process (shared
by every session) by a :class:`mnist_dash.jobs.Scheduler`, under an explicit key,
and kept on disk by the core modules, so a page switch, a rerun, a second visitor
or a restart never computes it again. Reading what is stored never queues behind
a training; trainings run within a memory budget; the book's long runs go in the
background and give way to anyone waiting (see :mod:`mnist_dash.jobs`).

Every ``get_*`` waits with a progress bar by default. With ``wait=False`` (or a
number of seconds) it returns None instead of waiting (longer), leaving the work
running; :func:`show_pending` then shows its progress and reruns the page when it
is done.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

import numpy as np
import streamlit as st
import threadpoolctl
from streamlit.runtime.scriptrunner import (
    RerunException,
    StopException,
    get_script_run_ctx,
)

from mnist_dash import (
    book,
    charts,
    evaluation,
    jobs,
    models,
    preprocess,
    reading,
    refusal,
    store,
    tasks,
)
from mnist_dash import data as data_module

__all__ = [
    "run_page",
    "timed",
    "fragment_run",
    "init_session",
    "shared_digit",
    "digit_picker",
    "model_picker",
    "offered_models",
    "fits_in_memory",
    "data_source",
    "get_data",
    "get_model",
    "get_refusal",
    "get_reading_check",
    "get_cross_val",
    "get_test_accuracy",
    "is_ready",
    "result_if_ready",
    "model_ready",
    "job",
    "show_pending",
    "progress_bar",
    "get_threshold",
    "get_threshold_curves",
    "detector_threshold",
    "set_detector_threshold",
    "url_number",
    "SOURCE_LABELS",
    "data_note",
    "book_table",
    "run",
    "prevalence",
    "prevalence_picker",
    "drawn_digit",
]

T = TypeVar("T")

SOURCE_LABELS = {
    "sample": "Bundled sample (5,000 digits)",
    "openml": "Full MNIST (70,000)",
}

#: Session defaults, set once per session and shared by every page. Home's
#: trainer starts on the book's random forest: on the sample it trains in about a
#: second, where the book's SGD (the command line's default) runs for longer.
DEFAULTS: dict[str, Any] = {
    "data_source": "sample",
    "model_name": "random_forest",
    "draw_model": models.DRAW_MODEL,
    "target_digit": 5,
}

Progress = Callable[[float, str], None]
#: ``True``: wait as long as it takes; ``False``: do not wait; a number: seconds.
Wait = bool | float


def _memory_budget() -> int:
    """Bytes the running trainings may use together (``$MNIST_DASH_MEMORY_MB``).

    The default leaves room, within Streamlit Community Cloud's smallest box
    (690 MB), for the server itself and full MNIST: see the README.
    """
    try:
        megabytes = float(os.environ.get("MNIST_DASH_MEMORY_MB", "300"))
    except ValueError:
        megabytes = 300.0
    return int(max(megabytes, 50.0) * 2**20)


# Two heavy workers: the machine this is made for has two cores.
_scheduler = jobs.Scheduler(
    light_workers=4, heavy_workers=2, memory_budget=_memory_budget()
)
# So each heavy job computes on one core. OpenBLAS starts a thread per core for
# every large product and its threads spin while they wait: two jobs at once
# (or browsers, or other apps on the box) then overcommit the cores, and under
# load the MLP on the sample took 37-65 s to fit instead of 3.5 s (see the
# README's "Load and memory"). The limit is process-wide; the command line,
# which runs one job at a time, keeps every core.
threadpoolctl.threadpool_limits(limits=1, user_api="blas")


#: What belongs to the script run going on in this thread (Streamlit runs a
#: session's script in a thread of its own).
_this_run = threading.local()


def run_page(page: Any) -> None:
    """Run the page ``st.navigation`` chose, timing it for ``$MNIST_DASH_TRACE``.

    The time is the server's own, from the start of the page's script to its
    end (or to the click that cut it short), so a load test measures the server,
    not the browsers sharing its machine. ``outcome`` says how it ended:
    ``"done"`` (it ran to its end), ``"stopped"`` (``st.stop()``, or a click
    during the run: Streamlit's fast reruns stop the old run), ``"rerun"``
    (``st.rerun()``) or ``"error"``.
    """
    # The cache folder's note goes here, above the page, whichever function
    # first calls init_session: taken on every run, so the page's elements keep
    # their places from one run to the next.
    _this_run.note = st.empty()
    try:
        with _traced_run(str(getattr(page, "url_path", "")) or "home"):
            page.run()
    finally:
        _this_run.note = None


@contextmanager
def _traced_run(page: str) -> Iterator[None]:
    """Trace the block as one run of ``page``: its duration and how it ended."""
    started = time.perf_counter()
    outcome = "done"
    try:
        yield
    except RerunException:
        outcome = "rerun"
        raise
    except StopException:
        outcome = "stopped"
        raise
    except BaseException:
        outcome = "error"
        raise
    finally:
        jobs.trace(
            "run", page=page, seconds=time.perf_counter() - started, outcome=outcome
        )


@contextmanager
def timed(name: str) -> Iterator[None]:
    """Trace the duration of a block (a fragment's run) as ``name``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        jobs.trace("run", page=name, seconds=time.perf_counter() - started)


@contextmanager
def fragment_run(page: str) -> Iterator[None]:
    """Trace a fragment's own rerun (``st.fragment``) as a run of ``page``.

    Draw reads each stroke in a fragment: those reruns are the page's runs a
    visitor waits for. A run of the whole page, fragment included, is traced
    once, by :func:`run_page`, so here nothing is traced.
    """
    context = get_script_run_ctx()
    if context is None or not context.fragment_ids_this_run:
        yield
        return
    with _traced_run(page):
        yield


def _url_digit() -> int | None:
    """The ``?digit=`` of a shared link, when it is a digit 0-9."""
    text = st.query_params.get("digit", "")
    return int(text) if text in tuple("0123456789") else None


def init_session() -> None:
    """Put the shared defaults into ``st.session_state`` (only where missing).

    A shared link's ``?digit=`` picks the detector's digit for a new session.
    """
    if "target_digit" not in st.session_state:
        digit = _url_digit()
        if digit is not None:
            st.session_state["target_digit"] = digit
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value
    if not st.session_state.get("cache_note_shown"):
        st.session_state["cache_note_shown"] = True
        problem = store.problem()
        if problem:
            place = getattr(_this_run, "note", None) or st
            place.info(f"Note: {problem}.", icon="💾")


def shared_digit(key: str) -> int:
    """The digit of the "is it a …?" detector, shared by every page.

    Call before drawing :func:`digit_picker` with the same ``key``: a widget's own
    state is dropped while its page is not shown, so each page seeds its picker
    from the shared digit.
    """
    init_session()
    st.session_state[key] = st.session_state["target_digit"]
    return st.session_state["target_digit"]


def digit_picker(
    key: str, *, help: str, on_change: Callable[[], None] | None = None
) -> None:
    """The "Is it a …?" selectbox; a choice becomes the shared digit.

    ``on_change`` runs after that, for what else a new digit resets on a page.
    """

    def remember() -> None:
        st.session_state["target_digit"] = st.session_state[key]
        if on_change is not None:
            on_change()

    st.selectbox("Is it a …?", list(range(10)), key=key, on_change=remember, help=help)


def model_picker(key: str, *, shared: str) -> str:
    """A "Model" selectbox over the registry, remembered in ``shared``.

    Like :func:`digit_picker`: the widget (``key``) is seeded from the session's
    ``shared`` choice, which outlives the widget when its page is not shown.
    Returns the chosen registry name.
    """
    init_session()
    offered, too_big = offered_models()
    if st.session_state[shared] not in offered:
        # Say, full MNIST chosen after a model that only fits on the sample.
        fallback = DEFAULTS[shared]
        st.session_state[shared] = fallback if fallback in offered else offered[0]
    st.session_state[key] = st.session_state[shared]

    def remember() -> None:
        st.session_state[shared] = st.session_state[key]

    note = (
        ""
        if not too_big
        else "Not offered on this data: "
        + ", ".join(models.MODELS[name].label for name in too_big)
        + " (it would not fit in this server's memory budget)."
    )
    st.selectbox(
        "Model",
        offered,
        format_func=lambda name: models.MODELS[name].label,
        key=key,
        on_change=remember,
        help=note or None,
    )
    return st.session_state[shared]


def offered_models(source: str | None = None) -> tuple[list[str], list[str]]:
    """The registry names that fit this server's memory budget on ``source``'s
    training set, and those that do not (``knn_shifted`` on full MNIST keeps
    300,000 float32 digits: 0.9 GB)."""
    rows = len(get_data(source).y_train)
    fits = [n for n in models.MODELS if fits_in_memory(n, rows)]
    return fits, [n for n in models.MODELS if n not in fits]


def fits_in_memory(name: str, rows: int) -> bool:
    """Whether fitting ``name`` on ``rows`` digits fits the memory budget."""
    return models.fit_memory(name, rows) <= _scheduler.memory_budget


def data_source() -> str:
    """The data source chosen in this session (``"sample"`` until changed)."""
    init_session()
    return st.session_state["data_source"]


def _status(job: jobs.Job) -> str:
    """One line for people: what the job is doing and, when known, how long left."""
    text = f"{job.title}: {job.message}" if job.title else job.message
    left = job.seconds_left()
    if left is not None:
        text += f" (about {_duration(left)} left)"
    return text


def _duration(seconds: float) -> str:
    """``"45 s"``, ``"3 min"``, ``"1 h 5 min"``."""
    if seconds < 90:
        return f"{max(round(seconds / 5) * 5, 5):.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def _memoised(
    key: tuple[Any, ...],
    compute: Callable[[jobs.Job], T],
    *,
    title: str,
    heavy: bool = False,
    memory: int = 0,
    priority: int = jobs.INTERACTIVE,
    wait: Wait = True,
    show_errors: bool = False,
) -> T | None:
    """``compute(job)`` once per process for ``key``, waiting with a progress bar.

    The job is its own progress callback (``compute(progress)`` works). Returns
    None when ``wait`` runs out first; the work goes on. A failed computation is
    forgotten, so the next call tries again; its exception is raised to every
    caller waiting on it, or, with ``show_errors``, shown on the page in one
    sentence (the page stops there and works again on the next rerun).
    """
    job = _scheduler.submit(
        key, compute, title=title, heavy=heavy, memory=memory, priority=priority
    )
    # The progress bar's place, taken whether this waits or not: a page then has
    # the same elements in the same places on every run, so a widget below it
    # is never drawn twice for a moment (and keeps the keyboard focus) on the
    # first rerun after a wait.
    slot = st.empty()
    if not job.done() and wait is not False:
        limit = None if wait is True else float(wait)
        started = time.monotonic()
        with progress_bar(title, slot=slot) as progress:
            while not job.done():
                if limit is not None and time.monotonic() - started >= limit:
                    break
                progress(job.fraction, _status(job))
                _pause(job)
    if not job.done():
        return None
    error = job.future.exception()
    if error is not None:
        _scheduler.forget_failed(job)
        if show_errors and isinstance(error, Exception):
            _show_failure(title, error)
        raise error
    return job.result()


def _show_failure(title: str, error: Exception) -> None:
    """Say on the page what failed and why, then stop this run of the page."""
    if isinstance(error, store.LockTimeout):
        st.error(
            f"{title} is busy: another process is computing the same thing and "
            f"did not finish in time ({error}). Try again in a moment.",
            icon="⏳",
        )
    else:
        st.error(f"{title} failed: {error}. Reload the page to try again.", icon="⚠️")
    st.stop()


def _pause(job: jobs.Job) -> None:
    """Wait up to 0.1 s for ``job`` to finish."""
    with contextlib.suppress(FutureTimeout):
        job.future.exception(timeout=0.1)


def job(kind: str, *args: Any) -> jobs.Job | None:
    """The job behind ``get_<kind>(*args)``, if it was started."""
    return _scheduler.get((kind, *args))


def is_ready(kind: str, *args: Any) -> bool:
    """Whether ``get_<kind>(*args)`` would return at once, from memory."""
    found = job(kind, *args)
    return found is not None and found.ok()


def result_if_ready(kind: str, *args: Any) -> Any:
    """What ``get_<kind>(*args)`` computed, or None when it is not done.

    Unlike ``get_<kind>(..., wait=False)`` this writes nothing on the page (not
    even a progress bar's place): for callbacks, whose elements would go to the
    top of the page and move everything below for one run.
    """
    found = job(kind, *args)
    return found.result() if found is not None and found.ok() else None


def model_ready(name: str, *, source: str | None = None) -> bool:
    """Whether the multiclass model ``name`` is trained on ``source`` already."""
    return is_ready("model", source or data_source(), name, None)


def show_pending(
    pending: list[jobs.Job], *, note: str = "", rerun: Literal["all", "any"] = "all"
) -> None:
    """Progress bars for work that runs in the background, and a rerun when done.

    Refreshes every second without rerunning the rest of the page (a fragment);
    when every job has finished (``rerun="any"``: as soon as one has, for a page
    that uses each as it comes, like Draw), the whole page runs again to show the
    results. The panel is the page's ``st-key-pending_work`` element (one per
    page).
    """

    @st.fragment(run_every=1.0)
    def panel() -> None:
        waiting = [j for j in pending if not j.done()]
        if not waiting or (rerun == "any" and len(waiting) < len(pending)):
            st.rerun()
        for waiting_job in waiting:
            st.progress(waiting_job.fraction, text=_status(waiting_job))

    with st.container(key="pending_work"):
        if note:
            st.caption(note)
        panel()


@contextmanager
def progress_bar(
    text: str, *, slot: Any = None
) -> Iterator[Callable[[float, str], None]]:
    """A progress bar for the duration of the block, removed after it.

    Yields a ``progress(fraction, message)`` callback for the core functions.
    The bar goes into ``slot`` (an ``st.empty()``) if given, else a new one.
    """
    slot = st.empty() if slot is None else slot
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

    def load(job: jobs.Job) -> data_module.MnistData:
        return data_module.load_mnist(source, progress=job)

    title = f"Loading {SOURCE_LABELS.get(source, source)}"
    dataset = _memoised(("data", source), load, title=title)
    assert dataset is not None
    return dataset


def get_model(
    name: str,
    *,
    source: str | None = None,
    target_digit: int | None = None,
    wait: Wait = True,
    priority: int = jobs.INTERACTIVE,
) -> Any:
    """The model ``name`` trained on ``source``'s training set, with a progress bar.

    Trained at most once per server (and stored for the next start); a stored
    model is read without queueing behind anyone's training. None when ``wait``
    runs out first.
    """
    source = source or data_source()
    dataset = get_data(source)
    X, y = dataset.X_train, dataset.y_train
    key = ("model", source, name, target_digit)
    stored = _scheduler.get(key) is None and models.is_stored(
        name, X, y, target_digit=target_digit
    )

    def train(job: jobs.Job) -> Any:
        return models.train_model(name, X, y, target_digit=target_digit, progress=job)

    verb = "Loading" if stored else "Training"
    return _memoised(
        key,
        train,
        title=f"{verb} {models.describe(name, target_digit=target_digit)}",
        heavy=not stored,
        memory=models.fit_memory(name, len(y)),
        priority=priority,
        wait=wait,
        show_errors=True,
    )


def get_refusal(
    *, source: str | None = None, wait: Wait = True
) -> refusal.DigitRefusal | None:
    """What tells digits from non-digits, learnt from ``source``'s training digits.

    The same statistics as :data:`mnist_dash.models.DRAW_MODEL`'s own refusal
    step (computed once, whichever asks first), for the models without one.
    None when ``wait`` runs out first.
    """
    source = source or data_source()
    X = get_data(source).X_train
    stored = refusal.DigitRefusal().is_stored(X)
    return _memoised(
        ("refusal", source),
        lambda job: refusal.DigitRefusal().fit(X),
        title="Learning what is not a digit",
        heavy=not stored,
        memory=refusal.REFUSAL_BYTES,
        wait=wait,
    )


#: Held-out digits and non-digits that the reading check reads.
_CHECK_DIGITS = 1000
_CHECK_NON_DIGITS = 500


def get_reading_check(
    name: str, *, source: str | None = None, wait: Wait = False
) -> reading.Assessment | None:
    """How model ``name`` reads held-out test digits (as drawn) and non-digits.

    Sets the model's calibrated margin, and gives the risk-coverage data. None
    until the model, the refusal and the check itself are ready (with
    ``wait=False``, the default, nothing waits).
    """
    source = source or data_source()
    dataset = get_data(source)
    model = get_model(name, source=source, wait=wait)
    checker = get_refusal(source=source, wait=wait)
    if model is None or checker is None:
        return None

    def drawn(job: jobs.Job) -> np.ndarray:
        job.progress(0.0, "Drawing the test digits")
        return refusal.as_drawn(dataset.X_test[:_CHECK_DIGITS])

    digits = _memoised(
        ("drawn_test", source), drawn, title="Drawing the test digits", wait=wait
    )
    if digits is None:
        return None

    def check(job: jobs.Job) -> reading.Assessment:
        job.progress(0.0, "Reading test digits and non-digits")
        return reading.assess(
            model,
            digits,
            dataset.y_test[:_CHECK_DIGITS],
            refusal.non_digit_glyphs(_CHECK_NON_DIGITS, random_state=7),
            refusal=checker,
        )

    return _memoised(
        ("reading_check", source, name),
        check,
        title=f"Checking how {models.describe(name)} refuses",
        heavy=True,
        memory=models.fit_memory(name, _CHECK_DIGITS),
        wait=wait,
    )


def get_test_accuracy(
    name: str, *, source: str | None = None, wait: Wait = True
) -> float | None:
    """Test-set accuracy of the multiclass model ``name``, computed once."""
    source = source or data_source()
    dataset = get_data(source)
    model = get_model(name, source=source, wait=wait)
    if model is None:
        return None

    def score(job: jobs.Job) -> float:
        job.progress(0.0, "Predicting the test digits")
        return models.accuracy(model, dataset.X_test, dataset.y_test)

    return _memoised(
        ("accuracy", source, name),
        score,
        title="Scoring on the test digits",
        heavy=True,
        memory=models.fit_memory(name, len(dataset.y_test)),
        wait=wait,
        show_errors=True,
    )


def get_cross_val(
    name: str,
    *,
    source: str | None = None,
    target_digit: int | None = None,
    wait: Wait = True,
    priority: int = jobs.INTERACTIVE,
) -> evaluation.CrossValResult | None:
    """Out-of-fold predictions and scores (``cv=3``), computed once with progress.

    With ``priority=jobs.BACKGROUND`` (the book's long runs), the computation
    lets waiting visitors' work go first between two folds. None when ``wait``
    runs out first.
    """
    source = source or data_source()
    dataset = get_data(source)
    X, y = dataset.X_train, dataset.y_train
    key = ("cv", source, name, target_digit)
    stored = _scheduler.get(key) is None and evaluation.is_cached(
        name, X, y, target_digit=target_digit
    )

    def compute(job: jobs.Job) -> evaluation.CrossValResult:
        return evaluation.cross_validate_model(
            name,
            X,
            y,
            target_digit=target_digit,
            progress=job,
            between_folds=job.checkpoint,
        )

    verb = "Loading" if stored else "Cross-validating"
    return _memoised(
        key,
        compute,
        title=f"{verb} {models.describe(name, target_digit=target_digit)}",
        heavy=not stored,
        memory=models.fit_memory(name, len(y) * 2 // 3),
        priority=priority,
        wait=wait,
        show_errors=True,
    )


def get_threshold(default: float = 0.0) -> float:
    """The decision threshold shared by the Draw, Precision/recall and ROC pages.

    Taken from this session, else from the URL (``?threshold=...``, so a shared
    link opens the same view), else ``default`` (SGD's own threshold is 0).
    """
    init_session()
    if "threshold" not in st.session_state:
        try:
            from_url = float(st.query_params["threshold"].replace(",", ""))
        except (KeyError, ValueError):
            return default
        if not math.isfinite(from_url):  # "nan" or "inf" typed into the URL
            return default
        st.session_state["threshold"] = from_url
        st.session_state["threshold_digit"] = _url_digit()
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
    assert result is not None
    curves = _memoised(
        ("curves", source, name, target_digit),
        lambda job: charts.compute_threshold_curves(result.y_true, result.scores),
        title="Sorting the scores",
    )
    assert curves is not None
    return curves


def set_detector_threshold(value: float, *, target_digit: int) -> None:
    """Share the threshold of the "is it a ``target_digit``?" detector.

    Kept in this session and in the URL (so a link opens the same view), with
    the digit it belongs to. The URL is only written when its value changes.
    """
    st.session_state["threshold"] = float(value)
    st.session_state["threshold_digit"] = int(target_digit)
    shown = {"digit": str(int(target_digit)), "threshold": url_number(value)}
    for name, text in shown.items():
        if st.query_params.get(name) != text:
            st.query_params[name] = text


def url_number(value: float) -> str:
    """A threshold for the address bar: plain digits, never ``1.2e+04``.

    The shortest text that reads back as the same float, so a shared link opens
    at exactly the same threshold.

    >>> url_number(3370.0194991439557), url_number(-66922.0), url_number(1e-7)
    ('3370.0194991439557', '-66922', '0.0000001')
    """
    return np.format_float_positional(float(value), trim="-")


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
    value = get_threshold(default)
    if st.session_state.get("threshold_digit") not in (None, target_digit):
        value = default
    if not abs(value) < float("inf"):  # NaN or infinite, from a hand-made URL
        value = default
    if share:
        set_detector_threshold(value, target_digit=target_digit)
    return value


def data_note(dataset: data_module.MnistData) -> None:
    """One line saying whether the data in use is the book's, and what follows."""
    if dataset.is_book:
        st.caption(
            "📗 Data: full MNIST, split as in the book (the first 60,000 digits, "
            "in their original order, for training). The book's calls give the "
            "book's figures here."
        )
    else:
        st.caption(
            f"📙 Data: {dataset.description} The book's figures are for full "
            "MNIST, so these differ; load full MNIST on the Home page to "
            "reproduce them."
        )


def book_table(
    rows: list[tuple[str, book.BookFigure, Any, str]],
    *,
    dataset: data_module.MnistData,
    key: str,
) -> None:
    """The book's printed figures beside ours (see :func:`mnist_dash.book.compare`)."""
    compared = book.compare(rows, on_book_data=dataset.is_book)
    marks = {True: "✅ same", False: "❌ differs", None: "— other data"}
    st.dataframe(
        [
            {
                "Figure": row.figure,
                "The book (full MNIST)": row.book,
                "Computed here": row.here,
                "": marks[row.agrees],
            }
            for row in compared
        ],
        hide_index=True,
        key=key,
    )


def run(
    task: tasks.Task, *, wait: Wait = True, priority: int = jobs.INTERACTIVE
) -> Any:
    """The result of ``task`` (see :mod:`mnist_dash.tasks`), computed once.

    A result stored in the cache folder is read as light work, never queued
    behind a training. None when ``wait`` runs out first; the work goes on.
    """
    stored = task.stored and _scheduler.get(task.key) is None
    return _memoised(
        task.key,
        task.compute,
        title=("Loading: " if stored else "") + task.title,
        heavy=task.heavy and not stored,
        memory=task.memory,
        priority=priority,
        wait=wait,
    )


def prevalence() -> float | None:
    """The share of positives the detector's pages assume; None: as in the data."""
    init_session()
    return st.session_state.get("prevalence")


def prevalence_picker(key: str, *, share: float) -> float | None:
    """A toggle and a slider: the share of positives where the detector is used.

    Shared by the pages like the digit (:func:`digit_picker`): the widgets
    ``key + "_on"`` and ``key`` are seeded from the session's choice; ``share``
    (the data's own) is where the slider starts. Returns :func:`prevalence`.
    """
    chosen = prevalence()
    st.session_state[f"{key}_on"] = chosen is not None
    if chosen is not None:
        st.session_state[key] = chosen * 100
    elif key not in st.session_state:
        st.session_state[key] = float(min(max(round(share * 200) / 2, 1), 50))

    def remember() -> None:
        on = st.session_state[f"{key}_on"]
        st.session_state["prevalence"] = st.session_state[key] / 100 if on else None

    st.toggle(
        "Another prevalence",
        key=f"{key}_on",
        on_change=remember,
        help=f"In the training data {share:.1%} of the digits are positive; where "
        "the detector is used they may be rarer, or more common.",
    )
    st.slider(
        "Share of positives where it is used",
        min_value=1.0,
        max_value=50.0,
        step=0.5,
        format="%.1f%%",
        key=key,
        on_change=remember,
        disabled=chosen is None,
    )
    return prevalence()


def drawn_digit(key: str, *, size: int = 200) -> np.ndarray | None:
    """A small drawing canvas with a Clear button; the drawing as an MNIST digit.

    The 784 pixels :func:`mnist_dash.preprocess.canvas_to_mnist` makes of it, or
    None while the canvas is empty. The canvas's key is ``f"{key}_{n}"``, where
    ``n`` counts the clears (a new key mounts an empty canvas). What the browser
    sent is checked before it is decoded
    (:func:`mnist_dash.preprocess.decode_canvas_state`): a drawing that cannot be
    read is said in one sentence, and a fresh canvas takes its place.
    """
    from streamlit_drawable_canvas import st_canvas

    generation = f"{key}_generation"
    st.session_state.setdefault(generation, 0)

    def clear() -> None:
        st.session_state[generation] += 1

    problem = ""
    try:
        image = preprocess.decode_canvas_state(
            st.session_state.get(f"{key}_{st.session_state[generation]}")
        )
    except ValueError as error:
        problem, image = str(error), None
        clear()
    st_canvas(
        stroke_width=max(size // 14, 6),
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=size,
        width=size,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key=f"{key}_{st.session_state[generation]}",
    )
    st.button("Clear", key=f"{key}_clear", on_click=clear, icon="🧹")
    if problem:
        st.error(f"This drawing cannot be read: {problem}.", icon="🚫")
    if image is None:
        return None
    features = preprocess.canvas_to_mnist(image)
    return features if features.any() else None
