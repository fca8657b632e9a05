"""A session's state shared by every page: defaults, the digit, the models, the data.

Also where each page's run starts (:func:`run_page`, traced for the load bench)
and the pickers that keep a choice across pages.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import (
    RerunException,
    StopException,
    get_script_run_ctx,
)

from mnist_dash import (
    jobs,
    models,
    store,
)

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
    _this_run.said = set()
    try:
        with _traced_run(str(getattr(page, "url_path", "")) or "home"):
            page.run()
    finally:
        _this_run.note = None
        collect_now_and_then()


#: The least time between two full garbage collections after page runs.
COLLECT_EVERY_S = 1.0
_last_collection = float("-inf")
_collecting = threading.Lock()


def collect_now_and_then() -> bool:
    """A full garbage collection after a page run, if none ran in the last
    :data:`COLLECT_EVERY_S`; True if this call collected.

    Streamlit's own, after every run (``runner.postScriptGC``), is turned off
    in ``.streamlit/config.toml``: under thirty visitors it ran 3-4 times a
    second, 17 % of the server's time, each holding the GIL (10-20 ms of CPU,
    up to 200 ms when its thread lost its core meanwhile) while every other
    page run waited. Without any, Python's own full collections come too
    rarely and the server grew (tried: 646 MB). Once a second keeps memory as
    it was; a second's garbage is little.
    """
    global _last_collection
    if time.monotonic() - _last_collection < COLLECT_EVERY_S:
        return False
    if not _collecting.acquire(blocking=False):  # another thread is at it
        return False
    try:
        # Another thread may have collected between the check and the lock.
        if time.monotonic() - _last_collection < COLLECT_EVERY_S:
            return False
        gc.collect(2)
        _last_collection = time.monotonic()
        return True
    finally:
        _collecting.release()


def _waited_for_a_core() -> float | None:
    """Seconds this thread has spent ready to run but waiting for a core (Linux's
    ``/proc/thread-self/schedstat``), or None where that is not kept."""
    try:
        with open("/proc/thread-self/schedstat", "rb") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def _traced_run(page: str) -> Iterator[None]:
    """Trace the block as one run of ``page``: its duration, the CPU time its
    thread used meanwhile, the time it was ready to run but had no core (the
    rest is waiting: for the GIL, a lock, a job), and how it ended."""
    tracing = bool(os.environ.get("MNIST_DASH_TRACE"))
    queued = _waited_for_a_core() if tracing else None
    started, cpu = time.perf_counter(), time.thread_time()
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
        seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu
        now_queued = _waited_for_a_core() if queued is not None else None
        jobs.trace(
            "run",
            page=page,
            seconds=seconds,
            cpu_s=cpu,
            queued_s=None if now_queued is None else now_queued - queued,
            outcome=outcome,
        )


def first_said(what: Hashable) -> bool:
    """True the first time ``what`` is said in this run of the page (or of its
    fragment): a note that several calls would give is shown once."""
    said = getattr(_this_run, "said", None)
    if said is None:
        return True
    if what in said:
        return False
    said.add(what)
    return True


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
    _this_run.said = set()
    try:
        with _traced_run(page):
            yield
    finally:
        collect_now_and_then()


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


def data_source() -> str:
    """The data source chosen in this session (``"sample"`` until changed)."""
    init_session()
    return st.session_state["data_source"]


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
