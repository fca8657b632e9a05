"""A smoke test of the load bench: ``bench/load.py`` with two sessions, briefly.

It runs the real harness in its own process (it starts its own server and
Chromium): one Draw session reads one drawing, one metric-page session opens
Precision/recall and moves its slider. It checks that every figure was reported
and no error seen. Times are not checked: the machine may be busy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_load_bench_runs_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "load.json"
    done = subprocess.run(
        [
            sys.executable, str(ROOT / "bench" / "load.py"),
            "--sessions", "2", "--duration", "0", "--ramp", "0", "--think", "0",
            "--pages", "tradeoff", "--json", str(path),
        ],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(path.read_text())
    assert result["errors"] == [], result["errors"]
    computations = result["computations"]
    assert computations["repeated"] == {} and computations["keys"] > 0
    assert "('model', 'sample', 'mlp', None)" in computations["per_key"]
    runs = result["page_runs"]
    assert runs["draw"]["outcomes"].get("done", 0) >= 1
    assert {"tradeoff", "draw"} <= set(runs)
    assert result["views"]["slider"]["n"] == 3  # three arrow-key presses
    draw = result["draw"]
    assert draw["readings"] >= 1 and None not in draw["first_reading_s"]
    assert draw["stroke_to_prediction_s"]["n"] == draw["readings"]
    memory = result["memory"]
    assert min(memory["vm_hwm_mb"], memory["peak_polled_mb"]) > memory["idle_mb"] > 0
    # The trainings ran in job processes, whose memory the figure adds.
    assert memory["most_job_processes"] >= 1
    assert memory["peak_polled_mb"] >= memory["server_peak_polled_mb"]
    for line in ("Errors: 0", "each key once", "Draw p95 once warm", "Memory: idle"):
        assert line in done.stdout
