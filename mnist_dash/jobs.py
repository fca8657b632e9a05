"""Run each computation once per process, in the background, without starving anyone.

Streamlit serves every visitor from threads of one process, and a visitor's click
stops their page script at once. So every computation (a load, a training, a
cross-validation) runs in a worker thread of its own, once per key for the whole
process; page scripts only look at its progress, and a rerun finds the same job.

Two kinds of work never wait for each other:

* **light** work (reading a dataset or a stored model or result from disk) runs
  on a pool of its own and never queues behind a training;
* **heavy** work (fitting, cross-validating, scoring) is admitted by a
  :class:`Scheduler` that runs at most ``heavy_workers`` jobs at once and keeps
  their estimated memory within ``memory_budget`` (a job too big for the budget
  runs alone). Queued jobs go by priority, then arrival: :data:`INTERACTIVE`
  (someone is waiting for it) before :data:`BACKGROUND` (the book's long runs,
  shown when ready), and background jobs never take the last worker. A
  background job that reaches a checkpoint
  (:meth:`Job.checkpoint`, between two folds) gives its place to waiting
  interactive jobs and resumes after them.

With ``processes=True`` a heavy job computes in a child process forked from
this one (:func:`run_in_child`): the child shares the parent's arrays (copy on
write), reports progress and checkpoints through a pipe, sends its result back
pickled and exits, so its Python-level work never holds the server's GIL and
its working copies go back to the system the moment it ends. A job can opt
out (``isolate=False``): a fit that only copies the digits would cost more to
send back than to do.

Nothing here imports Streamlit: :mod:`mnist_dash.ui` draws the progress.

Example
-------
>>> scheduler = Scheduler(heavy_workers=1, memory_budget=2**30)
>>> job = scheduler.submit(("square", 7), lambda job: 7 * 7, heavy=True)
>>> job.result(timeout=5)
49
>>> scheduler.submit(("square", 7), lambda job: 0, heavy=True) is job
True
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from mnist_dash import forksafe

__all__ = [
    "BACKGROUND",
    "CAN_FORK",
    "ChildProcessDied",
    "DoesNotFit",
    "INTERACTIVE",
    "Job",
    "Scheduler",
    "give_back_memory",
    "keep_malloc_from_hoarding",
    "resident_bytes",
    "run_in_child",
    "trace",
]

_trace_guard = forksafe.Lock()


def trace(event: str, **fields: Any) -> None:
    """Append one JSON line to ``$MNIST_DASH_TRACE``, if set (for the load bench).

    Each job's start is traced, so a benchmark can count how often each
    computation ran; :mod:`mnist_dash.ui` traces each page run's duration.
    """
    path = os.environ.get("MNIST_DASH_TRACE")
    if not path:
        return
    line = json.dumps({"event": event, "time": time.time(), **fields})
    with _trace_guard, open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")


def _find_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on other C libraries."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return libc.malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


_malloc_trim = _find_malloc_trim()

#: glibc's ``mallopt`` parameters (``malloc.h``).
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8
#: Blocks from this size up get pages of their own, handed back when freed.
MMAP_THRESHOLD = 128 * 1024
#: Heaps glibc may keep for the threads that allocate (its default: 8 per core).
ARENA_MAX = 2


def keep_malloc_from_hoarding() -> bool:
    """Make glibc hand freed memory back to the system rather than keep it.

    By default glibc raises its mmap threshold to the size of any large block
    freed (up to 32 MB): after a few arrays come and go, arrays of a few MB are
    carved out of its heaps, and what is freed there stays in the process.
    It also keeps a heap per allocating thread, up to 16 on two cores, each
    holding its own free blocks. The threshold is fixed here at 128 kB, glibc's
    own starting value, and the heaps at two. Returns whether glibc took both
    (False on other C libraries, which are left as they are). See the README's
    "Load and memory" for what it saves.
    """
    import ctypes
    import ctypes.util

    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    threshold = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    arenas = mallopt(_M_ARENA_MAX, ARENA_MAX)
    return threshold == 1 and arenas == 1


def give_back_memory() -> None:
    """Hand memory freed by the last computation back to the system, if we can.

    A heavy job frees its working copies when it ends, but glibc keeps freed
    blocks below its (self-raising) mmap threshold in its heaps, one per thread
    that allocated, and each job runs in a thread of its own. Measured at full
    scale (``bench/memory_steps.py``), a process that did the pages'
    computations one after the other grew by 108 MB beyond full MNIST without
    ``malloc_trim``, and by 47 MB with it.
    """
    if _malloc_trim is not None:
        _malloc_trim(0)


#: Whether heavy jobs can run in forked child processes here (not on Windows).
CAN_FORK = "fork" in multiprocessing.get_all_start_methods()


#: How much lower a job process's CPU priority is than the server's.
CHILD_NICENESS = 5


def _step_aside() -> None:
    """Lower this (job) process below the server's threads on the cores.

    Niceness alone does not do it on Linux's EEVDF scheduler (6.6 and later): a
    server thread that wakes (a page run takes and gives back the GIL, sends
    each element...) waits for a running job's time slice to end, each time.
    Measured under the load bench, a Draw stroke's run used 5 ms of CPU and
    waited a median 26 ms (p95 385) ready to run with no core. A process
    under the ``SCHED_IDLE`` policy is preempted at once by any normal one; it
    still has every cycle the server leaves, which is most of them.
    """
    os.nice(CHILD_NICENESS)
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


class ChildProcessDied(RuntimeError):
    """The process computing a job ended without a result (killed, or crashed)."""


class DoesNotFit(MemoryError):
    """A heavy job would take the app over the memory limit of its box.

    Raised to whoever waits for the job, which is never run: the app would be
    stopped for everyone (Streamlit Community Cloud stops an app over its
    limit). Its message says what was asked, how much it needs and how much
    there is, for the page to show.
    """


def resident_bytes() -> int:
    """This process's resident memory (``VmRSS``), or 0 where it is unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _die_with_parent() -> None:
    """Ask Linux to stop this process when the thread that forked it ends (best
    effort): that thread waits for the child's result, so it ends last, or
    with the server."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _sendable(error: BaseException) -> BaseException:
    """``error`` if it survives pickling, else a RuntimeError saying the same."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any unpicklable error is described instead
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _forget_the_servers_signals() -> None:
    """Default signal handling in a child forked from the server.

    The server's event loop may be woken by signals through a descriptor the
    child inherits: a signal sent to the child alone must not reach the server.
    """
    try:
        signal.set_wakeup_fd(-1)
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_DFL)
    except ValueError:  # not the main thread: nothing to undo
        pass


