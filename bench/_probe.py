"""Child processes of ``bench/run.py``: data loads, peak memory, a warm restart.

Each runs in a fresh Python process whose ``MNIST_DASH_HOME`` is the harness's
temporary cache folder, and prints one JSON line::

    python bench/_probe.py prepare [--quick]
    python bench/_probe.py memory  [--limit N]
    python bench/_probe.py restart [--limit N]

The harness starts them before it loads any data itself: on Linux a child's
``ru_maxrss`` starts at its parent's peak (it is carried across fork and exec),
so only a parent that is still small lets the child report its own peak.

``prepare`` times full MNIST through ``load_openml`` (its fetcher injected with
the benchmark's 70,000 digits): the first load, which decodes and caches, then
cached loads; it also leaves a drawing in the cache folder for ``restart``.
``memory`` does what a server does on first use of the Draw page and the metric
pages with full data: load it, then train (or load) the Draw page's model, the
"is it a 5?" detector and the multiclass SGD, keeping them all; it reports the
peak resident memory (``ru_maxrss``). Streamlit and plotly are imported first,
as a server has them. ``restart`` times a fresh process from its first import to
the first reading of a drawing, with everything cached: the core calls the Draw
page makes, without Streamlit.
"""

import time

START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
for _folder in (REPO, BENCH, REPO / "tests"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))


def _peak_mb() -> float:
    # Linux reports kilobytes (macOS bytes; the harness runs on Linux).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _canvas_path() -> Path:
    from mnist_dash import store

    return store.cache_dir() / "bench-canvas.npy"


def prepare(quick: bool) -> dict[str, float]:
    """Time the first and the cached loads of full MNIST; leave a drawing."""
    import _scale
    import numpy as np
    from _drawing import redraw_on_canvas

    from mnist_dash import data

    scale = _scale.build(quick=quick)
    fetch = _scale.openml_fetcher(*scale.openml_like)
    first_s, _ = _scale.timed(lambda: data.load_openml(fetcher=fetch))
    cached = [_scale.timed(data.load_openml)[0] for _ in range(3)]
    digit = scale.dataset.X_test[0].reshape(28, 28).astype(np.float64)
    np.save(_canvas_path(), redraw_on_canvas(digit, rng=np.random.default_rng(0)))
    return {
        "first_s": first_s,
        **{f"cached_{i}_s": seconds for i, seconds in enumerate(cached)},
    }


def memory(limit: int | None) -> dict[str, float]:
    """Load full data and train/load the default models; report peak memory."""
    import plotly.graph_objects  # noqa: F401 - a server holds these too
    import streamlit  # noqa: F401

    from mnist_dash import data, models

    steps: dict[str, float] = {"baseline_mb": _peak_mb()}
    began = time.perf_counter()
    dataset = data.load_mnist("openml")
    X, y = dataset.X_train[:limit], dataset.y_train[:limit]
    steps["load_s"] = time.perf_counter() - began
    kept = []
    for label, name, digit in (
        ("draw_model", models.DRAW_MODEL, None),
        ("detector_5", "sgd", 5),
        ("sgd_multiclass", "sgd", None),
    ):
        began = time.perf_counter()
        kept.append(models.train_model(name, X, y, target_digit=digit))
        steps[f"{label}_s"] = time.perf_counter() - began
    steps["n_train"] = float(len(y))
    steps["peak_mb"] = _peak_mb()
    return steps


def restart(limit: int | None) -> dict[str, float]:
    """From the first import to the first reading of a drawing, all cached."""
    import numpy as np

    from mnist_dash import data, models, reading

    imported = time.perf_counter()
    dataset = data.load_mnist("openml")
    X, y = dataset.X_train[:limit], dataset.y_train[:limit]
    loaded = time.perf_counter()
    messages: list[str] = []
    model = models.train_model(
        models.DRAW_MODEL, X, y, progress=lambda f, m: messages.append(m)
    )
    ready = time.perf_counter()
    result = reading.read_drawing(model, np.load(_canvas_path()))
    read = time.perf_counter()
    # The Draw page also shows the detector's verdict, right after.
    detector = models.train_model("sgd", X, y, target_digit=5)
    reading.detector_score(detector, result.features)
    detector_ready = time.perf_counter()
    return {
        "import_s": imported - START,
        "load_s": loaded - imported,
        "model_s": ready - loaded,
        "read_s": read - ready,
        "first_prediction_s": read - START,
        "with_detector_s": detector_ready - START,
        "from_cache": float(any("cache" in m for m in messages)),
        "digit": float(result.digit if result.digit is not None else -1),
        "peak_mb": _peak_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("probe", choices=["prepare", "memory", "restart"])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.probe == "prepare":
        result = prepare(args.quick)
    elif args.probe == "memory":
        result = memory(args.limit)
    else:
        result = restart(args.limit)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
