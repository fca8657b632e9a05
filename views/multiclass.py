"""Multiclass classification and error analysis: all ten digits at once."""

import pandas as pd
import streamlit as st

from mnist_dash import book, charts, errors, jobs, models, ui

ui.init_session()

#: Radio label -> (normalize, errors_only) for charts.compute_confusion.
VIEWS = {
    "Counts": (None, False),
    "Share of each row": ("true", False),
    "Errors, by row": ("true", True),
    "Errors, by column": ("pred", True),
}
#: What each view shows, for its help text.
VIEW_HELP = (
    "Counts: the raw confusion matrix. Share of each row: what each actual digit "
    "is read as. Errors, by row: the diagonal hidden, what each digit is mistaken "
    "for. Errors, by column: what each prediction really was."
)
#: How many digits of a cell the gallery shows.
GALLERY_SIZE = 50
BOOK_RAW, BOOK_SCALED = models.MODELS["sgd"], models.MODELS["sgd_scaled"]
FAST_RAW, FAST_SCALED = (
    models.MODELS["sgd_averaged"],
    models.MODELS["sgd_averaged_scaled"],
)


def _remember_cell() -> None:
    """Keep the clicked cell, also after the view (and so the chart) changes."""
    event = st.session_state["multiclass_confusion"]
    cell = charts.cell_from_selection(event["selection"]["points"])
    if cell is not None:
        st.session_state["multiclass_cell"] = cell


st.title("🔢 Multiclass classification and error analysis")
st.markdown(
    f"Given all ten digits, `{BOOK_RAW.call}` trains one binary classifier per "
    "digit (one-versus-the-rest) and predicts the digit whose classifier scores "
    "highest. The book scores it with `cross_val_score(sgd_clf, X_train, "
    'y_train, cv=3, scoring="accuracy")`, then again on `X_train_scaled = '
    'StandardScaler().fit_transform(X_train.astype("float64"))`. **Try first:** '
    "compare the raw and standardised accuracies, then click a cell of the "
    "confusion matrix to see the digits behind it."
)
dataset = ui.get_data()
ui.data_note(dataset)

book_raw = ui.get_cross_val("sgd", wait=False, priority=jobs.BACKGROUND)
book_scaled = ui.get_cross_val("sgd_scaled", wait=False, priority=jobs.BACKGROUND)
ready = book_raw is not None and book_scaled is not None
if ready:
    raw, scaled, raw_spec, scaled_spec = book_raw, book_scaled, BOOK_RAW, BOOK_SCALED
else:
    raw = ui.get_cross_val("sgd_averaged")
    scaled = ui.get_cross_val("sgd_averaged_scaled")
    raw_spec, scaled_spec = FAST_RAW, FAST_SCALED
    st.warning(
        "The book's calls take long (the book: *may take close to 30 minutes*), so "
        "they run once in the background and are kept for every later visit. "
        f"Meanwhile this page shows a **fast variant**: {FAST_RAW.description} It "
        "switches to the book's numbers by itself when they are ready.",
        icon="⏳",
    )
    pending = [
        found
        for name in ("sgd", "sgd_scaled")
        if (found := ui.job("cv", ui.data_source(), name, None)) is not None
        and not found.done()
    ]
    ui.show_pending(pending)

source = ui.data_source()
# What follows from the cross-validations is the same for every visitor on this
# data: computed once (ui.shared), not on each visitor's rerun.
accuracy_figure = ui.shared(
    ("multiclass_accuracy", source, raw_spec.name, scaled_spec.name),
    lambda: charts.accuracy_bars_figure(
        charts.compute_accuracy_bars(
            {
                raw_spec.label: raw.fold_accuracy,
                scaled_spec.label: scaled.fold_accuracy,
            },
            models={
                raw_spec.label: raw_spec.name,
                scaled_spec.label: scaled_spec.name,
            },
        )
    ),
)
gain = (scaled.accuracy - raw.accuracy) * 100
numbers_col, bars_col = st.columns([1, 2])
with numbers_col:
    st.metric(
        f"{raw_spec.label} (cv=3)",
        f"{raw.accuracy:.2%}",
        help=f"{raw_spec.call}. {raw_spec.description}",
    )
    st.metric(
        f"{scaled_spec.label} (cv=3)",
        f"{scaled.accuracy:.2%}",
        delta=f"{gain:+.1f} pts" if round(gain, 1) else None,
        help=f"{scaled_spec.call}. {scaled_spec.description}",
    )
    verdict = (
        f"raises the accuracy by {gain:.1f} points"
        if gain >= 0.05
        else f"lowers the accuracy by {-gain:.1f} points"
        if gain <= -0.05
        else "changes the accuracy by less than a tenth of a point"
    )
    st.caption(
        f"Cross-validated on the {len(dataset.y_train):,} training digits: here, "
        f"standardising the pixels {verdict}. Raw pixels run from 0 to 255 and "
        "spread very differently from one pixel to the next; gradient descent "
        "converges slowly on features of such different scales. Standardised, "
        "every pixel has a mean of 0 and a variance of 1."
    )
