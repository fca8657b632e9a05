"""What the mistakes cost: the expected cost of a detector at every threshold.

A false positive costs ``fp_cost`` and a false negative ``fn_cost`` (a missed
positive); a right answer costs nothing. The expected cost per sample at a
threshold is ``(fp_cost * FP + fn_cost * FN) / n``, the quantity a
``make_scorer(..., greater_is_better=False)`` cost scorer gives scikit-learn's
``TunedThresholdClassifierCV``; the threshold with the lowest cost is the one it
would choose among the same thresholds. Curves made by
:func:`~mnist_dash.charts.at_prevalence` give the cost where that share of the
samples is positive (each class weighted as ``sample_weight`` would).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from mnist_dash.charts._common import (
    MAX_CURVE_POINTS,
    decimation_index,
    format_number,
    frozen,
)
from mnist_dash.charts._style import (
    THRESHOLD_LINE,
    layout,
    model_colour,
    operating_point,
)
from mnist_dash.charts.thresholds import ScoreRanking, ThresholdCurves


@dataclass(frozen=True, eq=False)
class CostCurve:
    """The expected cost per sample at every threshold, and where it is lowest.

    Attributes
    ----------
    thresholds : ndarray, shape (m,)
        The distinct scores, ascending (``score >= threshold`` is positive).
    costs : ndarray, shape (m,)
        Expected cost per sample at each threshold.
    fp_cost, fn_cost : float
        The cost of one false positive and of one false negative.
    prevalence : float or None
        The share of positives assumed; None for the data as it is.
    best : int
        Index of the lowest cost; the lowest threshold among equal costs, as
        ``TunedThresholdClassifierCV`` breaks ties (``argmax`` of its score).
    ranking : ScoreRanking
        The sorted scores, for :meth:`cost_at`.
    model : str or None
        The registry name of the model whose scores these are (its colour).
    """

    thresholds: np.ndarray
    costs: np.ndarray
    fp_cost: float
    fn_cost: float
    prevalence: float | None
    best: int
    ranking: ScoreRanking
    model: str | None = None

    @property
    def best_threshold(self) -> float:
        """The threshold with the lowest expected cost."""
        return float(self.thresholds[self.best])

    @property
    def best_cost(self) -> float:
        """The lowest expected cost per sample."""
        return float(self.costs[self.best])

    def cost_at(self, threshold: float) -> float:
        """The expected cost per sample at any threshold, in O(log n)."""
        return float(self._costs(np.array([threshold]))[0])

    def _costs(self, thresholds: np.ndarray) -> np.ndarray:
        return _expected_costs(
            self.ranking,
            thresholds,
            fp_cost=self.fp_cost,
            fn_cost=self.fn_cost,
            prevalence=self.prevalence,
        )


def _expected_costs(
    ranking: ScoreRanking,
    thresholds: np.ndarray,
    *,
    fp_cost: float,
    fn_cost: float,
    prevalence: float | None,
) -> np.ndarray:
    tp, fp = ranking.counts(thresholds)
    fn = ranking.n_positive - tp
    w_neg, w_pos = ranking.class_weights(prevalence)
    # Without a prevalence both weights are 1.0 and this is, operation for
    # operation, what a cost scorer computes from the confusion matrix.
    return (fp_cost * fp * w_neg + fn_cost * fn * w_pos) / len(ranking.sorted_scores)


def compute_cost_curve(
    curves: ThresholdCurves,
    *,
    fp_cost: float,
    fn_cost: float,
    model: str | None = None,
) -> CostCurve:
    """The expected cost per sample at each of ``curves``' thresholds.

    Parameters
    ----------
    curves : ThresholdCurves
        From :func:`compute_threshold_curves`, or :func:`at_prevalence` for the
        cost where another share of the samples is positive.
    fp_cost, fn_cost : float
        The cost of a false positive and of a false negative, 0 or more, not
        both 0.
    model : str, optional
        The registry name of the model, for its colour.

    Returns
    -------
    CostCurve

    Examples
    --------
    >>> from mnist_dash.charts import compute_threshold_curves
    >>> curves = compute_threshold_curves([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> cost = compute_cost_curve(curves, fp_cost=1, fn_cost=5)
    >>> cost.costs, cost.best_threshold
    (array([0.5 , 0.25, 1.5 , 1.25]), 0.35)
    """
    if fp_cost < 0 or fn_cost < 0 or not (fp_cost or fn_cost):
        raise ValueError("costs must be 0 or more, and not both 0")
    costs = _expected_costs(
        curves.ranking,
        curves.thresholds,
        fp_cost=float(fp_cost),
        fn_cost=float(fn_cost),
        prevalence=curves.prevalence,
    )
    return CostCurve(
        thresholds=curves.thresholds,
        costs=frozen(costs),
        fp_cost=float(fp_cost),
        fn_cost=float(fn_cost),
        prevalence=curves.prevalence,
        best=int(np.argmin(costs)),
        ranking=curves.ranking,
        model=model,
    )


def cost_figure(
    curve: CostCurve,
    *,
    threshold: float,
    max_points: int = MAX_CURVE_POINTS,
) -> go.Figure:
    """Expected cost against the threshold, its minimum and the current threshold.

    Trace 0 is the curve (``thresholds`` on x, ``costs`` on y, thinned out past
    ``max_points`` keeping every bucket's lowest point), in the model's colour;
    trace 1 the lowest cost (a star); trace 2 the cost at ``threshold``, also
    marked by a vertical dotted line, in the accent colour.
    """
    keep = decimation_index(curve.costs, max_points=max_points)
    colour = model_colour(curve.model)
    traces = [
        dict(
            type="scatter",
            x=curve.thresholds[keep],
            y=curve.costs[keep],
            mode="lines",
            name="Expected cost",
            line={"color": colour},
            hovertemplate="Threshold %{x:,.4g}<br>Cost %{y:.4f}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=[curve.best_threshold],
            y=[curve.best_cost],
            mode="markers",
            name="Lowest cost",
            marker={"symbol": "star", "size": 16, "color": colour},
            hovertemplate="Lowest cost %{y:.4f}<br>at threshold %{x:,.6g}"
            "<extra></extra>",
        ),
        operating_point(
            [threshold],
            [curve.cost_at(threshold)],
            name="At threshold",
            hovertemplate="Cost %{y:.4f} at the threshold<extra></extra>",
        ),
    ]
    return layout(
        traces,
        title=(
            f"Expected cost per digit: lowest {curve.best_cost:.4f} at threshold "
            f"{format_number(curve.best_threshold)}"
        ),
        height=380,
        shapes=[
            {
                "type": "line",
                "x0": threshold,
                "x1": threshold,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": THRESHOLD_LINE,
            }
        ],
        xaxis={"title": "Threshold"},
        yaxis={"title": "Expected cost per digit", "rangemode": "tozero"},
        showlegend=False,
    )
