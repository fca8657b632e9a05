"""One look for every chart: theme-neutral figures and colours that mean one thing.

Every figure builder is run once on real data; the rules are checked on the
figures themselves (their plotly JSON), so that a builder that forgets them fails.
"""

from __future__ import annotations

import colorsys
import itertools

import numpy as np
import plotly.colors
import plotly.graph_objects as go
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline

from mnist_dash import charts, explain, models

#: Streamlit's dark theme background, and the light theme's.
DARK = "#0e1117"
WHITE = "#ffffff"


def _rgb(colour: str) -> np.ndarray:
    """A plotly colour (hex, ``rgb()`` or ``rgba()``) as red, green, blue in 0-1."""
    if colour.startswith("rgba"):
        return np.array([float(c) for c in colour[5:-1].split(",")[:3]]) / 255
    (rgb,), _ = plotly.colors.convert_colors_to_same_type(colour)
    return np.array(plotly.colors.unlabel_rgb(rgb)) / 255


def _alpha(colour: str) -> float:
    return float(colour[5:-1].split(",")[3]) if colour.startswith("rgba") else 1.0


def _linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _luminance(colour: str) -> float:
    return float(_linear(_rgb(colour)) @ [0.2126, 0.7152, 0.0722])


def _contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


# Machado, Oliveira and Fernandes (2009), severity 1, on linear RGB.
_DEUTERANOPIA = np.array(
    [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
     [-0.011820, 0.042940, 0.968881]]
)  # fmt: skip
_PROTANOPIA = np.array(
    [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
     [-0.003882, -0.048116, 1.051998]]
)  # fmt: skip


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a linear RGB colour."""
    to_xyz = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    )
    xyz = to_xyz @ np.clip(linear_rgb, 0, 1) / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _difference(a: str, b: str) -> float:
    """The smallest CIE76 colour difference as seen with normal vision,
    deuteranopia and protanopia."""
    la, lb = _linear(_rgb(a)), _linear(_rgb(b))
    return min(
        float(np.linalg.norm(_lab(m @ la) - _lab(m @ lb)))
        for m in (np.eye(3), _DEUTERANOPIA, _PROTANOPIA)
    )


@pytest.fixture(scope="module")
def figures(mnist, is_five, sgd_scores, forest_scores, multiclass_pred) -> dict:
    """One figure of every builder (and of each variant of the matrix)."""
    X, y = mnist
    why = explain.explain_linear(
        make_pipeline(SGDClassifier(random_state=42)).fit(X[:500], y[:500]), X[600]
    )
    curves = charts.compute_threshold_curves(is_five, sgd_scores)
    threshold = charts.threshold_for_precision(curves, 0.9)
    at = charts.metrics_at_threshold(curves, threshold)
    roc = charts.compute_roc(
        is_five,
        {"SGD": sgd_scores, "Random forest": forest_scores},
        models={"SGD": "sgd", "Random forest": "random_forest"},
    )
    return {
        "binary matrix": charts.confusion_figure(
            charts.confusion_from_metrics(at), class_names=["not 5", "5"]
        ),
        "matrix": charts.confusion_figure(charts.compute_confusion(y, multiclass_pred)),
        "errors": charts.confusion_figure(
            charts.compute_confusion(
                y, multiclass_pred, normalize="true", errors_only=True
            )
        ),
        "thresholds": charts.threshold_figure(curves, threshold=threshold),
        "pr curve": charts.pr_curve_figure(curves, threshold=threshold),
        "roc": charts.roc_figure(roc, threshold=threshold, threshold_model="SGD"),
        "probabilities": charts.probability_figure(
            charts.compute_probabilities(
                [0.001, 0.02, 0.9, 0.079, 0, 0, 0, 0, 0, 0], kind="probability"
            )
        ),
        "scores": charts.probability_figure(
            charts.compute_probabilities([-3e5, 2e4, -1.5e5], kind="decision")
        ),
        "digit": charts.digit_figure(X[0], title="What the model sees"),
        "gallery": charts.digit_grid_figure(X[:5], columns=5, titles=list("abcde")),
        "class counts": charts.class_counts_figure(charts.compute_class_counts(y)),
        "templates": charts.templates_figure(why),
        "shares": charts.contributions_figure(why),
        "neighbours": charts.neighbours_figure(
            explain.Neighbours(X[:3], np.array([1, 2, 3]), np.array([5.0, 6, 7]))
        ),
        "saliency": charts.saliency_figure(
            explain.Saliency(3, 0.9, np.linspace(-1, 1, 784), 4), X[0]
        ),
        "risk coverage": charts.risk_coverage_figure(
            {
                "ours": charts.compute_risk_coverage(
                    is_five, -np.abs(sgd_scores), threshold=-1000
                )
            }
        ),
        "before and after": charts.before_after_figure(
            charts.compute_probabilities([0.2, 0.8], kind="probability"),
            charts.compute_probabilities([0.7, 0.3], kind="probability"),
        ),
        "accuracy": charts.accuracy_bars_figure(
            charts.compute_accuracy_bars(
                {"dummy": [0.9, 0.91], "SGD": [0.95, 0.96]}, models={"SGD": "sgd"}
            )
        ),
        "roc, log": charts.roc_figure(roc, threshold=threshold, log_fpr=True),
        "cost": charts.cost_figure(
            charts.compute_cost_curve(curves, fp_cost=1, fn_cost=5, model="sgd"),
            threshold=threshold,
        ),
        "folds": charts.fold_spread_figure(
            charts.compute_fold_spread(
                is_five, sgd_scores, np.arange(len(y)) % 3, n_thresholds=20
            ),
            threshold=threshold,
        ),
        "calibration": charts.calibration_figure(
            charts.compute_calibration(
                is_five,
                {"Random forest": forest_scores},
                models={"Random forest": "random_forest"},
            )
        ),
        "multilabel": charts.multilabel_f1_figure(
            charts.compute_multilabel_f1(
                np.c_[y >= 7, y % 2 == 1],
                np.c_[multiclass_pred >= 7, multiclass_pred % 2 == 1],
                labels=("large", "odd"),
                model="knn",
            )
        ),
        "denoising": charts.denoising_figure(
            charts.compute_denoising_errors(
                X[:5],
                np.stack([X[:5], X[:5] + 50]),
                np.stack([X[:5], X[:5]]),
                levels=[0, 100],
                trained_level=100,
                model="knn",
            ),
            level=40,
        ),
    }


# --------------------------------------------------------------------------------
# Theme-neutral figures
# --------------------------------------------------------------------------------


def test_no_figure_paints_a_background(figures):
    """The page's own background (light or dark) shows through every figure."""
    for name, fig in figures.items():
        for background in (fig.layout.paper_bgcolor, fig.layout.plot_bgcolor):
            assert background is not None and _alpha(background) == 0, name


