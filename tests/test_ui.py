"""ui's memo: one computation per key, surviving a page script that is stopped."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.runtime.scriptrunner import RerunData, RerunException, StopException

from mnist_dash import jobs, ui
from mnist_dash.ui import session, work


class ScriptStopped(BaseException):
    """Stands in for Streamlit's StopException/RerunException (BaseExceptions)."""


@pytest.fixture
def quiet_bar(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, str]]:
    """A progress bar that records instead of drawing."""
    drawn: list[tuple[float, str]] = []

    @contextmanager
    def bar(text: str, **kwargs: object) -> Iterator[Callable[[float, str], None]]:
        yield lambda fraction, message: drawn.append((fraction, message))

    monkeypatch.setattr(work, "progress_bar", bar)
    return drawn


def test_a_stopped_page_does_not_restart_the_computation(
    monkeypatch: pytest.MonkeyPatch, quiet_bar: list[tuple[float, str]]
) -> None:
    started: list[int] = []
    release = threading.Event()

    def compute(progress: Callable[[float, str], None]) -> str:
        started.append(1)
        progress(0.5, "half way")
        release.wait(timeout=30)
        return "trained"

    @contextmanager
    def stopping_bar(
        text: str, **kwargs: object
    ) -> Iterator[Callable[[float, str], None]]:
        def update(fraction: float, message: str) -> None:
            raise ScriptStopped  # the user clicked: Streamlit stops the script

        yield update

    key = ("test", "stopped page")
    monkeypatch.setattr(work, "progress_bar", stopping_bar)
    with pytest.raises(ScriptStopped):
        ui._memoised(key, compute, title="Training")
    assert not ui.is_ready("test", "stopped page")

    # The rerun waits on the same computation instead of starting another.
    monkeypatch.setattr(
        work, "progress_bar", lambda text, **kwargs: _recording(quiet_bar)
    )
    release.set()
    assert ui._memoised(key, compute, title="Training") == "trained"
    assert ui._memoised(key, compute, title="Training") == "trained"
    assert started == [1]
    assert ui.is_ready("test", "stopped page")


@contextmanager
def _recording(drawn: list) -> Iterator[Callable[[float, str], None]]:
    yield lambda fraction, message: drawn.append((fraction, message))


def test_a_failed_computation_is_retried(quiet_bar: list[tuple[float, str]]) -> None:
    attempts: list[int] = []

    def flaky(progress: Callable[[float, str], None]) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise TimeoutError("the network timed out")
        return 42

    key = ("test", "flaky")
    with pytest.raises(TimeoutError, match="timed out"):
        ui._memoised(key, flaky, title="Downloading")
    assert not ui.is_ready("test", "flaky")
    assert ui._memoised(key, flaky, title="Downloading") == 42
    assert len(attempts) == 2


def test_concurrent_callers_share_one_computation(
    quiet_bar: list[tuple[float, str]],
) -> None:
    calls: list[int] = []
    gate = threading.Event()

    def slow(progress: Callable[[float, str], None]) -> str:
        calls.append(1)
        gate.wait(timeout=30)
        return "done"

    results: list[str] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                ui._memoised(("test", "shared"), slow, title="Working")
            )
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join()
    assert results == ["done"] * 4
    assert calls == [1]


@pytest.mark.parametrize(
    ("raised", "outcome"),
    [
        (None, "done"),
        (StopException(), "stopped"),
        (RerunException(RerunData()), "rerun"),
        (ValueError("a bug"), "error"),
    ],
)
def test_each_page_run_is_traced_with_how_it_ended(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    raised: BaseException | None,
    outcome: str,
) -> None:
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("MNIST_DASH_TRACE", str(trace))

    class Page:
        url_path = "draw"

        def run(self) -> None:
            if raised is not None:
                raise raised

    if raised is None:
        ui.run_page(Page())
    else:
        with pytest.raises(type(raised)):
            ui.run_page(Page())
    (event,) = [json.loads(line) for line in trace.read_text().splitlines()]
    assert event["event"] == "run" and event["page"] == "draw"
    assert event["outcome"] == outcome and event["seconds"] >= 0


