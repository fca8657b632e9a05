"""The Exercises page in Streamlit's AppTest, on the bundled sample."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_dash import charts, data

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "views/exercises.py"


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_mnist("sample")


def open_exercises() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def percent(text: str) -> float:
    """ "91.40%" -> 0.914."""
    return float(text.rstrip("%")) / 100


def plotly_array(array: Any) -> np.ndarray:
    """A plotly JSON array: a list, or numpy's bytes ("typed array", base64)."""
    if isinstance(array, dict) and "bdata" in array:
        flat = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        shape = [int(n) for n in str(array.get("shape", len(flat))).split(",")]
        return flat.reshape(shape)
    return np.asarray(array, dtype=float)


def test_page_runs_and_waits_for_a_click() -> None:
    at = open_exercises()
    assert at.title[0].value.startswith("🏋️ Exercises")
    assert not at.metric  # nothing is trained before a click
    assert at.button(key="exercises_run_1").label == "Train and score"
    assert at.button(key="exercises_run_2").label == "Train and score"


def test_exercise_1_shows_its_accuracy_beside_the_books() -> None:
    at = open_exercises()
    at.button(key="exercises_run_1").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (table,) = at.dataframe
    row = table.value.iloc[0]
    assert percent(row["Computed here"]) > 0.85
    assert row["The book (full MNIST)"] == "97.14%"
    assert row[""] == "— other data"  # the sample is not the book's data
    # Exercise 2 has not been trained by exercise 1's button.
    assert not at.metric


def test_exercise_2_shows_how_many_errors_the_shifts_remove() -> None:
    at = open_exercises()
    at.button(key="exercises_run_1").click().run()
    at.button(key="exercises_run_2").click().run()
    assert not at.exception, [e.value for e in at.exception]
    first, second = (percent(t.value.iloc[0]["Computed here"]) for t in at.dataframe)
    (change,) = at.metric
    assert change.value == f"{(1 - second) / (1 - first) - 1:+.0%}"


def test_gallery_shows_the_chosen_digit_and_its_four_shifts(
    sample: data.MnistData,
) -> None:
    at = open_exercises()
    at.selectbox(key="exercises_digit").set_value(3).run()
    assert not at.exception
    (gallery,) = at.get("plotly_chart")
    shown = json.loads(gallery.proto.spec)
    expected = charts.digit_grid_figure(
        data.shifted_example(sample, digit=3), columns=5, titles=list(data.SHIFT_NAMES)
    )
    np.testing.assert_array_equal(
        plotly_array(shown["data"][0]["z"]), np.asarray(expected.data[0].z)
    )
    titles = [a["text"] for a in shown["layout"]["annotations"]]
    assert titles == ["original", "left", "right", "up", "down"]


@pytest.mark.parametrize("digit", range(10))
def test_shifted_example_is_the_first_digit_and_its_shifts(
    sample: data.MnistData, digit: int
) -> None:
    images = data.shifted_example(sample, digit=digit)
    first = np.flatnonzero(sample.y_train == digit)[0]
    expected, _ = data.shifted_copies(sample.X_train[first : first + 1], [digit])
    np.testing.assert_array_equal(images, expected)
    np.testing.assert_array_equal(images[0], sample.X_train[first])


def test_shifted_example_rejects_a_bad_digit(sample: data.MnistData) -> None:
    with pytest.raises(ValueError, match="0-9"):
        data.shifted_example(sample, digit=10)
