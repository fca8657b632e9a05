"""Home: what this is, which data is in use, a look at the digits, train a model."""

import streamlit as st

from mnist_dash import charts, data, models, ui

ui.init_session()

st.title("✏️ mnist_dash")
st.markdown(
    "Handwritten-digit classification on **MNIST** with scikit-learn, following "
    "chapter 3 of Aurélien Géron's *Hands-On Machine Learning*: a binary "
    '"is it a 5?" detector, cross-validation, the confusion matrix, precision, '
    "recall and F1, the precision/recall tradeoff, ROC curves, multiclass "
    "classification and error analysis. **Try first:** draw a digit on the "
    "**Draw** page and watch a model read it; load full MNIST below to see the "
    "book's own figures on every page."
)

st.header("Data")


def _switch_source() -> None:
    """Load the chosen source; on failure say why and stay on the current one."""
    wanted = st.session_state["home_source"]
    try:
        ui.get_data(wanted)
    except data.DataSourceError as error:
        st.session_state["home_source_error"] = str(error)
        st.session_state["home_source"] = ui.data_source()
    else:
        st.session_state["home_source_error"] = None
        st.session_state["data_source"] = wanted


openml_ready = data.openml_cached()
choices = ["sample", "openml"]
st.radio(
    "Data source",
    choices,
    index=choices.index(ui.data_source()) if ui.data_source() in choices else 0,
    format_func=lambda s: (
        ui.SOURCE_LABELS[s]
        + ("" if s != "openml" or openml_ready else " (download, about 15 MB)")
    ),
    key="home_source",
    horizontal=True,
    on_change=_switch_source,
)
if st.session_state.get("home_source_error"):
    st.error(
        f"{st.session_state['home_source_error']}\n\n"
        f"Staying on: {ui.SOURCE_LABELS[ui.data_source()]}."
    )

dataset = ui.get_data()
st.caption(dataset.description)

grid_col, counts_col = st.columns([3, 1])
with grid_col:
    st.plotly_chart(
        charts.digit_grid_figure(dataset.examples(6), columns=12),
        key="home_grid",
    )
with counts_col:
    st.plotly_chart(
        charts.class_counts_figure(charts.compute_class_counts(dataset.y_train)),
        key="home_counts",
    )

st.header("Train a model")
model_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
with model_col:
    spec = models.MODELS[ui.model_picker("home_model", shared="model_name")]
st.caption(spec.description)
with button_col:
    train = st.button("Train", key="home_train", type="primary")

if train or ui.model_ready(spec.name):
    accuracy = ui.get_test_accuracy(spec.name)
    st.metric(
        "Test accuracy",
        f"{accuracy:.2%}",
        help=f"On the {len(dataset.y_test):,} held-out digits of {dataset.name}.",
    )

st.header("Where next")
st.page_link("views/draw.py", label="Draw a digit and watch it read", icon="✏️")
st.page_link(
    "views/binary.py", label="The book's 5-detector, step by step", icon="🎯"
)
st.page_link(
    "views/multiclass.py", label="All ten digits, and their errors", icon="🔢"
)
