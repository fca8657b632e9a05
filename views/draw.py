"""Draw: a digit drawn in the browser, read the way MNIST was made, explained,
refused when it is no digit, and taught when it is wrong."""

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mnist_dash import charts, explain, jobs, models, personal, preprocess, reading, ui

#: Reads at once (its fit only keeps the digits) while the chosen model trains.
FAST_MODEL = "knn"

ui.init_session()
for key, value in {
    "draw_generation": 0,  # bumped to mount an empty canvas
    "draw_corrections": personal.Corrections.empty(),
    "draw_personal": None,  # this visitor's taught copy of the online model
    "draw_taught": None,  # the last correction: features, label, before, after
    "draw_upload_error": "",
    "draw_problem": "",  # why the last drawing could not be read
    "draw_waited_for": None,  # a model that was still training on arrival
}.items():
    if key not in st.session_state:
        st.session_state[key] = value

st.title("✏️ Draw a digit")
st.markdown(
    "**Try first:** draw a 7 on the black square, then a dash or a letter: the "
    "first is read, the second refused."
)

controls = st.columns([3, 2], vertical_alignment="bottom")
with controls[0]:
    name = ui.model_picker("draw_model_choice", shared="draw_model")
with controls[1]:
    pen = st.slider("Pen width", 5, 40, 20, key="draw_pen")

label = models.MODELS[name].label
target = st.session_state["target_digit"]
# One container for the waits, the notices and the switch, whatever they are: a
# wait's progress bar, or a notice that comes or goes, never moves the board
# below it, whose canvas would be mounted afresh (blank, its drawing lost).
above = st.container()
with above:
    fast = ui.get_model(FAST_MODEL)
    # Half a second is enough to read a stored model; a training goes on
    # meanwhile. The chosen model, then the detector and the model a visitor
    # teaches, come after the not-a-digit check (someone is waiting for it).
    chosen = ui.get_model(name, wait=0.5, priority=jobs.BACKGROUND)
    checker = ui.get_refusal(wait=0.5)
    ui.get_model("sgd", target_digit=target, wait=False, priority=jobs.BACKGROUND)
    ui.get_model(personal.BASE_MODEL, wait=False, priority=jobs.BACKGROUND)
    check = ui.get_reading_check(name) if chosen is not None else None
if chosen is None and ui.not_offered("model", ui.data_source(), name, None):
    above.caption("Here k-nearest neighbours reads your drawings instead.")
elif chosen is None:
    st.session_state["draw_waited_for"] = name
    above.info(
        f"{label} is still learning. Meanwhile k-nearest neighbours reads your "
        "drawings; the page switches by itself when it is ready.",
        icon="⏳",
    )
elif st.session_state["draw_waited_for"] == name:
    st.session_state["draw_waited_for"] = None
    above.success(f"{label} has taken over from k-nearest neighbours.", icon="🎉")
if checker is None:
    above.caption(
        "The check that refuses non-digits is still learning; until it is ready, "
        "only the model's own hesitation is refused."
    )
source = ui.data_source()
waiting = [
    ui.job("model", source, name, None),
    ui.job("refusal", source),
    ui.job("model", source, "sgd", target),
    # The reading check needs the test digits drawn first: a job of its own.
    ui.job("drawn_test", source),
    ui.job("reading_check", source, name),
]

if st.session_state["draw_personal"] is not None:
    above.toggle(
        f"Read with my taught model ({len(st.session_state['draw_corrections'])} "
        "corrections)",
        value=True,
        key="draw_use_personal",
    )


def _reader() -> tuple:
    """Who reads now, its not-a-digit check and its margin: what is ready now
    (a fragment's rerun asks again, so a stroke uses a model that just got in).
    The page's top asked for each; this only looks, writing nothing on the page
    (a stroke's run sends fewer elements)."""
    ready = ui.result_if_ready("model", source, name, None) or fast
    checker = ui.result_if_ready("refusal", source)
    taught = st.session_state["draw_personal"]
    if taught is not None and st.session_state.get("draw_use_personal", True):
        return taught, checker, None
    check = (
        ui.result_if_ready("reading_check", source, name) if ready is not fast else None
    )
    margin = None if check is None else check.min_margin
    return ready, checker, margin


