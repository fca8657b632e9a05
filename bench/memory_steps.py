"""What each computation behind the pages adds to one process's memory.

``bench/load.py --memory`` gives the server's peak per page; this says which
computation makes it. In a fresh process with a fresh cache folder it does,
one after the other and keeping every result (as the server does), what the
pages ask ``mnist_dash.ui`` for on their first visit, and prints for each step
the resident memory before, its peak (``VmHWM``, reset before each step through
``/proc/self/clear_refs``), after, and the estimate the scheduler admits the job
with (``models.fit_memory``, the figure held against ``MNIST_DASH_MEMORY_MB``)::

    python bench/memory_steps.py                  # full MNIST (seeded offline)
    python bench/memory_steps.py --data sample
    python bench/memory_steps.py --book-folds 1   # also the book's multiclass runs
    python bench/memory_steps.py --clicks         # also Home's Train, Exercise 1
    python bench/memory_steps.py --trim           # malloc_trim(0) after each step

The book's multiclass runs take many minutes a fold at full scale, so only
``--book-folds`` folds of each are run (0: none). Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
IDX_FOLDER = REPO.parent / "shared" / "data" / "mnist"
for _folder in (REPO, REPO / "tests"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))


def _status() -> dict[str, float]:
    found = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            name = line.split(":")[0]
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(line.split()[1]) / 1024
    return found


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")


class _FoldsDone(Exception):
    """Stops a cross-validation after the folds asked for."""


class Steps:
    """Runs steps and records each one's memory."""

    def __init__(self, *, trim: bool = False) -> None:
        self.rows: list[dict[str, Any]] = []
        self.kept: dict[str, Any] = {}
        self.trim = ctypes.CDLL("libc.so.6").malloc_trim if trim else None

    def run(
        self, name: str, call: Callable[[], Any], *, estimate: int | None = None
    ) -> Any:
        gc.collect()
        before = _status()["VmRSS"]
        _reset_peak()
        started = time.perf_counter()
        try:
            result = call()
        except _FoldsDone as stopped:
            result, name = None, f"{name} ({stopped})"
        seconds = time.perf_counter() - started
        if self.trim is not None:
            gc.collect()
            self.trim(0)
        status = _status()
        row = {
            "step": name,
            "seconds": seconds,
            "before_mb": before,
            "peak_mb": status["VmHWM"],
            "after_mb": status["VmRSS"],
            "estimate_mb": None if estimate is None else estimate / 2**20,
        }
        self.rows.append(row)
        self.kept[name] = result
        print(
            f"  {name:<52} {seconds:6.1f} s  before {before:5.0f}  peak "
            f"{row['peak_mb']:5.0f}  after {row['after_mb']:5.0f} MB"
            + ("" if estimate is None else f"  (estimate {estimate / 2**20:.0f} MB)"),
            flush=True,
        )
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=["sample", "openml"], default="openml")
    parser.add_argument("--book-folds", type=int, default=0, choices=[0, 1, 2, 3])
    parser.add_argument("--clicks", action="store_true")
    parser.add_argument(
        "--trim",
        action="store_true",
        help="glibc's malloc_trim(0) after each step: how much of 'after' is "
        "memory freed but kept by the allocator",
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="mnist_dash_memory_steps_") as tmp:
        os.environ["MNIST_DASH_HOME"] = tmp
        if args.data == "openml":
            code = (
                "import sys; from mnist_dash import data; "
                "data.seed_openml_cache(sys.argv[1])"
            )
            subprocess.run(
                [sys.executable, "-c", code, str(IDX_FOLDER)], cwd=REPO, check=True
            )
        rows = measure(args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    steps = Steps(trim=args.trim)
    print(f"Start: {_status()['VmRSS']:.0f} MB", flush=True)

    def imports() -> None:
        import plotly.graph_objects  # noqa: F401
        import streamlit  # noqa: F401

        import mnist_dash.ui  # noqa: F401

    steps.run("imports (streamlit, plotly, sklearn, mnist_dash)", imports)
    import numpy as np
    from _drawing import redraw_on_canvas

    from mnist_dash import charts, data, errors, evaluation, models, reading

    dataset = steps.run(f"data: {args.data}", lambda: data.load_mnist(args.data))
    X, y = dataset.X_train, dataset.y_train
    n, cv_rows = len(y), len(y) * 2 // 3

    def model(name: str, digit: int | None = None) -> Any:
        return steps.run(
            f"model {name}" + ("" if digit is None else f", is it a {digit}?"),
            lambda: models.train_model(name, X, y, target_digit=digit),
            estimate=models.fit_memory(name, n),
        )

    def cross_val(name: str, digit: int | None = None, **kw: Any) -> Any:
        return steps.run(
            f"cv {name}" + ("" if digit is None else f", is it a {digit}?"),
            lambda: evaluation.cross_validate_model(
                name, X, y, target_digit=digit, **kw
            ),
            estimate=models.fit_memory(name, cv_rows),
        )

    print("Draw:", flush=True)
    reader = model(models.DRAW_MODEL)
    canvas = redraw_on_canvas(
        dataset.X_test[0].reshape(28, 28).astype(np.float64),
        rng=np.random.default_rng(0),
    )
    read = steps.run("read one drawing", lambda: reading.read_drawing(reader, canvas))
    detector = model("sgd", 5)
    steps.run("detector score", lambda: reading.detector_score(detector, read.features))
    print("Binary:", flush=True)
    sgd5 = cross_val("sgd", 5)
    cross_val("sgd_averaged", 5)
    steps.run("dummy accuracy", lambda: evaluation.dummy_accuracy(y, target_digit=5))
    print("Precision/recall:", flush=True)
    steps.run(
        "threshold curves",
        lambda: charts.compute_threshold_curves(sgd5.y_true, sgd5.scores),
    )
    print("ROC:", flush=True)
    forest5 = cross_val("random_forest", 5)
    steps.run(
        "ROC curves",
        lambda: charts.compute_roc(
            sgd5.y_true, {"sgd": sgd5.scores, "random_forest": forest5.scores}
        ),
    )
    print("Multiclass:", flush=True)
    cross_val("sgd_averaged")
    scaled = cross_val("sgd_averaged_scaled")
    steps.run(
        "confusion, a cell's digits",
        lambda: errors.cell_digits(
            X, scaled.y_true, scaled.y_pred, actual=3, predicted=5, limit=50
        ),
    )
    if args.clicks:
        print("Clicks (Home's Train, Exercise 1):", flush=True)
        forest = model("random_forest")
        steps.run(
            "random_forest test accuracy",
            lambda: models.accuracy(forest, dataset.X_test, dataset.y_test),
            estimate=models.fit_memory("random_forest", len(dataset.y_test)),
        )
        knn = model("knn")
        steps.run(
            "knn test accuracy",
            lambda: models.accuracy(knn, dataset.X_test, dataset.y_test),
            estimate=models.fit_memory("knn", len(dataset.y_test)),
        )
    if args.book_folds:
        print(f"The book's multiclass runs ({args.book_folds} folds):", flush=True)
        for name in ("sgd", "sgd_scaled"):
            done = [0]

            def stop_after(done: list[int] = done) -> None:
                if done[0] >= args.book_folds:
                    raise _FoldsDone(f"stopped after {done[0]} fold(s)")
                done[0] += 1

            cross_val(name, between_folds=stop_after)
    return steps.rows


if __name__ == "__main__":
    raise SystemExit(main())
