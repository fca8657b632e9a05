"""The look shared by every chart: colours, the digits' ink, margins, markers."""

from __future__ import annotations

import plotly.graph_objects as go

BLUE = "#1f77b4"
ORANGE = "#ff7f0e"
GREEN = "#2ca02c"
RED = "#d62728"
GREY = "#7f7f7f"

# Digits as MNIST stores them and the canvas draws them: white ink on black.
INK = [[0.0, "black"], [1.0, "white"]]
MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}


def operating_point_marker(
    x: list[float], y: list[float], name: str, color: str
) -> go.Scatter:
    """The point of a curve where the chosen threshold lies."""
    return go.Scatter(
        x=x,
        y=y,
        mode="markers",
        marker={"size": 11, "color": color, "line": {"color": "white", "width": 1}},
        name=name,
        showlegend=False,
    )
