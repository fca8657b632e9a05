"""Cross-validation: one pass equals sklearn's cross_val_score and cross_val_predict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import cross_val_predict, cross_val_score

from mnist_dash import data, evaluation, models


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_mnist("sample")


def test_binary_matches_sklearn(sample: data.MnistData) -> None:
    X, y = sample.X_train[:1200], sample.y_train[:1200]
    result = evaluation.cross_validate_model("knn", X, y, target_digit=5, cache=False)
    model = models.build_model("knn")
    y5 = y == 5
    np.testing.assert_array_equal(result.y_true, y5)
    np.testing.assert_array_equal(result.y_pred, cross_val_predict(model, X, y5, cv=3))
    np.testing.assert_allclose(
        result.scores,
        cross_val_predict(model, X, y5, cv=3, method="predict_proba")[:, 1],
    )
    np.testing.assert_allclose(
        result.fold_accuracy, cross_val_score(model, X, y5, cv=3, scoring="accuracy")
    )
    assert result.score_kind == "probability"


def test_fold_ids_are_the_folds_scored(sample: data.MnistData) -> None:
    X, y = sample.X_train[:900], sample.y_train[:900]
    result = evaluation.cross_validate_model("knn", X, y, target_digit=5, cache=False)
    folds = evaluation.fold_ids(y, target_digit=5)
    assert np.bincount(folds).tolist() == [300, 300, 300]
    right = result.y_pred == result.y_true
    np.testing.assert_allclose(
        [right[folds == fold].mean() for fold in range(3)], result.fold_accuracy
    )


def test_multiclass_matches_sklearn(sample: data.MnistData) -> None:
    X, y = sample.X_train[:900], sample.y_train[:900]
    result = evaluation.cross_validate_model("knn", X, y, cache=False)
    model = models.build_model("knn")
    np.testing.assert_array_equal(result.y_pred, cross_val_predict(model, X, y, cv=3))
    assert result.scores.shape == (900, 10)
    assert result.accuracy == pytest.approx(cross_val_score(model, X, y, cv=3).mean())


def test_sgd_decision_scores(sample: data.MnistData) -> None:
    X, y = sample.X_train[:1200], sample.y_train[:1200]
    result = evaluation.cross_validate_model("sgd", X, y, target_digit=5, cache=False)
    assert result.score_kind == "decision"
    assert result.scores.shape == (1200,)
    # Positive decision score <=> predicted positive.
    np.testing.assert_array_equal(result.scores > 0, result.y_pred)
    assert result.accuracy > 0.9


def test_results_are_persisted(
    sample: data.MnistData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MNIST_DASH_HOME", str(tmp_path))
    X, y = sample.X_train[:600], sample.y_train[:600]
    events: list[float] = []
    first = evaluation.cross_validate_model(
        "sgd", X, y, target_digit=3, progress=lambda f, m: events.append(f)
    )
    assert len(events) > 10 and events[-1] == 1.0
    assert list(tmp_path.rglob("cv-*.npz"))

    def no_fit(*args, **kwargs):
        raise AssertionError("cross-validation ran again")

    monkeypatch.setattr(models, "fit_with_progress", no_fit)
    again = evaluation.cross_validate_model("sgd", X, y, target_digit=3)
    np.testing.assert_array_equal(again.scores, first.scores)
    np.testing.assert_array_equal(again.y_pred, first.y_pred)
    assert again.score_kind == first.score_kind


def test_dummy_accuracy_matches_book(sample: data.MnistData) -> None:
    accuracy = evaluation.dummy_accuracy(sample.y_train, target_digit=5)
    expected = cross_val_score(
        DummyClassifier(), sample.X_train, sample.y_train == 5, cv=3, scoring="accuracy"
    )
    np.testing.assert_allclose(accuracy, expected)
    assert accuracy.mean() == pytest.approx(0.9)


def test_book_scaled_cross_validation_is_the_books(sample: data.MnistData) -> None:
    """The book scales all of X_train, then cross-validates SGD on it: same bits."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.preprocessing import StandardScaler

    X, y = sample.X_train[:900], sample.y_train[:900]
    result = evaluation.cross_validate_model("sgd_scaled", X, y, cache=False)
    X_train_scaled = StandardScaler().fit_transform(X.astype("float64"))
    sgd_clf = SGDClassifier(random_state=42)
    np.testing.assert_array_equal(
        result.scores,
        cross_val_predict(sgd_clf, X_train_scaled, y, cv=3, method="decision_function"),
    )
    np.testing.assert_array_equal(
        result.y_pred, cross_val_predict(sgd_clf, X_train_scaled, y, cv=3)
    )
    np.testing.assert_array_equal(
        result.fold_accuracy,
        cross_val_score(sgd_clf, X_train_scaled, y, cv=3, scoring="accuracy"),
    )


