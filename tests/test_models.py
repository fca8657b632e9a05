"""Models: every registry entry learns, progress is real, the store is reused."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path

import numpy as np
import pytest

from mnist_dash import data, models, store


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_mnist("sample")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MNIST_DASH_HOME", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("name", list(models.MODELS))
def test_each_model_beats_chance_by_far(name: str, sample: data.MnistData) -> None:
    events: list[tuple[float, str]] = []
    model = models.train_model(
        name,
        sample.X_train[:1500],
        sample.y_train[:1500],
        cache=False,
        progress=lambda f, m: events.append((f, m)),
    )
    accuracy = models.accuracy(model, sample.X_test, sample.y_test)
    assert accuracy > 0.75, f"{name}: {accuracy:.3f}"  # chance is 0.10
    fractions = [f for f, _ in events]
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert all(isinstance(m, str) and m for _, m in events)


@pytest.mark.parametrize("name", ["sgd", "sgd_scaled", "mlp", "random_forest"])
def test_progress_reports_each_step(name: str, sample: data.MnistData) -> None:
    events: list[float] = []
    models.train_model(
        name,
        sample.X_train[:500],
        sample.y_train[:500],
        cache=False,
        progress=lambda f, m: events.append(f),
    )
    # Epochs or groups of trees: several distinct steps, not just start and end.
    assert len(set(events)) >= 5


def test_binary_detector(sample: data.MnistData) -> None:
    model = models.train_model(
        "sgd", sample.X_train, sample.y_train, target_digit=5, cache=False
    )
    assert list(model.classes_) == [False, True]
    predictions = model.predict(sample.X_test)
    truth = sample.y_test == 5
    accuracy = float(np.mean(predictions == truth))
    assert accuracy > 0.9  # always saying "not 5" gets 0.90
    assert predictions[truth].mean() > 0.5  # it finds most fives
    assert models.accuracy(model, sample.X_test, sample.y_test, target_digit=5) == (
        pytest.approx(accuracy)
    )


def test_bad_arguments(sample: data.MnistData) -> None:
    with pytest.raises(ValueError, match="Unknown model 'cnn'"):
        models.train_model("cnn", sample.X_train, sample.y_train)
    with pytest.raises(ValueError, match="target_digit must be 0-9"):
        models.train_model("sgd", sample.X_train, sample.y_train, target_digit=12)


def test_persisted_model_is_reused(cache: Path, sample: data.MnistData) -> None:
    X, y = sample.X_train[:800], sample.y_train[:800]
    first_events: list[str] = []
    first = models.train_model(
        "sgd_averaged", X, y, progress=lambda f, m: first_events.append(m)
    )
    path = models.model_file("sgd_averaged", X, y)
    assert path.is_file() and path.is_relative_to(cache)
    second_events: list[str] = []
    second = models.train_model(
        "sgd_averaged", X, y, progress=lambda f, m: second_events.append(m)
    )
    assert len(first_events) > 2
    label = models.MODELS["sgd_averaged"].label
    assert second_events == [f"{label} loaded from the cache folder"]
    np.testing.assert_array_equal(
        first.predict(sample.X_test), second.predict(sample.X_test)
    )
    # Different data, digit or model: different files.
    assert models.model_file("sgd_averaged", X, y, target_digit=5) != path
    assert models.model_file("sgd_averaged", X[:700], y[:700]) != path
    assert models.model_file("sgd_scaled", X, y) != path


def test_knn_is_not_stored(cache: Path, sample: data.MnistData) -> None:
    X, y = sample.X_train[:600], sample.y_train[:600]
    model = models.train_model("knn", X, y)
    assert models.model_file("knn", X, y) is None
    assert not list(cache.rglob("*.pkl"))
    assert models.accuracy(model, sample.X_test, sample.y_test) > 0.7


def test_foreign_or_corrupt_model_file_is_retrained(
    cache: Path, sample: data.MnistData
) -> None:
    X, y = sample.X_train[:600], sample.y_train[:600]
    models.train_model("sgd_scaled", X, y)
    path = models.model_file("sgd_scaled", X, y)

    class Boom:
        def __reduce__(self):  # what a malicious pickle would do
            return (pytest.fail, ("an unsigned pickle was loaded",))

    path.write_bytes(pickle.dumps(Boom()))
    events: list[str] = []
    model = models.train_model(
        "sgd_scaled", X, y, progress=lambda f, m: events.append(m)
    )
    assert "loaded" not in events[-1]
    assert models.accuracy(model, sample.X_test, sample.y_test) > 0.7

    path.write_bytes(path.read_bytes()[:100])  # truncated
    model = models.train_model("sgd_scaled", X, y)
    assert models.accuracy(model, sample.X_test, sample.y_test) > 0.7
    assert store.load_model(path.stem) is not None


def test_two_sessions_train_once(
    cache: Path, sample: data.MnistData, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y = sample.X_train[:600], sample.y_train[:600]
    fits: list[int] = []
    original = models.fit_with_progress

    def counting(*args, **kwargs):
        fits.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(models, "fit_with_progress", counting)
    results: list[object] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(models.train_model("sgd_averaged", X, y))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert len(fits) == 1


def test_scores_for_probabilities_and_decisions(sample: data.MnistData) -> None:
    X, y = sample.X_train[:600], sample.y_train[:600]
    proba, kind = models.scores_for(models.train_model("knn", X, y, cache=False), X[:5])
    assert kind == "probability" and proba.shape == (5, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    scores, kind = models.scores_for(
        models.train_model("sgd_averaged", X, y, cache=False), X[:5]
    )
    assert kind == "decision" and scores.shape == (5, 10)


@pytest.mark.parametrize("bad_key", [b"", b"short", b"x" * 33])
def test_a_bad_signing_key_is_replaced_not_trusted(
    cache: Path, sample: data.MnistData, bad_key: bytes
) -> None:
    X, y = sample.X_train[:600], sample.y_train[:600]
    models.train_model("sgd_averaged", X, y)
    (cache / "secret.key").write_bytes(bad_key)
    events: list[str] = []
    models.train_model("sgd_averaged", X, y, progress=lambda f, m: events.append(m))
    assert "loaded" not in events[-1]  # the old signature no longer holds
    assert len((cache / "secret.key").read_bytes()) == 32


def test_the_books_models_are_the_books_calls(sample: data.MnistData) -> None:
    """"sgd", "sgd_scaled" and "random_forest" fit exactly what the book's calls fit."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import SGDClassifier
    from sklearn.preprocessing import StandardScaler

    X, y = sample.X_train[:800], sample.y_train[:800]
    X64 = X.astype(np.float64)  # the book's fetch_openml gives float64 pixels

    sgd = models.train_model("sgd", X, y, cache=False)
    book = SGDClassifier(random_state=42).fit(X64, y)
    np.testing.assert_array_equal(sgd[-1].coef_, book.coef_)
    np.testing.assert_array_equal(sgd.decision_function(X), book.decision_function(X64))
    assert sgd[-1].get_params() == book.get_params()  # verbose is back to 0

    scaled = models.train_model("sgd_scaled", X, y, target_digit=5, cache=False)
    X_scaled = StandardScaler().fit_transform(X64)
    book = SGDClassifier(random_state=42).fit(X_scaled, y == 5)
    np.testing.assert_array_equal(scaled[-1].coef_, book.coef_)
    assert scaled.named_steps["scaler"].copy is True  # fitted in place, set back

    forest = models.train_model("random_forest", X, y, target_digit=5, cache=False)
    book = RandomForestClassifier(random_state=42).fit(X64, y == 5)
    np.testing.assert_array_equal(forest.predict_proba(X), book.predict_proba(X64))

    for name in ("sgd", "sgd_scaled", "random_forest"):
        assert models.MODELS[name].book
    assert not models.MODELS["sgd_averaged"].book


