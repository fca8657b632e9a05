"""Benchmark: does the Draw page refuse non-digits, and only them?

Real digits: official MNIST test digits redrawn on the 280x280 canvas as a person
would (``tests/_drawing.py``, as ``bench/bench_draw.py`` does). Non-digits: capital
letters (not O, I, S, Z, B, G, which people draw as digits), dashes, crosses,
blobs and scribbles, drawn on the canvas by ``tests/_shapes.py``: code the
refusal never saw (it learns from random glyphs of its own,
``mnist_dash.refusal.non_digit_glyphs``). Models are trained on the bundled
sample's 4,000 training digits, as the pages do.

For each model it prints the share of non-digits refused (per kind) and of real
digits refused, with the page's method (the not-a-digit check, and the margin
calibrated on held-out sample digits as :func:`mnist_dash.ui.get_reading_check`
does), against a baseline measured in the same run: the reading rule before
this method (refuse when the top probability is under 60 %, or for decision
scores when not exactly one one-vs-rest detector claims the drawing).

Run from the repository root::

    python bench/bench_refusal.py [--models mlp knn] [--digits 2000] [--json PATH]
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

from _drawing import redraw_on_canvas  # noqa: E402
from _shapes import NON_DIGIT_KINDS, non_digit  # noqa: E402
from bench_draw import load_test_set  # noqa: E402

from mnist_dash import models, reading, refusal  # noqa: E402
from mnist_dash.data import load_sample  # noqa: E402
from mnist_dash.preprocess import canvas_to_mnist  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
TEST_DIRS = (SHARED / "mnist-test", SHARED / "mnist")


def _old_rule(values: np.ndarray, kind: str) -> bool:
    """The reading rule this method replaced, for the baseline."""
    if kind == "probability":
        return float(values.max()) < 0.6
    return int(np.sum(values > 0)) != 1


def run(args: argparse.Namespace) -> dict[str, Any]:
    sample = load_sample()
    official = next(
        (found for folder in TEST_DIRS if (found := load_test_set(folder))), None
    )
    if official is None:
        X_pool, y_pool, source = sample.X_test, sample.y_test, "the sample's test set"
    else:
        X_pool, y_pool, source = official
    rng = np.random.default_rng(args.seed)
    pick = rng.choice(len(X_pool), size=min(args.digits, len(X_pool)), replace=False)
    digits = np.stack(
        [canvas_to_mnist(redraw_on_canvas(x, rng=rng)) for x in X_pool[pick]]
    )
    labels = y_pool[pick]
    kinds = np.repeat(NON_DIGIT_KINDS, args.per_kind)
    others = np.stack([canvas_to_mnist(non_digit(k, rng=rng)) for k in kinds])

    started = time.perf_counter()
    checker = refusal.DigitRefusal().fit(sample.X_train)
    fit_s = time.perf_counter() - started
    held_out = refusal.as_drawn(sample.X_test)
    results: dict[str, Any] = {
        "test_digits": source,
        "digits": len(labels),
        "non_digits": {kind: args.per_kind for kind in NON_DIGIT_KINDS},
        "refusal_fit_s": round(fit_s, 1),
        "models": {},
    }
    for name in args.models:
        model = models.train_model(name, sample.X_train, sample.y_train)
        min_margin = reading.calibrate_margin(model, held_out)
        rows = {}
        for what, X in (("digits", digits), ("non-digits", others)):
            readings = [
                reading.read_features(model, x, refusal=checker, min_margin=min_margin)
                for x in X
            ]
            rows[what] = {
                "refused": np.array([r.uncertain for r in readings]),
                "baseline": np.array([_old_rule(r.values, r.kind) for r in readings]),
                "read": np.array([r.digit for r in readings]),
            }
        d, n = rows["digits"], rows["non-digits"]
        accepted = ~d["refused"]
        results["models"][name] = {
            "min_margin": min_margin,
            "false_refusals": float(d["refused"].mean()),
            "refusals": float(n["refused"].mean()),
            "by_kind": {
                k: float(n["refused"][kinds == k].mean()) for k in NON_DIGIT_KINDS
            },
            "baseline_false_refusals": float(d["baseline"].mean()),
            "baseline_refusals": float(n["baseline"].mean()),
            "accuracy_all": float((d["read"] == labels).mean()),
            "accuracy_accepted": float(
                (d["read"][accepted] == labels[accepted]).mean()
            ),
        }
    return results


def report(result: dict[str, Any]) -> str:
    lines = [
        f"{result['digits']} real digits ({result['test_digits']}, redrawn) and "
        f"{sum(result['non_digits'].values())} non-digits "
        f"({', '.join(f'{k}: {n}' for k, n in result['non_digits'].items())})",
        f"refusal fitted in {result['refusal_fit_s']} s",
        "",
        f"{'model':<15}{'non-digits refused':>20}{'digits refused':>16}"
        f"{'acc. all':>10}{'acc. read':>11}   by kind",
    ]
    for name, m in result["models"].items():
        kinds = ", ".join(f"{k} {v:.0%}" for k, v in m["by_kind"].items())
        lines.append(
            f"{name:<15}{m['refusals']:>20.1%}{m['false_refusals']:>16.1%}"
            f"{m['accuracy_all']:>10.3f}{m['accuracy_accepted']:>11.3f}   {kinds}"
        )
        lines.append(
            f"{'  baseline':<15}{m['baseline_refusals']:>20.1%}"
            f"{m['baseline_false_refusals']:>16.1%}   (the old rule; refusal x"
            f"{m['refusals'] / max(m['baseline_refusals'], 1e-9):.1f})"
        )
    lines.append("targets: non-digits refused >= 80 %, real digits refused <= 5 %")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=[models.DRAW_MODEL, "knn"])
    parser.add_argument("--digits", type=int, default=2000)
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    result = run(args)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
