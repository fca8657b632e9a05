"""The metric pages in Streamlit's AppTest, on the bundled sample.

Each page runs the real cross-validation once (memoised for the whole test
process, as in the server) and is driven through its widgets by key. The numbers
shown are read back from the metrics and from the charts' plotly JSON.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from mnist_dash import charts, data, evaluation, models, ui

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 180


def open_page(page: str, *, threshold: str | None = None) -> AppTest:
    """A new session opened straight on ``page`` (optionally ``?threshold=``)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if threshold is not None:
        at.query_params["threshold"] = threshold
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


SGD = models.MODELS["sgd"].label
FOREST = models.MODELS["random_forest"].label


def finish_background(at: AppTest) -> AppTest:
    """Wait for the work a page left running (as its progress panel would), rerun."""
    for job in list(ui._scheduler._jobs.values()):
        job.future.exception()  # waits; an error shows up in the rerun
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def percent(value: str) -> float:
    """ "72.9%" -> 0.729."""
    return float(value.rstrip("%")) / 100


def chart(at: AppTest, key: str) -> dict[str, Any]:
    """The plotly figure (as JSON) of the chart made with ``key=key``."""
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert len(found) == 1, [c.proto.id for c in at.get("plotly_chart")]
    return json.loads(found[0].proto.spec)


def values(array: Any) -> np.ndarray:
    """A plotly JSON array: a list, or numpy's bytes ("typed array", base64)."""
    if isinstance(array, dict) and "bdata" in array:
        flat = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        shape = array.get("shape")
        if shape is None:
            return flat
        return flat.reshape([int(n) for n in str(shape).split(",")])
    return np.asarray(array)


def heatmap(figure: dict[str, Any]) -> np.ndarray:
    """What the heatmap (trace 0) colours: for a confusion matrix, the values
    shown, NaN where a cell is hidden, each row's shares for two classes."""
    return values(figure["data"][0]["z"]).astype(float)


def counts(figure: dict[str, Any]) -> np.ndarray:
    """The counts of a confusion matrix, from its cell markers (trace 1), whose
    ``customdata`` is ``(actual, predicted, count)``."""
    cells = figure["data"][1]
    x, y = values(cells["x"]).astype(int), values(cells["y"]).astype(int)
    k = int(np.sqrt(len(x)))
    out = np.zeros((k, k), dtype=np.int64)
    out[y, x] = [cell[2] for cell in cells["customdata"]]
    return out


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_mnist("sample")


# --------------------------------------------------------------------------------
# Binary classifier
# --------------------------------------------------------------------------------


def test_binary_page_shows_the_books_five_detector(sample: data.MnistData) -> None:
    at = open_page("views/binary.py")
    assert at.title[0].value.startswith("🎯 Is it a 5?")
    shown = metrics(at)
    sgd, dummy = (
        percent(shown[f"{SGD}: accuracy (cv=3)"]),
        percent(shown["Dummy that never says 5"]),
    )
    # The book: the dummy is right ~90 % of the time, SGD a little more.
    assert dummy == pytest.approx(0.90, abs=0.01)
    expected_dummy = evaluation.dummy_accuracy(sample.y_train, target_digit=5).mean()
    assert dummy == pytest.approx(expected_dummy, abs=0.0005)
    assert dummy < sgd < 1

    bars = chart(at, "binary_accuracy")["data"][0]
    fast = evaluation.cross_validate_model(
        "sgd_averaged", sample.X_train, sample.y_train, target_digit=5
    )
    np.testing.assert_allclose(
        values(bars["y"]), [dummy, sgd, fast.accuracy], atol=0.00005
    )

    confusion = chart(at, "binary_confusion")
    (tn, fp), (fn, tp) = counts(confusion)
    assert tn + fp + fn + tp == len(sample.y_train)
    # The cells are coloured by each row's shares: TP by the recall.
    np.testing.assert_allclose(
        heatmap(confusion),
        [[tn / (tn + fp), fp / (tn + fp)], [fn / (fn + tp), tp / (fn + tp)]],
    )
    assert tp + fn == np.sum(sample.y_train == 5)
    precision, recall, f1 = (
        percent(shown[name]) for name in ("Precision", "Recall", "F1 score")
    )
    for value in (precision, recall, f1):
        assert 0 < value < 1
    assert precision == pytest.approx(tp / (tp + fp), abs=0.0005)
    assert recall == pytest.approx(tp / (tp + fn), abs=0.0005)
    assert f1 == pytest.approx(2 * tp / (2 * tp + fp + fn), abs=0.0005)
    assert (tn + tp) / (tn + fp + fn + tp) == pytest.approx(sgd, abs=0.0005)