def _close_the_servers_files(keep: int) -> None:
    """Close every descriptor the child inherited but 0-2 and ``keep``.

    The server's sockets and its event loop's epoll instance must not live on in
    the child: a connection the server closes would stay open (and registered
    in the server's epoll, which the child shares) until the child ends, and the
    event loop would spin on it. The computation opens what it needs itself.
    """
    try:
        found = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: close by range instead
        os.closerange(3, keep)
        os.closerange(keep + 1, 4096)
        return
    for fd in found:
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:  # the listing's own descriptor, closed already
                pass


def _child_main(job: Job, pipe: Any) -> None:
    """What the forked child runs: the job's computation, reported on ``pipe``."""
    _die_with_parent()
    _forget_the_servers_signals()
    _close_the_servers_files(keep=pipe.fileno())
    # The server's objects, inherited, stay out of this process's garbage
    # collections: a collection writes to every object it visits, which would
    # copy the server's pages into this process (copy on write).
    gc.freeze()
    # The server's event loop and page scripts go first when the cores are
    # busy: a visitor's click waits for nobody's training.
    _step_aside()
    job._pipe = pipe
    try:
        result = job._compute(job)
    except BaseException as error:  # noqa: BLE001 - sent to the parent
        pipe.send(("error", _sendable(error)))
        return
    try:
        pipe.send(("result", result))
    except Exception as error:  # noqa: BLE001 - say why it could not be sent
        reason = RuntimeError(f"its result could not be sent back: {error}")
        pipe.send(("error", reason))


