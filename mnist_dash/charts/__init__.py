"""Every chart in two steps: ``compute_*`` -> frozen dataclass -> ``*_figure``.

The ``compute_*`` functions do the numbers with scikit-learn and return a frozen
dataclass; the ``*_figure`` functions only draw that dataclass with plotly. Like
scikit-learn's Display objects, computing is kept apart from drawing so that each
half can be cached and tested on its own. Nothing here imports Streamlit.

How the charts are organised
----------------------------
One module per family of charts, each holding its dataclasses, its ``compute_*``
functions and its ``*_figure`` builders:

* :mod:`~mnist_dash.charts.confusion`: confusion matrices (``compute_confusion``,
  ``confusion_from_metrics``, ``confusion_figure``, ``cell_from_selection``);
* :mod:`~mnist_dash.charts.thresholds`: scores and thresholds, precision and
  recall (``compute_threshold_curves``, ``at_prevalence``,
  ``metrics_at_threshold``, ``threshold_for_precision``,
  ``threshold_for_recall``, ``threshold_figure``, ``pr_curve_figure``);
* :mod:`~mnist_dash.charts.roc`: ROC curves and AUC (``compute_roc``,
  ``roc_figure``, with a log-scale zoom on the top-left corner);
* :mod:`~mnist_dash.charts.costs`: the expected cost of the mistakes at every
  threshold (``compute_cost_curve``, ``cost_figure``);
* :mod:`~mnist_dash.charts.folds`: precision, recall, F1 and queue rate of each
  cross-validation fold (``compute_fold_spread``, ``fold_spread_figure``);
* :mod:`~mnist_dash.charts.calibration`: reliability diagrams and Brier scores
  (``compute_calibration``, ``calibration_figure``);
* :mod:`~mnist_dash.charts.denoising`: the noise-cleaning KNN's pixel error
  against the noise level (``compute_denoising_errors``, ``denoising_figure``);
* :mod:`~mnist_dash.charts.probabilities`: one drawing's output per class
  (``compute_probabilities``, ``probability_figure``, ``before_after_figure``);
* :mod:`~mnist_dash.charts.explain`: why a model read a drawing so
  (``templates_figure``, ``contributions_figure``, ``neighbours_figure``,
  ``saliency_figure``, drawing what :mod:`mnist_dash.explain` computes);
* :mod:`~mnist_dash.charts.risk`: what refusing unsure readings buys
  (``compute_risk_coverage``, ``risk_coverage_figure``);
* :mod:`~mnist_dash.charts.digits`: pictures of digits (``digit_figure``,
  ``digit_grid_figure``);
* :mod:`~mnist_dash.charts.reports`: whole-data-set summaries (class report,
  class counts, accuracy bars, multilabel F1).

The private ``_common`` module holds what the families share (validation,
read-only arrays, curve thinning, number formatting). The private ``_style``
module holds the one look of every figure, and every ``*_figure`` builder uses
it: transparent backgrounds and no text or gridline colours, so that Streamlit's
light or dark theme styles the rest; the scales (:data:`SEQUENTIAL` for counts
and shares, :data:`DIVERGING` for signed values, :data:`INK` for digits); one
colour per registry model (:data:`MODEL_COLOURS`, :func:`model_colour`), given
to a series through the ``models=`` option of ``compute_roc`` and
``compute_accuracy_bars``; the :data:`ACCENT` of the one thing chosen (the
predicted digit, the point at the current threshold) and the :data:`NEUTRAL`
grey of the rest. A new chart takes its colours from there, never its own.

Import from the package, ``from mnist_dash import charts``, not from the modules.
The tests of a family are in ``tests/charts/test_<module>.py``, and the rules of
the look, checked on every builder's figures, in ``tests/charts/test_style.py``.

The dataclasses hold numpy arrays, so they are declared with ``eq=False``: the
generated ``__eq__`` would compare arrays element-wise and fail.
"""

from __future__ import annotations

