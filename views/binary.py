"""Binary classifier: "is it a d?", accuracy, confusion matrix, precision, recall."""

from functools import partial

import streamlit as st

from mnist_dash import book, charts, evaluation, models, ui

ui.init_session()
digit = ui.shared_digit("binary_digit")
dataset = ui.get_data()
SGD = models.MODELS["sgd"]
FAST = models.MODELS["sgd_averaged"]

st.title(f"🎯 Is it a {digit}? A binary classifier")
st.markdown(
    f"The book starts small: a detector that answers one question, *is this digit "
    f"a {digit}?* It trains `{SGD.call}` on the targets `y_train == {digit}` and "
    "judges it with 3-fold cross-validation: `cross_val_score(sgd_clf, X_train, "
    f'y_train_{digit}, cv=3, scoring="accuracy")`, and `cross_val_predict` for '
    "out-of-fold predictions. **Try first:** compare its accuracy with the dummy's, "
    "then read the confusion matrix; pick another digit to ask the same question."
)
ui.data_note(dataset)
digit_col, _ = st.columns([1, 5])
with digit_col:
    ui.digit_picker(
        "binary_digit", help="Shared with the Draw, Precision/recall and ROC pages."
    )

source = ui.data_source()
sgd = ui.get_cross_val("sgd", target_digit=digit)
fast = ui.get_cross_val("sgd_averaged", target_digit=digit)
# What follows from the cross-validations, the same for every visitor on this
# data and digit: computed once (ui.shared), not on each visitor's rerun.
dummy_folds = ui.shared(
    ("dummy_accuracy", source, digit),
    lambda: evaluation.dummy_accuracy(dataset.y_train, target_digit=digit),
)
accuracy_figure = ui.shared(
    ("binary_accuracy", source, digit),
    lambda: charts.accuracy_bars_figure(
        charts.compute_accuracy_bars(
            {
                f"Dummy (never {digit})": dummy_folds,
                SGD.label: sgd.fold_accuracy,
                FAST.label: fast.fold_accuracy,
            },
            models={
                f"Dummy (never {digit})": "dummy",
                SGD.label: "sgd",
                FAST.label: FAST.name,
            },
        )
    ),
)

st.header("Accuracy misleads on skewed classes")
numbers_col, bars_col = st.columns([1, 2])
with numbers_col:
    st.metric(
        f"{SGD.label}: accuracy (cv=3)",
        f"{sgd.accuracy:.2%}",
        help="Mean accuracy over the three folds of cross_val_score. "
        + SGD.description,
    )
    st.caption("Folds: " + ", ".join(f"{a:.5g}" for a in sgd.fold_accuracy))
    st.metric(
        f"Dummy that never says {digit}",
        f"{dummy_folds.mean():.2%}",
        help=f"DummyClassifier(): predicts the most frequent class, 'not {digit}'.",
    )
    share = float((dataset.y_train == digit).mean())
    st.markdown(
        f"{share:.1%} of the training digits are {digit}s, so a classifier that "
        f"always answers *not {digit}* is already right {dummy_folds.mean():.1%} of "
        "the time. Accuracy says little when one class is rare: count the errors "
        "instead, with a confusion matrix."
    )
with bars_col:
    st.plotly_chart(accuracy_figure, key="binary_accuracy")

st.header("Confusion matrix")


def _confusion() -> tuple:
    """The SGD's out-of-fold confusion matrix, its figure and its report."""
    confusion = charts.compute_confusion(sgd.y_true, sgd.y_pred, labels=[False, True])
    figure = charts.confusion_figure(
        confusion,
        title=f"{SGD.label}, out of fold (cross_val_predict, cv=3)",
        class_names=[f"not {digit}", str(digit)],
    )
    report = charts.compute_class_report(sgd.y_true, sgd.y_pred, labels=[True])
    return confusion, figure, report.rows()[0]


confusion, confusion_figure, report = ui.shared(
    ("binary_confusion", source, digit), _confusion
)
matrix_col, rates_col = st.columns([1, 1])
with matrix_col:
    st.plotly_chart(confusion_figure, key="binary_confusion")
with rates_col:
    st.markdown(
        f"Each row is an actual class, each column a predicted one. **TN**: not "
        f"{digit}, rightly rejected; **FP**: not {digit}, wrongly called a {digit}; "
        f"**FN**: a {digit} that was missed; **TP**: a {digit} that was found."
    )
    precision_col, recall_col, f1_col = st.columns(3)
    with precision_col:
        st.metric("Precision", f"{report['precision']:.2%}")
        st.caption(f"TP / (TP + FP): when it says {digit}, how often it is right.")
    with recall_col:
        st.metric("Recall", f"{report['recall']:.2%}")
        st.caption(f"TP / (TP + FN): the share of real {digit}s it finds.")
    with f1_col:
        st.metric("F1 score", f"{report['f1']:.2%}")
        st.caption("The harmonic mean of the two: high only when both are high.")
    st.markdown(
        "Which matters more depends on the use; the **Precision/recall** page moves "
        "the threshold that trades one for the other."
    )

