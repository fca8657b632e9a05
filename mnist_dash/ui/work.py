"""Computations with progress: each once per server process, on a scheduler.

What is loaded, trained or cross-validated is computed once for the whole server
process (shared by every session) by a :class:`mnist_dash.jobs.Scheduler`, under
an explicit key, and kept on disk by the core modules. Reading what is stored
never queues behind a training; trainings run within a memory budget; the book's
long runs go in the background and give way to anyone waiting. A wait shows a
progress bar; :func:`show_pending` shows work left running and reruns the page
when it is done.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

import streamlit as st
import threadpoolctl

from mnist_dash import (
    forksafe,
    jobs,
    store,
)
from mnist_dash.ui import session

T = TypeVar("T")


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


#: Where Linux says how much memory this process's container may use (cgroup
#: v2, then v1); a limit this large or larger means none.
_CGROUP_LIMITS = (
    "/sys/fs/cgroup/memory.max",
    "/sys/fs/cgroup/memory/memory.limit_in_bytes",
)
_NO_LIMIT = 2**50


def _memory_limit() -> int | None:
    """Bytes the whole app may hold on its box, or None for no known limit.

    ``$MNIST_DASH_BOX_MB`` if set (``none`` or ``0``: no limit), else the
    container's own limit (its cgroup's), as on Streamlit Community Cloud,
    whose boxes stop an app that goes over theirs (690 MB on the smallest).
    With a limit, a training that would go over it is not offered, and the
    page says why (:class:`mnist_dash.jobs.DoesNotFit`).
    """
    setting = os.environ.get("MNIST_DASH_BOX_MB", "").strip().lower()
    if setting:
        try:
            megabytes = float(setting)
        except ValueError:
            return None  # "none", or a setting that is not a number
        return int(megabytes * 2**20) if megabytes > 0 else None
    for path in _CGROUP_LIMITS:
        try:
            with open(path, encoding="ascii") as limit:
                text = limit.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < _NO_LIMIT:
            return int(text)
        return None
    return None


def _use_processes() -> bool:
    """Whether heavy jobs compute in child processes (``$MNIST_DASH_PROCESSES``,
    default ``1``; ``0`` keeps them in threads of the server, for comparison).

    In the server's own threads a training's Python-level work holds the GIL
    that Streamlit's event loop and every visitor's page script need: under a
    classroom's load pages stopped loading for minutes (see the README's "Load
    and memory"). A child process has a GIL of its own.
    """
    return os.environ.get("MNIST_DASH_PROCESSES", "1").strip() != "0"


#: Memory kept free under a box's limit for the server's own growth while a
#: job runs: on full MNIST the server grew from 299 to 368 MB over a visit of
#: every page (``bench/load.py --memory``).
MEMORY_HEADROOM = 64 * 2**20

# Two heavy workers: the machine this is made for has two cores.
_scheduler = jobs.Scheduler(
    light_workers=4,
    heavy_workers=2,
    memory_budget=_memory_budget(),
    memory_limit=_memory_limit(),
    headroom=MEMORY_HEADROOM,
    processes=_use_processes(),
)


# So each heavy job computes on one core. OpenBLAS starts a thread per core for
# every large product and its threads spin while they wait: two jobs at once
# (or browsers, or other apps on the box) then overcommit the cores, and under
# load the MLP on the sample took 37-65 s to fit instead of 3.5 s (see the
# README's "Load and memory"). The limit is process-wide; the command line,
# which runs one job at a time, keeps every core.
threadpoolctl.threadpool_limits(limits=1, user_api="blas")


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
    isolate: bool = True,
) -> T | None:
    """``compute(job)`` once per process for ``key``, waiting with a progress bar.

    The job is its own progress callback (``compute(progress)`` works). Returns
    None when ``wait`` runs out first; the work goes on. A failed computation is
    forgotten, so the next call tries again; its exception is raised to every
    caller waiting on it, or, with ``show_errors``, shown on the page in one
    sentence (the page stops there and works again on the next rerun). Heavy
    work computes in a child process unless ``isolate`` is false (see
    :class:`mnist_dash.jobs.Scheduler`).
    """
    job = _scheduler.submit(
        key,
        compute,
        title=title,
        heavy=heavy,
        memory=memory,
        priority=priority,
        isolate=isolate,
    )
    # The progress bar's place, taken whether this waits or not: a page then has
    # the same elements in the same places on every run, so a widget below it
    # is never drawn twice for a moment (and keeps the keyboard focus) on the
    # first rerun after a wait. A call that never waits never needs one (and
    # each element sent wakes the server's event loop).
    slot = None if wait is False else st.empty()
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
    _refused.discard(key)
    if error is not None:
        _scheduler.forget_failed(job)
        if isinstance(error, jobs.DoesNotFit):
            _refused.add(key)
            return _not_offered(key, error, stop=wait is True)
        if show_errors and isinstance(error, Exception):
            _show_failure(title, error)
        raise error
    return job.result()


#: The keys whose computation was last refused for the box's memory limit.
_refused: set[tuple[Any, ...]] = set()


def not_offered(kind: str, *args: Any) -> bool:
    """Whether ``get_<kind>(*args)`` was refused, the last time it was asked,
    for the box's memory limit (see :class:`mnist_dash.jobs.DoesNotFit`)."""
    return (kind, *args) in _refused


