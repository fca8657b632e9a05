"""ROC curve: recall against fall-out, SGD and a random forest, with their AUC."""

import streamlit as st

from mnist_dash import book, charts, models, ui

ui.init_session()

SGD = models.MODELS["sgd"]
FOREST = models.MODELS["random_forest"]

digit = ui.shared_digit("roc_digit")
dataset = ui.get_data()

st.title("📈 ROC curve")
st.markdown(
    "The receiver operating characteristic curve plots the true positive rate "
    "(recall) against the false positive rate (fall-out, the share of negatives "
    "wrongly called positive) for every threshold. The book draws it for the "
    f"`{SGD.call}` detector, then compares `{FOREST.call}`, which has no "
    "decision function: its score is `cross_val_predict(forest_clf, X_train, "
    f'y_train_{digit}, cv=3, method="predict_proba")[:, 1]`, the share of trees '
    f"voting *{digit}*. The area under the curve (AUC) is 1 for a perfect "
    "classifier and 0.5 for a random one. **Try first:** compare the two AUCs, "
    "then zoom into the top-left corner, where the curves really differ; move "
    "the threshold on the Precision/recall page and watch the marked point."
)
ui.data_note(dataset)
ZOOMS = ("Whole curve", "Top-left corner (log scale)")
digit_col, zoom_col, prevalence_col = st.columns(
    [1, 2, 3], vertical_alignment="bottom"
)
with digit_col:
    ui.digit_picker(
        "roc_digit", help="Shared with the Binary, Precision/recall and Draw pages."
    )
with zoom_col:
    zoom = st.radio(
        "Show",
        ZOOMS,
        key="roc_zoom",
        horizontal=True,
        help="A log scale for the false positive rate spreads out the small "
        "rates, where good detectors work and differ.",
    )

sgd = ui.get_cross_val("sgd", target_digit=digit)
forest = ui.get_cross_val("random_forest", target_digit=digit, wait=5.0)
curves = ui.get_threshold_curves("sgd", target_digit=digit)
start, _ = ui.book_start(curves, target_digit=digit)
threshold = ui.detector_threshold(digit, default=start)


def _roc() -> charts.RocData:
    """The curves of the models cross-validated so far (the forest may be late)."""
    scores = {SGD.label: sgd.scores}
    if forest is not None:
        scores[FOREST.label] = forest.scores
    registry = {SGD.label: SGD.name, FOREST.label: FOREST.name}
    return charts.compute_roc(
        sgd.y_true, scores, models={name: registry[name] for name in scores}
    )


# The same for every visitor on this data and digit: computed once.
roc = ui.shared(("roc", ui.data_source(), digit, forest is not None), _roc)
at = charts.metrics_at_threshold(roc.curve(SGD.label), threshold)
with prevalence_col:
    prevalence = ui.prevalence_picker("roc_prevalence", share=curves.ranking.base_rate)

chart_col, pr_col = st.columns(2)
with chart_col:
    st.plotly_chart(
        charts.roc_figure(
            roc,
            threshold=threshold,
            threshold_model=SGD.label,
            log_fpr=zoom == ZOOMS[1],
        ),
        key="roc_curve",
    )
with pr_col:
    st.plotly_chart(
        charts.pr_curve_figure(
            charts.at_prevalence(curves, prevalence), threshold=threshold
        ),
        key="roc_pr",
    )
st.caption(
    "Change the prevalence: the PR curve (SGD's) moves and its chance line with "
    "it, the ROC curve does not. Its two rates are each counted within one "
    "class (recall among the real positives, fall-out among the negatives), so "
    "how many positives there are cannot change them; precision mixes the two "
    "classes. A random classifier sits on the ROC diagonal whatever the "
    "prevalence, and at a precision equal to the prevalence on the PR curve."
)
numbers = st.columns(len(roc.curves) + 2)
with numbers[0]:
    st.metric(
        "SGD recall (TPR) at the threshold",
        f"{at.recall:.1%}",
        help=f"The marked point: threshold {threshold:,.0f}, set on the "
        "Precision/recall page.",
    )
with numbers[1]:
    st.metric("SGD fall-out (FPR) at the threshold", f"{at.fpr:.2%}")
for column, curve in zip(numbers[2:], roc.curves, strict=True):
    column.metric(
        f"AUC, {curve.name}",
        f"{curve.auc:.4f}",
        help="roc_auc_score on the out-of-fold scores (cv=3).",
    )
if forest is None:
    found = ui.job("cv", ui.data_source(), "random_forest", digit)
    if found is not None:
        ui.show_pending(
            [found],
            note="The random forest is being cross-validated; its curve appears "
            "here when it is done.",
        )

st.subheader("Against the book")
if digit == 5:
    aucs = {curve.name: curve.auc for curve in roc.curves}
    rows = [("ROC AUC, SGD", book.FIGURES["auc_sgd"], aucs[SGD.label], "{:.4f}")]
    if FOREST.label in aucs:
        rows.append(
            (
                "ROC AUC, random forest",
                book.FIGURES["auc_forest"],
                aucs[FOREST.label],
                "{:.4f}",
            )
        )
    ui.book_table(rows, dataset=dataset, key="roc_book")
else:
    st.caption("The book's figures are for the 5-detector: pick 5 to compare.")

st.info(
    "**ROC or precision/recall curve?** Prefer the PR curve when the positive "
    "class is rare or when false positives matter more than false negatives: "
    "with few positives even many false positives are a small *rate*, so the ROC "
    "curve looks good while precision is poor.",
    icon="💡",
)

st.subheader("Where to go next")
st.page_link(
    "views/tradeoff.py", label="Pick the threshold by what mistakes cost", icon="⚖️"
)
st.page_link(
    "views/calibration.py", label="Are the forest's probabilities honest?", icon="🌡️"
)
