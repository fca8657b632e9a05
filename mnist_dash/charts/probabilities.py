"""One drawing read by a model: its probability (or decision score) for each class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from mnist_dash.charts._common import format_number, frozen, label_text, python_scalar
from mnist_dash.charts._style import ACCENT, NEUTRAL, layout

ScoreKind = Literal["probability", "decision"]


@dataclass(frozen=True, eq=False)
class ProbabilityBars:
    """A model's output for one image: one value per class.

    Attributes
    ----------
    classes : ndarray, shape (k,)
    values : ndarray of float, shape (k,)
        Probabilities (``predict_proba``) or decision scores.
    kind : {"probability", "decision"}
    predicted : int
        Index of the predicted class (the largest value).
    """

    classes: np.ndarray
    values: np.ndarray
    kind: ScoreKind
    predicted: int

    @property
    def predicted_class(self) -> Any:
        """The label of the predicted class."""
        return python_scalar(self.classes[self.predicted])


def compute_probabilities(
    values: ArrayLike,
    *,
    kind: ScoreKind,
    classes: ArrayLike | None = None,
) -> ProbabilityBars:
    """Per-class output of a model for one image, ready to draw.

    Parameters
    ----------
    values : array-like, shape (k,) or (1, k)
        A row of ``predict_proba`` or ``decision_function``.
    kind : {"probability", "decision"}
    classes : array-like, shape (k,), optional
        ``model.classes_``; by default ``0 .. k-1``.

    Returns
    -------
    ProbabilityBars

    Examples
    --------
    >>> bars = compute_probabilities([0.1, 0.7, 0.2], kind="probability")
    >>> bars.predicted_class
    1
    """
    if kind not in ("probability", "decision"):
        raise ValueError(f"kind must be 'probability' or 'decision', not {kind!r}")
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 2 and v.shape[0] == 1:
        v = v[0]
    if v.ndim != 1 or len(v) < 2:
        raise ValueError(f"need one value per class (at least 2), got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError("values must be finite")
    if kind == "probability" and ((v < 0).any() or (v > 1 + 1e-9).any()):
        raise ValueError("probabilities must lie between 0 and 1")
    labels = np.arange(len(v)) if classes is None else np.asarray(classes)
    if labels.shape != v.shape:
        raise ValueError(f"{len(labels)} classes for {len(v)} values")
    return ProbabilityBars(
        classes=frozen(labels),
        values=frozen(v),
        kind=kind,
        predicted=int(v.argmax()),
    )


#: Smaller probabilities are not written above their bar: a row of "0%" is noise.
SMALLEST_LABELLED = 0.01


def _value_text(data: ProbabilityBars, index: int) -> str:
    value = float(data.values[index])
    if data.kind == "probability":
        return f"{value:.0%}" if value >= SMALLEST_LABELLED else ""
    # Decision scores are long numbers of either sign: only the winner's is written.
    return format_number(value) if index == data.predicted else ""


def probability_figure(data: ProbabilityBars, *, title: str | None = None) -> go.Figure:
    """A bar per class, the predicted class in the accent colour, the others muted.

    Trace 0 is the bar chart: ``x`` the class labels (as text), ``y`` the values,
    ``text`` the probabilities of at least 1 % (for decision scores, only the
    predicted class's score).

    Parameters
    ----------
    data : ProbabilityBars
    title : str, optional
        By default ``"Predicted: <class>"``; a page that already shows the
        prediction gives another.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    is_probability = data.kind == "probability"
    colours = [NEUTRAL] * len(data.values)
    colours[data.predicted] = ACCENT
    traces = [
        dict(
            type="bar",
            x=[label_text(c) for c in data.classes],
            y=data.values,
            marker={"color": colours},
            text=[_value_text(data, i) for i in range(len(data.values))],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="Class %{x}: %{y:.4g}<extra></extra>",
        )
    ]
    return layout(
        traces,
        title=title or f"Predicted: {data.predicted_class}",
        height=320,
        xaxis={"title": "Class", "type": "category"},
        yaxis={
            "title": "Probability" if is_probability else "Decision score",
            **({"range": [0, 1.1], "tickformat": ".0%"} if is_probability else {}),
        },
    )


def before_after_figure(before: ProbabilityBars, after: ProbabilityBars) -> go.Figure:
    """The same image's output per class before and after a change of the model.

    Trace 0 is ``before`` (muted), trace 1 ``after`` (the accent), grouped by
    class; ``y`` are the values.
    """
    if before.kind != after.kind or len(before.values) != len(after.values):
        raise ValueError("before and after must be the same kind, class for class")
    labels = [label_text(c) for c in after.classes]
    traces = [
        dict(
            type="bar",
            x=labels,
            y=before.values,
            name="Before",
            marker={"color": NEUTRAL},
        ),
        dict(
            type="bar", x=labels, y=after.values, name="After", marker={"color": ACCENT}
        ),
    ]

    is_probability = after.kind == "probability"
    return layout(
        traces,
        title=None,
        height=260,
        barmode="group",
        xaxis={"title": "Class", "type": "category"},
        yaxis={
            "title": "Probability" if is_probability else "Decision score",
            **({"range": [0, 1.05], "tickformat": ".0%"} if is_probability else {}),
        },
        legend={"orientation": "h", "y": 1.15},
    )
