"""ROC curve: recall against fall-out, SGD and a random forest, with their AUC."""

import streamlit as st

from mnist_dash import charts, ui

ui.init_session()

#: The threshold a digit starts at when none was chosen for it: 90 % precision.
START_PRECISION = 0.90


digit = ui.shared_digit("roc_digit")

st.title("📈 ROC curve")
st.markdown(
    "The receiver operating characteristic curve plots the true positive rate "
    "(recall) against the false positive rate (fall-out, the share of negatives "
    "wrongly called positive) for every threshold. The book draws it for the "
    "SGD 5-detector, then compares a `RandomForestClassifier`, which has no "
    "decision function: its score is `predict_proba(X)[:, 1]`, the share of trees "
    "voting *5*. The area under the curve (AUC) is 1 for a perfect classifier and "
    "0.5 for a random one."
)
digit_col, _ = st.columns([1, 5])
with digit_col:
    ui.digit_picker(
        "roc_digit", help="Shared with the Binary, Precision/recall and Draw pages."
    )

sgd = ui.get_cross_val("sgd", target_digit=digit)
forest = ui.get_cross_val("random_forest", target_digit=digit)
curves = ui.get_threshold_curves("sgd", target_digit=digit)
try:
    start = charts.threshold_for_precision(curves, START_PRECISION)
except ValueError:  # a detector that never reaches 90 % keeps SGD's own threshold
    start = 0.0
threshold = ui.detector_threshold(digit, default=start)

roc = charts.compute_roc(
    sgd.y_true, {"SGD": sgd.scores, "Random forest": forest.scores}
)
at = charts.metrics_at_threshold(roc.curve("SGD"), threshold)

chart_col, numbers_col = st.columns([3, 1])
with chart_col:
    st.plotly_chart(
        charts.roc_figure(roc, threshold=threshold, threshold_model="SGD"),
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
    st.caption(
        "On full MNIST the book finds an AUC of 0.9605 for SGD and 0.9983 for the "
        "random forest."
    )

st.info(
    "**ROC or precision/recall curve?** Prefer the PR curve when the positive "
    "class is rare or when false positives matter more than false negatives: "
    "with few positives even many false positives are a small *rate*, so the ROC "
    "curve looks good while precision is poor.",
    icon="💡",
)
