"""Reading one drawing: empty, a dot, a scribble and real digits."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from mnist_dash import data, models, reading


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_mnist("sample")


@pytest.fixture(scope="module", params=["mlp", "sgd_averaged"])
def model(request: pytest.FixtureRequest, sample: data.MnistData):
    return models.train_model(
        request.param, sample.X_train, sample.y_train, cache=False
    )


def _canvas(digit: np.ndarray, *, size: int = 160, at: tuple[int, int] = (60, 50)):
    big = Image.fromarray(digit.reshape(28, 28).astype(np.uint8)).resize((size, size))
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    y, x = at
    for channel in range(3):
        canvas[y : y + size, x : x + size, channel] = np.asarray(big)
    return canvas


def test_empty_canvas_has_no_prediction(model) -> None:
    for image in (None, np.zeros((280, 280, 4), np.uint8)):
        result = reading.read_drawing(model, image)
        assert result.empty and result.digit is None
        assert not result.uncertain
        assert not result.features.any()


def test_real_digits_are_read_and_mostly_sure(model, sample: data.MnistData) -> None:
    results = [reading.read_drawing(model, _canvas(d)) for d in sample.X_test[:60]]
    correct = np.mean(
        [r.digit == y for r, y in zip(results, sample.y_test[:60], strict=True)]
    )
    assert correct > 0.8
    sure = [not r.uncertain for r in results]
    assert np.mean(sure) > 0.6
    for r in results:
        assert r.values.shape == (10,)
        assert r.kind in ("probability", "decision")
        assert r.features.shape == (784,) and r.features.dtype == np.float32


def test_dot_and_scribble_are_flagged_never_an_error(model) -> None:
    dot = np.zeros((280, 280, 4), np.uint8)
    dot[..., 3] = 255
    dot[140:146, 140:146, :3] = 255
    scribble = np.zeros((280, 280, 4), np.uint8)
    scribble[..., 3] = 255
    rng = np.random.default_rng(0)
    for _ in range(40):  # thick random lines all over the canvas
        y0, x0, y1, x1 = rng.integers(20, 260, 4)
        for t in np.linspace(0, 1, 200):
            y, x = int(y0 + t * (y1 - y0)), int(x0 + t * (x1 - x0))
            scribble[max(0, y - 8) : y + 8, max(0, x - 8) : x + 8, :3] = 255
    for image in (dot, scribble, np.full((280, 280, 4), 255, np.uint8)):
        result = reading.read_drawing(model, image)
        assert result.digit in range(10)
        assert result.uncertain, result.reason
        assert result.reason


def test_bad_input_raises_value_error(model) -> None:
    with pytest.raises(ValueError):
        reading.read_drawing(model, np.zeros((280, 280, 7), np.uint8))


def test_detector_score_matches_decision_function(sample: data.MnistData) -> None:
    detector = models.train_model(
        "sgd", sample.X_train, sample.y_train, target_digit=5, cache=False
    )
    features = sample.X_test[0].astype(np.float32)
    expected = detector.decision_function(features[None, :])[0]
    assert reading.detector_score(detector, features) == pytest.approx(expected)
