"""One visual language for every chart: scales, model colours, layout, text.

The pages show figures with ``st.plotly_chart(fig)``, whose default
``theme="streamlit"`` restyles fonts, gridlines and backgrounds to the app's light
or dark theme, but anything a figure sets itself wins over the theme. So a figure
here sets no background (both are transparent), no text or gridline colour, and
colours only what carries meaning, with the constants below:

* :data:`SEQUENTIAL` for counts and shares, :data:`DIVERGING` for signed values
  (with ``zmid=0``), :data:`INK` for pictures of digits;
* :data:`MODEL_COLOURS`, one colour per model of the registry, the same on every
  page (:func:`model_colour`, :func:`series_colours`);
* :data:`ACCENT` for the one thing chosen (the predicted digit, the point at the
  current threshold), :data:`NEUTRAL` for what is not chosen or not a model, and
  the line styles :data:`CHANCE_LINE` and :data:`THRESHOLD_LINE`.

Text is given a colour only where it sits on a cell whose colour is known: then
black or white, whichever contrasts more (:func:`text_colour_on`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.colors
import plotly.graph_objects as go

#: Backgrounds: none, so that the page's own (light or dark) shows through.
TRANSPARENT = "rgba(0,0,0,0)"

#: Counts and shares (confusion matrices). Viridis is perceptually uniform, reads
#: for colour-blind people and in greyscale, and neither of its ends is white or
#: black: a matrix stays a coloured plate on the dark theme (where "Blues", which
#: fades to white, glared) and on the light one.
SEQUENTIAL: list[list[Any]] = plotly.colors.make_colorscale(
    plotly.colors.sequential.Viridis
)

#: Signed values such as per-pixel weights; use it with ``zmid=0``. RdBu's red
#: (below zero) and blue (above), fading out to transparent at zero: zero means
#: "nothing", so the page's background shows there, where RdBu's own near-white
#: middle would glare on the dark theme. The darkest ends of RdBu are left out, as
#: they would vanish into the dark theme.
DIVERGING: list[list[Any]] = [
    [0.0, "rgba(178,24,43,1)"],
    [0.25, "rgba(214,96,77,0.65)"],
    [0.5, "rgba(247,247,247,0)"],
    [0.75, "rgba(67,147,195,0.65)"],
    [1.0, "rgba(33,102,172,1)"],
]

#: Digits as MNIST stores them and the canvas draws them: white ink on black.
INK: list[list[Any]] = [[0.0, "black"], [1.0, "white"]]

#: One colour per model of the registry (``mnist_dash.models.MODELS``), the same
#: on every page. Okabe and Ito's colour-blind-safe palette where it reaches (its
#: yellow is left out: it vanishes on a white page; its orange is the accent),
#: completed with IBM's violet and Paul Tol's wine and olive. Every colour keeps a
#: contrast of at least 2:1 on white and 3:1 on the dark theme, and any two stay
#: apart for deuteranopes and protanopes too (tests/charts/test_style.py).
MODEL_COLOURS: dict[str, str] = {
    "sgd": "#0072B2",  # Okabe-Ito blue
    "sgd_scaled": "#56B4E9",  # Okabe-Ito sky blue: the same SGD, standardised
    "sgd_averaged": "#785EF0",  # IBM violet
    "sgd_averaged_scaled": "#CC79A7",  # Okabe-Ito reddish purple
    "random_forest": "#009E73",  # Okabe-Ito bluish green: a forest
    "knn": "#D55E00",  # Okabe-Ito vermillion
    "knn_shifted": "#AA3377",  # Tol wine
    "mlp": "#999933",  # Tol olive
    "dummy": "#B3B3B3",  # grey: the baseline that is not a model
}

#: The one thing chosen: the predicted digit's bar, the point (and line) at the
#: current threshold. Okabe-Ito orange: it stands out on both themes and from
#: every model colour, and it is not red, which reads as an error.
ACCENT = "#E69F00"
#: What is not chosen (the other bars), not a model, or a reference line.
NEUTRAL = MODEL_COLOURS["dummy"]
#: Precision and recall, blue and green as in the book's Figure 3-5.
PRECISION_COLOUR = "#0072B2"
RECALL_COLOUR = "#009E73"
#: F1 and the queue rate (the share called positive), beside precision and
#: recall on a chart of metrics: Okabe-Ito reddish purple and vermillion.
F1_COLOUR = "#CC79A7"
QUEUE_COLOUR = "#D55E00"
#: Bars that count samples: the colour at the middle of :data:`SEQUENTIAL`.
COUNTS_COLOUR: str = plotly.colors.sample_colorscale(SEQUENTIAL, [0.5])[0]

#: A random classifier's (chance-level) line.
CHANCE_LINE: dict[str, Any] = {"color": NEUTRAL, "dash": "dash", "width": 1.5}
#: The current threshold, drawn as a line.
THRESHOLD_LINE: dict[str, Any] = {"color": ACCENT, "dash": "dot", "width": 2}

#: Numbers in the cells of a matrix; the 2x2 binary matrix has room for more.
CELL_FONT_SIZE = 13
BINARY_CELL_FONT_SIZE = 16

# A series with no registry model takes the first model colour in this order
# that its figure does not already use: the most distinct colours first.
_SPARE_ORDER = (
    "sgd",
    "random_forest",
    "knn",
    "sgd_averaged",
    "mlp",
    "sgd_scaled",
    "knn_shifted",
    "sgd_averaged_scaled",
)

#: Room above the plot for its title, below the plotly mode bar and Streamlit's
#: toolbar, which both appear at the top right of a chart on hover.
TITLE_MARGIN = 64
_MARGIN = {"l": 10, "r": 10, "t": 10, "b": 10}


def model_colour(name: str | None) -> str:
    """The colour of the registry model ``name``; :data:`NEUTRAL` for others.

    Examples
    --------
    >>> model_colour("random_forest")
    '#009E73'
    >>> model_colour("not a model") == NEUTRAL
    True
    """
    return MODEL_COLOURS.get(name, NEUTRAL) if name is not None else NEUTRAL


def series_models(
    names: Sequence[str], models: Mapping[str, str] | None
) -> tuple[str | None, ...]:
    """The registry model of each named series, or None where there is none.

    ``models`` maps a series name to a registry name (``{"SGD": "sgd"}``); a
    series whose own name is a registry name needs no entry.

    Examples
    --------
    >>> series_models(["SGD", "knn", "Mine"], {"SGD": "sgd"})
    ('sgd', 'knn', None)
    """
    models = dict(models or {})
    unknown = sorted(set(models) - set(names))
    if unknown:
        raise ValueError(f"models names series that are not drawn: {unknown}")
    return tuple(
        models.get(name, name if name in MODEL_COLOURS else None) for name in names
    )


def series_colours(models: Sequence[str | None]) -> list[str]:
    """One colour per series: its model's, or a free palette colour if it has none.

    A series without a registry model takes a model colour that no other series
    of the same figure uses, the most distinct first, so that series stay apart
    (but then its colour does not say which model it is: pass ``models=``).

    Examples
    --------
    >>> series_colours(["random_forest", None])
    ['#009E73', '#0072B2']
    """
    taken = {model_colour(m) for m in models if m is not None}
    spare = iter(
        [MODEL_COLOURS[m] for m in _SPARE_ORDER if MODEL_COLOURS[m] not in taken]
    )
    return [model_colour(m) if m is not None else next(spare, NEUTRAL) for m in models]


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a plotly colour (``#rrggbb`` or ``rgb(...)``)."""
    (as_rgb,), _ = plotly.colors.convert_colors_to_same_type(colour)
    rgb = plotly.colors.unlabel_rgb(as_rgb)
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in (channel / 255 for channel in rgb)
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour_on(colour: str) -> str:
    """Black or white: whichever contrasts more with ``colour``.

    Examples
    --------
    >>> text_colour_on("#FDE725"), text_colour_on("#440154")
    ('#000000', '#FFFFFF')
    """
    luminance = _luminance(colour)
    on_black = (luminance + 0.05) / 0.05
    on_white = 1.05 / (luminance + 0.05)
    return "#000000" if on_black >= on_white else "#FFFFFF"


