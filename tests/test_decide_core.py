"""The chapter's last sections in the core, against scikit-learn's own calls.

Calibrated SGD, multilabel KNN, the classifier chain, the noise-cleaning KNN and
the exported detector, each on a slice of the bundled sample.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import cross_val_predict
from sklearn.multioutput import ClassifierChain
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from mnist_dash import calibration, data, denoising, export, models, multilabel
from mnist_dash.neighbours import PixelNeighbours

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_mnist("sample")


def test_calibrated_sgd_is_cross_val_predict_of_calibrated_classifier_cv(
    sample: data.MnistData,
) -> None:
    """Nine SGDs fitted once for both methods give what ``CalibratedClassifierCV``
    (fitting its own three per method) gives: the same SGDs and calibrators,
    the scores computed in other batches (a last-bit difference at most)."""
    X, y = sample.X_train[:600], sample.y_train[:600]
    ours = calibration.cross_validate_calibrated_sgd(X, y, target_digit=5, cache=False)
    np.testing.assert_array_equal(ours.y_true, y == 5)
    for method in calibration.METHODS:
        book = cross_val_predict(
            CalibratedClassifierCV(SGDClassifier(random_state=42), method=method, cv=3),
            X.astype(np.float64),
            y == 5,
            cv=3,
            method="predict_proba",
        )[:, 1]
        np.testing.assert_allclose(ours.probabilities[method], book, atol=1e-12)


def test_calibrated_sgd_is_kept(
    sample: data.MnistData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MNIST_DASH_HOME", str(tmp_path))
    X, y = sample.X_train[:300], sample.y_train[:300]
    assert not calibration.is_cached(X, y, target_digit=1)
    first = calibration.cross_validate_calibrated_sgd(X, y, target_digit=1)
    assert calibration.is_cached(X, y, target_digit=1)
    monkeypatch.setattr(models, "fit_spec", None)  # no fitting from here on
    again = calibration.cross_validate_calibrated_sgd(X, y, target_digit=1)
    for method in calibration.METHODS:
        np.testing.assert_array_equal(
            again.probabilities[method], first.probabilities[method]
        )


def test_multilabel_knn_is_the_books_cross_val_predict(
    sample: data.MnistData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MNIST_DASH_HOME", str(tmp_path))
    X, y = sample.X_train[:900], sample.y_train[:900]
    targets = multilabel.multilabel_targets(y)
    book = cross_val_predict(
        KNeighborsClassifier(), X.astype(np.float64), targets, cv=3
    )
    result = multilabel.cross_val_predict_knn(X, y)
    np.testing.assert_array_equal(result.y_true, targets)
    np.testing.assert_array_equal(result.y_pred, book)
    assert multilabel.is_cached(X, y)
    np.testing.assert_array_equal(
        multilabel.cross_val_predict_knn(X, y).y_pred, result.y_pred
    )


def test_predicted_labels_and_the_chain(sample: data.MnistData) -> None:
    X, y = sample.X_train[:1500], sample.y_train[:1500]
    targets = multilabel.multilabel_targets(y)
    queries = sample.X_test[:30]
    labels, indices = multilabel.predict_labels(PixelNeighbours(X), targets, queries)
    knn = KNeighborsClassifier().fit(X.astype(np.float64), targets)
    np.testing.assert_array_equal(labels, knn.predict(queries.astype(np.float64)))
    assert indices.shape == (30, 5)

    chain = multilabel.fit_book_chain(X, y, cache=False)
    book = ClassifierChain(SVC(), cv=3, random_state=42).fit(
        X[:2000].astype(np.float64), targets[:2000]
    )
    np.testing.assert_array_equal(chain.predict(queries), book.predict(queries))


def test_denoiser_is_the_books_knn(sample: data.MnistData) -> None:
    """The book's recipe on 800 training digits: the same noise, the same
    cleaned digits as ``KNeighborsClassifier().fit(X_train_mod, X_train)``."""
    X_train, X_test = sample.X_train[:800], sample.X_test[:12]
    np.random.seed(42)
    noise = np.random.randint(0, 100, (len(X_train), 784))
    X_train_mod = X_train + noise
    noise = np.random.randint(0, 100, (len(X_test), 784))
    X_test_mod = X_test + noise
    knn_clf = KNeighborsClassifier().fit(X_train_mod, X_train)

    denoiser = denoising.make_denoiser(X_train, n_test=len(X_test))
    assert denoiser.targets is X_train
    np.testing.assert_array_equal(
        denoising.add_noise(X_test, denoiser.test_noise, 100), X_test_mod
    )
    np.testing.assert_array_equal(
        denoiser.clean(X_test_mod), knn_clf.predict(X_test_mod)
    )
    noisy, cleaned = denoising.clean_at_levels(
        denoiser, X_test[0], denoiser.test_noise[0], levels=(0, 100, 200)
    )
    np.testing.assert_array_equal(noisy[1], X_test_mod[0])
    np.testing.assert_array_equal(cleaned, knn_clf.predict(noisy))

    every = denoising.cleaned_test_digits(
        denoiser, X_train, X_test, levels=(0, 100), n_digits=5, cache=False
    )
    np.testing.assert_array_equal(every[1], knn_clf.predict(X_test_mod[:5]))


def test_exported_detector_loads_with_scikit_learn_alone(
    sample: data.MnistData, tmp_path: Path
) -> None:
    X, y = sample.X_train[:1000], sample.y_train[:1000]
    model = models.train_model("sgd_averaged", X, y, target_digit=5, cache=False)
    scores = model.decision_function(sample.X_test)
    threshold = float(np.median(scores))
    detector = export.detector_with_threshold(model, threshold=threshold)
    np.testing.assert_array_equal(detector.predict(sample.X_test), scores >= threshold)
    path = export.save_detector(detector, tmp_path / "five.pkl")
    np.save(tmp_path / "digits.npy", sample.X_test)
    # In a process where mnist_dash cannot be imported.
    script = textwrap.dedent(
        f"""
        import pickle, sys
        import numpy as np

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "mnist_dash":
                    raise ImportError("mnist_dash is blocked in this test")

        sys.meta_path.insert(0, Block())
        with open({str(path)!r}, "rb") as f:
            detector = pickle.load(f)
        digits = np.load({str(tmp_path / "digits.npy")!r})
        np.save({str(tmp_path / "said.npy")!r}, detector.predict(digits))
        print(type(detector).__name__, detector.threshold)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["FixedThresholdClassifier", repr(threshold)]
    said = np.load(tmp_path / "said.npy")
    np.testing.assert_array_equal(said, scores >= threshold)
    assert pickle.loads(export.detector_bytes(detector)).threshold == threshold
    with pytest.raises(ValueError, match="finite"):
        export.detector_with_threshold(model, threshold=float("nan"))
