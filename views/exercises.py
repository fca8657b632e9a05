"""Exercises: the chapter's exercises 1 and 2, k-nearest neighbours on the digits."""

import streamlit as st

from mnist_dash import book, charts, data, models, ui

ui.init_session()

dataset = ui.get_data()
KNN, SHIFTED = models.MODELS["knn"], models.MODELS["knn_shifted"]

st.title("🏋️ Exercises")
st.markdown(
    "The end of chapter 3 asks for two things: a classifier that passes "
    f"{book.EXERCISE_1_TARGET * 100:.0f} % on the MNIST test set, and a bigger "
    "training set made by shifting every digit by one pixel. The book's answers "
    "are below, trained on the data chosen on the Home page and scored on its "
    "held-out test digits. **Try first:** train exercise 1, then exercise 2, and "
    "compare their error rates."
)
ui.data_note(dataset)


def show_result(name: str, figure: book.BookFigure) -> float:
    """Train ``name`` (once per server); its test accuracy beside the book's."""
    accuracy = ui.get_test_accuracy(name)
    assert accuracy is not None
    ui.book_table(
        [("Test accuracy", figure, accuracy, "{:.2%}")],
        dataset=dataset,
        key=f"exercises_book_{name}",
    )
    return accuracy


st.header("1 · k-nearest neighbours")
st.markdown(
    "A grid search over `KNeighborsClassifier`'s `weights` and `n_neighbors` "
    f"finds `{KNN.call}`: each digit takes the vote of its four closest training "
    "digits, nearer ones counting more. The book reaches "
    f"{book.FIGURES['knn_accuracy'].value:.2%} with it on full MNIST's test set."
)
first = None
if st.button("Train and score", key="exercises_run_1", type="primary") or (
    ui.model_ready("knn")
):
    first = show_result("knn", book.FIGURES["knn_accuracy"])

st.header("2 · Data augmentation: shifted digits")
st.markdown(
    "Every training digit is copied four times, shifted one pixel left, right, up "
    "and down, giving five times the data; the same KNN trained on it is harder "
    "to fool by a digit drawn a little off-centre. Look closely: each copy moves "
    "by a single pixel."
)
digit_col, gallery_col = st.columns([1, 4], vertical_alignment="center")
with digit_col:
    digit = st.selectbox("Digit", list(range(10)), index=5, key="exercises_digit")
with gallery_col:
    st.plotly_chart(
        charts.digit_grid_figure(
            data.shifted_example(dataset, digit=digit),
            columns=5,
            titles=list(data.SHIFT_NAMES),
            cell_px=150,
        ),
        key="exercises_shifts",
    )
st.caption(SHIFTED.description)
rows = len(dataset.y_train)
if not ui.fits_in_memory("knn_shifted", rows):
    needed = models.fit_memory("knn_shifted", rows)
    st.info(
        f"Not offered on this data: KNN keeps every training digit in memory, and "
        f"{5 * rows:,} shifted digits need about {needed / 2**20:,.0f} MB, more than "
        "this server's budget for a model. The command line has no such limit: "
        "`python -m mnist_dash train --data openml --model knn_shifted`.",
        icon="💾",
    )
elif st.button("Train and score", key="exercises_run_2", type="primary") or (
    ui.model_ready("knn_shifted")
):
    second = show_result("knn_shifted", book.FIGURES["knn_shifted_accuracy"])
    if first is not None and first < 1:
        change = (1 - second) / (1 - first) - 1
        st.metric(
            "Error rate, exercise 2 against exercise 1",
            f"{change:+.0%}",
            help="(1 - accuracy 2) / (1 - accuracy 1) - 1, as the book computes "
            "it: the share of exercise 1's errors that the shifted digits remove.",
        )
        books = (1 - book.FIGURES["knn_shifted_accuracy"].value) / (
            1 - book.FIGURES["knn_accuracy"].value
        ) - 1
        # The same formula on the book's two accuracies, shown as the metric is.
        st.caption(f"The book finds {books:+.0%} on full MNIST.")
    else:
        st.caption("Train exercise 1 too to see how many of its errors go away.")

st.header("Where next")
st.page_link("views/draw.py", label="Draw a digit for these models to read", icon="✏️")
st.page_link("views/home.py", label="Back to the start", icon="🏠")
