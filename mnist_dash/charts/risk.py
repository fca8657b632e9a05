"""Risk against coverage: what refusing the least sure readings buys.

Readings are ranked by a confidence score; accepting only those above a
threshold leaves a share of them (the *coverage*) and, among those, a share of
mistakes (the *risk*). Lowering the threshold reads more and errs more. The
curve is the classic picture of a reject option (El-Yaniv and Wiener, 2010).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from mnist_dash.charts._common import decimation_index, frozen
from mnist_dash.charts._style import layout, operating_point, series_colours

__all__ = ["RiskCoverage", "compute_risk_coverage", "risk_coverage_figure"]


@dataclass(frozen=True, eq=False)
class RiskCoverage:
    """Coverage and risk at every threshold, and at the one in use.

    Attributes
    ----------
    coverage : ndarray, shape (n,)
        Share of readings accepted when the ``k + 1`` most confident are.
    risk : ndarray, shape (n,)
        Share of mistakes among those.
    operating_coverage, operating_risk : float
        The same at the threshold in use (readings with confidence >= it).
    """

    coverage: np.ndarray
    risk: np.ndarray
    operating_coverage: float
    operating_risk: float


def compute_risk_coverage(
    correct: ArrayLike, confidence: ArrayLike, *, threshold: float
) -> RiskCoverage:
    """Risk and coverage when readings below each confidence are refused.

    Parameters
    ----------
    correct : array-like of bool, shape (n,)
        Whether each reading is right (a non-digit read as any digit is not).
    confidence : array-like of float, shape (n,)
        Higher is surer.
    threshold : float
        The confidence below which readings are refused now.

    Examples
    --------
    >>> rc = compute_risk_coverage([True, False, True, True], [0.9, 0.1, 0.8, 0.5],
    ...                            threshold=0.6)
    >>> rc.coverage.tolist(), rc.risk.tolist()
    ([0.25, 0.5, 0.75, 1.0], [0.0, 0.0, 0.0, 0.25])
    >>> rc.operating_coverage, rc.operating_risk
    (0.5, 0.0)
    """
    right = np.asarray(correct, dtype=bool)
    score = np.asarray(confidence, dtype=np.float64)
    if right.ndim != 1 or right.shape != score.shape or not len(right):
        raise ValueError("correct and confidence must be 1-D, non-empty and alike")
    if np.isnan(score).any():
        raise ValueError("confidence must not be NaN")
    order = np.argsort(-score, kind="stable")
    accepted = np.arange(1, len(right) + 1)
    mistakes = np.cumsum(~right[order])
    kept = score >= threshold
    return RiskCoverage(
        coverage=frozen(accepted / len(right)),
        risk=frozen(mistakes / accepted),
        operating_coverage=float(kept.mean()),
        operating_risk=float((~right[kept]).mean()) if kept.any() else 0.0,
    )


def risk_coverage_figure(
    curves: Mapping[str, RiskCoverage], *, marked: str | None = None
) -> go.Figure:
    """One line per way of ranking readings; the point in use marked.

    Trace ``i`` is curve ``i`` (``x`` coverage, ``y`` risk, thinned to at most
    :data:`~mnist_dash.charts.MAX_CURVE_POINTS`); the last trace is the
    operating point of the curve named ``marked`` (default: the first).
    """
    if not curves:
        raise ValueError("need at least one curve")
    names = list(curves)
    marked = names[0] if marked is None else marked
    colours = series_colours([None] * len(names))
    traces = []
    for name, colour in zip(names, colours, strict=True):
        data = curves[name]
        keep = decimation_index(data.risk, max_points=2000)
        traces.append(
            dict(
                type="scatter",
                x=data.coverage[keep],
                y=data.risk[keep],
                mode="lines",
                name=name,
                line={"color": colour, "width": 2},
                hovertemplate="reads %{x:.0%}, wrong %{y:.1%}<extra></extra>",
            )
        )
    point = curves[marked]
    traces.append(
        operating_point(
            [point.operating_coverage], [point.operating_risk], name="in use"
        )
    )
    return layout(
        traces,
        title="Refusing the least sure readings: fewer read, fewer wrong",
        height=320,
        xaxis={"title": "Coverage (share read)", "tickformat": ".0%", "range": [0, 1]},
        yaxis={
            "title": "Risk (share of those wrong)",
            "tickformat": ".0%",
            "rangemode": "tozero",
        },
        legend={"orientation": "h", "y": -0.3},
        annotations=[
            {
                "x": point.operating_coverage,
                "y": point.operating_risk,
                "text": "refusal in use",
                "showarrow": False,
                "yshift": 14,
            }
        ],
    )
