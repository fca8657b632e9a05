"""Benchmark: how much five corrections teach a visitor's copy, and what it costs.

For each personal style of ``tests/_shapes.py`` (a 7 crossed in the middle, a 1
with a flag and a foot, an open 4), one person's five drawings of it are taught
to a copy of the averaged SGD (``mnist_dash.personal.teach``), as "That is
wrong, it is a ..." does on the Draw page. Then, against the untaught model
measured in the same run:

- the style: accuracy on 200 fresh drawings of it (before and after);
- MNIST: accuracy on the official test digits (it must not drop by more than
  one point), and on the sample's held-out digits when those are absent;
- the time one correction takes.

Run from the repository root::

    python bench/bench_teach.py [--corrections 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from _shapes import STYLES, styled_digit  # noqa: E402
from bench_draw import load_test_set  # noqa: E402
from bench_refusal import TEST_DIRS  # noqa: E402

from mnist_dash import models, personal  # noqa: E402
from mnist_dash.data import load_sample  # noqa: E402
from mnist_dash.preprocess import canvas_to_mnist  # noqa: E402


def run(args: argparse.Namespace) -> dict[str, Any]:
    sample = load_sample()
    official = next(
        (found for folder in TEST_DIRS if (found := load_test_set(folder))), None
    )
    X_test, y_test, source = official or (
        sample.X_test, sample.y_test, "the sample's held-out digits"
    )
    base = models.train_model(personal.BASE_MODEL, sample.X_train, sample.y_train)
    mnist_before = models.accuracy(base, X_test, y_test)
    rng = np.random.default_rng(args.seed)
    result: dict[str, Any] = {
        "test_digits": f"{len(y_test):,} of {source}",
        "corrections": args.corrections,
        "mnist_before": mnist_before,
        "styles": {},
    }
    for style, (digit, _) in STYLES.items():
        drawn = np.stack(
            [
                canvas_to_mnist(styled_digit(style, rng=rng))
                for _ in range(args.corrections + args.exam)
            ]
        )
        lessons, exam = drawn[: args.corrections], drawn[args.corrections :]
        started = time.perf_counter()
        taught = base
        for lesson in lessons:  # one at a time, as the page teaches them
            taught = personal.teach(
                taught, lesson[None], [digit], replay=(sample.X_train, sample.y_train)
            )
        per_correction = (time.perf_counter() - started) / len(lessons)
        result["styles"][style] = {
            "digit": digit,
            "before": float(np.mean(base.predict(exam) == digit)),
            "after": float(np.mean(taught.predict(exam) == digit)),
            "mnist_after": models.accuracy(taught, X_test, y_test),
            "ms_per_correction": round(per_correction * 1000, 1),
        }
    return result


def report(result: dict[str, Any]) -> str:
    lines = [
        f"{result['corrections']} corrections of one style, taught to a copy of "
        f"{personal.BASE_MODEL}; MNIST: {result['test_digits']}",
        "",
        f"{'style':<12}{'style before':>14}{'after':>8}{'x before':>10}"
        f"{'MNIST before':>14}{'after':>8}{'change':>9}{'ms/corr.':>10}",
    ]
    before = result["mnist_before"]
    for style, s in result["styles"].items():
        ratio = s["after"] / max(s["before"], 1e-9)
        points = (s["mnist_after"] - before) * 100
        lines.append(
            f"{style:<12}{s['before']:>14.1%}{s['after']:>8.1%}{ratio:>10.2f}"
            f"{before:>14.2%}{s['mnist_after']:>8.2%}{points:>+8.2f}p"
            f"{s['ms_per_correction']:>10.0f}"
        )
    lines.append("target: MNIST accuracy drops by at most 1 point")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corrections", type=int, default=5)
    parser.add_argument("--exam", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    result = run(args)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