with above:  # whatever it waits for or finds ready, in the same place
    reader, _, _ = _reader()


def _base_model() -> object:
    """The model a visitor's copy starts from, if ready. Callbacks use this and
    :func:`mnist_dash.ui.result_if_ready`, which write nothing on the page: an
    element written by a callback goes to the top and moves the canvas."""
    return ui.result_if_ready("model", source, personal.BASE_MODEL, None)


def _teach() -> None:
    """Teach this visitor's copy the drawing's right digit (a button callback)."""
    features = st.session_state.get("draw_features")
    right = st.session_state.get("draw_right_digit")
    if features is None or right is None:
        return
    dataset = ui.result_if_ready("data", source)
    before = st.session_state["draw_personal"] or _base_model()
    if before is None:
        return
    after = personal.teach(
        before, features[None], [right], replay=(dataset.X_train, dataset.y_train)
    )
    st.session_state["draw_personal"] = after
    st.session_state["draw_corrections"] = st.session_state["draw_corrections"].add(
        features, right
    )
    st.session_state["draw_taught"] = (features, right, before, after)
    st.session_state["draw_use_personal"] = True
    st.session_state["draw_rerun"] = True  # the switch and the file, outside


def _upload() -> None:
    """Load corrections from an .npz and teach them (a file uploader callback)."""
    upload = st.session_state.get("draw_upload")
    if upload is None:
        return
    try:
        loaded = personal.Corrections.from_npz(upload.getvalue())
    except ValueError as error:
        st.session_state["draw_upload_error"] = f"{upload.name}: {error}"
        return
    dataset = ui.result_if_ready("data", source)
    start = st.session_state["draw_personal"] or _base_model()
    if start is None:
        st.session_state["draw_upload_error"] = (
            f"{upload.name}: the model it teaches is still learning; load it again "
            "in a moment"
        )
        return
    st.session_state["draw_personal"] = personal.teach(
        start, loaded.images, loaded.labels, replay=(dataset.X_train, dataset.y_train)
    )
    corrections = st.session_state["draw_corrections"]
    for image, right in zip(loaded.images, loaded.labels, strict=True):
        corrections = corrections.add(image, int(right))
    st.session_state["draw_corrections"] = corrections
    st.session_state["draw_upload_error"] = ""
    st.session_state["draw_use_personal"] = True


def _why(reader: object, result: reading.Reading) -> None:
    """Why ``reader`` read the drawing so: one sentence and one figure."""
    kind = explain.explanation_kind(reader)
    st.markdown("**Why this digit?**")
    if kind == "linear":
        why = explain.explain_linear(reader, result.features)
        st.caption(
            "Each pixel's ink times the model's weight there: blue pixels pushed "
            "towards the digit, red ones away. The scores are the sums."
        )
        st.plotly_chart(charts.contributions_figure(why), key="draw_why_linear")
    elif kind == "neighbours":
        near = explain.explain_neighbours(reader, result.features)
        st.caption(
            "The training digits nearest to yours, with their label and distance: "
            "they voted, nearer ones counting more."
        )
        st.plotly_chart(charts.neighbours_figure(near), key="draw_why_neighbours")
    elif kind == "saliency":
        seen = explain.occlusion_saliency(reader, result.features)
        st.caption(
            f"Where hiding a 4×4 patch of your drawing makes the model least sure "
            f"of its {seen.digit} (blue): what it looked at."
        )
        st.plotly_chart(
            charts.saliency_figure(seen, result.features), key="draw_why_saliency"
        )