def run_in_child(job: Job) -> Any:
    """Compute ``job`` in a child process forked from this one; its result.

    The child sees this process's memory as it was at the fork (the datasets
    and models are shared, copy on write), sends progress and checkpoints
    through a pipe, then its result or error, and exits. This thread waits on
    the pipe without holding the GIL. Raises the child's error, or
    :class:`ChildProcessDied` when the child ends without a word (say, killed
    for memory).
    """
    context = multiprocessing.get_context("fork")
    here, there = context.Pipe(duplex=True)
    process = context.Process(
        target=_child_main, args=(job, there), name=f"job-{job._seq}", daemon=True
    )
    process.start()
    there.close()
    try:
        while True:
            try:
                message = here.recv()
            except EOFError:
                process.join()
                raise ChildProcessDied(
                    f"its process ended without a result (exit code {process.exitcode})"
                ) from None
            if message[0] == "progress":
                job.fraction, job.message = message[1], message[2]
            elif message[0] == "checkpoint":
                if job.heavy and job.priority == BACKGROUND:
                    job._scheduler._yield(job)
                here.send("go")
            elif message[0] == "result":
                return message[1]
            else:
                raise message[1]
    finally:
        here.close()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()


#: Priority of work someone is waiting for.
INTERACTIVE = 0
#: Priority of long work that pages show when it is ready.
BACKGROUND = 1


class Job:
    """One computation: its progress, its result, and its place in the queue.

    Attributes
    ----------
    key : hashable
        What it computes; one job per key per scheduler.
    title : str
        What it is, for people ("Cross-validating …").
    heavy : bool
        Admitted by the scheduler (else run at once on the light pool).
    memory : int
        Estimated peak bytes, for admission.
    priority : int
        :data:`INTERACTIVE` or :data:`BACKGROUND`.
    fraction, message : float, str
        The latest progress report.
    """

    def __init__(
        self,
        scheduler: Scheduler,
        key: Hashable,
        compute: Callable[[Job], Any],
        *,
        title: str,
        heavy: bool,
        memory: int,
        priority: int,
        isolate: bool = False,
    ) -> None:
        self.key = key
        self.title = title
        self.heavy = heavy
        self.isolate = isolate
        self.memory = int(memory)
        self.priority = priority
        self.fraction = 0.0
        self.message = "Waiting for its turn" if heavy else "Starting"
        self.future: Future[Any] = Future()
        self._scheduler = scheduler
        self._compute = compute
        self._seq = 0
        self._started: float | None = None
        self._admitted = threading.Event()
        # In a child process (see run_in_child): the pipe to the parent's job.
        self._pipe: Any = None
        self._last_sent = 0.0

    # -- progress ----------------------------------------------------------------

    def progress(self, fraction: float, message: str) -> None:
        """``progress(fraction, message)`` for the core functions."""
        self.fraction = min(max(float(fraction), 0.0), 1.0)
        self.message = message
        if self._pipe is not None:
            now = time.monotonic()
            # A few reports a second are all a progress bar shows.
            if now - self._last_sent >= 0.1:
                self._last_sent = now
                self._pipe.send(("progress", self.fraction, message))

    #: A job is its own progress callback: ``compute(job)`` can hand ``job`` to
    #: any core function that takes ``progress=``.
    __call__ = progress

    @property
    def running(self) -> bool:
        """Started and not finished."""
        return self._started is not None and not self.future.done()

    @property
    def elapsed(self) -> float:
        """Seconds since it started (0 while queued)."""
        return 0.0 if self._started is None else time.monotonic() - self._started

    def seconds_left(self) -> float | None:
        """An estimate from the pace so far, or None until there is one.

        Given once the job has run 3 s and reported 2 % of its work, as
        ``elapsed * (1 - fraction) / fraction``: honest about what it knows.
        """
        if not self.running or self.fraction < 0.02 or self.elapsed < 3.0:
            return None
        return self.elapsed * (1.0 - self.fraction) / self.fraction

    # -- result ------------------------------------------------------------------

    def done(self) -> bool:
        """Finished, with a result or an error."""
        return self.future.done()

    def ok(self) -> bool:
        """Finished with a result."""
        return self.future.done() and self.future.exception() is None

    def result(self, timeout: float | None = None) -> Any:
        """The result, waiting up to ``timeout`` seconds; raises its error."""
        return self.future.result(timeout=timeout)

    # -- scheduling ----------------------------------------------------------------

    def checkpoint(self) -> None:
        """Give way to waiting interactive jobs, if this is a background one.

        Called by the job's own thread at a point where it holds little memory
        (between two folds). Returns at once when nobody is waiting.
        """
        if self._pipe is not None:
            # In a child: the parent's job gives way, and says when to go on.
            self._pipe.send(("checkpoint",))
            self._pipe.recv()
        elif self.heavy and self.priority == BACKGROUND:
            self._scheduler._yield(self)

    def _run(self) -> None:
        if not self.future.set_running_or_notify_cancel():
            return
        self._started = time.monotonic()
        trace("job", key=repr(self.key), heavy=self.heavy, priority=self.priority)
        try:
            result = self._compute_then_give_back()
        except BaseException as error:  # noqa: BLE001 - handed to every waiter
            self.future.set_exception(error)
        else:
            self.future.set_result(result)
        finally:
            if self.heavy:
                self._scheduler._release(self)

    def _compute_then_give_back(self) -> Any:
        if self.isolate:  # its working copies die with its process
            return run_in_child(self)
        try:
            return self._compute(self)
        finally:
            if self.heavy:
                # The working copies are freed by now: hand them back before
                # anyone learns the job is done (or the next job starts).
                give_back_memory()