def test_no_figure_sets_text_or_grid_colours(figures):
    """Fonts, axes and gridlines are the theme's; only text on a known colour
    (a matrix cell, an accuracy bar) is given one, checked where it is drawn."""
    for name, fig in figures.items():
        layout = fig.layout
        assert layout.font.color is None, name
        assert layout.title.font.color is None, name
        for axis in (layout.xaxis, layout.yaxis):
            assert axis.gridcolor is None and axis.linecolor is None, name
            assert axis.tickfont.color is None and axis.title.font.color is None, name
        for trace in fig.data:
            if "textfont" in trace and trace.textfont.color is not None:
                assert trace.type == "bar" and trace.textposition == "inside", name


def test_accuracy_bar_text_contrasts_with_its_bar(figures):
    bars = figures["accuracy"].data[0]
    for text, bar in zip(bars.textfont.color, bars.marker.color, strict=True):
        assert _contrast(text, bar) >= 4.5


def test_titles_sit_below_the_mode_bar(figures):
    """A title is anchored to the top of the plot, with room above it for the
    mode bar and Streamlit's toolbar, which appear at the top right on hover."""
    titled = [name for name, fig in figures.items() if fig.layout.title.text]
    assert len(titled) >= 9
    for name in titled:
        layout = figures[name].layout
        assert layout.margin.t >= 60, name
        assert (layout.title.yref, layout.title.y) == ("paper", 1), name
        assert layout.title.yanchor == "bottom", name
        assert (layout.title.x, layout.title.xanchor) == (0, "left"), name


def test_matrix_numbers_are_at_least_12_px(figures):
    for name in ("binary matrix", "matrix", "errors"):
        assert figures[name].data[0].textfont.size >= 12, name
    assert figures["binary matrix"].data[0].textfont.size >= 14


# --------------------------------------------------------------------------------
# Scales
# --------------------------------------------------------------------------------


def test_sequential_scale_has_no_white_or_black_end():
    """A near-white end glares on the dark theme (as "Blues" did) and a black one
    would vanish into it: both ends are clearly coloured, none is near white."""
    colours = [colour for _, colour in charts.SEQUENTIAL]
    assert max(_luminance(c) for c in colours) < 0.85
    for end in (colours[0], colours[-1]):
        _, a, b = _lab(_linear(_rgb(end)))
        assert np.hypot(a, b) >= 40, end  # chroma: far from any grey
    # Perceptually ordered: each stop is lighter than the one before.
    assert np.all(np.diff([_luminance(c) for c in colours]) > 0)


def test_diverging_scale_is_transparent_at_zero_and_opaque_at_its_ends():
    stops = dict(charts.DIVERGING)
    assert (_alpha(stops[0.0]), _alpha(stops[0.5]), _alpha(stops[1.0])) == (1, 0, 1)
    # Red below zero, blue above, as RdBu.
    low, high = _rgb(stops[0.0]), _rgb(stops[1.0])
    assert low.argmax() == 0 and high.argmax() == 2
    # RdBu's strongest colours short of its darkest, which would vanish on the
    # dark theme.
    for end in (stops[0.0], stops[1.0]):
        assert _contrast(end, DARK) >= 2.5 and _contrast(end, WHITE) >= 2.5
    go.Heatmap(z=[[-1, 0, 1]], colorscale=charts.DIVERGING, zmid=0)  # valid


