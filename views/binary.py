"""Binary classifier: "is it a d?", accuracy, confusion matrix, precision, recall."""

import streamlit as st

from mnist_dash import charts, evaluation, models, ui

ui.init_session()
digit = ui.shared_digit("binary_digit")

st.title(f"🎯 Is it a {digit}? A binary classifier")
st.markdown(
    "The book starts small: a detector that answers one question, *is this digit a "
    "5?* It trains `SGDClassifier(random_state=42)` on the targets `y_train == 5` "
    "and judges it with 3-fold cross-validation, `cross_val_score(..., cv=3, "
    'scoring="accuracy")`, and `cross_val_predict` for out-of-fold predictions. '
    "Pick another digit to ask the same question about it."
)
digit_col, _ = st.columns([1, 5])
with digit_col:
    ui.digit_picker(
        "binary_digit", help="Shared with the Draw, Precision/recall and ROC pages."
    )

dataset = ui.get_data()
cv = ui.get_cross_val("sgd", target_digit=digit)
accuracy = charts.compute_accuracy_bars(
    {
        f"Dummy (never {digit})": evaluation.dummy_accuracy(
            dataset.y_train, target_digit=digit
        ),
        f"SGD, is it a {digit}?": cv.fold_accuracy,
    }
)
dummy_accuracy, sgd_accuracy = accuracy.means

st.header("Accuracy misleads on skewed classes")
numbers_col, bars_col = st.columns([1, 2])
with numbers_col:
    st.metric(
        "SGD accuracy (cv=3)",
        f"{sgd_accuracy:.1%}",
        help="Mean accuracy over the three folds of cross_val_score. "
        + models.MODELS["sgd"].description,
    )
    st.metric(
        f"Dummy that never says {digit}",
        f"{dummy_accuracy:.1%}",
        help=f"DummyClassifier: predicts the most frequent class, 'not {digit}'.",
    )
    st.markdown(
        f"Only about one digit in ten is a {digit}, so a classifier that always "
        f"answers *not {digit}* is already right {dummy_accuracy:.0%} of the time. "
        f"A high accuracy says little when one class is rare: count the errors "
        "instead, with a confusion matrix."
    )
with bars_col:
    st.plotly_chart(charts.accuracy_bars_figure(accuracy), key="binary_accuracy")

st.header("Confusion matrix")
confusion = charts.compute_confusion(cv.y_true, cv.y_pred, labels=[False, True])
matrix_col, rates_col = st.columns([1, 1])
with matrix_col:
    st.plotly_chart(
        charts.confusion_figure(
            confusion,
            title="Out-of-fold predictions (cross_val_predict, cv=3)",
            class_names=[f"not {digit}", str(digit)],
        ),
        key="binary_confusion",
    )
with rates_col:
    st.markdown(
        f"Each row is an actual class, each column a predicted one. **TN**: not "
        f"{digit}, rightly rejected; **FP**: not {digit}, wrongly called a {digit}; "
        f"**FN**: a {digit} that was missed; **TP**: a {digit} that was found."
    )
    report = charts.compute_class_report(cv.y_true, cv.y_pred, labels=[True]).rows()[0]
    precision_col, recall_col, f1_col = st.columns(3)
    with precision_col:
        st.metric("Precision", f"{report['precision']:.1%}")
        st.caption(f"TP / (TP + FP): when it says {digit}, how often it is right.")
    with recall_col:
        st.metric("Recall", f"{report['recall']:.1%}")
        st.caption(f"TP / (TP + FN): the share of real {digit}s it finds.")
    with f1_col:
        st.metric("F1 score", f"{report['f1']:.1%}")
        st.caption("The harmonic mean of the two: high only when both are high.")
    st.markdown(
        "The book's 5-detector on full MNIST: precision 84 %, recall 65 %, F1 0.73. "
        "Which matters more depends on the use; the **Precision/recall** page moves "
        "the threshold that trades one for the other."
    )