def test_sgd_epochs_are_reported_from_its_own_output(
    sample: data.MnistData, capsys: pytest.CaptureFixture[str]
) -> None:
    events: list[tuple[float, str]] = []
    models.train_model(
        "sgd",
        sample.X_train[:600],
        sample.y_train[:600],
        cache=False,
        progress=lambda f, m: events.append((f, m)),
    )
    messages = [m for _, m in events]
    assert any("class 10 of 10, epoch 1 " in m for m in messages)
    assert any("class 1 of 10, epoch 2 " in m for m in messages)
    # What SGD printed went to the progress reports, not to the console.
    out, err = capsys.readouterr()
    assert "Epoch" not in out and "Epoch" not in err


def test_fit_memory_grows_with_the_data() -> None:
    assert models.fit_memory("sgd", 60000) == 60000 * 784 * 8
    assert models.fit_memory("knn_shifted", 1000) > 5 * models.fit_memory("knn", 1000)
@pytest.mark.parametrize(
    ("rows", "target_digit", "message"),
    [
        (slice(0, 0), None, "cannot train a classifier on an empty training set"),
        ("threes", None, r"all of one class \(3\): it needs at least two classes"),
        ("threes", 3, r"all of one class \(a 3\)"),
        ("threes", 5, r"all of one class \(not a 5\)"),
    ],
)
def test_a_training_set_without_two_classes_is_a_clear_error(
    sample: data.MnistData, rows: object, target_digit: int | None, message: str
) -> None:
    if rows == "threes":
        rows = sample.y_train == 3
    X, y = sample.X_train[rows], sample.y_train[rows]
    for cache in (False, True):
        with pytest.raises(ValueError, match=message):
            models.train_model("sgd", X, y, target_digit=target_digit, cache=cache)
