"""Benchmark: every book call the pages make, against the fast variant beside it.

Each row runs the book's own call through the same code the pages use
(``evaluation.cross_validate_model`` and ``models.train_model``, ``cache=False``)
and then its fast variant on the same digits in the same process, and prints both
times, their ratio, both accuracies and the process's peak memory so far:

- binary cv: ``"sgd"``, is it a 5? (cv=3 scores) against ``"sgd_averaged"``;
- forest cv: ``"random_forest"``, is it a 5? (no fast variant: the book's is used);
- multiclass fit: ``"sgd"`` on every training digit against ``"sgd_averaged"``;
- multiclass cv: ``"sgd"`` (cross_val_score, cv=3) against ``"sgd_averaged"``;
- multiclass cv, scaled: ``"sgd_scaled"`` against ``"sgd_averaged_scaled"``.

The data is full MNIST from ``../shared/data/mnist`` when it is there (else the
bundled sample, and the output says so). The two multiclass cross-validations of
the book take most of the time (about half an hour on two cores at full scale).
Run from the repository root::

    python bench/bench_book.py                   # everything
    python bench/bench_book.py --skip-multiclass-cv
    python bench/bench_book.py --data sample     # a minute or two
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from mnist_dash import data, evaluation, models  # noqa: E402

FULL = REPO.parent / "shared" / "data" / "mnist"


@dataclass
class Row:
    """One book call and its fast variant, measured in the same process."""

    name: str
    book_seconds: float
    book_score: float
    fast_seconds: float | None
    fast_score: float | None
    score: str
    peak_mb: float

    @property
    def ratio(self) -> float | None:
        """How many times faster the fast variant is."""
        if self.fast_seconds is None or self.fast_seconds <= 0:
            return None
        return self.book_seconds / self.fast_seconds


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def cv_row(
    name: str, book: str, fast: str | None, d: data.MnistData, *, digit: int | None
) -> Row:
    """Cross-validate ``book`` and ``fast``: time, and accuracy (AUC if binary)."""

    def score(result: evaluation.CrossValResult) -> float:
        if digit is None:
            return result.accuracy
        return float(roc_auc_score(result.y_true, result.scores))

    def run(model: str) -> tuple[float, float]:
        seconds, result = timed(
            lambda: evaluation.cross_validate_model(
                model, d.X_train, d.y_train, target_digit=digit, cache=False
            )
        )
        return seconds, score(result)

    book_seconds, book_score = run(book)
    fast_seconds, fast_score = run(fast) if fast else (None, None)
    return Row(
        name,
        book_seconds,
        book_score,
        fast_seconds,
        fast_score,
        "ROC AUC" if digit is not None else "accuracy (cv=3)",
        peak_mb(),
    )


def fit_row(name: str, book: str, fast: str, d: data.MnistData) -> Row:
    """Fit ``book`` and ``fast`` on every training digit: time, test accuracy."""

    def run(model: str) -> tuple[float, float]:
        seconds, fitted = timed(
            lambda: models.train_model(model, d.X_train, d.y_train, cache=False)
        )
        return seconds, models.accuracy(fitted, d.X_test, d.y_test)

    book_seconds, book_score = run(book)
    fast_seconds, fast_score = run(fast)
    return Row(
        name,
        book_seconds,
        book_score,
        fast_seconds,
        fast_score,
        "test accuracy",
        peak_mb(),
    )


def format_rows(rows: list[Row]) -> str:
    head = (
        f"{'row':<24}{'book s':>9}{'fast s':>9}{'ratio':>8}  "
        f"{'measure':<16}{'book':>8}{'fast':>8}{'peak MB':>9}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        fast_s = "—" if r.fast_seconds is None else f"{r.fast_seconds:.1f}"
        ratio = "—" if r.ratio is None else f"{r.ratio:.0f}×"
        fast = "—" if r.fast_score is None else f"{r.fast_score:.4f}"
        lines.append(
            f"{r.name:<24}{r.book_seconds:>9.1f}{fast_s:>9}{ratio:>8}  "
            f"{r.score:<16}{r.book_score:>8.4f}{fast:>8}{r.peak_mb:>9.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", default=None, help="'sample' or an IDX folder (default: full MNIST)"
    )
    parser.add_argument("--skip-multiclass-cv", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="write rows as JSON")
    args = parser.parse_args(argv)
    source = args.data or (str(FULL) if FULL.is_dir() else "sample")
    d = data.load_mnist(source)
    print(f"data: {d.description} (the book's data: {d.is_book})")
    warnings.filterwarnings("ignore", message=".*Maximum number of iteration.*")
    rows = [
        cv_row("binary cv, is it a 5?", "sgd", "sgd_averaged", d, digit=5),
        cv_row("forest cv, is it a 5?", "random_forest", None, d, digit=5),
        fit_row("multiclass fit", "sgd", "sgd_averaged", d),
    ]
    print(format_rows(rows), flush=True)
    if not args.skip_multiclass_cv:
        rows.append(cv_row("multiclass cv", "sgd", "sgd_averaged", d, digit=None))
        print(format_rows(rows[-1:]).splitlines()[-1], flush=True)
        rows.append(
            cv_row(
                "multiclass cv, scaled",
                "sgd_scaled",
                "sgd_averaged_scaled",
                d,
                digit=None,
            )
        )
        print(format_rows(rows[-1:]).splitlines()[-1], flush=True)
        print()
        print(format_rows(rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "data": d.description,
                    "rows": [asdict(r) | {"ratio": r.ratio} for r in rows],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