from mnist_dash.charts._common import MAX_CURVE_POINTS
from mnist_dash.charts._style import (
    ACCENT,
    CHANCE_LINE,
    DIVERGING,
    INK,
    MODEL_COLOURS,
    NEUTRAL,
    SEQUENTIAL,
    THRESHOLD_LINE,
    model_colour,
)
from mnist_dash.charts.calibration import (
    CalibrationCurve,
    CalibrationData,
    calibration_figure,
    compute_calibration,
)
from mnist_dash.charts.confusion import (
    ConfusionData,
    Normalize,
    cell_from_selection,
    compute_confusion,
    confusion_figure,
    confusion_from_metrics,
)
from mnist_dash.charts.costs import CostCurve, compute_cost_curve, cost_figure
from mnist_dash.charts.denoising import (
    DenoisingErrors,
    compute_denoising_errors,
    denoising_figure,
)
from mnist_dash.charts.digits import digit_figure, digit_grid_figure
from mnist_dash.charts.explain import (
    LinearExplanation,
    Neighbours,
    Saliency,
    contributions_figure,
    neighbours_figure,
    saliency_figure,
    templates_figure,
)
from mnist_dash.charts.folds import (
    FOLD_METRICS,
    FoldSpread,
    compute_fold_spread,
    fold_spread_figure,
)
from mnist_dash.charts.probabilities import (
    ProbabilityBars,
    ScoreKind,
    before_after_figure,
    compute_probabilities,
    probability_figure,
)
from mnist_dash.charts.reports import (
    AccuracyBars,
    ClassCounts,
    ClassReport,
    MultilabelF1,
    accuracy_bars_figure,
    class_counts_figure,
    compute_accuracy_bars,
    compute_class_counts,
    compute_class_report,
    compute_multilabel_f1,
    multilabel_f1_figure,
)
from mnist_dash.charts.risk import (
    RiskCoverage,
    compute_risk_coverage,
    risk_coverage_figure,
)
from mnist_dash.charts.roc import (
    RocCurve,
    RocData,
    compute_roc,
    roc_figure,
    smallest_fpr,
)
from mnist_dash.charts.thresholds import (
    BinaryMetrics,
    ScoreRanking,
    ThresholdCurves,
    at_prevalence,
    compute_threshold_curves,
    metrics_at_threshold,
    pr_curve_figure,
    threshold_figure,
    threshold_for_precision,
    threshold_for_recall,
)

__all__ = [
    "ACCENT",
    "CHANCE_LINE",
    "DIVERGING",
    "FOLD_METRICS",
    "INK",
    "MAX_CURVE_POINTS",
    "MODEL_COLOURS",
    "NEUTRAL",
    "SEQUENTIAL",
    "THRESHOLD_LINE",
    "AccuracyBars",
    "BinaryMetrics",
    "CalibrationCurve",
    "CalibrationData",
    "ClassCounts",
    "ClassReport",
    "ConfusionData",
    "CostCurve",
    "DenoisingErrors",
    "FoldSpread",
    "LinearExplanation",
    "MultilabelF1",
    "Neighbours",
    "Normalize",
    "ProbabilityBars",
    "RiskCoverage",
    "RocCurve",
    "RocData",
    "Saliency",
    "ScoreKind",
    "ScoreRanking",
    "ThresholdCurves",
    "accuracy_bars_figure",
    "at_prevalence",
    "before_after_figure",
    "calibration_figure",
    "cell_from_selection",
    "class_counts_figure",
    "compute_accuracy_bars",
    "compute_calibration",
    "compute_class_counts",
    "compute_class_report",
    "compute_confusion",
    "compute_cost_curve",
    "compute_denoising_errors",
    "compute_fold_spread",
    "compute_multilabel_f1",
    "compute_probabilities",
    "compute_risk_coverage",
    "compute_roc",
    "compute_threshold_curves",
    "confusion_figure",
    "confusion_from_metrics",
    "contributions_figure",
    "cost_figure",
    "denoising_figure",
    "digit_figure",
    "digit_grid_figure",
    "fold_spread_figure",
    "metrics_at_threshold",
    "model_colour",
    "multilabel_f1_figure",
    "neighbours_figure",
    "pr_curve_figure",
    "probability_figure",
    "risk_coverage_figure",
    "roc_figure",
    "saliency_figure",
    "smallest_fpr",
    "templates_figure",
    "threshold_figure",
    "threshold_for_precision",
    "threshold_for_recall",
]
