"""Why a model read a drawing: each explanation checked against the model itself."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.neural_network import MLPClassifier

from mnist_dash import data, explain, models


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_sample()


@pytest.fixture(scope="module", params=["sgd_averaged", "sgd_scaled"])
def linear(request: pytest.FixtureRequest, sample: data.MnistData):
    return models.train_model(
        request.param, sample.X_train[:1500], sample.y_train[:1500], cache=False
    )


def test_pixel_shares_add_up_to_the_decision_function(linear, sample) -> None:
    for image in sample.X_test[:5]:
        why = explain.explain_linear(linear, image)
        scores = linear.decision_function(image[None].astype(np.float32))[0]
        np.testing.assert_allclose(why.scores, scores, rtol=1e-6)
        digit, runner_up = np.argsort(scores)[::-1][:2]
        assert (why.digit, why.runner_up) == (digit, runner_up)
        assert why.digit == linear.predict(image[None])[0]
        np.testing.assert_allclose(
            why.toward_digit.sum() + why.intercepts[digit], scores[digit], rtol=1e-6
        )
        np.testing.assert_allclose(
            why.toward_runner_up.sum() + why.intercepts[runner_up],
            scores[runner_up],
            rtol=1e-6,
        )
    np.testing.assert_array_equal(why.templates, linear[-1].coef_)
    assert explain.explanation_kind(linear) == "linear"


def test_neighbours_are_those_kneighbors_finds(sample) -> None:
    knn = models.train_model("knn", sample.X_train, sample.y_train, cache=False)
    image = sample.X_test[3]
    near = explain.explain_neighbours(knn, image)
    distances, index = knn[-1].kneighbors(image[None].astype(np.float32))
    np.testing.assert_allclose(near.distances, distances[0])
    np.testing.assert_array_equal(near.labels, sample.y_train[index[0]])
    np.testing.assert_array_equal(near.images, sample.X_train[index[0]])
    # Their distance-weighted vote is the model's answer.
    votes = np.bincount(near.labels, weights=1 / near.distances, minlength=10)
    assert votes.argmax() == knn.predict(image[None])[0]
    assert explain.explanation_kind(knn) == "neighbours"
    with pytest.raises(ValueError, match="linear"):
        explain.explain_linear(knn, image)


@pytest.mark.parametrize(
    "estimator",
    [
        MLPClassifier(hidden_layer_sizes=(32,), max_iter=30, random_state=0),
        RandomForestClassifier(n_estimators=15, random_state=0),
    ],
    ids=["mlp", "forest"],
)
def test_saliency_is_the_log_probability_lost_when_a_patch_is_hidden(
    estimator, sample
) -> None:
    model = estimator.fit(sample.X_train[:1500] / 255.0, sample.y_train[:1500])

    class Pixels:  # takes 0-255 pixels, as the registry's pipelines do
        classes_ = model.classes_

        def predict_proba(self, X):
            return model.predict_proba(np.asarray(X) / 255.0)

    image = sample.X_test[7].astype(np.float32)
    seen = explain.occlusion_saliency(Pixels(), image, patch=4, stride=4)
    base = Pixels().predict_proba(image[None])[0]
    assert seen.digit == int(np.argmax(base))
    assert seen.probability == pytest.approx(base.max())
    # Patches do not overlap with stride == patch: each pixel's value is the
    # loss from hiding its own patch, or 0 where the patch holds no ink.
    picture = image.reshape(28, 28)
    drop = seen.drop.reshape(28, 28)
    for r, c in [(8, 8), (12, 12), (16, 8), (0, 0)]:
        hidden = picture.copy()
        hidden[r : r + 4, c : c + 4] = 0
        hidden_p = Pixels().predict_proba(hidden.reshape(1, 784))[0][seen.digit]
        expected = (
            np.log(base.max()) - np.log(max(hidden_p, 1e-6))
            if picture[r : r + 4, c : c + 4].any()
            else 0.0
        )
        assert drop[r, c] == pytest.approx(expected, abs=1e-9)
