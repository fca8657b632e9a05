"""The Draw page in Streamlit's AppTest: reading, refusing, explaining, teaching,
and hostile drawings bounded before they are decoded.

A drawing is injected as the canvas would send it (its session state; internal
to streamlit-drawable-canvas 0.13). The page's models train in this process's
scheduler; tests wait for a job where they need its result.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _hostile import hostile_payloads, real_drawing, rss_bytes
from streamlit.testing.v1 import AppTest

from mnist_dash import charts, data, models, personal, preprocess, ui

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300
#: The most a hostile drawing may grow this process's memory.
MAX_GROWTH = 50 * 2**20


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_sample()


@pytest.fixture(scope="module")
def ready() -> None:
    """The page's background work, done: the Draw model and the refusal (kept in
    this test run's cache folder, as test_reading leaves the model)."""
    ui.get_model(models.DRAW_MODEL, source="sample")
    ui.get_refusal(source="sample")
    ui.get_model(personal.BASE_MODEL, source="sample")  # the one a visitor teaches
    ui.get_reading_check(models.DRAW_MODEL, source="sample", wait=True)


def _draw_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("views/draw.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _inject(at: AppTest, value: object, *, whole: bool = False) -> None:
    key = f"draw_canvas_{at.session_state['draw_generation']}"
    state = value if whole else {"raw": {"objects": [{}]}, "data": value}
    at.session_state[key] = {"drawing": state}
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def _prediction(at: AppTest) -> str | None:
    found = [m.value for m in at.metric if m.label == "Prediction"]
    return found[0] if found else None


def test_the_page_says_what_to_try_first_and_where_to_go_next(ready) -> None:
    at = _draw_page()
    assert at.markdown[0].value.startswith("**Try first:**")
    assert _prediction(at) is None
    assert any("Draw a digit" in i.value for i in at.info)
    links = [e.proto.page for e in at.get("page_link")]
    assert links[-2:] == ["binary", "tradeoff"]
    assert [s.value for s in at.subheader][-1] == "Where to go next"
    assert not [b for b in at.button if "clear" in b.label.lower()]  # the toolbar's
    # The risk-coverage curve, the one chart before a drawing, says what it reads.
    (curve,) = at.get("plotly_chart")
    assert "Coverage" in curve.proto.spec
    assert any("held-out test digits" in c.value for c in at.caption)


def test_digits_are_read_explained_and_a_dash_refused(ready, sample) -> None:
    at = _draw_page()
    hits = 0
    for index in range(5):
        _inject(at, real_drawing(sample.X_test[index]))
        hits += _prediction(at) == str(sample.y_test[index])
        assert not at.info
        assert any(m.label.startswith("Is it a 5") for m in at.metric)
        bars = at.get("plotly_chart")[0].proto.spec
        assert "Predicted:" not in bars and charts.ACCENT in bars
    assert hits >= 4
    # The Draw model reads it: why is a saliency map over the drawing.
    assert any("what it looked at" in c.value for c in at.caption)

    dash = np.zeros((28, 28), np.uint8)
    dash[13:16, 3:25] = 255
    _inject(at, real_drawing(dash))
    assert _prediction(at) == "—"
    assert any("does not look like a digit" in w.value for w in at.warning)


def test_a_linear_model_shows_its_weights_and_the_pixels_shares(ready, sample) -> None:
    at = _draw_page()
    at.selectbox(key="draw_model_choice").set_value("sgd_averaged").run()
    ui.get_model("sgd_averaged", source="sample")
    _inject(at, real_drawing(sample.X_test[0]))
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Towards" in s for s in specs)  # weight x pixel, two best digits
    assert any("weight %{z" in s for s in specs)  # the ten templates


def test_teaching_changes_only_this_visitors_copy(ready, sample) -> None:
    at = _draw_page()
    _inject(at, real_drawing(sample.X_test[0]))
    wrong = (int(sample.y_test[0]) + 1) % 10
    at.selectbox(key="draw_right_digit").set_value(wrong)
    at.button(key="draw_teach").click().run()
    assert not at.exception, [e.value for e in at.exception]
    corrections = at.session_state["draw_corrections"]
    assert len(corrections) == 1 and corrections.labels.tolist() == [wrong]
    assert at.toggle(key="draw_use_personal").value
    assert any("before and after" in c.value for c in at.caption)
    shared = ui.get_model(personal.BASE_MODEL, source="sample")
    assert shared[-1].average  # everyone's model is untouched
    other = _draw_page()
    assert len(other.session_state["draw_corrections"]) == 0


@pytest.mark.parametrize("name", [*hostile_payloads(huge=False), "26 MB message"])
def test_a_hostile_drawing_is_refused_before_it_is_decoded(
    ready, sample, name
) -> None:
    payload = hostile_payloads(huge=name == "26 MB message")[name]
    at = _draw_page()
    before = rss_bytes()
    _inject(at, payload, whole=name == "drawing not a dict")
    grown = rss_bytes() - before
    assert grown < MAX_GROWTH, f"{name}: {grown / 2**20:.0f} MB"
    errors = [e.value for e in at.error]
    assert errors and errors[0].startswith("This drawing cannot be read: "), name
    at.run()  # say, a model done training reruns the page: still said
    assert [e.value for e in at.error] == errors
    # The page keeps working: a fresh canvas reads the next drawing.
    _inject(at, real_drawing(sample.X_test[1]))
    assert _prediction(at) is not None
    assert not at.error


def test_payloads_are_refused_by_the_decoder_itself() -> None:
    for name, payload in hostile_payloads().items():
        state = (
            {"drawing": payload}
            if name == "drawing not a dict"
            else {"drawing": {"data": payload}}
        )
        with pytest.raises(ValueError):
            preprocess.decode_canvas_state(state)


def _small_canvas_script() -> None:
    import streamlit as st

    from mnist_dash import ui

    digit = ui.drawn_digit("probe")
    st.write("nothing" if digit is None else "a digit")


def test_the_other_pages_small_canvas_is_bounded_too(sample) -> None:
    """``ui.drawn_digit`` (Multilabel, Multioutput) checks a drawing as Draw does."""
    at = AppTest.from_function(_small_canvas_script, default_timeout=TIMEOUT)
    at.session_state["probe_0"] = {
        "drawing": {"data": hostile_payloads(huge=False)["12000x12000 png"]}
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    assert error.value.startswith("This drawing cannot be read: it is 12,000x12,000")
    assert at.markdown[-1].value == "nothing"
    at.session_state["probe_1"] = {"drawing": {"data": real_drawing(sample.X_test[0])}}
    at.run()
    assert not at.error and at.markdown[-1].value == "a digit"


def test_on_a_box_with_no_room_knn_reads_and_the_page_says_why(
    ready, sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A box whose memory limit leaves no room for a training: the models that
    need one are not offered (the picker falls back on k-nearest neighbours,
    whose fit only keeps the digits, and it reads the drawing); what the page
    asks for in the background is not run, and the page says so, once each."""
    from mnist_dash import jobs

    ui._scheduler.forget(lambda key: key[0] == "model")
    monkeypatch.setattr(models, "is_stored", lambda *args, **kwargs: False)
    monkeypatch.setattr(ui._scheduler, "memory_limit", jobs.resident_bytes())
    at = _draw_page()
    _inject(at, real_drawing(sample.X_test[0]))
    assert _prediction(at) is not None
    notes = [i.value for i in at.info if i.value.startswith("Not offered here:")]
    assert any(note.startswith("Not offered here: Training") for note in notes)
    assert len(notes) == len(set(notes))  # each said once
    assert at.selectbox(key="draw_model_choice").value == "knn"
