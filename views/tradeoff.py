"""Precision/recall tradeoff: move the threshold, pick it for a target or a cost."""

import math

import sklearn
import streamlit as st

from mnist_dash import book, charts, export, models, tasks, ui

ui.init_session()

SLIDER = "tradeoff_threshold"
#: The book's precision target, as the page writes it ("90 %").
BOOK_TARGET = f"{ui.START_PRECISION * 100:.0f} %"
#: The example costs: a digit wrongly called positive costs a second look (1);
#: a positive missed costs five times that.
FP_COST, FN_COST = 1.0, 5.0


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


def _curves(digit: int) -> charts.ThresholdCurves | None:
    """The detector's curves at the prevalence chosen (the data's by default).

    For the callbacks: the page drew them already, so they are read without
    waiting and without writing on the page (None if they are gone).
    """
    curves = ui.result_if_ready("curves", ui.data_source(), "sgd", digit)
    return None if curves is None else charts.at_prevalence(curves, ui.prevalence())


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
    st.session_state["tradeoff_precision"] = ui.START_PRECISION * 100


def _move_slider(find: str) -> None:
    """Move the slider to the threshold asked for: ``find`` is ``"precision"``
    (the lowest threshold with that precision), ``"recall"`` (the highest with
    that recall) or ``"cost"`` (the lowest expected cost)."""
    digit = st.session_state["target_digit"]
    curves = _curves(digit)
    if curves is None:
        return
    try:
        if find == "cost":
            threshold = charts.compute_cost_curve(
                curves,
                fp_cost=st.session_state["tradeoff_fp_cost"],
                fn_cost=st.session_state["tradeoff_fn_cost"],
            ).best_threshold
        elif find == "recall":
            wanted = st.session_state["tradeoff_recall"] / 100
            threshold = charts.threshold_for_recall(curves, wanted)
        else:
            wanted = st.session_state["tradeoff_precision"] / 100
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
    f"`cross_val_predict(sgd_clf, X_train, y_train_{digit}, cv=3, method="
    '"decision_function")`, as in the book. **Try first:** drag the threshold '
    "to the right and watch precision rise while recall falls; then give the "
    "two kinds of mistake a cost below and let the cheapest threshold be found. "
    "The threshold is shared with the Draw and ROC pages and kept in the address "
    "bar, so a link opens this same view."
)
ui.data_note(dataset)
with st.expander("What is a decision score?"):
    st.markdown(
        "SGD learns one weight per pixel and a bias. A digit's decision score "
        "(`decision_function`) is the weighted sum of its pixels plus the bias: "
        "the signed distance to the line between the two classes, scaled. It "
        "can be any number, it is not a probability; its sign is SGD's own "
        "answer. `predict_proba` exists for models that estimate probabilities "
        "(the random forest's share of trees voting yes); the **Calibration** "
        "page turns SGD's scores into probabilities."
    )

raw = ui.get_threshold_curves("sgd", target_digit=digit)
lowest, highest, step = _slider_grid(
    float(raw.thresholds[0]), float(raw.thresholds[-1])
)
st.session_state["tradeoff_decimals"] = max(0, -math.floor(math.log10(step)))
if SLIDER not in st.session_state:
    # The slider's first drawing on this visit, or a new digit: from the shared
    # threshold (a link, or another page) or the book's 90 %-precision start.
    # Afterwards only callbacks move it, so quick key presses are never undone.
    start, _ = ui.book_start(raw, target_digit=digit)
    shared = ui.detector_threshold(digit, default=start, share=False)
    st.session_state[SLIDER] = min(max(shared, lowest), highest)
    ui.set_detector_threshold(st.session_state[SLIDER], target_digit=digit)

