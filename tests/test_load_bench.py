"""The classroom bench's own arithmetic (``bench/load.py``, ``bench/_server.py``):
where it puts the server and the browsers, and how it reads the server's CPU."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import _server  # noqa: E402
import load  # noqa: E402


def test_without_split_cores_nobody_is_pinned() -> None:
    assert load._cores(argparse.Namespace(split_cores=False)) == (None, None)


@pytest.mark.parametrize(
    ("cpus", "server", "browsers"),
    [({0, 1}, {0}, {1}), ({0, 1, 2, 3}, {0, 1}, {2, 3}), ({2, 5, 7}, {2}, {5, 7})],
)
def test_split_cores_gives_each_side_cores_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
    cpus: set[int],
    server: set[int],
    browsers: set[int],
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: cpus)
    assert load._cores(argparse.Namespace(split_cores=True)) == (server, browsers)


def test_split_cores_needs_two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {3})
    with pytest.raises(SystemExit, match="at least two cores"):
        load._cores(argparse.Namespace(split_cores=True))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_cpu_seconds_counts_this_process_work() -> None:
    before = _server.cpu_seconds(os.getpid())
    assert before is not None
    busy_until = time.process_time() + 0.3
    while time.process_time() < busy_until:
        pass
    after = _server.cpu_seconds(os.getpid())
    assert after is not None and 0.2 <= after - before < 1.5  # clock ticks are coarse
    assert after <= time.process_time() + 0.05  # in seconds, this process's alone
    assert _server.cpu_seconds(2**22 + 12345) is None  # no such process


def test_cpu_share_is_cpu_seconds_over_wall_seconds() -> None:
    sampler = _server.RssSampler(os.getpid())
    sampler.cpu_samples = [(100.0, 5.0), (101.0, 5.1), (102.0, 5.5), (104.0, 5.6)]
    assert sampler.cpu_share() == pytest.approx(0.6 / 4)
    assert sampler.cpu_share(101.0, 102.0) == pytest.approx(0.4)
    assert sampler.cpu_share(103.0) is None  # one sample: no interval


def test_pin_sets_this_threads_cores_and_none_leaves_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[int, set[int]]] = []
    monkeypatch.setattr(
        os, "sched_setaffinity", lambda pid, cpus: calls.append((pid, cpus))
    )
    load._pin(None)
    load._pin(set())
    load._pin({1})
    assert calls == [(0, {1})]


@pytest.mark.parametrize(
    ("text", "size"), [("1400x1000", (1400, 1000)), ("1024X768", (1024, 768))]
)
def test_viewport_reads_width_and_height(text: str, size: tuple[int, int]) -> None:
    assert load.viewport(text) == size


@pytest.mark.parametrize("text", ["1400", "1400x", "ax768", "1x2x3", "0x768", "-5x10"])
def test_viewport_refuses_what_is_no_window(text: str) -> None:
    with pytest.raises(ValueError, match="--viewport"):
        load.viewport(text)


def test_the_knn_caption_the_bench_looks_for_is_the_draw_pages() -> None:
    """The bench tells a k-nearest-neighbours reading by its explanation's words."""
    page = (ROOT / "views" / "draw.py").read_text(encoding="utf-8")
    assert load.KNN_WHY in page