def _not_offered(
    key: tuple[Any, ...], error: jobs.DoesNotFit, *, stop: bool
) -> None:
    """Say (once per run) that a computation is not offered on this box, and
    why; stop the page's run there if it cannot go on without it (``stop``)."""
    if session.first_said(("not offered", key)):
        st.info(
            f"Not offered here: {error}. The sample has it, and so does a machine "
            "with more memory.",
            icon="📦",
        )
    if stop:
        st.stop()


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


def freeze_what_is_loaded() -> None:
    """Leave every object alive now out of the garbage collector's scans.

    Streamlit ran a full collection after every page run, fragments included
    (``runner.postScriptGC``, now off; one follows page runs at most once a
    second, see :func:`mnist_dash.ui.session.collect_now_and_then`), to keep
    memory down: with Streamlit, scikit-learn, plotly and pandas loaded that
    is 180,000 objects and 88 ms, holding the GIL, on every stroke of every
    visitor. Under a classroom's load it was nine tenths of the server's time
    (py-spy, see the README's "Load and memory"). Called once, after those
    imports: the modules, classes and functions they made live as long as the
    server anyway, and the collections after page runs scan only what came
    later. Garbage is collected first, so none is kept for good
    (``gc.freeze``).
    """
    gc.collect()
    gc.freeze()


def trace_collections() -> None:
    """With ``$MNIST_DASH_TRACE`` set, trace each full garbage collection.

    One follows page runs at most once a second, holding the GIL (see
    :func:`freeze_what_is_loaded`): the load bench adds up how much of the
    server's time they take. Each trace line gives the collection's duration,
    the CPU time its thread used meanwhile (a finaliser run during it may give
    the GIL away: the rest is waiting) and how many objects it found
    unreachable.
    """
    if not os.environ.get("MNIST_DASH_TRACE"):
        return
    started: dict[int, tuple[float, float]] = {}
    server = os.getpid()

    def callback(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2 or os.getpid() != server:  # not a job process's
            return
        thread = threading.get_ident()
        if phase == "start":
            started[thread] = (time.perf_counter(), time.thread_time())
        elif thread in started:
            wall, cpu = started.pop(thread)
            jobs.trace(
                "gc",
                seconds=time.perf_counter() - wall,
                cpu_s=time.thread_time() - cpu,
                collected=info["collected"],
            )

    gc.callbacks.append(callback)


#: How many results :func:`shared` keeps (the most recently used).
SHARED_ITEMS = 256
_shared: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
_shared_lock = forksafe.Lock()


def shared(key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per server for ``key``; then the same object for all.

    For what a page derives, quickly but on every run, from results that are
    themselves computed once (a cross-validation's confusion matrix, report and
    figures): thirty visitors on the same digit need it once, not on each of
    their reruns. ``key`` names everything the result depends on, starting with
    the page or function; the result must not be changed by its users (figures
    are only read by ``st.plotly_chart``). The :data:`SHARED_ITEMS` most
    recently used are kept. Two sessions asking at once may both compute it
    (it is quick); the first result stays.
    """
    with _shared_lock:
        if key in _shared:
            _shared.move_to_end(key)
            return _shared[key]
    value = compute()
    with _shared_lock:
        value = _shared.setdefault(key, value)
        _shared.move_to_end(key)
        while len(_shared) > SHARED_ITEMS:
            _shared.popitem(last=False)
    return value


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


#: Session key: the finished jobs the last :func:`show_pending` reran the page for.
_RERAN_FOR = "_pending_reran_for"


def show_pending(
    pending: list[jobs.Job], *, note: str = "", rerun: Literal["all", "any"] = "all"
) -> None:
    """Progress bars for work that runs in the background, and a rerun when done.

    Refreshes every second without rerunning the rest of the page (a fragment);
    when every job has finished (``rerun="any"``: as soon as one has, for a page
    that uses each as it comes, like Draw), the whole page runs again to show the
    results. The panel is the page's ``st-key-pending_work`` element (one per
    page).

    Work that is finished already gets one rerun, not two in a row: a page that
    lists, again, work whose result it does not show would rerun forever.
    """
    finished = [repr(j.key) for j in pending if j.done()]
    if pending and len(finished) == len(pending):
        if st.session_state.get(_RERAN_FOR) == finished:
            del st.session_state[_RERAN_FOR]
            return
        st.session_state[_RERAN_FOR] = finished
        st.rerun()
    st.session_state.pop(_RERAN_FOR, None)

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
