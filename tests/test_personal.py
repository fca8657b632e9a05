"""Teach it: a visitor's copy learns their style; the base model and MNIST hold."""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np
import pytest
from _shapes import STYLES, styled_digit

from mnist_dash import data, models, npz, personal
from mnist_dash.preprocess import canvas_to_mnist


@pytest.fixture(scope="module")
def sample() -> data.MnistData:
    return data.load_sample()


@pytest.fixture(scope="module")
def base(sample: data.MnistData):
    return models.train_model(
        personal.BASE_MODEL, sample.X_train, sample.y_train, cache=False
    )


def test_five_corrections_teach_a_style_without_forgetting_mnist(
    base, sample
) -> None:
    digit, _ = STYLES["flagged 1"]
    rng = np.random.default_rng(3)
    drawn = np.stack(
        [canvas_to_mnist(styled_digit("flagged 1", rng=rng)) for _ in range(45)]
    )
    lessons, exam = drawn[:5], drawn[5:]
    weights = base[-1].coef_.copy()
    before = np.mean(base.predict(exam) == digit)
    mnist_before = models.accuracy(base, sample.X_test, sample.y_test)

    taught = personal.teach(
        base, lessons, np.full(5, digit), replay=(sample.X_train, sample.y_train)
    )

    after = np.mean(taught.predict(exam) == digit)
    assert after >= before + 0.2, (before, after)
    mnist_after = models.accuracy(taught, sample.X_test, sample.y_test)
    assert mnist_after >= mnist_before - 0.01
    # The registry's model is nobody's copy: it did not change.
    np.testing.assert_array_equal(base[-1].coef_, weights)
    assert base[-1].average and not taught[-1].average


def test_teaching_a_taught_copy_leaves_that_copy_alone(base, sample) -> None:
    replay = (sample.X_train, sample.y_train)
    first = personal.teach(base, sample.X_test[:1], sample.y_test[:1], replay=replay)
    weights = first[-1].coef_.copy()
    second = personal.teach(first, sample.X_test[1:2], [0], replay=replay)
    np.testing.assert_array_equal(first[-1].coef_, weights)
    assert not np.array_equal(second[-1].coef_, weights)


def test_a_copy_needs_a_fitted_linear_model(sample) -> None:
    with pytest.raises(ValueError, match="linear"):
        personal.personal_copy(models.build_model(personal.BASE_MODEL))


def test_corrections_round_trip_through_an_npz(sample, tmp_path) -> None:
    corrections = personal.Corrections.empty()
    for image, label in zip(sample.X_test[:4], sample.y_test[:4], strict=True):
        corrections = corrections.add(image.astype(np.float32), int(label))
    assert len(corrections) == 4
    blob = corrections.to_npz()
    back = personal.Corrections.from_npz(blob)
    np.testing.assert_array_equal(back.images, sample.X_test[:4])
    np.testing.assert_array_equal(back.labels, sample.y_test[:4])
    with np.load(io.BytesIO(blob)) as saved:  # 28x28 uint8 digits and labels
        assert saved["images"].shape == (4, 28, 28)
        assert saved["images"].dtype == np.uint8
    with pytest.raises(ValueError, match="0-9"):
        corrections.add(sample.X_test[0], 12)


def _zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def npz_bytes(images: np.ndarray, labels: list[int]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, images=images, labels=np.array(labels))
    return buffer.getvalue()


def test_bad_correction_files_are_refused_with_a_message() -> None:
    good = personal.Corrections.empty().add(np.zeros(784), 3).to_npz()
    huge_header = _npy(np.zeros((1, 784), np.uint8)).replace(
        b"(1, 784)", b"(99999999, 784)"
    )
    bad = {
        "random bytes": np.random.default_rng(0).bytes(5000),
        "truncated": good[: len(good) // 2],
        "other arrays": _zip(**{"weights.npy": _npy(np.zeros(3))}),
        "pickled objects": _zip(
            **{
                "images.npy": _npy(np.array([object()], dtype=object)),
                "labels.npy": _npy(np.zeros(1, np.uint8)),
            }
        ),
        "declares a huge array": _zip(
            **{"images.npy": huge_header, "labels.npy": _npy(np.zeros(1, np.uint8))}
        ),
        "labels out of range": npz_bytes(np.zeros((2, 784), np.uint8), [3, 42]),
        "too large a file": b"0" * (personal.MAX_UPLOAD_BYTES + 1),
    }
    for what, blob in bad.items():
        with pytest.raises(ValueError) as error:
            personal.Corrections.from_npz(blob)
        assert str(error.value), what


def test_an_npz_is_a_data_source_checked_like_the_others(sample, tmp_path) -> None:
    flat = tmp_path / "digits.npz"
    flat.write_bytes(npz.digits_to_npz(sample.X_test[:200], sample.y_test[:200]))
    loaded = data.load_mnist(flat)
    assert (len(loaded.y_train), len(loaded.y_test)) == (160, 40)
    assert loaded.name == "npz" and loaded.X_train.dtype == np.uint8
    assert sorted(
        np.concatenate([loaded.y_train, loaded.y_test]).tolist()
    ) == sorted(sample.y_test[:200].tolist())

    keras = tmp_path / "mnist.npz"
    np.savez(
        keras,
        x_train=sample.X_train[:300].reshape(-1, 28, 28),
        y_train=sample.y_train[:300],
        x_test=sample.X_test[:50].reshape(-1, 28, 28),
        y_test=sample.y_test[:50],
    )
    loaded = data.load_mnist(str(keras))
    np.testing.assert_array_equal(loaded.X_test, sample.X_test[:50])

    five = tmp_path / "my_digits.npz"
    five.write_bytes(npz.digits_to_npz(sample.X_test[:5], np.full(5, 7)))
    with pytest.raises(data.DataSourceError, match="two classes"):
        data.load_mnist(five)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(pickle.dumps({"images": 1}))
    with pytest.raises(data.DataSourceError, match="not an .npz"):
        data.load_mnist(broken)
