"""Multilabel classification: is the digit large (7, 8, 9)? Is it odd? Both at once."""

import streamlit as st

from mnist_dash import book, charts, jobs, multilabel, tasks, ui

ui.init_session()
dataset = ui.get_data()
KNN = "KNeighborsClassifier()"
SOURCES = ("The book's some_digit, X_train[0]", "A test digit", "Draw one")


def _labels_text(label: int, flags: tuple[bool, bool]) -> str:
    """A digit's label and which of the two labels it has: "9: large, odd"."""
    held = [
        name.split(" ")[0]
        for name, on in zip(multilabel.LABELS, flags, strict=True)
        if on
    ]
    return f"{label}: {', '.join(held) or 'neither'}"


st.title("🏷️ Multilabel classification: two answers at once")
st.markdown(
    "A multilabel classifier gives several yes-or-no answers for one input. The "
    "book asks two questions about each digit, *is it large (7, 8 or 9)?* and "
    "*is it odd?*, with targets `y_multilabel = np.c_[y_train >= 7, y_train % 2 "
    f"== 1]`, and a `{KNN}`: the 5 nearest training digits vote on each label. "
    "**Try first:** draw a digit and read both answers, with the five neighbours "
    "that gave them; then compare the F1 scores with the book's."
)
ui.data_note(dataset)

st.header("Ask about a digit")
source_col, digit_col = st.columns([3, 2])
with source_col:
    source = st.radio("Which digit", SOURCES, key="multilabel_source", horizontal=True)
query = None
if source == SOURCES[0]:
    query = dataset.X_train[0]
elif source == SOURCES[1]:
    with digit_col:
        index = st.number_input(
            "Test digit number",
            min_value=0,
            max_value=len(dataset.y_test) - 1,
            value=0,
            key="multilabel_index",
        )
    query = dataset.X_test[int(index)]
else:
    with digit_col:
        query = ui.drawn_digit("multilabel_canvas")

targets = multilabel.multilabel_targets(dataset.y_train)
if query is None:
    st.info("Draw a digit on the canvas.", icon="✍️")
else:
    neighbours = ui.run(tasks.neighbours(dataset))
    labels, nearest = multilabel.predict_labels(neighbours, targets, query)
    chain = ui.run(tasks.chain(dataset))
    chained = chain.predict(query[None, :])[0].astype(bool)
    picture_col, answers_col = st.columns([1, 3], vertical_alignment="center")
    with picture_col:
        st.plotly_chart(
            charts.digit_figure(query, title="The digit"),
            key="multilabel_digit",
            width="content",
        )
    with answers_col:
        large_col, odd_col = st.columns(2)
        for column, name, answer, chain_answer in zip(
            (large_col, odd_col),
            multilabel.LABELS,
            labels[0],
            chained,
            strict=True,
        ):
            column.metric(
                f"KNN: {name}?",
                "Yes" if answer else "No",
                help=f"The vote of the 5 nearest of the {len(targets):,} training "
                "digits: knn_clf.predict([digit]).",
            )
            column.caption(f"The chain of SVCs: {'yes' if chain_answer else 'no'}")
        st.plotly_chart(
            charts.digit_grid_figure(
                dataset.X_train[nearest[0]],
                columns=5,
                titles=[
                    _labels_text(int(dataset.y_train[i]), tuple(targets[i]))
                    for i in nearest[0]
                ],
            ),
            key="multilabel_neighbours",
        )
        st.caption(
            "The five nearest training digits, with their labels: each label is "
            "what most of them say."
        )

st.header("How good is it? F1 of each label, out of fold")
full = len(dataset.y_train) > 10_000
task = tasks.multilabel(dataset)
result = ui.run(task, wait=False if full else True, priority=jobs.BACKGROUND)
if result is None:
    found = ui.job(*task.key)
    if found is not None:
        ui.show_pending(
            [found],
            note=f"`cross_val_predict(knn_clf, X_train, y_multilabel, cv=3)`: KNN "
            f"compares each of the {len(targets):,} digits with two thirds of the "
            "others, in the background, once; the scores appear here when done.",
        )
    f1 = None
else:
    f1 = charts.compute_multilabel_f1(
        result.y_true, result.y_pred, labels=multilabel.LABELS, model="knn"
    )
    chart_col, text_col = st.columns([2, 1])
    with chart_col:
        st.plotly_chart(charts.multilabel_f1_figure(f1), key="multilabel_f1")
    with text_col:
        st.metric("F1, macro average", f"{f1.macro:.4f}")
        st.metric("F1, weighted average", f"{f1.weighted:.4f}")
        st.markdown(
            '`f1_score(y_multilabel, y_train_knn_pred, average="macro")` averages '
            'the labels\' F1 equally; `average="weighted"` weighs each by its '
            f"support, the digits it is true for: {f1.support[0]:,} large and "
            f"{f1.support[1]:,} odd. Use the weighted one when the more common "
            "label matters more."
        )

st.header("A chain: the second answer sees the first")
st.markdown(
    "`ClassifierChain(SVC(), cv=3, random_state=42)` trains one model per label, "
    "in order; the model for *odd* also gets the answer about *large* as an "
    "extra feature (out of fold, `cv=3`, while training). The book fits it on "
    f"the first {multilabel.CHAIN_DIGITS:,} training digits; its answers are "
    "shown under the KNN's above."
)

st.header("Against the book")
book_digit = dataset.X_train[:1]
knn_some, _ = multilabel.predict_labels(
    ui.run(tasks.neighbours(dataset)), targets, book_digit
)
chain_some = ui.run(tasks.chain(dataset)).predict(book_digit)[0]
F = book.FIGURES
rows = [
    ("knn_clf.predict([some_digit])", F["multilabel_some_digit"], knn_some[0], "{}"),
    ("chain_clf.predict([some_digit])", F["chain_some_digit"], chain_some, "{}"),
]
if f1 is not None:
    rows += [
        ("F1, macro average", F["multilabel_f1_macro"], f1.macro, "{:.4f}"),
        ("F1, weighted average", F["multilabel_f1_weighted"], f1.weighted, "{:.4f}"),
    ]
ui.book_table(rows, dataset=dataset, key="multilabel_book")
st.caption(
    "KNN reads float32 pixels here, half the memory of the book's float64; "
    "scikit-learn computes the distances in float64 either way, so the "
    "predictions are the book's."
)

st.subheader("Where to go next")
st.page_link(
    "views/multioutput.py", label="Many outputs: a KNN that cleans digits", icon="🧽"
)
st.page_link("views/multiclass.py", label="Ten classes, and their errors", icon="🔢")
st.page_link("views/draw.py", label="Draw a digit for every model", icon="✏️")
