"""Calibration: are a detector's probabilities honest? Reliability and Brier score."""

import streamlit as st

from mnist_dash import calibration, charts, jobs, models, tasks, ui

ui.init_session()
digit = ui.shared_digit("calibration_digit")
dataset = ui.get_data()
SGD, FOREST = models.MODELS["sgd"], models.MODELS["random_forest"]
NAMES = {"sigmoid": "SGD + sigmoid (Platt)", "isotonic": "SGD + isotonic"}

st.title("🌡️ Calibration: can the probabilities be trusted?")
st.markdown(
    f"When a detector says *70 % sure it is a {digit}*, are 70 % of such digits "
    f"{digit}s? The reliability diagram sorts the digits into bins by the "
    "probability given and plots, for each bin, the share that really are "
    f"{digit}s: a calibrated model stays on the diagonal. The Brier score, the "
    "mean squared gap between the probability and the truth (0 or 1), sums it "
    "up: lower is better. All out of fold (cv=3), as on the other pages. **Try "
    "first:** compare the random forest's curve with the diagonal, then the two "
    "calibrations of SGD; change the bins to see how much of the shape is noise."
)
ui.data_note(dataset)
with st.expander("`predict_proba` or `decision_function`?"):
    st.markdown(
        f"`{SGD.call}` has no `predict_proba` (its hinge loss estimates no "
        "probabilities): `decision_function` gives a score, any number, whose "
        "sign is its answer. `CalibratedClassifierCV(sgd_clf, method=..., cv=3)` "
        "fits SGD on two thirds of its data and learns, on the last third, a "
        "map from scores to probabilities: a sigmoid (Platt's method: a "
        "logistic curve) or an isotonic fit (any increasing steps); it does so "
        "for each of its three folds and averages them. "
        f"`{FOREST.call}` has `predict_proba`: the share of its trees voting "
        "yes, a probability by construction but not necessarily an honest one."
    )

digit_col, bins_col, strategy_col = st.columns([1, 2, 2], vertical_alignment="bottom")
with digit_col:
    ui.digit_picker(
        "calibration_digit", help="Shared with the Binary and threshold pages."
    )
with bins_col:
    bins = st.slider("Bins", 5, 20, 10, key="calibration_bins")
with strategy_col:
    strategy = st.radio(
        "Bins of",
        ["uniform", "quantile"],
        format_func={"uniform": "equal width", "quantile": "equal counts"}.get,
        key="calibration_strategy",
        horizontal=True,
    )

forest = ui.get_cross_val("random_forest", target_digit=digit, wait=5.0)
task = tasks.calibration(dataset, digit)
calibrated = ui.run(task, wait=False, priority=jobs.BACKGROUND)
probabilities = {} if forest is None else {FOREST.label: forest.scores}
if calibrated is not None:
    probabilities |= {
        NAMES[method]: calibrated.probabilities[method]
        for method in calibration.METHODS
    }
forest_job = ui.job("cv", ui.data_source(), "random_forest", digit)
pending = [
    job
    for job, ready in ((forest_job, forest), (ui.job(*task.key), calibrated))
    if job is not None and ready is None
]

if probabilities:
    y_true = models.targets_for(dataset.y_train, digit)
    data = charts.compute_calibration(
        y_true,
        probabilities,
        n_bins=bins,
        strategy=strategy,
        models={
            name: FOREST.name if name == FOREST.label else SGD.name
            for name in probabilities
        },
    )
    chart_col, numbers_col = st.columns([3, 1])
    with chart_col:
        st.plotly_chart(charts.calibration_figure(data), key="calibration_chart")
    with numbers_col:
        for curve in data.curves:
            st.metric(
                f"Brier score, {curve.name}",
                f"{curve.brier:.4f}",
                help="brier_score_loss(y_train == d, probabilities), out of fold.",
            )
        best = min(data.curves, key=lambda curve: curve.brier)
        st.caption(
            f"Lowest here: {best.name}. A model that always said "
            f"{y_true.mean():.1%} (the share of {digit}s) would score "
            f"{y_true.mean() * (1 - y_true.mean()):.4f}."
        )
    st.markdown(
        "Below the diagonal, the model is over-confident (it says more than is "
        "true); above, under-confident. The bottom panel counts the digits in "
        "each bin: most probabilities are near 0, so the bins in the middle hold "
        "few digits and their points move a lot from one binning to the next."
    )
if pending:
    ui.show_pending(
        pending,
        note="Computed once, in the background, and kept: "
        + (
            "the SGD calibrations are shown when they are done (nine SGD fits)."
            if forest is not None
            else "each model's curve appears when it is done."
        ),
    )

st.subheader("Where to go next")
st.page_link("views/tradeoff.py", label="Turn scores into decisions, by cost", icon="⚖️")
st.page_link("views/roc.py", label="ROC curves of the same two models", icon="📈")
st.page_link("views/multilabel.py", label="Two labels for each digit", icon="🏷️")
