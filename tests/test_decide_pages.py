"""Deciding and the chapter's last sections, in Streamlit's AppTest on the sample.

The Precision/recall page's cost, target recall, fold spread and prevalence; the
ROC page's zoom and prevalence; the Calibration, Multilabel and Multioutput
pages. Each figure shown is read back from its plotly JSON and checked against
scikit-learn's own function on the same out-of-fold results.
"""

from __future__ import annotations

import base64
import io
import threading

import numpy as np
import pytest
from PIL import Image
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, f1_score, precision_score, recall_score
from streamlit.testing.v1 import AppTest
from test_metric_pages import (
    chart,
    counts,
    finish_background,
    metrics,
    open_page,
    percent,
    values,
)

from mnist_dash import (
    calibration,
    charts,
    data,
    evaluation,
    multilabel,
    preprocess,
    ui,
)


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_mnist("sample")


@pytest.fixture(scope="module")
def sgd_5(sample: data.MnistData) -> evaluation.CrossValResult:
    """The out-of-fold scores the pages show (read from the run's cache folder)."""
    return evaluation.cross_validate_model(
        "sgd", sample.X_train, sample.y_train, target_digit=5
    )


def slider(at: AppTest) -> float:
    return at.slider(key="tradeoff_threshold").value


# --------------------------------------------------------------------------------
# Precision/recall: cost, recall, folds, prevalence
# --------------------------------------------------------------------------------


def test_cheapest_threshold_moves_the_slider(
    sample: data.MnistData, sgd_5: evaluation.CrossValResult
) -> None:
    at = open_page("views/tradeoff.py")
    assert len(at.get("plotly_chart")) == 5
    curves = charts.compute_threshold_curves(sgd_5.y_true, sgd_5.scores)
    cost = charts.compute_cost_curve(curves, fp_cost=1, fn_cost=5)
    figure = chart(at, "tradeoff_cost")
    star = figure["data"][1]
    assert (star["x"][0], star["y"][0]) == pytest.approx(
        (cost.best_threshold, cost.best_cost)
    )
    assert figure["data"][2]["x"][0] == pytest.approx(slider(at))

    at.button(key="tradeoff_cheapest").click().run()
    assert not at.exception
    assert slider(at) == pytest.approx(cost.best_threshold)
    assert at.session_state["threshold"] == pytest.approx(cost.best_threshold)
    y_pred = sgd_5.scores >= cost.best_threshold
    shown = metrics(at)
    assert percent(shown["Precision"]) == pytest.approx(
        precision_score(sgd_5.y_true, y_pred), abs=0.0005
    )

    # Dearer false positives: a higher cheapest threshold.
    at.number_input(key="tradeoff_fp_cost").set_value(10.0).run()
    at.button(key="tradeoff_cheapest").click().run()
    assert slider(at) > cost.best_threshold
    assert slider(at) == pytest.approx(
        charts.compute_cost_curve(curves, fp_cost=10, fn_cost=5).best_threshold
    )


def test_recall_wanted_is_the_highest_threshold_with_it(
    sgd_5: evaluation.CrossValResult,
) -> None:
    at = open_page("views/tradeoff.py")
    at.number_input(key="tradeoff_recall").set_value(95.0).run()
    assert not at.exception
    threshold = slider(at)
    assert recall_score(sgd_5.y_true, sgd_5.scores >= threshold) >= 0.95
    above = sgd_5.scores[sgd_5.scores > threshold].min()
    assert recall_score(sgd_5.y_true, sgd_5.scores >= above) < 0.95
    assert percent(metrics(at)["Recall"]) >= 0.95


def test_fold_spread_is_each_folds_metrics(
    sample: data.MnistData, sgd_5: evaluation.CrossValResult
) -> None:
    at = open_page("views/tradeoff.py")
    figure = chart(at, "tradeoff_folds")
    thresholds = values(figure["data"][0]["x"])
    folds = evaluation.fold_ids(sample.y_train, target_digit=5)
    column = len(thresholds) // 2
    y_pred = sgd_5.scores >= thresholds[column]
    per_fold = [
        precision_score(sgd_5.y_true[folds == f], y_pred[folds == f]) for f in range(3)
    ]
    low, high, mean = (values(figure["data"][i]["y"])[column] for i in range(3))
    assert (low, high, mean) == pytest.approx(
        (min(per_fold), max(per_fold), np.mean(per_fold))
    )
    assert figure["layout"]["shapes"][0]["x0"] == pytest.approx(slider(at))


