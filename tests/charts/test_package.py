"""The package itself: frozen results, its public names, no Streamlit."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from mnist_dash import charts


def test_results_are_frozen(is_five, sgd_scores):
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    with pytest.raises(dataclasses.FrozenInstanceError):
        curves.thresholds = np.zeros(3)
    with pytest.raises(ValueError, match="read-only"):
        curves.precisions[0] = 0.5


#: The public names of the single ``charts.py`` module this package replaced.
BEFORE_THE_SPLIT = [
    "AccuracyBars",
    "BinaryMetrics",
    "ClassCounts",
    "ClassReport",
    "ConfusionData",
    "ProbabilityBars",
    "RocCurve",
    "RocData",
    "ScoreRanking",
    "ThresholdCurves",
    "accuracy_bars_figure",
    "cell_from_selection",
    "class_counts_figure",
    "compute_accuracy_bars",
    "compute_class_counts",
    "compute_class_report",
    "compute_confusion",
    "compute_probabilities",
    "compute_roc",
    "compute_threshold_curves",
    "confusion_figure",
    "confusion_from_metrics",
    "digit_figure",
    "digit_grid_figure",
    "metrics_at_threshold",
    "pr_curve_figure",
    "probability_figure",
    "roc_figure",
    "threshold_figure",
    "threshold_for_precision",
]


def test_public_names_exist():
    for name in charts.__all__:
        assert hasattr(charts, name), name
    assert set(BEFORE_THE_SPLIT) <= set(charts.__all__)
    assert len(set(charts.__all__)) == len(charts.__all__)


def test_charts_imports_no_streamlit():
    """Read the imports rather than import afresh: a new interpreter costs seconds."""
    modules = sorted(Path(charts.__file__).parent.glob("*.py"))
    assert len(modules) > 1
    imported = set()
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    outside = {name.split(".")[0] for name in imported}
    assert outside <= {
        "__future__",
        "collections",
        "dataclasses",
        "typing",
        "numpy",
        "plotly",
        "sklearn",
        "mnist_dash",
    }, imported
    # Within mnist_dash, only the package's own modules: no ui, no pages.
    ours = {name for name in imported if name.split(".")[0] == "mnist_dash"}
    assert all(name.startswith("mnist_dash.charts.") for name in ours), ours
