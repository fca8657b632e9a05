"""Draw: a digit drawn in the browser, read the way MNIST was made."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mnist_dash import charts, reading, ui

ui.init_session()
if "draw_generation" not in st.session_state:
    # Bumped by "Clear": a new canvas key mounts an empty canvas.
    st.session_state["draw_generation"] = 0


def _clear() -> None:
    st.session_state["draw_generation"] += 1


st.title("✏️ Draw a digit")
st.caption(
    "Draw one digit, large or small, anywhere on the black square. It is cropped, "
    "fitted into a 20×20 box and centred by centre of mass in 28×28 pixels, "
    "exactly as the MNIST digits were, before the model reads it."
)

controls = st.columns([2, 2, 1], vertical_alignment="bottom")
with controls[0]:
    ui.model_picker("draw_model_choice", shared="draw_model")
with controls[1]:
    pen = st.slider("Pen width", 5, 40, 20, key="draw_pen")
with controls[2]:
    st.button("Clear", key="draw_clear", on_click=_clear, icon="🧹")

# Fixed-width boxes side by side: the 280-pixel canvas is never squeezed, and
# the boxes wrap onto new lines on a narrow screen.
row = st.container(horizontal=True, gap="medium")
canvas_box = row.container(width=300)
seen_box = row.container(width=270)
result_box = row.container(width="stretch")
with canvas_box:
    canvas = st_canvas(
        stroke_width=pen,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=280,
        width=280,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key=f"draw_canvas_{st.session_state['draw_generation']}",
    )

model = ui.get_model(st.session_state["draw_model"])
try:
    result = reading.read_drawing(model, canvas.image_data)
except ValueError as error:
    st.error(f"This drawing cannot be read: {error}")
    st.stop()

if result.empty:
    with result_box:
        st.info("Draw a digit on the canvas.", icon="✍️")
    st.stop()

with seen_box:
    st.plotly_chart(
        charts.digit_figure(result.features, title="What the model sees (28×28)"),
        key="draw_seen",
        width="content",
    )
with result_box:
    st.metric("Prediction", result.digit)
    if result.uncertain:
        st.warning(f"Not sure: {result.reason}.", icon="🤔")
    st.plotly_chart(
        charts.probability_figure(
            charts.compute_probabilities(result.values, kind=result.kind)
        ),
        key="draw_probabilities",
    )

st.subheader("The book's binary detector")
digit_col, answer_col = st.columns([1, 3], vertical_alignment="center")
with digit_col:
    target = ui.shared_digit("draw_target")
    ui.digit_picker("draw_target", help="Shared with the metric pages.")
detector = ui.get_model("sgd", target_digit=target)
score = reading.detector_score(detector, result.features)
threshold = ui.detector_threshold(target, default=0.0, share=False)
with answer_col:
    st.metric(
        f"Is it a {target}?",
        "Yes" if score >= threshold else "No",
        help="SGDClassifier's decision score for this drawing. It says yes when the "
        "score reaches the threshold; move the threshold on the Precision/recall "
        "page.",
    )
    st.caption(f"Decision score {score:,.0f}, threshold {threshold:,.0f}.")
