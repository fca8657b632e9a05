"""Multiclass classification and error analysis: all ten digits at once."""

import pandas as pd
import streamlit as st

from mnist_dash import charts, errors, models, ui

ui.init_session()

#: Radio label -> (normalize, errors_only) for charts.compute_confusion.
VIEWS = {
    "Counts": (None, False),
    "Normalised by row (share of each actual digit)": ("true", False),
    "Errors only, by row (what each digit is mistaken for)": ("true", True),
    "Errors only, by column (what each prediction really was)": ("pred", True),
}
#: How many digits of a cell the gallery shows.
GALLERY_SIZE = 50


def _remember_cell() -> None:
    """Keep the clicked cell, also after the view (and so the chart) changes."""
    event = st.session_state["multiclass_confusion"]
    cell = charts.cell_from_selection(event["selection"]["points"])
    if cell is not None:
        st.session_state["multiclass_cell"] = cell


st.title("🔢 Multiclass classification and error analysis")
st.markdown(
    "Given all ten digits, `SGDClassifier` trains one binary classifier per digit "
    "(one-versus-the-rest) and predicts the digit whose classifier scores "
    "highest. The book scores it with `cross_val_score(sgd_clf, X_train, y_train, "
    'cv=3, scoring="accuracy")`: about **0.87** on full MNIST, and about **0.90** '
    "once the pixels are standardised with `StandardScaler`."
)

dataset = ui.get_data()
raw = ui.get_cross_val("sgd")
scaled = ui.get_cross_val("sgd_scaled")
accuracy = charts.compute_accuracy_bars(
    {"SGD, raw pixels": raw.fold_accuracy, "SGD, standardised": scaled.fold_accuracy}
)

numbers_col, bars_col = st.columns([1, 2])
with numbers_col:
    st.metric(
        "SGD, raw pixels (cv=3)",
        f"{raw.accuracy:.1%}",
        help=models.MODELS["sgd"].description,
    )
    st.metric(
        "SGD, standardised (cv=3)",
        f"{scaled.accuracy:.1%}",
        delta=f"{(scaled.accuracy - raw.accuracy) * 100:+.1f} pts",
        help=models.MODELS["sgd_scaled"].description,
    )
    st.caption(
        f"Cross-validated on the {len(dataset.y_train):,} training digits. How "
        "much scaling helps depends on how SGD is trained: the book's plain SGD "
        "on raw pixels jumps around from one epoch to the next, and scaling "
        "steadies it; averaging the iterates (average=True) steadies it too. "
        "Hover on ? for each model's settings."
    )
with bars_col:
    st.plotly_chart(charts.accuracy_bars_figure(accuracy), key="multiclass_accuracy")

st.header("Error analysis")
st.markdown(
    "The confusion matrix of the standardised SGD, from `cross_val_predict`. Rows "
    "are the actual digits, columns the predicted ones. Normalising by row shows "
    "each digit's share, which is fairer than counts when classes differ in size; "
    "hiding the diagonal leaves only the errors. As in the book, column 8 stands "
    "out: many digits are mistaken for 8s. **Click a cell** to see its digits."
)
view = st.radio("Show", list(VIEWS), key="multiclass_view", horizontal=True)
normalize, errors_only = VIEWS[view]
confusion = charts.compute_confusion(
    scaled.y_true,
    scaled.y_pred,
    labels=list(range(10)),
    normalize=normalize,
    errors_only=errors_only,
)
if "multiclass_cell" not in st.session_state:
    st.session_state["multiclass_cell"] = errors.default_cell(
        scaled.y_true, scaled.y_pred
    )

matrix_col, gallery_col = st.columns([1, 1])
with matrix_col:
    st.plotly_chart(
        charts.confusion_figure(confusion),
        on_select=_remember_cell,
        selection_mode="points",
        key="multiclass_confusion",
    )
actual, predicted = st.session_state["multiclass_cell"]
cell = errors.cell_digits(
    dataset.X_train,
    scaled.y_true,
    scaled.y_pred,
    actual=actual,
    predicted=predicted,
    limit=GALLERY_SIZE,
)
with gallery_col:
    verb = "read as" if cell.is_error else "rightly read as"
    st.subheader(f"{actual}s {verb} {predicted}s")
    if cell.total:
        shown = (
            "all shown"
            if len(cell.indices) == cell.total
            else f"the first {len(cell.indices)} shown"
        )
        st.caption(f"{cell.total:,} training digits; {shown}.")
        st.plotly_chart(
            charts.digit_grid_figure(cell.images, columns=10),
            key="multiclass_gallery",
        )
    else:
        st.info(f"No {actual} was predicted as a {predicted}.")
    st.markdown(
        "The book's 3s and 5s differ only by the small line joining the top bar "
        "to the bottom arc; a linear model that weighs each pixel on its own is "
        "easily fooled when a digit is shifted or rotated a little. Centred, "
        "upright digits (or more training data made of shifted copies) help."
    )

st.header("Per-class precision, recall and F1")
report = pd.DataFrame(
    charts.compute_class_report(
        scaled.y_true, scaled.y_pred, labels=list(range(10))
    ).rows()
)
st.dataframe(
    report.style.format({"precision": "{:.1%}", "recall": "{:.1%}", "f1": "{:.1%}"}),
    column_config={
        "class": st.column_config.NumberColumn("Digit", format="%d"),
        "precision": "Precision",
        "recall": "Recall",
        "f1": "F1",
        "support": st.column_config.NumberColumn("Digits", format="%d"),
    },
    hide_index=True,
    key="multiclass_report",
)
