"""The job scheduler: once per key, light work never queues, heavy work in limits."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from mnist_dash import jobs
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