def _teach_panel(result: reading.Reading) -> None:
    """The "That is wrong, it is a …" panel and the last correction's effect."""
    st.markdown("**Teach it**")
    st.session_state["draw_features"] = None if result.empty else result.features
    if not result.empty:
        row = st.columns([2, 1], vertical_alignment="bottom")
        row[0].selectbox(
            "That is wrong, it is a …",
            list(range(10)),
            index=None,
            placeholder="the right digit",
            key="draw_right_digit",
        )
        ready = st.session_state["draw_personal"] is not None or (
            _base_model() is not None
        )
        row[1].button(
            "Teach it",
            key="draw_teach",
            on_click=_teach,
            icon="🧑‍🏫",
            disabled=not ready,
        )
        st.caption(
            "Your own copy of the averaged SGD learns it at once (with its shifted "
            "copies); nobody else's model changes."
            if ready
            else "The averaged SGD you would teach is still learning: a moment."
        )
    if st.session_state["draw_taught"] is not None:
        features, right, before, after = st.session_state["draw_taught"]
        bars = []
        for model in (before, after):
            values, kind = models.scores_for(model, features[None])
            bars.append(charts.compute_probabilities(values, kind=kind))
        st.caption(f"Your last correction, a {right}: its scores before and after.")
        st.plotly_chart(charts.before_after_figure(*bars), key="draw_before_after")


@st.fragment
def board() -> None:
    """The canvas and everything that follows one drawing: rerun per stroke."""
    with ui.fragment_run("draw"):
        _board()


def _board() -> None:
    if st.session_state.pop("draw_rerun", False):
        st.rerun()  # the whole page, after a correction
    key = f"draw_canvas_{st.session_state['draw_generation']}"
    try:
        image = preprocess.decode_canvas_state(st.session_state.get(key))
    except ValueError as error:
        # Said until the next drawing, whatever reruns the page meanwhile.
        st.session_state["draw_problem"], image = str(error), None
        st.session_state["draw_generation"] += 1  # an empty canvas, ready again
        key = f"draw_canvas_{st.session_state['draw_generation']}"
    else:
        if image is not None:
            st.session_state["draw_problem"] = ""
    problem = st.session_state["draw_problem"]
    # Fixed-width boxes side by side: the 280-pixel canvas is never squeezed, and
    # they wrap onto new lines on a narrow screen.
    row = st.container(horizontal=True, gap="medium")
    left = row.container(width=290)
    middle = row.container(width="stretch")
    right = row.container(width=300)
    with left:
        st.space("small")  # room for the canvas's toolbar, which sits above it
        st_canvas(
            stroke_width=pen,
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=280,
            width=280,
            drawing_mode="freedraw",
            update_streamlit=True,
            return_image_data=True,
            key=key,
        )
    if problem:
        middle.error(f"This drawing cannot be read: {problem}.", icon="🚫")
        return
    reader, checker, min_margin = _reader()
    result = reading.read_drawing(
        reader, image, refusal=checker, min_margin=min_margin
    )
    if result.empty:
        middle.info("Draw a digit on the canvas.", icon="✍️")
        return
    with middle:
        if result.not_a_digit:
            forced = f"Forced to answer, it would say {result.digit}."
            st.metric("Prediction", "—", help=forced)
            st.warning("This does not look like a digit.", icon="🤔")
        elif result.uncertain:
            st.metric("Prediction", f"{result.digit} or {result.runner_up}?")
            st.warning(f"Not sure: {result.digit} or {result.runner_up}?", icon="🤔")
        else:
            st.metric("Prediction", result.digit)
        st.plotly_chart(
            charts.probability_figure(
                charts.compute_probabilities(result.values, kind=result.kind),
                title="Each digit's probability"
                if result.kind == "probability"
                else "Each digit's score",
            ),
            key="draw_probabilities",
        )
    with right:
        digit_col, answer_col = st.columns(2, vertical_alignment="bottom")
        with digit_col:
            target = ui.shared_digit("draw_target")
            ui.digit_picker("draw_target", help="Shared with the metric pages.")
        detector = ui.get_model("sgd", target_digit=target, wait=False)
        with answer_col:
            if detector is None:
                st.metric(f"Is it a {target}?", "…", help="Still learning.")
            else:
                score = reading.detector_score(detector, result.features)
                threshold = ui.detector_threshold(target, default=0.0, share=False)
                st.metric(
                    f"Is it a {target}?",
                    "Yes" if score >= threshold else "No",
                    help="The book's SGDClassifier says yes when its decision "
                    "score reaches the threshold; move it on the Precision/recall "
                    f"page. Score {score:,.0f}, threshold {threshold:,.0f}.",
                )
        st.caption("What the model sees (28×28):")
        pixels = np.kron(result.features.reshape(28, 28), np.ones((5, 5)))
        st.image(pixels.astype(np.uint8), clamp=True)
    why, teach = st.columns(2)
    with why:
        _why(reader, result)
    with teach:
        _teach_panel(result)