def test_binary_page_says_which_detectors_its_box_cannot_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a box whose memory limit leaves no room for a training, the detectors
    trained on every digit are not offered: the page says why and goes on."""
    from mnist_dash import jobs

    at = finish_background(open_page("views/binary.py"))
    ui._scheduler.forget(lambda key: key[0] == "model")
    monkeypatch.setattr(models, "is_stored", lambda *args, **kwargs: False)
    monkeypatch.setattr(ui._scheduler, "memory_limit", jobs.resident_bytes())
    at.run()
    assert not at.exception and not at.error
    notes = [i.value for i in at.info if i.value.startswith("Not offered here:")]
    assert len(notes) == 3  # the three detectors
    assert all("its box allows" in note for note in notes)
    assert [v for k, v in metrics(at).items() if k in (SGD, FOREST)] == ["—", "—"]
    assert at.header[-1].value == "Where next"  # the page went on to its end


def test_binary_page_digit_is_shared(sample: data.MnistData) -> None:
    at = open_page("views/binary.py")
    at.selectbox(key="binary_digit").set_value(1).run()
    assert not at.exception
    assert at.session_state["target_digit"] == 1
    assert at.title[0].value.startswith("🎯 Is it a 1?")
    (tn, fp), (fn, tp) = counts(chart(at, "binary_confusion"))
    assert tp + fn == np.sum(sample.y_train == 1)
    # The shared digit survives a visit to another page and back.
    at.switch_page("views/home.py").run()
    at.switch_page("views/binary.py").run()
    assert at.selectbox(key="binary_digit").value == 1
    assert at.title[0].value.startswith("🎯 Is it a 1?")


# --------------------------------------------------------------------------------
# Precision/recall tradeoff
# --------------------------------------------------------------------------------


def tradeoff_numbers(at: AppTest) -> tuple[float, float, float]:
    shown = metrics(at)
    return (
        at.slider(key="tradeoff_threshold").value,
        percent(shown["Precision"]),
        percent(shown["Recall"]),
    )


def test_tradeoff_page_starts_at_ninety_percent_precision() -> None:
    at = open_page("views/tradeoff.py")
    assert len(at.get("plotly_chart")) == 5  # curves, PR, matrix, cost, folds
    threshold, precision, recall = tradeoff_numbers(at)
    assert 0.9 <= precision < 0.95
    assert 0 < recall < 1
    assert at.session_state["threshold"] == threshold
    assert float(at.query_params["threshold"]) == pytest.approx(threshold, rel=1e-5)

    confusion = chart(at, "tradeoff_confusion")
    (tn, fp), (fn, tp) = counts(confusion)
    assert precision == pytest.approx(tp / (tp + fp), abs=0.0005)
    assert recall == pytest.approx(tp / (tp + fn), abs=0.0005)
    # The vertical line of the threshold chart and the PR curve's point follow.
    curves = chart(at, "tradeoff_curves")
    assert curves["layout"]["shapes"][0]["x0"] == pytest.approx(threshold)
    point = chart(at, "tradeoff_pr")["data"][1]
    assert point["x"][0] == pytest.approx(recall, abs=0.0005)
    assert point["y"][0] == pytest.approx(precision, abs=0.0005)


def test_moving_the_slider_changes_precision_and_recall() -> None:
    at = open_page("views/tradeoff.py")
    start, precision, recall = tradeoff_numbers(at)
    slider = at.slider(key="tradeoff_threshold")
    lowest, highest = slider.min, slider.max

    at.slider(key="tradeoff_threshold").set_value(lowest).run()
    assert not at.exception
    threshold, low_precision, low_recall = tradeoff_numbers(at)
    assert threshold == lowest
    assert low_recall == 1.0  # every digit is called positive
    assert low_precision == pytest.approx(0.10, abs=0.02)  # the share of 5s
    assert at.session_state["threshold"] == lowest
    assert float(at.query_params["threshold"]) == pytest.approx(lowest, rel=1e-5)

    higher = start + (highest - start) / 4
    at.slider(key="tradeoff_threshold").set_value(higher).run()
    _, high_precision, high_recall = tradeoff_numbers(at)
    assert high_recall < recall < low_recall
    assert high_precision != precision


def test_precision_box_moves_the_slider() -> None:
    at = open_page("views/tradeoff.py")
    slider = at.slider(key="tradeoff_threshold")
    at.slider(key="tradeoff_threshold").set_value(slider.min).run()
    assert tradeoff_numbers(at)[1] < 0.5

    # The button: back to the lowest threshold with 90 % precision.
    at.button(key="tradeoff_go").click().run()
    assert not at.exception
    threshold, precision, _ = tradeoff_numbers(at)
    assert threshold > slider.min
    assert precision >= 0.9
    assert at.session_state["threshold"] == threshold

    # Typing a precision moves it at once.
    at.number_input(key="tradeoff_precision").set_value(97.0).run()
    higher, precision, _ = tradeoff_numbers(at)
    assert precision >= 0.97
    assert higher > threshold


def test_full_precision_moves_the_slider_to_the_top_scores() -> None:
    at = open_page("views/tradeoff.py")
    start, _, start_recall = tradeoff_numbers(at)
    at.number_input(key="tradeoff_precision").set_value(100.0).run()
    assert not at.exception
    assert not at.warning  # the best-scored digits are 5s: 100 % is reachable
    threshold, precision, recall = tradeoff_numbers(at)
    assert precision == 1.0
    assert threshold > start and 0 < recall < start_recall


def test_a_shared_link_opens_at_its_threshold() -> None:
    at = open_page("views/tradeoff.py", threshold="1234")
    threshold, precision, recall = tradeoff_numbers(at)
    assert threshold == 1234.0
    assert at.session_state["threshold"] == 1234.0
    assert 0 < precision < 1 and 0 < recall < 1


def test_a_link_with_a_bad_threshold_starts_at_ninety_percent() -> None:
    reference = tradeoff_numbers(open_page("views/tradeoff.py"))
    for text in ("nan", "abc", "inf"):
        at = open_page("views/tradeoff.py", threshold=text)
        assert tradeoff_numbers(at) == reference, text


def test_a_link_beyond_the_scores_starts_at_the_end_of_the_slider() -> None:
    at = open_page("views/tradeoff.py", threshold="1e300")
    threshold, precision, recall = tradeoff_numbers(at)
    assert threshold == at.slider(key="tradeoff_threshold").max
    assert recall == 0.0


def test_a_new_digit_starts_at_its_own_ninety_percent_threshold(
    sample: data.MnistData,
) -> None:
    at = open_page("views/tradeoff.py", threshold="1234")
    at.selectbox(key="tradeoff_digit").set_value(3).run()
    assert not at.exception
    threshold, precision, _ = tradeoff_numbers(at)
    assert at.session_state["target_digit"] == 3
    assert at.session_state["threshold"] == threshold
    # Equal to the book's thresholds[(precisions >= 0.90).argmax()] for 3s.
    cv = evaluation.cross_validate_model(
        "sgd", sample.X_train, sample.y_train, target_digit=3
    )
    curves = charts.compute_threshold_curves(cv.y_true, cv.scores)
    assert threshold == pytest.approx(charts.threshold_for_precision(curves, 0.9))
    assert precision >= 0.9


def test_threshold_is_shared_with_the_roc_page() -> None:
    at = open_page("views/tradeoff.py")
    at.button(key="tradeoff_go").run()
    slider = at.slider(key="tradeoff_threshold")
    # A value the slider can take: on its grid of steps.
    third = slider.value + (slider.max - slider.value) / 3
    target = slider.min + round((third - slider.min) / slider.step) * slider.step
    at.slider(key="tradeoff_threshold").set_value(target).run()
    _, _, recall = tradeoff_numbers(at)
    at.switch_page("views/roc.py").run()
    assert not at.exception
    assert percent(metrics(at)["SGD recall (TPR) at the threshold"]) == recall
    # ... and the slider is still there on the way back.
    at.switch_page("views/tradeoff.py").run()
    assert at.slider(key="tradeoff_threshold").value == target


# --------------------------------------------------------------------------------
# ROC
# --------------------------------------------------------------------------------


def test_roc_page_compares_sgd_and_random_forest(sample: data.MnistData) -> None:
    at = finish_background(open_page("views/roc.py"))
    assert len(at.get("plotly_chart")) == 2  # ROC, and PR beside it
    shown = metrics(at)
    sgd_auc = float(shown[f"AUC, {SGD}"])
    forest_auc = float(shown[f"AUC, {FOREST}"])
    # The book's direction: both far above chance, the forest above SGD.
    assert 0.9 < sgd_auc < forest_auc <= 1

    figure = chart(at, "roc_curve")
    names = [trace["name"] for trace in figure["data"]]
    assert names[1].startswith(f"{SGD} (AUC = ")
    assert names[2].startswith(f"{FOREST} (AUC = ")
    # The marked point: the SGD curve at the shared (90 %-precision) threshold.
    point = figure["data"][3]
    assert point["y"][0] == pytest.approx(
        percent(shown["SGD recall (TPR) at the threshold"]), abs=0.0005
    )
    assert "PR curve" in at.info[0].value


def test_roc_page_follows_the_shared_digit() -> None:
    at = open_page("views/roc.py")
    before = metrics(at)[f"AUC, {SGD}"]
    at.selectbox(key="roc_digit").set_value(0).run()
    assert not at.exception
    assert at.session_state["target_digit"] == 0
    assert metrics(at)[f"AUC, {SGD}"] != before


# --------------------------------------------------------------------------------
# Multiclass and error analysis
# --------------------------------------------------------------------------------


def click_cell(at: AppTest, key: str, actual: int, predicted: int) -> AppTest:
    """Send what the browser sends when a confusion-matrix cell is clicked.

    AppTest has no API for plotly selections, so the chart's widget state is put
    into the next run by hand, in the frontend's format: the selected point of
    the figure's cell markers (trace 1), whose ``customdata`` names the cell.
    """
    (element,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith(key)]
    figure = json.loads(element.proto.spec)
    cells = figure["data"][1]
    index = next(
        i for i, c in enumerate(cells["customdata"]) if c[:2] == [actual, predicted]
    )
    point = {
        "curve_number": 1,
        "point_number": index,
        "point_index": index,
        "x": int(values(cells["x"])[index]),
        "y": int(values(cells["y"])[index]),
        "customdata": cells["customdata"][index],
    }
    states: WidgetStates = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = element.proto.id
    state.string_value = json.dumps(
        {"selection": {"points": [point], "point_indices": [index]}}
    )
    return at._run(states)


def test_multiclass_page_shows_a_fast_variant_then_the_books_calls(
    sample: data.MnistData, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The book's runs may be done already (another test, or a browser test's
    # server sharing the cache folder): hold them back until the page has shown
    # its fast variant, then let them run (or load what is stored). They run in
    # child processes: the gate is a file, which they see being made.
    cross_validate = evaluation.cross_validate_model
    gate = tmp_path / "release"

    def held_back(name: str, *args: Any, **kwargs: Any) -> evaluation.CrossValResult:
        if name in ("sgd", "sgd_scaled"):
            while not gate.exists():
                time.sleep(0.02)
        return cross_validate(name, *args, **kwargs)

    book_keys = {("cv", "sample", "sgd", None), ("cv", "sample", "sgd_scaled", None)}
    ui._scheduler.forget(lambda key: key in book_keys)
    monkeypatch.setattr(evaluation, "cross_validate_model", held_back)
    monkeypatch.setattr(evaluation, "is_cached", lambda *args, **kwargs: False)
    try:
        at = open_page("views/multiclass.py")
    finally:
        gate.touch()
    assert "fast variant" in at.warning[0].value
    assert len(at.get("plotly_chart")) == 3  # accuracy, confusion, gallery

    def shown_against(names: tuple[str, str]) -> None:
        shown = {m.label: m for m in at.metric}
        labels = [models.MODELS[name].label for name in names]
        raw = percent(shown[f"{labels[0]} (cv=3)"].value)
        scaled = percent(shown[f"{labels[1]} (cv=3)"].value)
        # The page shows what cross_val_score gives, whichever wins.
        for name, value in zip(names, (raw, scaled), strict=True):
            cv = cross_validate(name, sample.X_train, sample.y_train)
            assert value == pytest.approx(cv.accuracy, abs=0.00005)
            assert 0.75 < value < 1
        delta = shown[f"{labels[1]} (cv=3)"].delta
        if delta is not None:
            points = float(delta.split()[0])
            assert points == pytest.approx((scaled - raw) * 100, abs=0.06)
        verb = "raises" if scaled > raw + 0.0005 else "lowers"
        if abs(scaled - raw) > 0.0005:
            assert f"standardising the pixels {verb}" in at.caption[1].value
        bars = chart(at, "multiclass_accuracy")["data"][0]
        np.testing.assert_allclose(values(bars["y"]), [raw, scaled], atol=0.00005)

    shown_against(("sgd_averaged", "sgd_averaged_scaled"))

    # The book's calls ran in the background; the page switches to them.
    finish_background(at)
    assert not at.warning
    shown_against(("sgd", "sgd_scaled"))
    book_rows = at.dataframe[0].value
    assert list(book_rows["Figure"]) == [
        "cross_val_score, raw pixels",
        "cross_val_score, standardised",
    ]
    assert "scikit-learn" in at.caption[2].value

    report = at.dataframe[1].value
    assert list(report["class"]) == list(range(10))
    for column in ("precision", "recall", "f1"):
        assert report[column].between(0, 1).all()
    assert report["support"].sum() == len(sample.y_train)


@pytest.mark.parametrize(
    ("view", "check"),
    [
        ("Counts", lambda z: z.sum() == 4000),
        ("Share of each row", lambda z: np.allclose(z.sum(axis=1), 1)),
        # The hidden diagonal is drawn as empty cells (NaN), not as zeros.
        (
            "Errors, by row",
            lambda z: np.isnan(np.diag(z)).all()
            and np.allclose(np.nansum(z, axis=1), 1),
        ),
        (
            "Errors, by column",
            lambda z: np.isnan(np.diag(z)).all()
            and np.allclose(np.nansum(z, axis=0), 1),
        ),
    ],
)
def test_multiclass_page_views(view: str, check: Any) -> None:
    at = open_page("views/multiclass.py")
    radio = at.radio(key="multiclass_view")
    (choice,) = [option for option in radio.options if option.startswith(view)]
    radio.set_value(choice).run()
    assert not at.exception
    figure = chart(at, "multiclass_confusion")
    assert check(heatmap(figure))
    assert counts(figure).sum() == 4000
    assert len(at.get("plotly_chart")) == 3  # the gallery stays


def test_gallery_starts_on_the_books_threes_read_as_fives(
    sample: data.MnistData,
) -> None:
    at = finish_background(open_page("views/multiclass.py"))
    assert at.subheader[0].value == "3s read as 5s"
    assert "The book's own example" in at.markdown[-1].value
    gallery = heatmap(chart(at, "multiclass_gallery"))
    cv = evaluation.cross_validate_model("sgd_scaled", sample.X_train, sample.y_train)
    first = np.flatnonzero((cv.y_true == 3) & (cv.y_pred == 5))[0]
    np.testing.assert_array_equal(
        gallery[:28, :28], sample.X_train[first].reshape(28, 28)
    )


def test_clicking_a_cell_shows_its_digits(sample: data.MnistData) -> None:
    at = finish_background(open_page("views/multiclass.py"))
    cv = evaluation.cross_validate_model("sgd_scaled", sample.X_train, sample.y_train)
    counts = charts.compute_confusion(cv.y_true, cv.y_pred, labels=range(10)).counts
    errors_only = counts - np.diag(np.diag(counts))
    errors_only[3, 5] = errors_only[5, 3] = 0  # not the book's pair: its own text
    actual, predicted = np.unravel_index(errors_only.argmax(), counts.shape)
    click_cell(at, "multiclass_confusion", int(actual), int(predicted))
    assert not at.exception
    assert at.subheader[0].value == f"{actual}s read as {predicted}s"
    total = int(counts[actual].sum())
    caption = f"{counts[actual, predicted]:,} of the {total:,} training {actual}s"
    assert any(c.value.startswith(caption) for c in at.caption)
    # The paragraph under the gallery is about this cell, not the book's 3s and 5s.
    text = at.markdown[-1].value
    assert "The book's own example" not in text
    assert f"these {actual}s" in text

    # The cell stays chosen when the view (and so the chart) changes.
    at.radio(key="multiclass_view").set_value("Errors, by row").run()
    assert at.subheader[0].value == f"{actual}s read as {predicted}s"

    # A diagonal cell shows digits read right...
    at.radio(key="multiclass_view").set_value("Counts").run()
    click_cell(at, "multiclass_confusion", 7, 7)
    assert at.subheader[0].value == "7s rightly read as 7s"
    # ... until the errors-only view hides the diagonal: then an error cell.
    at.radio(key="multiclass_view").set_value("Errors, by column").run()
    assert at.subheader[0].value == "3s read as 5s"
