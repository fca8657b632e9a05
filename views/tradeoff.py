"""Precision/recall tradeoff: move the decision threshold, watch both change."""

import math

import streamlit as st

from mnist_dash import charts, ui

ui.init_session()

#: The threshold a new digit starts at: the book's "90 % precision".
START_PRECISION = 0.90


def _slider_grid(lowest: float, highest: float) -> tuple[float, float, float]:
    """Slider bounds around [lowest, highest] and a round step, about 1,000 steps.

    Decision scores of SGD on raw pixels run into the millions; the slider's
    default step of 0.01 would make its keyboard steps useless.
    """
    step = 10.0 ** math.floor(math.log10(max(highest - lowest, 1e-9) / 1000))
    return math.floor(lowest / step) * step, math.ceil(highest / step) * step, step


def _change(value: float, at_zero: float) -> str | None:
    """The change from SGD's own threshold, in points; None when there is none."""
    points = f"{(value - at_zero) * 100:+.1f}"
    return None if points in ("+0.0", "-0.0") else f"{points} pts vs threshold 0"


def _share_slider() -> None:
    ui.set_detector_threshold(
        st.session_state["tradeoff_threshold"],
        target_digit=st.session_state["target_digit"],
    )


def _go_to_precision() -> None:
    """Move the slider to the lowest threshold with the precision asked for."""
    digit = st.session_state["target_digit"]
    wanted = st.session_state["tradeoff_precision"] / 100
    curves = ui.get_threshold_curves("sgd", target_digit=digit)
    try:
        threshold = charts.threshold_for_precision(curves, wanted)
    except ValueError as error:
        st.session_state["tradeoff_message"] = str(error)
        return
    ui.set_detector_threshold(threshold, target_digit=digit)
    st.session_state["tradeoff_threshold"] = threshold


digit = ui.shared_digit("tradeoff_digit")

st.title("⚖️ Precision/recall tradeoff")
st.markdown(
    f"`SGDClassifier` gives every digit a decision score and says *{digit}* when "
    "the score reaches a threshold (0 by default). The scores here are out-of-fold, "
    '`cross_val_predict(..., cv=3, method="decision_function")`, as in the book. '
    "Raise the threshold and precision goes up while recall goes down; lower it "
    "and the reverse. The threshold is shared with the Draw and ROC pages and kept "
    "in the address bar, so a link opens this same view."
)

curves = ui.get_threshold_curves("sgd", target_digit=digit)
lowest, highest, step = _slider_grid(
    float(curves.thresholds[0]), float(curves.thresholds[-1])
)
try:
    start = charts.threshold_for_precision(curves, START_PRECISION)
except ValueError:  # a detector that never reaches 90 % keeps SGD's own threshold
    start = 0.0
threshold = min(max(ui.detector_threshold(digit, default=start), lowest), highest)
# Set before the slider is drawn: a digit change, a shared link or the precision
# box move it; the slider's own moves come back through _share_slider.
if st.session_state.get("tradeoff_threshold") != threshold:
    st.session_state["tradeoff_threshold"] = threshold
ui.set_detector_threshold(threshold, target_digit=digit)

digit_col, slider_col, target_col, button_col = st.columns(
    [0.8, 4, 1.2, 1.1], vertical_alignment="bottom"
)
with digit_col:
    ui.digit_picker(
        "tradeoff_digit", help="A new digit starts at its 90 %-precision threshold."
    )
with slider_col:
    st.slider(
        "Decision threshold",
        min_value=lowest,
        max_value=highest,
        step=step,
        format="%.0f" if step >= 1 else "%.4f",
        key="tradeoff_threshold",
        on_change=_share_slider,
    )
with target_col:
    st.number_input(
        "Precision wanted (%)",
        min_value=1.0,
        max_value=100.0,
        value=90.0,
        step=1.0,
        format="%.1f",
        key="tradeoff_precision",
        on_change=_go_to_precision,
    )
with button_col:
    st.button(
        "Set threshold",
        key="tradeoff_go",
        on_click=_go_to_precision,
        help="The lowest threshold with this precision, as the book's "
        "thresholds[(precisions >= 0.90).argmax()].",
    )
if message := st.session_state.pop("tradeoff_message", None):
    st.warning(message)

at = charts.metrics_at_threshold(curves, threshold)
default = charts.metrics_at_threshold(curves, 0.0)
threshold_m, precision_m, recall_m, f1_m = st.columns(4)
threshold_m.metric(
    "Threshold", f"{threshold:,.0f}", help="score ≥ threshold means 'yes'."
)
precision_m.metric(
    "Precision",
    f"{at.precision:.1%}",
    delta=_change(at.precision, default.precision),
    help=f"Of the digits called {digit}, the share that are {digit}s.",
)
recall_m.metric(
    "Recall",
    f"{at.recall:.1%}",
    delta=_change(at.recall, default.recall),
    help=f"Of the real {digit}s, the share found.",
)
f1_m.metric(
    "F1 score",
    f"{at.f1:.1%}",
    delta=_change(at.f1, default.f1),
    help="Harmonic mean of precision and recall.",
)

curve_col, pr_col = st.columns(2)
with curve_col:
    st.plotly_chart(
        charts.threshold_figure(curves, threshold=threshold),
        key="tradeoff_curves",
    )
with pr_col:
    st.plotly_chart(
        charts.pr_curve_figure(curves, threshold=threshold),
        key="tradeoff_pr",
    )

matrix_col, text_col = st.columns([1, 1])
with matrix_col:
    st.plotly_chart(
        charts.confusion_figure(
            charts.confusion_from_metrics(at),
            title=f"Confusion matrix at threshold {threshold:,.0f}",
            class_names=[f"not {digit}", str(digit)],
        ),
        key="tradeoff_confusion",
    )
with text_col:
    st.markdown(
        f"At this threshold the detector calls **{at.tp + at.fp:,}** digits "
        f"{digit}s: **{at.tp:,}** really are (TP) and **{at.fp:,}** are not (FP). "
        f"It misses **{at.fn:,}** of the {at.tp + at.fn:,} real {digit}s (FN)."
    )
    st.markdown(
        "The book aims at 90 % precision (a threshold of about 3,370 on full "
        "MNIST, for a recall of about 48 %) and warns: *a high-precision "
        "classifier is not very useful if its recall is too low.* Where the "
        "precision curve is bumpy, raising the threshold can briefly lower it."
    )
