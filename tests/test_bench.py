"""A smoke test of the performance harness: ``bench/run.py --quick`` on tiny data.

It runs the real harness in its own process (it starts child processes of its
own), then checks that every section reported and that the JSON holds what the
table printed. Times are not checked: the machine may be busy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import run as harness  # noqa: E402

from mnist_dash import models  # noqa: E402


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    path = tmp_path_factory.mktemp("bench") / "quick.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--quick",
            "--json",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(path.read_text())


def test_every_section_reports(quick: tuple[str, dict]) -> None:
    out, result = quick
    sections = {row["section"] for row in result["rows"]}
    assert sections == set(harness.SECTIONS) - {harness.KNN_OPTIONS}
    for section in sections:
        assert f"[{section}]" in out
    assert "QUICK run" in out and result["meta"]["quick"] is True


def test_every_model_is_fitted_scored_and_timed(quick: tuple[str, dict]) -> None:
    _, result = quick
    measures = [row["measure"].strip() for row in result["rows"]]
    for name in models.MODELS:
        assert any(m.startswith(f"{name}: fit on") for m in measures), name
        assert f"{name}: test accuracy" in measures
        assert f"{name}: p50" in measures
    accuracy = {
        row["measure"].strip(): row["value"]
        for row in result["rows"]
        if row["unit"] == "acc"
    }
    assert all(0.5 < value <= 1 for value in accuracy.values()), accuracy


def test_times_carry_their_ratio_to_the_books_call(quick: tuple[str, dict]) -> None:
    _, result = quick
    book = result["meta"]["book_seconds"]
    assert set(book) == {"fit", "cv"}
    for row in result["rows"]:
        if row["reference"]:
            seconds = row["value"] / (1000 if row["unit"] == "ms" else 1)
            assert row["book_ratio"] == pytest.approx(book[row["reference"]] / seconds)


def test_restart_loads_the_model_from_the_cache(quick: tuple[str, dict]) -> None:
    _, result = quick
    (restart,) = [r for r in result["rows"] if r["measure"].startswith("restart")]
    assert "model loaded from cache" in restart["note"]
    (peak,) = [r for r in result["rows"] if r["measure"].startswith("peak RSS:")]
    assert peak["unit"] == "MB" and peak["value"] > 50
