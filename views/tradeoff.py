"""Precision/recall tradeoff: move the decision threshold, watch both change."""

import math

import streamlit as st

from mnist_dash import book, charts, models, ui

ui.init_session()

#: The threshold a new digit starts at: the book's "90 % precision".
START_PRECISION = 0.90
SLIDER = "tradeoff_threshold"


def _slider_grid(lowest: float, highest: float) -> tuple[float, float, float]:
    """Slider bounds around [lowest, highest] and a round step, about 1,000 steps.

    Decision scores of SGD on raw pixels run into the thousands (millions on the
    small sample); the slider's default step of 0.01 would make its keyboard
    steps useless.
    """
    step = 10.0 ** math.floor(math.log10(max(highest - lowest, 1e-9) / 1000))
    return math.floor(lowest / step) * step, math.ceil(highest / step) * step, step


def _change(value: float, at_zero: float) -> str | None:
    """The change from SGD's own threshold, in points; None when there is none."""
    points = f"{(value - at_zero) * 100:+.1f}"
    return None if points in ("+0.0", "-0.0") else f"{points} pts vs threshold 0"


def _start(curves: charts.ThresholdCurves) -> float:
    """The book's starting point: the lowest threshold with 90 % precision."""
    try:
        return charts.threshold_for_precision(curves, START_PRECISION)
    except ValueError:  # a detector that never reaches 90 % keeps SGD's own
        return 0.0


def _share_slider() -> None:
    """The slider moved: its value becomes the shared threshold (and the link's).

    Snapped to the slider's own decimals: stepping by 1,000 from -4,332,000 in
    floating point gives 188000.00000000038, which no link should carry.
    """
    value = round(st.session_state[SLIDER], st.session_state["tradeoff_decimals"])
    st.session_state[SLIDER] = value
    ui.set_detector_threshold(value, target_digit=st.session_state["target_digit"])


def _new_digit() -> None:
    """A new digit starts again at its own 90 %-precision threshold."""
    st.session_state.pop(SLIDER, None)
    st.session_state["tradeoff_precision"] = START_PRECISION * 100


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
    st.session_state[SLIDER] = threshold


digit = ui.shared_digit("tradeoff_digit")
dataset = ui.get_data()
SGD = models.MODELS["sgd"]

st.title("⚖️ Precision/recall tradeoff")
st.markdown(
    f"`{SGD.call}` gives every digit a decision score and says *{digit}* when the "
    "score reaches a threshold (0 by default). The scores here are out-of-fold, "
    f'`cross_val_predict(sgd_clf, X_train, y_train_{digit}, cv=3, method='
    '"decision_function")`, as in the book. **Try first:** drag the threshold '
    "to the right and watch precision rise while recall falls. The threshold is "
    "shared with the Draw and ROC pages and kept in the address bar, so a link "
    "opens this same view."
)
ui.data_note(dataset)

curves = ui.get_threshold_curves("sgd", target_digit=digit)
lowest, highest, step = _slider_grid(
    float(curves.thresholds[0]), float(curves.thresholds[-1])
)
st.session_state["tradeoff_decimals"] = max(0, -math.floor(math.log10(step)))
if SLIDER not in st.session_state:
    # The slider's first drawing on this visit, or a new digit: from the shared
    # threshold (a link, or another page) or the book's 90 %-precision start.
    # Afterwards only callbacks move it, so quick key presses are never undone.
    shared = ui.detector_threshold(digit, default=_start(curves), share=False)
    st.session_state[SLIDER] = min(max(shared, lowest), highest)
    ui.set_detector_threshold(st.session_state[SLIDER], target_digit=digit)

digit_col, slider_col, target_col, button_col = st.columns(
    [0.8, 4, 1.2, 1.1], vertical_alignment="bottom"
)
with digit_col:
    ui.digit_picker(
        "tradeoff_digit",
        help="A new digit starts at its 90 %-precision threshold.",
        on_change=_new_digit,
    )
with slider_col:
    st.slider(
        "Decision threshold",
        min_value=lowest,
        max_value=highest,
        step=step,
        format="localized",
        key=SLIDER,
        on_change=_share_slider,
    )
with target_col:
    st.session_state.setdefault("tradeoff_precision", START_PRECISION * 100)
    st.number_input(
        "Precision wanted (%)",
        min_value=1.0,
        max_value=100.0,
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

threshold = float(st.session_state[SLIDER])
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
        f"It misses **{at.fn:,}** of the {at.tp + at.fn:,} real {digit}s (FN). "
        "Where the precision curve is bumpy, raising the threshold can briefly "
        "lower it: one more negative above the threshold costs more precision "
        "when few digits are left there."
    )
    start = _start(curves)
    at_start = charts.metrics_at_threshold(curves, start)
    st.markdown(
        f"The book aims at 90 % precision: here that is a threshold of "
        f"**{start:,.0f}**, with a recall of **{at_start.recall:.1%}**. It warns: "
        "*a high-precision classifier is not very useful if its recall is too "
        "low.*"
    )

st.subheader("Against the book")
if digit == 5:
    F = book.FIGURES
    ui.book_table(
        [
            ("Threshold for 90 % precision", F["threshold_90"], start, "{:,.4f}"),
            ("Precision there", F["precision_at_90"], at_start.precision, "{:.4f}"),
            ("Recall there", F["recall_at_90"], at_start.recall, "{:.4f}"),
        ],
        dataset=dataset,
        key="tradeoff_book",
    )
else:
    st.caption("The book's figures are for the 5-detector: pick 5 to compare.")
