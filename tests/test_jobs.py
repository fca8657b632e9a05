"""The job scheduler: once per key, light work never queues, heavy work in limits."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from mnist_dash import jobs, refusal, store
from mnist_dash.jobs import BACKGROUND, INTERACTIVE, Job, Scheduler

WAIT = 30  # seconds: a bound for a hung test, never a performance limit
MB = 2**20


def _blocking(started: list[str], name: str, release: threading.Event):
    def compute(job: Job) -> str:
        started.append(name)
        release.wait(WAIT)
        return name

    return compute


def test_one_job_per_key_and_a_failure_is_retried() -> None:
    scheduler = Scheduler(heavy_workers=1)
    calls: list[int] = []

    def failing(job: Job) -> None:
        calls.append(1)
        raise RuntimeError("no network")

    job = scheduler.submit("k", failing, heavy=False)
    with pytest.raises(RuntimeError, match="no network"):
        job.result(WAIT)
    again = scheduler.submit("k", lambda job: "ok", heavy=False)
    assert again is not job and again.result(WAIT) == "ok"
    assert scheduler.submit("k", failing, heavy=False) is again
    assert calls == [1]


def test_light_work_never_waits_for_heavy_work() -> None:
    scheduler = Scheduler(heavy_workers=1)
    release = threading.Event()
    started: list[str] = []
    heavy = scheduler.submit("train", _blocking(started, "train", release), heavy=True)
    queued = scheduler.submit("train 2", lambda job: "t2", heavy=True)
    load = scheduler.submit("load", lambda job: "from disk", heavy=False)
    assert load.result(WAIT) == "from disk"
    assert not heavy.done() and not queued.running
    release.set()
    assert queued.result(WAIT) == "t2"


def test_memory_budget_admits_what_fits() -> None:
    scheduler = Scheduler(heavy_workers=2, memory_budget=400 * MB)
    release = threading.Event()
    started: list[str] = []
    for name, memory in (("small a", 100), ("small b", 100)):
        scheduler.submit(
            name, _blocking(started, name, release), heavy=True, memory=memory * MB
        )
    big = scheduler.submit(
        "big", _blocking(started, "big", release), heavy=True, memory=300 * MB
    )
    _until(lambda: len(started) == 2)
    assert sorted(started) == ["small a", "small b"]
    assert not big.running and scheduler.status() == {"running": 2, "queued": 1}
    release.set()
    assert big.result(WAIT) == "big"
    # A job bigger than the whole budget still runs, alone.
    huge = scheduler.submit("huge", lambda job: "ran", heavy=True, memory=10**12)
    assert huge.result(WAIT) == "ran"


def _on_a_box(resident: list[int], *, budget_mb: int) -> Scheduler:
    """A scheduler on a 690 MB box, the app holding ``resident[0]`` bytes."""
    return Scheduler(
        heavy_workers=2,
        memory_budget=budget_mb * MB,
        memory_limit=690 * MB,
        resident=lambda: resident[0],
    )


def test_a_job_that_would_take_the_app_over_its_boxs_limit_never_runs() -> None:
    """On a box with a memory limit (690 MB on Community Cloud's smallest), a
    job that cannot fit beside the app even alone fails at once, saying why."""
    scheduler = _on_a_box([400 * MB], budget_mb=300)
    ran: list[str] = []
    big = scheduler.submit(
        "fit on 60,000 float64 digits",
        lambda job: ran.append("big"),
        title="Training SGD",
        heavy=True,
        memory=376 * MB,
    )
    with pytest.raises(
        jobs.DoesNotFit, match=r"Training SGD needs about 376 MB.*690 MB"
    ):
        big.result(WAIT)
    fold = scheduler.submit(
        "fold", lambda job: ran.append("fold"), heavy=True, memory=251 * MB
    )
    fold.result(WAIT)
    assert ran == ["fold"]
    # Without a limit the same job runs (alone: it is over the budget).
    free = Scheduler(memory_budget=300 * MB)
    assert (
        free.submit("big", lambda job: "ran", heavy=True, memory=376 * MB).result(WAIT)
        == "ran"
    )


def test_under_a_limit_jobs_wait_until_they_fit_beside_the_running_ones() -> None:
    resident = [300 * MB]
    scheduler = _on_a_box(resident, budget_mb=1000)
    release = threading.Event()
    started: list[str] = []
    first = scheduler.submit(
        "a", _blocking(started, "a", release), heavy=True, memory=250 * MB
    )
    second = scheduler.submit(
        "b", _blocking(started, "b", release), heavy=True, memory=250 * MB
    )
    _until(lambda: started == ["a"])
    assert not second.running  # 300 + 250 + 250 MB would be over 690 MB
    release.set()
    assert first.result(WAIT) == "a" and second.result(WAIT) == "b"
    # The app grew meanwhile: a queued job that no longer fits even alone is
    # refused rather than left waiting for ever.
    release.clear()
    started.clear()
    scheduler.submit("c", _blocking(started, "c", release), heavy=True, memory=200 * MB)
    late = scheduler.submit("d", lambda job: "d", heavy=True, memory=300 * MB)
    _until(lambda: started == ["c"])
    resident[0] = 500 * MB
    release.set()
    with pytest.raises(jobs.DoesNotFit):
        late.result(WAIT)


def test_under_a_limit_a_paused_background_job_still_resumes() -> None:
    """It holds its memory already: however the app grew while it gave way, it
    goes on (else it, and the background work behind it, would wait for ever)."""
    resident = [200 * MB]
    scheduler = _on_a_box(resident, budget_mb=1000)
    release, at_checkpoint, click_release = (threading.Event() for _ in range(3))
    started: list[str] = []

    def book_run(job: Job) -> str:
        at_checkpoint.set()
        release.wait(WAIT)
        job.checkpoint()
        return "book"

    background = scheduler.submit(
        "book", book_run, heavy=True, memory=300 * MB, priority=BACKGROUND
    )
    at_checkpoint.wait(WAIT)
    # 200 + 300 + 250 MB would be over 690 MB: the click waits for the book run.
    click = scheduler.submit(
        "click", _blocking(started, "click", click_release), heavy=True, memory=250 * MB
    )
    assert not click.running
    release.set()  # the book run reaches its checkpoint and gives way
    _until(lambda: started == ["click"])
    resident[0] = 500 * MB  # 500 + 300 MB: over 690 MB, were the book run new
    click_release.set()
    assert click.result(WAIT) == "click"
    assert background.result(WAIT) == "book"


def test_interactive_work_goes_before_background_work() -> None:
    scheduler = Scheduler(heavy_workers=1)
    release = threading.Event()
    order: list[str] = []
    scheduler.submit("first", _blocking(order, "first", release), heavy=True)
    for name, priority in (("book run", BACKGROUND), ("click", INTERACTIVE)):
        scheduler.submit(
            name,
            lambda job, name=name: order.append(name),
            heavy=True,
            priority=priority,
        )
    release.set()
    scheduler.get("book run").result(WAIT)
    assert order == ["first", "click", "book run"]


def test_a_background_job_gives_way_at_its_checkpoint() -> None:
    scheduler = Scheduler(heavy_workers=1)
    order: list[str] = []
    at_checkpoint = threading.Event()
    go_on = threading.Event()

    def long_run(job: Job) -> str:
        order.append("fold 1")
        at_checkpoint.set()
        go_on.wait(WAIT)
        job.checkpoint()  # someone is waiting: let them go first
        order.append("fold 2")
        return "book"

    book = scheduler.submit("book", long_run, heavy=True, priority=BACKGROUND)
    at_checkpoint.wait(WAIT)
    click = scheduler.submit("click", lambda job: order.append("click"), heavy=True)
    assert not click.running
    go_on.set()
    assert book.result(WAIT) == "book"
    assert order == ["fold 1", "click", "fold 2"]


def test_background_work_leaves_a_worker_free() -> None:
    scheduler = Scheduler(heavy_workers=2)
    release = threading.Event()
    started: list[str] = []
    for name in ("book raw", "book scaled"):
        scheduler.submit(
            name, _blocking(started, name, release), heavy=True, priority=BACKGROUND
        )
    click = scheduler.submit("click", lambda job: "at once", heavy=True)
    assert click.result(WAIT) == "at once"
    assert started == ["book raw"]  # the second book run waits for the first
    release.set()
    scheduler.get("book scaled").result(WAIT)


def test_asking_for_a_queued_background_job_moves_it_up() -> None:
    scheduler = Scheduler(heavy_workers=1)
    release = threading.Event()
    order: list[str] = []
    scheduler.submit("first", _blocking(order, "first", release), heavy=True)
    scheduler.submit(
        "book", lambda job: order.append("book"), heavy=True, priority=BACKGROUND
    )
    scheduler.submit("other", lambda job: order.append("other"), heavy=True)
    # A visitor now waits for the book run itself: it becomes interactive work,
    # and it was asked for before "other".
    scheduler.submit("book", lambda job: None, heavy=True, priority=INTERACTIVE)
    release.set()
    scheduler.get("other").result(WAIT)
    scheduler.get("book").result(WAIT)
    assert order == ["first", "book", "other"]


def test_progress_and_an_honest_estimate() -> None:
    scheduler = Scheduler(heavy_workers=1)
    release = threading.Event()
    reported = threading.Event()

    def compute(job: Job) -> None:
        job.progress(0.25, "fold 1 of 3")
        reported.set()
        release.wait(WAIT)

    job = scheduler.submit("cv", compute, heavy=True)
    reported.wait(WAIT)
    assert (job.fraction, job.message) == (0.25, "fold 1 of 3")
    assert job.seconds_left() is None  # too early to say
    job._started -= 30  # as if it had run for 30 s to reach a quarter
    assert job.seconds_left() == pytest.approx(90, rel=0.05)
    release.set()
    job.result(WAIT)
    assert job.seconds_left() is None


def _until(condition, timeout: float = WAIT) -> None:
    done = threading.Event()
    for _ in range(int(timeout * 100)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("condition never became true")


def test_each_job_start_is_traced_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("MNIST_DASH_TRACE", str(trace))
    scheduler = Scheduler(heavy_workers=1)
    scheduler.submit(("model", "sample", "sgd", 5), lambda job: 1, heavy=True)
    scheduler.submit(("data", "sample"), lambda job: 2, heavy=False).result(WAIT)
    scheduler.get(("model", "sample", "sgd", 5)).result(WAIT)
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    assert sorted(event["key"] for event in events) == [
        "('data', 'sample')",
        "('model', 'sample', 'sgd', 5)",
    ]
    assert {event["event"] for event in events} == {"job"}


def test_memory_is_handed_back_after_each_heavy_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trims: list[int] = []
    monkeypatch.setattr(jobs, "_malloc_trim", trims.append)
    scheduler = Scheduler(heavy_workers=1)
    scheduler.submit("read", lambda job: 1, heavy=False).result(WAIT)
    assert trims == []  # a disk read frees little
    scheduler.submit("fit", lambda job: 2, heavy=True).result(WAIT)
    scheduler.submit("failing fit", lambda job: 1 / 0, heavy=True).future.exception(
        WAIT
    )
    assert trims == [0, 0]


def test_handing_memory_back_works_here() -> None:
    jobs.give_back_memory()  # glibc's malloc_trim, or nothing where there is none


# -- heavy jobs in child processes ----------------------------------------------

needs_fork = pytest.mark.skipif(not jobs.CAN_FORK, reason="this platform cannot fork")


def _wait_for_file(path: Path) -> None:
    """In a child process: wait until the test (the parent) creates ``path``."""
    for _ in range(WAIT * 100):
        if path.exists():
            return
        time.sleep(0.01)
    raise TimeoutError(f"{path} never appeared")


@needs_fork
def test_a_heavy_job_computes_in_a_child_process_and_reports_progress(
    tmp_path: Path,
) -> None:
    scheduler = Scheduler(heavy_workers=1, processes=True)
    go = tmp_path / "go"
    data = np.arange(10)  # the child sees the parent's arrays, copied on write

    def compute(job: Job) -> tuple[int, int, int, int | None]:
        job.progress(0.5, "half way")
        _wait_for_file(go)
        policy = os.sched_getscheduler(0) if hasattr(os, "SCHED_IDLE") else None
        return os.getpid(), int(data.sum()), os.nice(0), policy

    job = scheduler.submit("fit", compute, heavy=True)
    assert job.isolate
    _until(lambda: job.message == "half way")
    assert job.fraction == 0.5 and not job.done()
    go.touch()
    pid, total, niceness, policy = job.result(WAIT)
    assert pid != os.getpid() and total == 45
    # Below the server's priority: its page scripts go first on busy cores,
    # preempting the job at once where the system has an idle policy.
    assert niceness == min(os.nice(0) + jobs.CHILD_NICENESS, 19)
    if hasattr(os, "SCHED_IDLE"):
        assert policy == os.SCHED_IDLE
        assert os.sched_getscheduler(0) != os.SCHED_IDLE  # the server's own
    # Light work, and heavy work that opts out, stay in this process.
    light = scheduler.submit("read", lambda job: os.getpid(), heavy=False)
    here = scheduler.submit("copy", lambda job: os.getpid(), heavy=True, isolate=False)
    assert light.result(WAIT) == here.result(WAIT) == os.getpid()
    assert not here.isolate


@needs_fork
def test_a_childs_error_reaches_every_waiter_and_is_retried() -> None:
    scheduler = Scheduler(heavy_workers=1, processes=True)

    def failing(job: Job) -> None:
        raise ValueError("the folds need two classes")

    job = scheduler.submit("cv", failing, heavy=True)
    with pytest.raises(ValueError, match="the folds need two classes"):
        job.result(WAIT)

    class Unpicklable(Exception):
        def __reduce__(self):
            raise TypeError("cannot pickle this")

    def odd(job: Job) -> None:
        raise Unpicklable("lost in transit")

    with pytest.raises(RuntimeError, match="Unpicklable: lost in transit"):
        scheduler.submit("odd", odd, heavy=True).result(WAIT)
    with pytest.raises(RuntimeError, match="pickle"):
        scheduler.submit("lambda", lambda job: lambda: 1, heavy=True).result(WAIT)
    scheduler.forget_failed(job)
    assert scheduler.submit("cv", lambda job: "ok", heavy=True).result(WAIT) == "ok"


@needs_fork
def test_a_killed_child_is_an_error_not_a_hang() -> None:
    scheduler = Scheduler(heavy_workers=1, processes=True)

    def killed(job: Job) -> None:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel does out of memory

    with pytest.raises(jobs.ChildProcessDied, match="exit code -9"):
        scheduler.submit("big", killed, heavy=True).result(WAIT)
    assert scheduler.status() == {"running": 0, "queued": 0}


@needs_fork
def test_a_child_at_its_checkpoint_gives_way_to_interactive_work(
    tmp_path: Path,
) -> None:
    scheduler = Scheduler(heavy_workers=1, processes=True)
    go = tmp_path / "go"
    order = tmp_path / "order"

    def book_run(job: Job) -> None:
        with order.open("a") as out:
            out.write("fold 1\n")
        _wait_for_file(go)
        job.checkpoint()
        with order.open("a") as out:
            out.write("fold 2\n")

    def visitor(job: Job) -> None:
        with order.open("a") as out:
            out.write("visitor\n")

    book = scheduler.submit("book", book_run, heavy=True, priority=BACKGROUND)
    _until(lambda: order.exists())
    waiting = scheduler.submit("visitor", visitor, heavy=True)
    go.touch()
    waiting.result(WAIT)
    book.result(WAIT)
    assert order.read_text().split("\n")[:3] == ["fold 1", "visitor", "fold 2"]


@needs_fork
def test_a_child_does_not_wait_on_a_lock_another_thread_held_at_the_fork() -> None:
    """Forked from a server whose other threads may hold the store's, the
    refusal's or the trace's locks: the child starts with its own."""
    scheduler = Scheduler(heavy_workers=1, processes=True)
    held = [store._folders_guard, refusal._memo_guard, jobs._trace_guard]
    for lock in held:
        lock.acquire()
    try:

        def compute(job: Job) -> list[bool]:
            # What the child's code finds under these names: fresh locks.
            free = [store._folders_guard, refusal._memo_guard, jobs._trace_guard]
            taken = [lock.acquire(timeout=5) for lock in free]
            for lock in free:
                lock.release()
            store.status()  # takes the store's lock again
            return taken

        assert scheduler.submit("fit", compute, heavy=True).result(WAIT) == [True] * 3
    finally:
        for lock in held:
            lock.release()


@needs_fork
def test_a_child_does_not_keep_the_servers_connections_open(tmp_path: Path) -> None:
    """A connection the server closes is closed, even while a job process runs."""
    scheduler = Scheduler(heavy_workers=1, processes=True)
    server_end, browser_end = socket.socketpair()
    go = tmp_path / "go"
    job = scheduler.submit("fit", lambda job: _wait_for_file(go), heavy=True)
    try:
        _until(lambda: job.running)
        time.sleep(0.5)  # the child is forked by now, holding what it inherited
        server_end.close()
        browser_end.settimeout(WAIT)
        assert browser_end.recv(1) == b""  # the end of the connection, at once
        assert not job.done()
    finally:
        go.touch()
        browser_end.close()
    job.result(WAIT)


_HOARDING = """
import sys
import numpy as np
from mnist_dash import jobs

if sys.argv[1] == "fixed":
    assert jobs.keep_malloc_from_hoarding()

def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

big = np.ones(20 * 2**20 // 8)
del big  # by default, glibc's mmap threshold rises to 20 MB here
start = rss_mb()
kept = []
for _ in range(100):
    kept.append(np.ones(2**20 // 4))  # 2 MB
    kept.append(np.ones(8192))  # a 64 kB block after it, still in use
del kept[::2]  # the 2 MB arrays go; the small blocks between them stay
print(rss_mb() - start)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_freed_arrays_go_back_to_the_system() -> None:
    """With the threshold fixed, arrays of a few MB get pages of their own and
    hand them back when freed; by default glibc keeps them in its heap."""
    import subprocess
    import sys

    def grown(mode: str) -> float:
        out = subprocess.run(
            [sys.executable, "-c", _HOARDING, mode],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        return float(out.stdout)

    default, fixed = grown("default"), grown("fixed")
    assert default > 150  # the 200 MB freed stayed in the process
    assert fixed < 20
