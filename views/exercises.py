"""Exercises: the chapter's exercises 1 and 2, k-nearest neighbours on the digits."""

import streamlit as st

from mnist_dash import charts, data, models, ui

ui.init_session()

dataset = ui.get_data()

st.title("🏋️ Exercises")
st.markdown(
    "The end of chapter 3 asks for two things: a classifier that reaches 97 % on "
    "the MNIST test set, and a bigger training set made by shifting every digit "
    "by one pixel. The book's answers are below, trained on the data chosen on "
    "the Home page and scored on its held-out test digits."
)
st.caption(
    f"{dataset.description} The book's accuracies are on full MNIST (60,000 "
    "training digits)"
    + (
        "; on this 4,000-digit sample expect a few points less."
        if dataset.name == "sample"
        else "."
    )
)


def show_result(name: str, book: float, book_setting: str) -> None:
    """Train ``name`` (once per server), then its test accuracy beside the book's."""
    accuracy = ui.get_test_accuracy(name)
    ours, theirs = st.columns(2)
    ours.metric(
        "Test accuracy",
        f"{accuracy:.2%}",
        help=f"On the {len(dataset.y_test):,} held-out digits of {dataset.name}.",
    )
    theirs.metric(
        "The book (full MNIST)",
        f"{book:.2%}",
        help=f"{book_setting}, trained on 60,000 digits, tested on 10,000.",
    )


st.header("1 · 97 % with k-nearest neighbours")
st.markdown(
    "A grid search over `KNeighborsClassifier`'s `weights` and `n_neighbors` "
    "finds `n_neighbors=4, weights='distance'`: each digit takes the vote of its "
    "four closest training digits, nearer ones counting more."
)
st.caption(models.MODELS["knn"].description)
if st.button("Train and score", key="exercises_run_1", type="primary") or (
    ui.model_ready("knn")
):
    show_result("knn", 0.9714, "KNeighborsClassifier(n_neighbors=4, 'distance')")

st.header("2 · Data augmentation: shifted digits")
st.markdown(
    "Every training digit is copied four times, shifted one pixel left, right, up "
    "and down, giving five times the data; the same KNN trained on it is harder "
    "to fool by a digit drawn a little off-centre."
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
        ),
        key="exercises_shifts",
    )
st.caption(
    models.MODELS["knn_shifted"].description
    + " KNN keeps every training digit in memory: about 0.9 GB on full MNIST."
)
if st.button("Train and score", key="exercises_run_2", type="primary") or (
    ui.model_ready("knn_shifted")
):
    show_result("knn_shifted", 0.9763, "The same KNN on 300,000 shifted digits")