board()
pending = [job for job in waiting if job is not None and not job.done()]
if pending:  # the page reruns as soon as any is ready: the MLP takes over at once
    ui.show_pending(pending, rerun="any")

error = st.session_state["draw_upload_error"]
files = st.columns(2)
corrections = st.session_state["draw_corrections"]
files[0].download_button(
    f"Download my {len(corrections)} corrections (.npz)",
    data=corrections.to_npz(),
    file_name="my_digits.npz",
    mime="application/octet-stream",
    disabled=not len(corrections),
    key="draw_download",
    icon="💾",
)
files[1].file_uploader(
    "Load corrections saved earlier (.npz)",
    type=["npz"],
    key="draw_upload",
    on_change=_upload,
    max_upload_size=max(1, personal.MAX_UPLOAD_BYTES // 2**20),
)
if error:
    files[1].error(f"Nothing was loaded: {error}", icon="🚫")

st.subheader("How sure is it?")
# checker: the not-a-digit check, None while it learns.
among = (
    "training digits as drawn here and random squiggles"
    if checker is None
    else f"{int(checker.is_digit_.sum()):,} training digits as drawn here and "
    f"{int((~checker.is_digit_).sum()):,} random squiggles (the level only "
    f"{checker.false_refusals:.0%} of real training digits fall under)"
)
neighbours = "nearest" if checker is None else f"{checker.n_neighbors} nearest"
st.markdown(
    "**How it refuses.** *This does not look like a digit*: too few of the "
    f"drawing's {neighbours} neighbours are digits, among {among}. *Not sure: 4 "
    "or 9?*: the model's two best digits are too close (the margin only "
    f"{reading.MARGIN_REFUSED:.0%} of held-out digits fall under). The README "
    "gives the rates measured on letters, dashes, crosses, blobs and scribbles."
)
if check is None:
    st.caption("The risk–coverage curve appears when the model and its check are in.")
else:
    st.caption(
        f"{label} reading {int(check.is_digit.sum())} held-out test digits, drawn, "
        f"and {int((~check.is_digit).sum())} random non-digits. Refusing its least "
        "sure readings (a drawing unlike any digit, or two digits close) reads "
        "fewer and errs less."
    )
    # The same for every visitor of this model and data: built once.
    st.plotly_chart(
        ui.shared(
            ("draw_risk_coverage", source, name),
            lambda: charts.risk_coverage_figure(
                {
                    "Not-a-digit check and hesitation": charts.compute_risk_coverage(
                        check.correct, check.confidence, threshold=1.0
                    ),
                    "Hesitation alone": charts.compute_risk_coverage(
                        check.correct, check.margin_confidence, threshold=1.0
                    ),
                }
            ),
        ),
        key="draw_risk_coverage",
    )
if explain.explanation_kind(reader) == "linear":

    def _templates() -> object:
        return charts.templates_figure(explain.explain_linear(reader, np.zeros(784)))

    # The chosen model's are everyone's; a visitor's taught copy has its own.
    taught = reader is st.session_state["draw_personal"]
    with st.expander("What this linear model learnt: one weight template per digit"):
        st.plotly_chart(
            _templates()
            if taught
            else ui.shared(("draw_templates", source, name), _templates),
            key="draw_templates",
        )

st.subheader("Where to go next")
st.page_link("views/binary.py", label="The book's binary detector", icon="🎯")
st.page_link("views/tradeoff.py", label="Precision, recall and the threshold", icon="⚖️")
