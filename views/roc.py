"""ROC curve: recall against fall-out, SGD and a random forest, with their AUC."""

import streamlit as st

from mnist_dash import book, charts, models, ui

ui.init_session()

#: The threshold a digit starts at when none was chosen for it: 90 % precision.
START_PRECISION = 0.90
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
    "then move the threshold on the Precision/recall page and watch the point."
)
ui.data_note(dataset)
digit_col, _ = st.columns([1, 5])
with digit_col:
    ui.digit_picker(
        "roc_digit", help="Shared with the Binary, Precision/recall and Draw pages."
    )

sgd = ui.get_cross_val("sgd", target_digit=digit)
forest = ui.get_cross_val("random_forest", target_digit=digit, wait=5.0)
curves = ui.get_threshold_curves("sgd", target_digit=digit)
try:
    start = charts.threshold_for_precision(curves, START_PRECISION)
except ValueError:  # a detector that never reaches 90 % keeps SGD's own threshold
    start = 0.0
threshold = ui.detector_threshold(digit, default=start)

scores = {SGD.label: sgd.scores}
if forest is not None:
    scores[FOREST.label] = forest.scores
roc = charts.compute_roc(
    sgd.y_true, scores, models={SGD.label: SGD.name, FOREST.label: FOREST.name}
)
at = charts.metrics_at_threshold(roc.curve(SGD.label), threshold)

chart_col, numbers_col = st.columns([3, 1])
with chart_col:
    st.plotly_chart(
        charts.roc_figure(roc, threshold=threshold, threshold_model=SGD.label),
        key="roc_curve",
    )
with numbers_col:
    for curve in roc.curves:
        st.metric(
            f"AUC, {curve.name}",
            f"{curve.auc:.4f}",
            help="roc_auc_score on the out-of-fold scores (cv=3).",
        )
    st.metric(
        "SGD recall (TPR) at the threshold",
        f"{at.recall:.1%}",
        help=f"The marked point: threshold {threshold:,.0f}, set on the "
        "Precision/recall page.",
    )
    st.metric("SGD fall-out (FPR) at the threshold", f"{at.fpr:.2%}")
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