def test_digits_keep_their_white_ink_on_black(figures):
    for name in ("digit", "gallery"):
        heatmap = figures[name].data[0]
        assert [list(stop) for stop in heatmap.colorscale] == charts.INK


# --------------------------------------------------------------------------------
# Colours that mean one thing
# --------------------------------------------------------------------------------


def test_every_registry_model_has_a_colour():
    assert set(models.MODELS) <= set(charts.MODEL_COLOURS)
    assert {
        "sgd",
        "sgd_scaled",
        "sgd_averaged",
        "sgd_averaged_scaled",
        "random_forest",
        "knn",
        "knn_shifted",
        "mlp",
        "dummy",
    } == set(charts.MODEL_COLOURS)
    assert charts.model_colour("not a model") == charts.NEUTRAL
    assert charts.model_colour(None) == charts.NEUTRAL
    for name, colour in charts.MODEL_COLOURS.items():
        assert charts.model_colour(name) == colour


def test_model_colours_are_told_apart_by_everyone_on_both_themes():
    """Distinct from each other and from the accent, also with the two common
    colour-vision deficiencies, and visible on a white and on a dark page."""
    palette = {**charts.MODEL_COLOURS, "accent": charts.ACCENT}
    assert len(set(palette.values())) == len(palette)
    for (a, ca), (b, cb) in itertools.combinations(palette.items(), 2):
        assert _difference(ca, cb) >= 10, (a, b)
    for name, colour in palette.items():
        assert _contrast(colour, WHITE) >= 2, name
        assert _contrast(colour, DARK) >= 3, name


def test_dummy_and_neutral_are_grey():
    red, green, blue = _rgb(charts.MODEL_COLOURS["dummy"])
    assert red == green == blue
    assert charts.NEUTRAL == charts.MODEL_COLOURS["dummy"]


def test_the_accent_is_not_red():
    hue, saturation, _ = colorsys.rgb_to_hsv(*_rgb(charts.ACCENT))
    assert 25 <= hue * 360 <= 70  # orange to yellow; red reads as an error
    assert saturation > 0.5


def test_the_current_threshold_is_drawn_in_the_accent_everywhere(figures):
    thresholds, pr, roc = figures["thresholds"], figures["pr curve"], figures["roc"]
    assert thresholds.data[2].marker.color == charts.ACCENT
    assert thresholds.layout.shapes[0].line.color == charts.ACCENT
    assert pr.data[1].marker.color == charts.ACCENT
    assert roc.data[-1].marker.color == charts.ACCENT
    assert figures["roc, log"].data[-1].marker.color == charts.ACCENT
    for name in ("cost", "folds", "denoising"):
        assert figures[name].layout.shapes[0].line.color == charts.ACCENT, name
    assert figures["cost"].data[2].marker.color == charts.ACCENT
    assert figures["denoising"].data[2].marker.color == charts.ACCENT
    for fig in (thresholds, pr, roc, figures["cost"], figures["denoising"]):
        lines = [t.line.color for t in fig.data if t.mode != "markers"]
        assert charts.ACCENT not in lines


def test_chance_line_is_grey_and_dashed(figures):
    chance = figures["roc"].data[0]
    assert chance.name == "Random classifier"
    assert chance.line.color == charts.NEUTRAL
    assert chance.line.dash == charts.CHANCE_LINE["dash"] == "dash"
    for chance in (
        figures["roc, log"].data[0],
        figures["pr curve"].data[2],
        figures["calibration"].data[0],
    ):
        assert chance.line.color == charts.NEUTRAL, chance.name
        assert chance.line.dash == "dash", chance.name


def test_a_figure_plotly_would_change_fails_the_figure_check() -> None:
    """The figures skip plotly's validation of their traces and layout (for
    speed); the check every chart test runs instead catches what validation
    would have."""
    from charts.conftest import assert_plotly_keeps_figure

    misspelt = go.Figure(layout={"xaxis": {"tpye": "category"}}, _validate=False)
    with pytest.raises(ValueError, match="tpye"):
        assert_plotly_keeps_figure(misspelt)
    shorthand = go.Figure(layout={"legend": {"title": "Models"}}, _validate=False)
    with pytest.raises(AssertionError):
        assert_plotly_keeps_figure(shorthand)
    misspelt_trace = go.Figure(
        [{"type": "scatter", "x": [0, 1], "y": [0, 1], "lien": {"width": 2}}],
        _validate=False,
    )
    with pytest.raises(ValueError, match="lien"):
        assert_plotly_keeps_figure(misspelt_trace)
    number_as_name = go.Figure(
        [{"type": "bar", "x": [0, 1], "y": [1, 2], "name": 5}], _validate=False
    )
    with pytest.raises(AssertionError):
        assert_plotly_keeps_figure(number_as_name)  # plotly writes "5"
    assert_plotly_keeps_figure(
        charts.probability_figure(
            charts.compute_probabilities(np.full(10, 0.1), kind="probability")
        )
    )
