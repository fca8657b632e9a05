"""Reading one drawing: empty, real digits, refused non-digits and hesitations."""

from __future__ import annotations

import numpy as np
import pytest
from _shapes import non_digit
from PIL import Image

from mnist_dash import data, models, reading, refusal


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_mnist("sample")


@pytest.fixture(scope="module")
def draw_model(sample: data.MnistData):
    """The contract: the Draw page's model, as train_model gives it (kept in this
    test run's cache folder, where the page tests find it)."""
    return models.train_model(models.DRAW_MODEL, sample.X_train, sample.y_train)


@pytest.fixture(scope="module")
def sgd(sample: data.MnistData):
    return models.train_model(
        "sgd_averaged", sample.X_train, sample.y_train, cache=False
    )


def _canvas(digit: np.ndarray, *, size: int = 160, at: tuple[int, int] = (60, 50)):
    big = Image.fromarray(digit.reshape(28, 28).astype(np.uint8)).resize((size, size))
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    y, x = at
    for channel in range(3):
        canvas[y : y + size, x : x + size, channel] = np.asarray(big)
    return canvas


def _dash() -> np.ndarray:
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[130:150, 40:240, :3] = 255
    return canvas


def test_empty_canvas_has_no_prediction(draw_model) -> None:
    for image in (None, np.zeros((280, 280, 4), np.uint8)):
        result = reading.read_drawing(draw_model, image)
        assert result.empty and result.digit is None
        assert not result.uncertain
        assert not result.features.any()


def test_the_draw_model_carries_its_refusal_and_reads_as_without_it(
    draw_model, sample
) -> None:
    check = reading.refusal_of(draw_model)
    assert isinstance(check, refusal.DigitRefusal)
    X = sample.X_test[:50]
    np.testing.assert_array_equal(
        draw_model.predict_proba(X), draw_model[1:].predict_proba(X)
    )


def test_real_digits_are_read_and_almost_never_refused(draw_model, sample) -> None:
    results = [reading.read_drawing(draw_model, _canvas(d)) for d in sample.X_test[:80]]
    correct = np.mean(
        [r.digit == y for r, y in zip(results, sample.y_test[:80], strict=True)]
    )
    assert correct > 0.85
    assert np.mean([r.uncertain for r in results]) <= 0.1
    for r in results:
        assert r.values.shape == (10,) and r.kind == "probability"
        assert r.features.shape == (784,) and r.features.dtype == np.float32
        assert r.likeness is not None and 0 <= r.likeness <= 1
        assert r.runner_up != r.digit


def test_non_digits_are_refused_with_a_reason_never_an_error(draw_model) -> None:
    rng = np.random.default_rng(1)
    scribble = non_digit("scribble", rng=rng)
    blob = non_digit("blob", rng=rng)
    for image in (_dash(), blob, scribble, np.full((280, 280, 4), 255, np.uint8)):
        result = reading.read_drawing(draw_model, image)
        assert result.digit in range(10)  # what it would say if forced
        assert result.uncertain and result.not_a_digit
        assert result.reason == reading.NOT_A_DIGIT


def test_a_model_without_its_own_refusal_takes_one(draw_model, sgd) -> None:
    assert reading.refusal_of(sgd) is None
    assert not reading.read_drawing(sgd, _dash()).not_a_digit
    check = reading.refusal_of(draw_model)
    assert reading.read_drawing(sgd, _dash(), refusal=check).not_a_digit


def test_hesitation_is_refused_as_unsure_between_two(draw_model, sample) -> None:
    check = reading.refusal_of(draw_model)
    digit = sample.X_test[np.flatnonzero(~check.refuses(sample.X_test[:20]))[0]]
    result = reading.read_features(draw_model, digit, min_margin=1.1)
    assert result.uncertain and not result.not_a_digit
    assert result.reason == f"not sure: {result.digit} or {result.runner_up}?"
    assert not reading.read_features(draw_model, digit, min_margin=0.0).uncertain


def test_margins_are_the_probability_gap_or_the_linear_distance(
    draw_model, sgd, sample
) -> None:
    X = sample.X_test[:30].astype(np.float32)
    gaps, scores, kind = reading.margins(draw_model, X)
    top = np.sort(draw_model.predict_proba(X), axis=1)
    assert kind == "probability"
    np.testing.assert_allclose(gaps, top[:, -1] - top[:, -2])
    np.testing.assert_allclose(scores, draw_model.predict_proba(X))

    distances, scores, kind = reading.margins(sgd, X)
    assert kind == "decision"
    decision = sgd.decision_function(X)
    np.testing.assert_allclose(scores, decision)
    coef = sgd[-1].coef_
    for i in range(len(X)):
        a, b = np.argsort(decision[i])[::-1][:2]
        # The distance from the image to the boundary between its two best
        # digits, as a share of the image's own size.
        expected = (decision[i, a] - decision[i, b]) / (
            np.linalg.norm(coef[a] - coef[b]) * np.linalg.norm(X[i])
        )
        assert distances[i] == pytest.approx(expected, rel=1e-5)


def test_calibrated_margin_refuses_the_share_asked(draw_model, sample) -> None:
    X = sample.X_test[:400]
    cut = reading.calibrate_margin(draw_model, X, refused=0.05)
    gaps, _, _ = reading.margins(draw_model, X)
    assert np.mean(gaps < cut) == pytest.approx(0.05, abs=0.01)


def test_assessment_refuses_exactly_what_reading_refuses(draw_model, sample) -> None:
    check = reading.refusal_of(draw_model)
    digits = refusal.as_drawn(sample.X_test[:60])
    others = refusal.non_digit_glyphs(20, random_state=7)
    found = reading.assess(
        draw_model, digits, sample.y_test[:60], others, refusal=check
    )
    assert found.correct.shape == found.confidence.shape == (50,)
    assert found.is_digit.sum() == 30 and not found.correct[~found.is_digit].any()
    X = np.concatenate([digits[30:], others])
    for x, refused in zip(X, found.refused, strict=True):
        read = reading.read_features(draw_model, x, min_margin=found.min_margin)
        assert read.uncertain == refused
    assert (found.margin_confidence >= found.confidence).all()


def test_bad_input_raises_value_error(draw_model) -> None:
    with pytest.raises(ValueError):
        reading.read_drawing(draw_model, np.zeros((280, 280, 7), np.uint8))


def test_detector_score_matches_decision_function(sample: data.MnistData) -> None:
    detector = models.train_model(
        "sgd", sample.X_train, sample.y_train, target_digit=5, cache=False
    )
    features = sample.X_test[0].astype(np.float32)
    expected = detector.decision_function(features[None, :])[0]
    assert reading.detector_score(detector, features) == pytest.approx(expected)
