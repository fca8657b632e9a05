"""Multioutput classification: a KNN that cleans noisy digits, 784 outputs at once."""

import hashlib

import streamlit as st

from mnist_dash import charts, denoising, jobs, tasks, ui

ui.init_session()
dataset = ui.get_data()
SOURCES = ("A test digit", "Draw one")

st.title("🧽 Multioutput classification: cleaning noisy digits")
st.markdown(
    "A multioutput classifier predicts several labels, each with more than two "
    "values. The book's example: add noise to every digit "
    "(`np.random.randint(0, 100, (len(X_train), 784))`, seed 42) and train "
    "`KNeighborsClassifier()` to output the clean digit, one class (0-255) per "
    "pixel, 784 outputs. Each cleaned pixel is the most common value of that "
    "pixel among the 5 nearest noisy training digits. **Try first:** slide the "
    "noise level and watch the cleaning; push it far past 100, the noise the "
    "model was trained on, and see where it fails."
)
ui.data_note(dataset)

source_col, digit_col, noise_col = st.columns([2, 1, 3], vertical_alignment="bottom")
with source_col:
    source = st.radio("Which digit", SOURCES, key="multioutput_source", horizontal=True)
with noise_col:
    level = st.slider(
        "Noise level",
        min_value=denoising.LEVELS[0],
        max_value=denoising.LEVELS[-1],
        value=denoising.BOOK_LEVEL,
        step=denoising.LEVELS[1] - denoising.LEVELS[0],
        key="multioutput_noise",
        help="Each pixel gets the book's random noise (0 to 99) scaled by "
        "level / 100: at 100 it is the book's own X_test_mod.",
    )
denoiser = ui.run(tasks.denoiser(dataset))
if source == SOURCES[0]:
    with digit_col:
        index = int(
            st.number_input(
                "Test digit number",
                min_value=0,
                max_value=len(dataset.y_test) - 1,
                value=0,
                key="multioutput_index",
                help="The book cleans X_test_mod[0], a 7.",
            )
        )
    digit, noise, name = (
        dataset.X_test[index],
        denoiser.test_noise[index],
        f"test {index}",
    )
else:
    with digit_col:
        digit = ui.drawn_digit("multioutput_canvas", size=160)
    if digit is None:
        st.info("Draw a digit on the canvas.", icon="✍️")
        st.stop()
    # A drawing gets the first test digit's noise; it is cleaned once per drawing.
    noise = denoiser.test_noise[0]
    name = "drawn " + hashlib.blake2b(digit.tobytes(), digest_size=8).hexdigest()

noisy, cleaned = ui.run(
    tasks.cleaned(dataset, denoiser, name=name, digit=digit, noise=noise)
)
errors = charts.compute_denoising_errors(
    digit[None, :],
    noisy[:, None, :],
    cleaned[:, None, :],
    levels=denoising.LEVELS,
    trained_level=denoising.BOOK_LEVEL,
    model="knn",
)
at = denoising.LEVELS.index(level)
pictures_col, numbers_col = st.columns([3, 1], vertical_alignment="center")
with pictures_col:
    st.plotly_chart(
        charts.digit_grid_figure(
            [noisy[at].clip(0, 255), cleaned[at], digit],
            columns=3,
            titles=[f"Noisy (level {level})", "Cleaned by KNN", "Original"],
            cell_px=200,
        ),
        key="multioutput_digits",
    )
with numbers_col:
    st.metric(
        "Mean pixel error, noisy",
        f"{errors.noisy[at]:.1f}",
        help="Mean absolute difference from the original, 0-255 per pixel.",
    )
    st.metric(
        "Mean pixel error, cleaned",
        f"{errors.cleaned[at]:.1f}",
        delta=f"{errors.cleaned[at] - errors.noisy[at]:+.1f}",
        delta_color="inverse",
    )
if source == SOURCES[0] and level == denoising.BOOK_LEVEL:
    st.caption(
        f"This is the book's `knn_clf.predict([X_test_mod[{index}]])`: the same "
        "noise, the same 5 neighbours. (Pixels above 255, noise on bright ink, "
        "are drawn as 255.)"
    )

st.header("How far does the cleaning go?")
model = ui.run(
    tasks.denoising_errors(dataset, denoiser), wait=False, priority=jobs.BACKGROUND
)
if model is None:
    found = ui.job("denoising_errors", dataset.key)
    if found is not None:
        ui.show_pending(
            [found],
            note=f"Cleaning the first {denoising.ERROR_DIGITS} test digits at each "
            "noise level, once, in the background.",
        )
else:
    chart_col, text_col = st.columns([2, 1])
    with chart_col:
        st.plotly_chart(
            charts.denoising_figure(model, level=level), key="multioutput_errors"
        )
    with text_col:
        best = model.levels[model.cleaned.argmin()]
        st.markdown(
            f"Averaged over the first {model.n_digits} test digits, the cleaned "
            f"digits are closest to the originals at noise level {best:.0f}. The "
            f"model was trained on level {model.trained_level:.0f} (the grey "
            "dotted line): it looks for its neighbours among noisy digits, so a "
            "clean digit (level 0) finds thin ones, with little ink, and far above "
            "its training noise the noise outweighs the digit and the neighbours "
            "it finds are other digits. The grey dashed line is the noisy digit's "
            "own error: what cleaning saves."
        )

st.subheader("Where to go next")
st.page_link("views/multilabel.py", label="Two yes-or-no labels per digit", icon="🏷️")
st.page_link("views/exercises.py", label="The chapter's exercises, with KNN", icon="🏋️")
st.page_link("views/draw.py", label="Draw a digit for every model", icon="✏️")