class Scheduler:
    """Runs jobs once per key: light ones at once, heavy ones within limits.

    Parameters
    ----------
    light_workers : int
        Threads for light work (disk reads).
    heavy_workers : int
        Heavy jobs running at once, at most.
    memory_budget : int
        Bytes that running heavy jobs may use together, by their estimates.
    memory_limit : int, optional
        Bytes the whole app may hold: the box's memory limit. A heavy job is
        admitted only while this process's resident memory (``resident()``),
        the running jobs' estimates and its own stay within it; one that would
        not fit even alone fails at once with :class:`DoesNotFit`. None: no
        limit, and a job too big for the budget runs alone.
    resident : callable
        This process's resident memory in bytes (:func:`resident_bytes`).
    headroom : int
        Bytes of the limit kept for this process's own growth while a job runs
        (pages drawn meanwhile, the job's result coming back).
    processes : bool
        Compute heavy jobs in forked child processes (see :func:`run_in_child`),
        where the platform can fork; a job submitted with ``isolate=False``
        still computes in a thread of this process.
    """

    def __init__(
        self,
        *,
        light_workers: int = 4,
        heavy_workers: int = 2,
        memory_budget: int = 400 * 2**20,
        memory_limit: int | None = None,
        resident: Callable[[], int] = resident_bytes,
        headroom: int = 0,
        processes: bool = False,
    ) -> None:
        self.heavy_workers = heavy_workers
        self.memory_budget = memory_budget
        self.memory_limit = memory_limit
        self.headroom = headroom
        self._resident = resident
        self.processes = processes and CAN_FORK
        self._light = ThreadPoolExecutor(light_workers, thread_name_prefix="light")
        self._jobs: dict[Hashable, Job] = {}
        self._queue: list[Job] = []
        self._running: list[Job] = []
        self._lock = threading.Condition()
        self._counter = itertools.count()

    def get(self, key: Hashable) -> Job | None:
        """The job for ``key``, if one was submitted and did not fail."""
        with self._lock:
            return self._jobs.get(key)

    def submit(
        self,
        key: Hashable,
        compute: Callable[[Job], Any],
        *,
        title: str = "",
        heavy: bool,
        memory: int = 0,
        priority: int = INTERACTIVE,
        isolate: bool = True,
    ) -> Job:
        """The job for ``key``: the one already known, or a new one started.

        A heavy job computes in a child process when the scheduler has
        ``processes`` and ``isolate`` is true. A job that failed is forgotten
        when its error is seen (see :meth:`forget_failed`), so the next submit
        tries again. Asking for a queued background job with
        :data:`INTERACTIVE` priority moves it up.
        """
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                if job.done() and not job.ok():
                    del self._jobs[key]
                else:
                    if priority < job.priority and job in self._queue:
                        job.priority = priority
                        self._dispatch()
                    return job
            job = Job(
                self,
                key,
                compute,
                title=title,
                heavy=heavy,
                memory=memory,
                priority=priority,
                isolate=heavy and isolate and self.processes,
            )
            self._jobs[key] = job
            if heavy and not self.fits_on_box(job.memory):
                self._refuse(job)
            elif heavy:
                self._enqueue(job)
                self._dispatch()
            else:
                self._light.submit(job._run)
            return job

    def forget_failed(self, job: Job) -> None:
        """Drop a failed job, so that the next submit of its key starts again."""
        with self._lock:
            if self._jobs.get(job.key) is job and job.done() and not job.ok():
                del self._jobs[job.key]

    def forget(self, predicate: Callable[[Hashable], bool]) -> int:
        """Drop the finished jobs whose key matches, to free their results."""
        with self._lock:
            keys = [k for k, j in self._jobs.items() if j.done() and predicate(k)]
            for key in keys:
                del self._jobs[key]
            return len(keys)

    def running_memory(self) -> int:
        """Estimated bytes held by the heavy jobs running now."""
        with self._lock:
            return sum(job.memory for job in self._running)

    def status(self) -> dict[str, int]:
        """How many heavy jobs run and wait, for a health line."""
        with self._lock:
            return {"running": len(self._running), "queued": len(self._queue)}

    # -- internals, called with self._lock held unless said otherwise ------------

    def _enqueue(self, job: Job) -> None:
        job._seq = next(self._counter)
        self._queue.append(job)

    def _fits(self, job: Job) -> bool:
        if len(self._running) >= self.heavy_workers:
            return False
        if job.priority == BACKGROUND and self.heavy_workers > 1:
            # Background work never takes the last worker: someone who comes
            # to a page and waits always finds one free.
            background = sum(j.priority == BACKGROUND for j in self._running)
            if background >= self.heavy_workers - 1:
                return False
        used = sum(j.memory for j in self._running)
        # A paused job holds its memory already (in its process): it resumes
        # within the budget alone, never waiting for room it has.
        if self.memory_limit is not None and job._started is None:
            app = self._resident() + self.headroom + used
            if app + job.memory > self.memory_limit:
                return False
        return not self._running or used + job.memory <= self.memory_budget

    def fits_on_box(self, memory: int) -> bool:
        """Whether a job needing ``memory`` bytes fits under the memory limit
        (with the headroom) beside this process as it is now, alone."""
        return (
            self.memory_limit is None
            or self._resident() + self.headroom + memory <= self.memory_limit
        )

    def _refuse(self, job: Job) -> None:
        """Fail ``job`` with :class:`DoesNotFit`, without running it."""
        mb = 2**20
        limit = self.memory_limit or 0
        trace("refused", key=repr(job.key), memory=job.memory)
        job.future.set_running_or_notify_cancel()
        job.future.set_exception(
            DoesNotFit(
                f"{job.title or 'This computation'} needs about "
                f"{job.memory / mb:,.0f} MB, and this app holds "
                f"{self._resident() / mb:,.0f} MB (and keeps "
                f"{self.headroom / mb:,.0f} MB free for its pages) of the "
                f"{limit / mb:,.0f} MB its box allows (more, and the box stops "
                "the app for everyone)"
            )
        )

    def _dispatch(self) -> None:
        self._queue.sort(key=lambda j: (j.priority, j._seq))
        # The app may have grown since a job was queued: one that no longer
        # fits even alone would wait for ever.
        if not self._running:
            unfit = [
                j
                for j in self._queue
                if j._started is None and not self.fits_on_box(j.memory)
            ]
            for job in unfit:
                self._queue.remove(job)
                self._refuse(job)
        while self._queue and self._fits(self._queue[0]):
            job = self._queue.pop(0)
            self._running.append(job)
            job.message = "Starting"
            if job._started is None:
                # A thread per admitted job, not a fixed pool: a background job
                # paused at a checkpoint keeps its thread, and must not keep a
                # pool slot from the job that was admitted in its place.
                threading.Thread(
                    target=job._run, name=f"heavy-{job._seq}", daemon=True
                ).start()
            else:  # a background job resuming after a checkpoint
                job._admitted.set()
        self._lock.notify_all()

    def _release(self, job: Job) -> None:
        with self._lock:
            if job in self._running:
                self._running.remove(job)
            self._dispatch()

    def _yield(self, job: Job) -> None:
        """Called by a running background job's own thread at a checkpoint."""
        with self._lock:
            waiting = any(j.priority < job.priority for j in self._queue)
            if not waiting:
                return
            self._running.remove(job)
            job._admitted.clear()
            message = job.message
            job.message = "Paused for shorter work; resumes after it"
            self._enqueue(job)
            self._dispatch()
        job._admitted.wait()
        job.message = message