@pytest.mark.parametrize(
    ("name", "dtype"),
    [("sgd", np.float64), ("sgd_scaled", np.float64), ("random_forest", np.float32)],
)
def test_a_float_fold_is_made_without_a_uint8_copy_beside_it(
    name: str, dtype: type
) -> None:
    """The fold's float copy is converted a block of rows at a time: its peak is
    the float copy and a block, not the float copy and the fold's uint8 copy
    (tracemalloc counts numpy's buffers)."""
    import tracemalloc

    X = np.random.default_rng(0).integers(0, 256, (24_000, 784), dtype=np.uint8)
    rows = np.arange(0, 24_000, 2)[::-1].copy()  # 12,000 digits, out of order
    tracemalloc.start()
    try:
        pixels, converted = evaluation._fold_pixels(models.MODELS[name], X, rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert converted
    assert pixels.dtype == dtype
    np.testing.assert_array_equal(pixels, X[rows].astype(dtype))
    assert peak < pixels.nbytes + X[rows].nbytes


def test_a_fold_the_pipeline_rescales_is_left_to_it(sample: data.MnistData) -> None:
    """Pixels scaled to 0-1 (the MLP) are not converted ahead: the fold as stored."""
    rows = np.arange(10)
    pixels, converted = evaluation._fold_pixels(
        models.MODELS["mlp"], sample.X_train, rows
    )
    assert not converted
    np.testing.assert_array_equal(pixels, sample.X_train[rows])


def test_scaler_fitted_a_block_of_columns_at_a_time_is_the_same() -> None:
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    X = data.load_mnist("sample").X_train
    steps = [
        ("pixels", FunctionTransformer(models.pixels_as_float64)),
        ("scaler", StandardScaler()),
    ]
    evaluation.fit_columnwise(steps, X, block=100)
    whole = StandardScaler().fit(X.astype(np.float64))
    scaler = steps[1][1]
    for name in ("mean_", "var_", "scale_", "n_samples_seen_", "n_features_in_"):
        np.testing.assert_array_equal(getattr(scaler, name), getattr(whole, name))
    np.testing.assert_array_equal(
        scaler.transform(X[:50].astype(np.float64)),
        whole.transform(X[:50].astype(np.float64)),
    )


def test_a_stopped_run_resumes_at_the_next_fold(
    sample: data.MnistData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MNIST_DASH_HOME", str(tmp_path))
    X, y = sample.X_train[:600], sample.y_train[:600]
    fits: list[int] = []
    original = models.fit_with_progress

    def fit_then_stop(*args, **kwargs):
        if len(fits) == 2:
            raise KeyboardInterrupt  # the server stopped during the third fold
        fits.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(models, "fit_with_progress", fit_then_stop)
    with pytest.raises(KeyboardInterrupt):
        evaluation.cross_validate_model("sgd_averaged", X, y, target_digit=2)
    assert len(list(tmp_path.rglob("cv-*-fold*.npz"))) == 2

    monkeypatch.setattr(models, "fit_with_progress", original)
    calls: list[int] = []
    monkeypatch.setattr(
        models,
        "fit_with_progress",
        lambda *a, **k: calls.append(1) or original(*a, **k),
    )
    resumed = evaluation.cross_validate_model("sgd_averaged", X, y, target_digit=2)
    assert calls == [1]  # only the third fold was fitted
    whole = evaluation.cross_validate_model(
        "sgd_averaged", X, y, target_digit=2, cache=False
    )
    np.testing.assert_array_equal(resumed.scores, whole.scores)
    np.testing.assert_array_equal(resumed.fold_accuracy, whole.fold_accuracy)
    # The fold files are replaced by the whole result.
    assert not list(tmp_path.rglob("cv-*-fold*.npz"))
@pytest.mark.parametrize(
    ("cv", "target_digit", "message"),
    [
        (1, None, "cv must be a whole number of folds, 2 or more; got 1"),
        (2.5, None, "got 2.5"),
        (True, None, "got True"),
        (41, None, "only 40 digits of class 0, .* use 2 to 40"),
        (41, 0, "only 40 digits of class 0, .* use 2 to 40"),
    ],
)
def test_bad_cv_is_a_clear_error(
    sample: data.MnistData, cv: object, target_digit: int | None, message: str
) -> None:
    X, y = sample.X_train, sample.y_train
    keep = np.concatenate([np.flatnonzero(y == 0)[:40], np.flatnonzero(y != 0)])
    with pytest.raises(ValueError, match=message):
        evaluation.cross_validate_model(
            "knn", X[keep], y[keep], cv=cv, target_digit=target_digit, cache=False
        )
    evaluation.check_cv(40, y[keep], target_digit=target_digit)