def scale_colour(scale: list[list[Any]], fraction: float) -> str:
    """The colour of ``scale`` at ``fraction`` (0 to 1), as ``rgb(...)``.

    Examples
    --------
    >>> scale_colour(SEQUENTIAL, 0.0), scale_colour(SEQUENTIAL, 1.0)
    ('rgb(68, 1, 84)', 'rgb(253, 231, 37)')
    """
    fraction = min(max(float(fraction), 0.0), 1.0)
    return plotly.colors.sample_colorscale(scale, [fraction])[0]


def operating_point(
    x: Sequence[float], y: Sequence[float], *, name: str, **more: Any
) -> dict[str, Any]:
    """The point of a curve at the current threshold: the accent, on every chart.

    A trace in plotly's own form (see :func:`layout`); ``more`` adds properties.
    """
    return {
        "type": "scatter",
        "x": list(x),
        "y": list(y),
        "mode": "markers",
        "marker": {"size": 12, "color": ACCENT},
        "name": name,
        "showlegend": False,
        **more,
    }


def layout(
    fig: go.Figure | Sequence[Mapping[str, Any]],
    *,
    title: str | None,
    height: int,
    margin: Mapping[str, int] | None = None,
    **more: Any,
) -> go.Figure:
    """``fig`` with the common layout, then ``more`` of its own, as a new figure.

    ``fig`` is a figure, or its traces in plotly's own form: dictionaries such
    as ``{"type": "scatter", "x": ..., "line": {"color": ...}}``, which are not
    validated either (constructing ``go.Scatter`` validates every property:
    most of the time a curve chart took, on every run of a page).

    Transparent backgrounds, ``height`` in pixels (the width follows the page),
    and the title, if any, left-aligned just above the plot area with room above
    it, so that the mode bar shown on hover does not cover it. ``more`` merges
    into the layout as ``fig.update_layout(**more)`` would (nested dictionaries
    update, ``xaxis_title``-style names reach inside).

    The layout is written out in plotly's own form and not validated again (see
    :func:`figure`): validating it cost 6 ms of the 7 a small figure takes.
    """
    if isinstance(fig, go.Figure):
        spec, data = fig.layout.to_plotly_json(), fig.data
    else:
        spec, data = {}, list(fig)
    _merge(
        spec,
        {
            "paper_bgcolor": TRANSPARENT,
            "plot_bgcolor": TRANSPARENT,
            "height": height,
            "margin": {
                **_MARGIN,
                **({"t": TITLE_MARGIN} if title else {}),
                **(margin or {}),
            },
            "xaxis": {"automargin": True},
            "yaxis": {"automargin": True},
        },
    )
    if title:
        _merge(
            spec,
            {
                "title": {
                    "text": title,
                    "x": 0,
                    "xref": "container",
                    "xanchor": "left",
                    "y": 1,
                    "yref": "paper",
                    "yanchor": "bottom",
                    "pad": {"b": 16},
                }
            },
        )
    for name, value in more.items():
        path = name.split("_")
        for part in reversed(path[1:]):
            value = {part: value}
        _merge(spec, {path[0]: value})
    return figure(data, spec)