st.header("Against the book")
if digit == 5:
    F = book.FIGURES
    (tn, fp), (fn, tp) = confusion.counts.tolist()
    ui.book_table(
        [
            (
                "cross_val_score, SGD",
                F["binary_fold_accuracy"],
                sgd.fold_accuracy,
                "{:.5g}",
            ),
            ("cross_val_score, dummy", F["dummy_fold_accuracy"], dummy_folds, "{:.5g}"),
            (
                "Confusion matrix [[TN, FP], [FN, TP]]",
                F["binary_confusion"],
                ((tn, fp), (fn, tp)),
                "{:,}",
            ),
            ("Precision", F["precision"], report["precision"], "{:.4f}"),
            ("Recall", F["recall"], report["recall"], "{:.4f}"),
            ("F1", F["f1"], report["f1"], "{:.4f}"),
        ],
        dataset=dataset,
        key="binary_book",
    )
else:
    st.caption("The book's figures are for the 5-detector: pick 5 to compare.")

st.subheader(f"A faster variant, beside the book's: {FAST.label}")
fast_report = ui.shared(
    ("binary_fast_report", source, digit),
    lambda: charts.compute_class_report(fast.y_true, fast.y_pred, labels=[True]),
).rows()[0]
speedup = sgd.seconds / fast.seconds if fast.seconds > 0 else float("nan")
st.markdown(
    f"{FAST.description} On this data it cross-validates in **{fast.seconds:.1f} s** "
    f"against **{sgd.seconds:.1f} s** for the book's call ({speedup:.0f}× faster), "
    f"with an accuracy of **{fast.accuracy:.2%}** against **{sgd.accuracy:.2%}**, "
    f"precision {fast_report['precision']:.1%} against {report['precision']:.1%} "
    f"and recall {fast_report['recall']:.1%} against {report['recall']:.1%}. "
    "The pages show the book's model; this one is only for comparison."
)


def _answer(model: object) -> tuple[bool, str]:
    """A detector's answer about the first digit, and its score or probability."""
    one = example[None, :]
    answer = bool(model.predict(one)[0])
    if hasattr(model[-1], "decision_function"):
        return answer, f"decision score {float(model.decision_function(one)[0]):,.2f}"
    return answer, f"probability {float(model.predict_proba(one)[0, 1]):.2f}"


st.header("The book's first digit")
example = dataset.X_train[0]
label = int(dataset.y_train[0])
picture_col, answers_col = st.columns([1, 3], vertical_alignment="center")
with picture_col:
    st.plotly_chart(
        ui.shared(
            ("binary_example", source),
            lambda: charts.digit_figure(example, title=f"X_train[0], a {label}"),
        ),
        key="binary_example",
        width="content",
    )
with answers_col:
    st.markdown(
        f"The book's `some_digit = X[0]` is a 5 and its detector says yes, with a "
        f"decision score of {book.FIGURES['example_score'].value:,.2f}. Here is "
        f"what each detector trained on all {len(dataset.y_train):,} training "
        f"digits says about this data's first digit, a {label}."
    )
    names = ("sgd", "sgd_averaged", "random_forest")
    # On full MNIST the three fits take a while: started by a click, unless
    # they are stored already or were asked for on this server before.
    quick = len(dataset.y_train) <= 10_000 or all(
        ui.job("model", source, name, digit) is not None
        or models.is_stored(name, dataset.X_train, dataset.y_train, target_digit=digit)
        for name in names
    )
    asked = quick or st.button(
        f"Train the three {digit}-detectors on every training digit",
        key="binary_train_detectors",
    )
    detectors = {
        name: ui.get_model(name, target_digit=digit, wait=3.0) if asked else None
        for name in names
    }
    pending = [
        job
        for name, model in detectors.items()
        if asked and model is None and (job := ui.job("model", source, name, digit))
    ]
    columns = st.columns(len(names))
    for column, (name, model) in zip(columns, detectors.items(), strict=True):
        spec = models.MODELS[name]
        if model is None:
            refused = asked and ui.not_offered("model", source, name, digit)
            column.metric(
                spec.label,
                "—" if refused else "…",
                help="Not offered on this server (see above)."
                if refused
                else "Shown when trained.",
            )
            continue
        answer, value = ui.shared(
            ("binary_answer", source, digit, name), partial(_answer, model)
        )
        column.metric(
            f"{spec.label}: is it a {digit}?",
            "Yes" if answer else "No",
            help=spec.call,
        )
        column.caption(value)
    if pending:
        ui.show_pending(pending, note="Training the detectors on every digit…")

st.header("Where next")
st.page_link(
    "views/tradeoff.py", label="Trade precision for recall with a threshold", icon="⚖️"
)
st.page_link("views/roc.py", label="The ROC curve and a random forest", icon="📈")