def test_prevalence_moves_precision_not_recall_nor_roc(
    sgd_5: evaluation.CrossValResult,
) -> None:
    at = open_page("views/tradeoff.py")
    before = metrics(at)
    roc_before = finish_background(at.switch_page("views/roc.py"))
    roc_curve = chart(roc_before, "roc_curve")["data"]
    at.switch_page("views/tradeoff.py").run()

    at.toggle(key="tradeoff_prevalence_on").set_value(True).run()
    at.slider(key="tradeoff_prevalence").set_value(50.0).run()
    assert not at.exception
    assert at.session_state["prevalence"] == 0.5
    shown = metrics(at)
    threshold = slider(at)
    y_pred = sgd_5.scores >= threshold
    y = sgd_5.y_true
    weights = np.where(y, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    assert percent(shown["Precision"]) == pytest.approx(
        precision_score(y, y_pred, sample_weight=weights), abs=0.0005
    )
    assert percent(shown["Precision"]) > percent(before["Precision"])
    assert shown["Recall"] == before["Recall"]
    pr = chart(at, "tradeoff_pr")
    assert pr["data"][2]["y"] == [0.5, 0.5]  # the chance line
    (tn, fp), (fn, tp) = counts(chart(at, "tradeoff_confusion"))
    assert tp + fn == len(y) // 2 and tn + fp + fn + tp == len(y)

    # The ROC page shares the prevalence: its PR curve follows, its ROC does not.
    at.switch_page("views/roc.py").run()
    assert at.toggle(key="roc_prevalence_on").value is True
    assert chart(at, "roc_pr")["data"][2]["y"] == [0.5, 0.5]
    assert chart(at, "roc_curve")["data"] == roc_curve


def test_roc_zooms_into_its_top_left_corner() -> None:
    at = finish_background(open_page("views/roc.py"))
    whole = chart(at, "roc_curve")
    at.radio(key="roc_zoom").set_value("Top-left corner (log scale)").run()
    assert not at.exception
    zoomed = chart(at, "roc_curve")
    assert zoomed["layout"]["xaxis"]["type"] == "log"
    assert zoomed["layout"]["xaxis"]["range"][1] == 0
    # The same curves and the same marked point (its recall), on another axis.
    for index in (1, 2):
        assert values(zoomed["data"][index]["y"]).tolist() == (
            values(whole["data"][index]["y"]).tolist()
        )
    assert zoomed["data"][3]["y"] == whole["data"][3]["y"]


# --------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------


def test_calibration_page_against_sklearn(sample: data.MnistData) -> None:
    at = open_page("views/calibration.py")
    at = finish_background(at)
    assert len(at.get("plotly_chart")) == 1
    forest = evaluation.cross_validate_model(
        "random_forest", sample.X_train, sample.y_train, target_digit=5
    )
    calibrated = calibration.cross_validate_calibrated_sgd(
        sample.X_train, sample.y_train, target_digit=5
    )
    expected = {
        "Random forest": forest.scores,
        "SGD + sigmoid": calibrated.probabilities["sigmoid"],
        "SGD + isotonic": calibrated.probabilities["isotonic"],
    }
    y = sample.y_train == 5
    figure = chart(at, "calibration_chart")
    shown = metrics(at)
    for index, (name, p) in enumerate(expected.items()):
        prob_true, prob_pred = calibration_curve(y, p, n_bins=10)
        trace = figure["data"][1 + index]
        assert trace["name"].startswith(name)
        np.testing.assert_allclose(values(trace["x"]), prob_pred)
        np.testing.assert_allclose(values(trace["y"]), prob_true)
        (brier,) = [value for label, value in shown.items() if name in label]
        assert float(brier) == pytest.approx(brier_score_loss(y, p), abs=0.00005)

    at.slider(key="calibration_bins").set_value(5).run()
    at.radio(key="calibration_strategy").set_value("quantile").run()
    trace = chart(at, "calibration_chart")["data"][1]
    prob_true, _ = calibration_curve(y, forest.scores, n_bins=5, strategy="quantile")
    np.testing.assert_allclose(values(trace["y"]), prob_true)


# --------------------------------------------------------------------------------
# Multilabel and multioutput
# --------------------------------------------------------------------------------


def canvas_value(digit: np.ndarray, size: int) -> dict:
    """What the drawing canvas sends for ``digit`` drawn big in its middle."""
    side = int(size * 0.7)
    big = Image.fromarray(digit.reshape(28, 28).astype(np.uint8)).resize((side, side))
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 255))
    canvas.paste(
        Image.merge("RGBA", [big, big, big, Image.new("L", big.size, 255)]),
        ((size - side) // 2, (size - side) // 2),
    )
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return {"drawing": {"raw": {"objects": [{}]}, "data": url}}


def test_multilabel_page_answers_and_scores(sample: data.MnistData) -> None:
    at = finish_background(open_page("views/multilabel.py"))
    targets = multilabel.multilabel_targets(sample.y_train)
    result = multilabel.cross_val_predict_knn(sample.X_train, sample.y_train)
    shown = metrics(at)
    assert float(shown["F1, macro average"]) == pytest.approx(
        f1_score(targets, result.y_pred, average="macro"), abs=0.00005
    )
    bars = chart(at, "multilabel_f1")["data"][0]
    np.testing.assert_allclose(
        values(bars["y"])[:2], f1_score(targets, result.y_pred, average=None)
    )
    # X_train[0] is a training digit: its nearest neighbour is itself.
    some = targets[0]
    assert shown[f"KNN: {multilabel.LABELS[0]}?"] == ("Yes" if some[0] else "No")
    assert shown[f"KNN: {multilabel.LABELS[1]}?"] == ("Yes" if some[1] else "No")
    rows = at.dataframe[0].value
    assert list(rows["Figure"])[:2] == [
        "knn_clf.predict([some_digit])",
        "chain_clf.predict([some_digit])",
    ]
    assert len(rows) == 4

    # A drawn digit: the labels of the digit drawn, as the neighbours vote.
    at.radio(key="multilabel_source").set_value("Draw one").run()
    assert at.info  # an empty canvas asks for a drawing
    digit = sample.X_test[3]
    value = canvas_value(digit, 200)
    at.session_state["multilabel_canvas_0"] = value
    at.run()
    assert not at.exception
    image = np.array(
        Image.open(io.BytesIO(base64.b64decode(value["drawing"]["data"].split(",")[1])))
    )
    features = preprocess.canvas_to_mnist(image)
    neighbours = multilabel.PixelNeighbours(sample.X_train)
    labels, _ = multilabel.predict_labels(neighbours, targets, features)
    shown = metrics(at)
    assert shown[f"KNN: {multilabel.LABELS[0]}?"] == ("Yes" if labels[0, 0] else "No")
    assert shown[f"KNN: {multilabel.LABELS[1]}?"] == ("Yes" if labels[0, 1] else "No")
    assert len(at.get("plotly_chart")) == 3


def test_multioutput_page_cleans_at_the_noise_chosen(sample: data.MnistData) -> None:
    at = finish_background(open_page("views/multioutput.py"))
    assert len(at.get("plotly_chart")) == 2
    # Three tiles under their titles (9 pixel rows): noisy, cleaned, original.
    tiles = values(chart(at, "multioutput_digits")["data"][0]["z"])[9:37]
    np.testing.assert_array_equal(tiles[:, -28:], sample.X_test[0].reshape(28, 28))
    at_book = tiles[:, :28].copy()
    errors = chart(at, "multioutput_errors")
    assert errors["layout"]["shapes"][0]["x0"] == 100

    at.slider(key="multioutput_noise").set_value(300).run()
    assert not at.exception
    tiles = values(chart(at, "multioutput_digits")["data"][0]["z"])[9:37]
    assert not np.array_equal(tiles[:, :28], at_book)
    assert chart(at, "multioutput_errors")["layout"]["shapes"][0]["x0"] == 300
    noisy, cleaned = (float(value) for value in metrics(at).values())
    assert cleaned < noisy

    at.radio(key="multioutput_source").set_value("Draw one").run()
    at.session_state["multioutput_canvas_0"] = canvas_value(sample.X_test[1], 160)
    at.run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2


def test_roc_page_draws_sgd_while_the_forest_runs(sample: data.MnistData) -> None:
    """The forest's cross-validation takes long on full MNIST: meanwhile the page
    draws SGD's curve alone (the forest's colour is only asked for once drawn)."""
    release = threading.Event()

    def slow_forest(job: object) -> evaluation.CrossValResult:
        release.wait(120)
        return evaluation.cross_validate_model(
            "random_forest", sample.X_train, sample.y_train, target_digit=5
        )

    key = ("cv", "sample", "random_forest", 5)
    ui._scheduler.forget(lambda found: found == key)
    # In this process: the child of a forked job would not see the event set.
    job = ui._scheduler.submit(
        key, slow_forest, heavy=True, title="slow", isolate=False
    )
    assert job._compute is slow_forest
    try:
        at = open_page("views/roc.py")
        names = [trace["name"] for trace in chart(at, "roc_curve")["data"]]
        assert len(names) == 3 and "Random forest" not in " ".join(names)
    finally:
        release.set()
    finish_background(at)
    assert len(chart(at, "roc_curve")["data"]) == 4