def figure(data: Any, layout_spec: dict[str, Any]) -> go.Figure:
    """A figure of ``data`` (traces) with the layout ``layout_spec`` taken as it is.

    Plotly validates every property it is given, which is most of the time a
    chart takes (a Draw page's stroke builds three, a move of Precision/recall's
    slider five). The chart tests check that validating each chart (its traces
    and its layout) changes nothing (``tests/charts/conftest.py``): a misspelt
    property, or a value plotly would rewrite, fails them.
    """
    for name, settings in list(layout_spec.items()):
        # An axis title given as text is plotly's shorthand for {"text": ...}.
        if name.startswith(("xaxis", "yaxis")) and isinstance(
            settings.get("title"), str
        ):
            settings["title"] = {"text": settings["title"]}
        elif settings == []:  # no annotations, no shapes: plotly leaves them out
            del layout_spec[name]
    return go.Figure(data=data, layout=layout_spec, _validate=False)


def _merge(into: dict[str, Any], update: Mapping[str, Any]) -> None:
    """Merge ``update`` into ``into`` as plotly's ``update`` does: dictionaries
    merge key by key, anything else replaces."""
    for key, value in update.items():
        if not isinstance(value, Mapping):
            into[key] = value
            continue
        if not isinstance(into.get(key), dict):
            into[key] = {}
        _merge(into[key], value)