digit_col, slider_col = st.columns([0.8, 6.4], vertical_alignment="bottom")
with digit_col:
    ui.digit_picker(
        "tradeoff_digit",
        help=f"A new digit starts at its {BOOK_TARGET}-precision threshold.",
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
precision_col, go_col, recall_col, recall_go_col, prevalence_col = st.columns(
    [1.2, 1.1, 1.2, 1.1, 2.6], vertical_alignment="bottom"
)
with precision_col:
    st.session_state.setdefault("tradeoff_precision", ui.START_PRECISION * 100)
    st.number_input(
        "Precision wanted (%)",
        min_value=1.0,
        max_value=100.0,
        step=1.0,
        format="%.1f",
        key="tradeoff_precision",
        on_change=_move_slider,
        args=("precision",),
    )
with go_col:
    st.button(
        "Set threshold",
        key="tradeoff_go",
        on_click=_move_slider,
        args=("precision",),
        help="The lowest threshold with this precision, as the book's "
        "thresholds[(precisions >= 0.90).argmax()].",
    )
with recall_col:
    st.session_state.setdefault("tradeoff_recall", 90.0)
    st.number_input(
        "Recall wanted (%)",
        min_value=0.1,
        max_value=100.0,
        step=1.0,
        format="%.1f",
        key="tradeoff_recall",
        on_change=_move_slider,
        args=("recall",),
    )
with recall_go_col:
    st.button(
        "Set threshold",
        key="tradeoff_recall_go",
        on_click=_move_slider,
        args=("recall",),
        help="The highest threshold that still finds this share of the "
        f"{digit}s. Recall falls as the threshold rises, so the book's idiom, "
        "thresholds[(recalls >= 0.90).argmax()], would give the first "
        "threshold of all, the lowest score, where recall is 100 %.",
    )
with prevalence_col:
    prevalence = ui.prevalence_picker(
        "tradeoff_prevalence", share=raw.ranking.base_rate
    )
st.caption(
    "Recall falls as the threshold rises, precision (mostly) rises. So the "
    "book's `thresholds[(precisions >= 0.90).argmax()]`, the first threshold "
    "with that precision, is the lowest one; the same idiom for recall, "
    "`(recalls >= 0.90).argmax()`, gives the first threshold of all, the lowest "
    "score, where recall is 100 %. *Recall wanted* takes the highest threshold "
    "that still finds that share, the one with the best precision."
)
if message := st.session_state.pop("tradeoff_message", None):
    st.warning(message)

curves = charts.at_prevalence(raw, prevalence)
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
if prevalence is not None:
    st.caption(
        f"Where {prevalence:.1%} of digits are {digit}s (the training data has "
        f"{raw.ranking.base_rate:.1%}): precision, the PR curve, the confusion "
        "matrix and the cost follow; recall does not, nor does the ROC curve. "
        "Recall and the false positive rate are each counted within one class, "
        "but precision mixes the two: the rarer the positives, the more false "
        "alarms there are for each true one at the same rates."
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
    counted = "are expected to be" if prevalence is not None else "are"
    st.markdown(
        f"At this threshold the detector calls **{at.tp + at.fp:,}** digits "
        f"{digit}s: **{at.tp:,}** {counted} {digit}s (TP) and **{at.fp:,}** not "
        f"(FP). It misses **{at.fn:,}** of the {at.tp + at.fn:,} {digit}s (FN). "
        "Where the precision curve is bumpy, raising the threshold can briefly "
        "lower it: one more negative above the threshold costs more precision "
        "when few digits are left there."
    )
    start, at_start = ui.book_start(raw, target_digit=digit)
    st.markdown(
        f"The book aims at {BOOK_TARGET} precision: here that is a threshold of "
        f"**{start:,.0f}**, with a recall of **{at_start.recall:.1%}**. It warns: "
        "*a high-precision classifier is not very useful if its recall is too "
        "low.*"
    )

st.header("What does a mistake cost?")
st.markdown(
    f"Precision and recall do not say which threshold to use; what the mistakes "
    f"cost does. Say a digit wrongly called a {digit} costs a second look, and "
    f"a {digit} missed costs five times that. The expected cost per digit is "
    "(cost of a FP × FP + cost of a FN × FN) / number of digits, at every "
    "threshold."
)
fp_col, fn_col, cheapest_col = st.columns([1, 1, 2], vertical_alignment="bottom")
with fp_col:
    st.session_state.setdefault("tradeoff_fp_cost", FP_COST)
    st.number_input(
        "Cost of a false positive",
        min_value=0.0,
        step=1.0,
        key="tradeoff_fp_cost",
        help=f"A digit that is not a {digit}, called one.",
    )
with fn_col:
    st.session_state.setdefault("tradeoff_fn_cost", FN_COST)
    st.number_input(
        "Cost of a false negative",
        min_value=0.0,
        step=1.0,
        key="tradeoff_fn_cost",
        help=f"A {digit} missed.",
    )
try:
    cost = charts.compute_cost_curve(
        curves,
        fp_cost=st.session_state["tradeoff_fp_cost"],
        fn_cost=st.session_state["tradeoff_fn_cost"],
        model=SGD.name,
    )
except ValueError as error:
    st.warning(f"{error}.")
    cost = None
with cheapest_col:
    st.button(
        "Use the cheapest threshold",
        key="tradeoff_cheapest",
        on_click=_move_slider,
        args=("cost",),
        type="primary",
        disabled=cost is None,
    )
if cost is not None:
    st.plotly_chart(charts.cost_figure(cost, threshold=threshold), key="tradeoff_cost")
    at_best = charts.metrics_at_threshold(curves, cost.best_threshold)
    st.markdown(
        f"The cheapest threshold is **{cost.best_threshold:,.0f}**: "
        f"{cost.best_cost:.4f} per digit, with precision {at_best.precision:.1%} "
        f"and recall {at_best.recall:.1%}; at the current threshold the cost is "
        f"{cost.cost_at(threshold):.4f}. It is the threshold scikit-learn's "
        "`TunedThresholdClassifierCV` picks with the same costs as its scorer "
        "(`make_scorer(cost, greater_is_better=False)`) among the same "
        "thresholds, the out-of-fold scores."
    )

st.subheader("Take the detector with you")
source = ui.data_source()
quick = len(dataset.y_train) <= 10_000 or (
    ui.job("model", source, "sgd", digit) is not None
    or models.is_stored("sgd", dataset.X_train, dataset.y_train, target_digit=digit)
)
asked = quick or st.button(
    f"Train the {digit}-detector on every training digit, to export it",
    key="tradeoff_train",
)
training = ui.job("model", source, "sgd", digit)
# Wait a little for a training this visit starts, never again on a slider move.
detector = (
    ui.get_model("sgd", target_digit=digit, wait=3.0 if training is None else False)
    if asked
    else None
)
if detector is not None:
    st.download_button(
        "Download this detector",
        data=export.detector_bytes(
            export.detector_with_threshold(detector, threshold=threshold)
        ),
        file_name=f"sgd_is_it_a_{digit}_threshold_{ui.url_number(threshold)}.pkl",
        mime="application/octet-stream",
        key="tradeoff_download",
        icon="💾",
        help=f"scikit-learn's FixedThresholdClassifier around {SGD.call} trained "
        f"on every training digit: predict says yes when the score reaches "
        f"{threshold:,.0f}. A pickle, the way scikit-learn models are normally "
        "saved: load it with pickle.load, only from a source you trust (loading "
        f"a pickle runs code), with scikit-learn {sklearn.__version__}.",
    )
    st.caption(
        "The same from the command line: `python -m mnist_dash export-detector "
        f"--data {source} --digit {digit} --threshold {ui.url_number(threshold)} "
        f"--out is_it_a_{digit}.pkl`. The file needs scikit-learn and numpy, "
        "not this app."
    )
elif (training := ui.job("model", source, "sgd", digit)) is not None:
    ui.show_pending([training], note="Training the detector on every digit…")

st.header("How steady is it? The spread across folds")
sgd = ui.get_cross_val("sgd", target_digit=digit)
spread = ui.run(
    tasks.fold_spread(dataset, sgd, target_digit=digit, prevalence=prevalence)
)
st.plotly_chart(
    charts.fold_spread_figure(spread, threshold=threshold), key="tradeoff_folds"
)
st.caption(
    "Each of the three folds was scored by the SGD trained on the other two. "
    "The band runs from the lowest fold to the highest: where it is wide, the "
    "number shown above depends on which digits happened to be in the fold. The "
    "queue rate is the share of digits called positive: the work a 'yes' makes, "
    "say for people who check them."
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

st.subheader("Where to go next")
st.page_link("views/roc.py", label="The same threshold on the ROC curve", icon="📈")
st.page_link(
    "views/calibration.py", label="From scores to honest probabilities", icon="🌡️"
)
st.page_link("views/multilabel.py", label="Two labels for each digit", icon="🏷️")