with bars_col:
    st.plotly_chart(accuracy_figure, key="multiclass_accuracy")

if ready:
    F = book.FIGURES
    ui.book_table(
        [
            ("cross_val_score, raw pixels", F["multiclass_raw"], raw.fold_accuracy,
             "{:.5g}"),
            ("cross_val_score, standardised", F["multiclass_scaled"],
             scaled.fold_accuracy, "{:.5g}"),
        ],
        dataset=dataset,
        key="multiclass_book",
    )
    st.caption(book.multiclass_note())
    st.caption(
        f"Time to cross-validate here: {raw.seconds / 60:.1f} min raw and "
        f"{scaled.seconds / 60:.1f} min standardised (measured when they ran)."
    )

st.header("Error analysis")
st.markdown(
    f"The confusion matrix of {scaled_spec.label}, from `cross_val_predict`. Rows "
    "are the actual digits, columns the predicted ones. A share of each row is "
    "fairer than counts when classes differ in size; hiding the diagonal leaves "
    "only the errors. **Click a cell** to see its digits."
)
view = st.radio(
    "Show", list(VIEWS), key="multiclass_view", horizontal=True, help=VIEW_HELP
)
normalize, errors_only = VIEWS[view]
confusion_figure = ui.shared(
    ("multiclass_confusion", source, scaled_spec.name, view),
    lambda: charts.confusion_figure(
        charts.compute_confusion(
            scaled.y_true,
            scaled.y_pred,
            labels=list(range(10)),
            normalize=normalize,
            errors_only=errors_only,
        )
    ),
)
default_cell = ui.shared(
    ("multiclass_default_cell", source, scaled_spec.name),
    lambda: errors.default_cell(scaled.y_true, scaled.y_pred),
)
if "multiclass_cell" not in st.session_state:
    st.session_state["multiclass_cell"] = default_cell
actual, predicted = st.session_state["multiclass_cell"]
if errors_only and actual == predicted:
    # The matrix hides the diagonal now: show an error cell instead.
    actual, predicted = default_cell
    st.session_state["multiclass_cell"] = (actual, predicted)

matrix_col, gallery_col = st.columns([1, 1])
with matrix_col:
    st.plotly_chart(
        confusion_figure,
        on_select=_remember_cell,
        selection_mode="points",
        key="multiclass_confusion",
    )


def _cell() -> tuple:
    """The digits of the cell chosen, their gallery and the cell's summary."""
    cell = errors.cell_digits(
        dataset.X_train,
        scaled.y_true,
        scaled.y_pred,
        actual=actual,
        predicted=predicted,
        limit=GALLERY_SIZE,
    )
    gallery = (
        charts.digit_grid_figure(cell.images, columns=10) if cell.total else None
    )
    summary = errors.summarize_cell(
        scaled.y_true, scaled.y_pred, actual=actual, predicted=predicted
    )
    return cell, gallery, summary


cell, gallery, summary = ui.shared(
    ("multiclass_cell", source, scaled_spec.name, actual, predicted), _cell
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
        st.caption(
            f"{cell.total:,} of the {summary.actual_total:,} training {actual}s "
            f"({summary.share:.1%}); {shown}."
        )
        st.plotly_chart(gallery, key="multiclass_gallery")
    else:
        st.info(f"No {actual} was predicted as a {predicted}.")
    if {actual, predicted} == {3, 5}:
        st.markdown(
            "The book's own example. 3s and 5s differ only by the small line "
            "joining the top bar to the bottom arc; a linear model weighs each "
            "pixel on its own, so a 3 drawn with that junction a little to the "
            "left, or a little rotated, looks like a 5 to it. Centred, upright "
            "digits (or training on shifted and rotated copies) help."
        )
    elif summary.top_error is None:
        st.markdown(f"Every training {actual} was read right.")
    elif cell.is_error:
        most = (
            "This is their most frequent error"
            if summary.top_error == predicted
            else f"Their most frequent error is {summary.top_error} "
            f"({summary.top_error_count:,} digits)"
        )
        st.markdown(
            f"{most}. Look at what these {actual}s share: a stroke where the "
            f"{predicted}'s pixels usually are, a tilt, or a digit off-centre. A "
            "linear model that weighs each pixel on its own is easily fooled by "
            "that."
        )
    else:
        st.markdown(
            f"The {actual}s that are read right. Their most frequent error is "
            f"{summary.top_error} ({summary.top_error_count:,} digits): click that "
            "cell to see them."
        )

st.header("Per-class precision, recall and F1")
report = ui.shared(
    ("multiclass_report", source, scaled_spec.name),
    lambda: pd.DataFrame(
        charts.compute_class_report(
            scaled.y_true, scaled.y_pred, labels=list(range(10))
        ).rows()
    ),
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

st.header("Where next")
st.page_link(
    "views/exercises.py",
    label="Exercises: nearest neighbours and shifted digits",
    icon="🏋️",
)
st.page_link("views/draw.py", label="Draw a digit for the models to read", icon="✏️")