def test_a_run_traces_its_threads_cpu_time_apart_from_its_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that waits (here, asleep) has a duration but almost no CPU time;
    one that computes has both: the load bench tells waiting from working."""
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("MNIST_DASH_TRACE", str(trace))

    def busy() -> None:
        cpu = time.thread_time()
        while time.thread_time() - cpu < 0.2:
            pass

    ui.run_page(SimpleNamespace(url_path="waits", run=lambda: time.sleep(0.2)))
    ui.run_page(SimpleNamespace(url_path="works", run=busy))
    waits, works = [json.loads(line) for line in trace.read_text().splitlines()]
    assert waits["seconds"] >= 0.2 and waits["cpu_s"] < waits["seconds"] / 4
    assert works["cpu_s"] >= 0.2 and works["seconds"] >= works["cpu_s"]
    if Path("/proc/thread-self/schedstat").exists():  # Linux: time with no core
        assert 0 <= works["queued_s"] <= works["seconds"] - works["cpu_s"] + 0.01
    else:
        assert works["queued_s"] is None


def test_the_home_page_is_traced_as_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("MNIST_DASH_TRACE", str(trace))
    ui.run_page(SimpleNamespace(url_path="", run=lambda: None))
    assert json.loads(trace.read_text())["page"] == "home"


def test_the_server_runs_one_blas_thread_per_heavy_job() -> None:
    import threadpoolctl

    blas = threadpoolctl.threadpool_info()
    assert [info["num_threads"] for info in blas if info["user_api"] == "blas"]
    assert all(info["num_threads"] == 1 for info in blas if info["user_api"] == "blas")


@pytest.mark.skipif(not jobs.CAN_FORK, reason="this platform cannot fork")
def test_the_servers_heavy_work_computes_in_a_process_of_its_own(
    quiet_bar: list[tuple[float, str]],
) -> None:
    """A training's Python-level work must not hold the server's GIL."""
    assert ui._scheduler.processes
    here = os.getpid()
    heavy = ui._memoised(
        ("test", "pid heavy"), lambda job: os.getpid(), title="Fit", heavy=True
    )
    light = ui._memoised(("test", "pid light"), lambda job: os.getpid(), title="Read")
    kept = ui._memoised(
        ("test", "pid kept"),
        lambda job: os.getpid(),
        title="Copy",
        heavy=True,
        isolate=False,
    )
    assert heavy != here and light == here and kept == here


@pytest.mark.parametrize("fragments", [None, [], ["board"]])
def test_a_fragments_own_rerun_is_traced_as_a_run_of_its_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fragments: list[str] | None
) -> None:
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("MNIST_DASH_TRACE", str(trace))
    context = SimpleNamespace(fragment_ids_this_run=fragments)
    monkeypatch.setattr(session, "get_script_run_ctx", lambda: context)
    with ui.fragment_run("draw"):
        pass
    lines = trace.read_text().splitlines() if trace.exists() else []
    events = [json.loads(line) for line in lines]
    if fragments:  # a whole page's run is traced by run_page, not here
        (event,) = events
        assert event["page"] == "draw" and event["outcome"] == "done"
    else:
        assert events == []


def _result_if_ready_script() -> None:
    import streamlit as st

    from mnist_dash import ui

    found = ui.result_if_ready("probe_result", st.session_state["probe"])
    st.write(f"found {found}")


def test_result_if_ready_waits_for_nothing_and_writes_nothing() -> None:
    from streamlit.testing.v1 import AppTest

    key = ("probe_result", 1)
    at = AppTest.from_function(_result_if_ready_script)
    at.session_state["probe"] = 1
    at.run()
    assert [m.value for m in at.main.children.values()] == ["found None"]
    job = ui._scheduler.submit(key, lambda job: 42, heavy=False, title="probe")
    job.result(timeout=10)
    at.run()
    # The only element is the script's own: no progress bar's place taken.
    assert [m.value for m in at.main.children.values()] == ["found 42"]


def _too_big_script() -> None:
    import streamlit as st

    from mnist_dash.ui import work

    wait = st.session_state["wait"]
    found = work._memoised(
        ("probe_too_big", wait),
        lambda job: "trained",
        title="Training a model on 60,000 float64 digits",
        heavy=True,
        memory=376 * 2**20,
        wait=wait,
        show_errors=True,
    )
    st.write(f"went on with {found}")


@pytest.mark.parametrize("wait", [False, True])
def test_a_training_the_box_cannot_hold_is_not_offered_and_the_page_says_why(
    wait: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the page can do without it (it would not wait), the page goes on;
    where it waits for it, the page stops after saying why. No error either way."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(ui._scheduler, "memory_limit", jobs.resident_bytes())
    at = AppTest.from_function(_too_big_script, default_timeout=30)
    at.session_state["wait"] = wait
    at.run()
    assert not at.exception and not at.error
    (info,) = at.info
    assert info.value.startswith(
        "Not offered here: Training a model on 60,000 float64 digits needs about "
        "376 MB, and this app holds "
    )
    assert "MB its box allows (more, and the box stops the app for everyone)" in (
        info.value
    )
    went_on = [m.value for m in at.markdown if m.value.startswith("went on")]
    assert went_on == ([] if wait else ["went on with None"])
    assert ui._scheduler.get(("probe_too_big", wait)) is None  # asked again later


def test_no_memory_limit_unless_the_box_has_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MNIST_DASH_BOX_MB", "690")
    assert work._memory_limit() == 690 * 2**20
    for setting in ("none", "0"):
        monkeypatch.setenv("MNIST_DASH_BOX_MB", setting)
        assert work._memory_limit() is None
    monkeypatch.delenv("MNIST_DASH_BOX_MB")
    limited, unlimited = tmp_path / "limited", tmp_path / "unlimited"
    limited.write_text("723517440\n")
    unlimited.write_text("max\n")
    monkeypatch.setattr(work, "_CGROUP_LIMITS", (str(limited),))
    assert work._memory_limit() == 723517440
    monkeypatch.setattr(work, "_CGROUP_LIMITS", (str(unlimited), str(limited)))
    assert work._memory_limit() is None
    monkeypatch.setattr(work, "_CGROUP_LIMITS", (str(tmp_path / "absent"),))
    assert work._memory_limit() is None


def _pending_script() -> None:
    import streamlit as st

    from mnist_dash import ui

    st.session_state["runs"] = st.session_state.get("runs", 0) + 1
    job = ui.job("probe_pending", st.session_state["probe"])
    # Like a page that lists a finished job whose result it does not show.
    ui.show_pending([job])


def test_finished_work_reruns_the_page_once_not_forever() -> None:
    from streamlit.testing.v1 import AppTest

    key = ("probe_pending", 1)
    ui._scheduler.submit(key, lambda job: 1, heavy=False).result(timeout=10)
    at = AppTest.from_function(_pending_script, default_timeout=30)
    at.session_state["probe"] = 1
    at.run()
    assert not at.exception
    assert at.session_state["runs"] == 2  # the run, and one rerun to show it
    at.run()  # any later run (a click) may rerun once again, no more
    assert at.session_state["runs"] == 4


def test_the_knn_draw_reads_with_never_queues_behind_trainings(
    quiet_bar: list[tuple[float, str]],
) -> None:
    """Its fit only copies the digits: light work, while every heavy worker is
    busy (in this process: the test holds the trainings with an event)."""
    release = threading.Event()
    busy = [
        ui._scheduler.submit(
            ("test", "busy", i),
            lambda job: release.wait(60),
            heavy=True,
            isolate=False,
        )
        for i in range(ui._scheduler.heavy_workers)
    ]
    key = ("model", "sample", "knn", None)
    ui._scheduler.forget(lambda found: found == key)
    try:
        assert ui.get_model("knn", source="sample", wait=30) is not None
        assert not ui.job(*key).heavy and not any(job.done() for job in busy)
    finally:
        release.set()
    for job in busy:
        job.result(timeout=60)


def test_shared_results_are_computed_once_and_the_oldest_forgotten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(work, "_shared", type(work._shared)())
    monkeypatch.setattr(work, "SHARED_ITEMS", 2)
    calls: list[str] = []

    def compute(name: str) -> Callable[[], list[str]]:
        def run() -> list[str]:
            calls.append(name)
            return [name]

        return run

    first = ui.shared(("test", "a"), compute("a"))
    assert ui.shared(("test", "a"), compute("a")) is first  # the same object
    ui.shared(("test", "b"), compute("b"))
    ui.shared(("test", "a"), compute("a"))  # a is now the most recently used
    ui.shared(("test", "c"), compute("c"))  # so b goes
    assert ui.shared(("test", "a"), compute("a")) is first
    ui.shared(("test", "b"), compute("b"))
    assert calls == ["a", "b", "c", "b"]


def test_a_failed_shared_computation_keeps_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(work, "_shared", type(work._shared)())

    def fail() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        ui.shared(("test", "fails"), fail)
    assert ui.shared(("test", "fails"), lambda: 1) == 1


def test_what_the_server_loads_is_left_out_of_garbage_collections() -> None:
    """Streamlit collects garbage after every page run: the modules loaded with
    mnist_dash.ui (Streamlit, scikit-learn, plotly) must not be scanned again."""
    import subprocess
    import sys

    script = (
        "import gc, mnist_dash.ui; "
        "print(gc.get_freeze_count(), len(gc.get_objects()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    frozen, scanned = map(int, out.stdout.split())
    assert frozen > 100_000
    assert scanned < frozen / 20


def test_full_collections_are_traced_with_their_cpu_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("MNIST_DASH_TRACE", str(trace))
    before = list(gc.callbacks)
    try:
        ui.trace_collections()
        gc.collect(1)  # not a full one: not traced
        loop: list[object] = []
        loop.append(loop)
        del loop
        gc.collect(2)
    finally:
        gc.callbacks[:] = before
    (event,) = [json.loads(line) for line in trace.read_text().splitlines()]
    assert event["event"] == "gc" and event["collected"] >= 1
    assert 0 <= event["cpu_s"] and 0 <= event["seconds"]


def test_a_full_collection_follows_page_runs_at_most_once_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    full: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    monkeypatch.setattr(session, "_last_collection", float("-inf"))
    gc.callbacks.append(seen)
    try:
        assert session.collect_now_and_then()
        assert not session.collect_now_and_then()  # the same second: none
        assert len(full) == 1
        monkeypatch.setattr(
            session, "_last_collection", time.monotonic() - session.COLLECT_EVERY_S
        )
        assert session.collect_now_and_then() and len(full) == 2
    finally:
        gc.callbacks.remove(seen)


def test_every_page_run_ends_asking_for_a_collection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Streamlit's own collection after each run is off (.streamlit/config.toml):
    the pages' runs ask for one instead, which runs at most once a second."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
    asked: list[str] = []
    monkeypatch.setattr(session, "collect_now_and_then", lambda: asked.append("run"))
    ui.run_page(SimpleNamespace(url_path="draw", run=lambda: None))
    with pytest.raises(ValueError):
        ui.run_page(SimpleNamespace(url_path="draw", run=_raise))
    assert asked == ["run", "run"]


def _raise() -> None:
    raise ValueError("a bug")
