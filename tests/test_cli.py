"""The command line: python -m mnist_dash train|evaluate|predict."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import _cache_folders
import numpy as np
import pytest
from PIL import Image

from mnist_dash import data, store
from mnist_dash.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MNIST_DASH_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_train_prints_accuracy_and_store(
    capsys: pytest.CaptureFixture[str], cache: Path
) -> None:
    assert main(["train", "--model", "random_forest", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "random_forest on sample: test accuracy 0.9" in out
    stored = Path(out.split("stored in ")[1].strip())
    assert stored.is_file() and stored.is_relative_to(cache)
    assert main(["train", "--model", "knn", "--quiet"]) == 0
    assert "not stored" in capsys.readouterr().out


def test_train_binary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--model", "sgd", "--target-digit", "5", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "sgd (is it a 5?) on sample" in out
    accuracy = float(out.split("test accuracy ")[1].split()[0])
    assert accuracy > 0.9


def test_evaluate_cross_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--model", "knn", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "cross-validated accuracy 0.9" in out
    assert out.count(", ") == 2  # three folds


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--model", "cnn"],
        ["train", "--target-digit", "11"],
        ["train", "--target-digit", "five"],
        ["frobnicate"],
        [],
    ],
)
def test_bad_arguments_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("cv", "message"),
    [
        ("1", "1 is fewer than 2 folds"),
        ("two", "'two' is not a number"),
        # The sample's rarest class has 400 training digits.
        ("4001", "cv=4001 is too many folds: .* use 2 to 400"),
        ("401", "use 2 to 400"),
    ],
)
def test_evaluate_bad_cv_is_one_line_and_exit_2(
    cv: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["evaluate", "--cv", cv, "--quiet"])
    except SystemExit as exit_info:  # refused by the argument parser
        code = exit_info.code
    assert code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.search(message, err.splitlines()[-1])


def test_unknown_data_source_fails_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--data", "/no/such/folder", "--quiet"]) == 1
    assert "Unknown data source" in capsys.readouterr().err


def test_module_entry_point_runs(cache: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mnist_dash", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    for command in ("train", "evaluate", "predict"):
        assert command in result.stdout


def _digit_png(path: Path, digit: np.ndarray, *, dark_on_light: bool) -> Path:
    image = Image.fromarray(digit.reshape(28, 28).astype(np.uint8)).resize((120, 160))
    if dark_on_light:
        image = Image.eval(image, lambda v: 255 - v)
    image.save(path)
    return path


def test_predict_json_per_file_errors_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = data.load_mnist("sample")
    good = [
        _digit_png(tmp_path / "light.png", sample.X_test[0], dark_on_light=False),
        _digit_png(tmp_path / "paper.jpg", sample.X_test[1], dark_on_light=True),
    ]
    not_image = tmp_path / "notes.png"
    not_image.write_text("not an image")
    missing = tmp_path / "missing.png"
    argv = ["predict", str(good[0]), str(not_image), str(missing), str(good[1])]
    assert main([*argv, "--json", "--quiet", "--model", "knn"]) == 1
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["path"] for line in lines] == argv[1:]
    for line, truth in ((lines[0], sample.y_test[0]), (lines[3], sample.y_test[1])):
        assert line["digit"] == truth
        assert len(line["probabilities"]) == 10
        assert sum(line["probabilities"]) == pytest.approx(1.0, abs=1e-4)
    assert "error" in lines[1] and "error" in lines[2]
    assert str(not_image) in captured.err and str(missing) in captured.err


def test_predict_plain_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = data.load_mnist("sample")
    path = _digit_png(tmp_path / "d.png", sample.X_test[2], dark_on_light=True)
    assert main(["predict", str(path), "--quiet", "--model", "knn"]) == 0
    assert capsys.readouterr().out.strip().startswith(f"{path}: {sample.y_test[2]}")


def test_predict_reports_a_refused_reading_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dash = tmp_path / "dash.png"
    image = Image.new("L", (200, 200), 255)
    image.paste(0, (20, 90, 180, 108))  # a dark dash on white paper
    image.save(dash)
    sample = data.load_mnist("sample")
    digit = _digit_png(tmp_path / "d.png", sample.X_test[2], dark_on_light=True)
    argv = ["predict", str(dash), str(digit), "--json", "--quiet", "--model", "knn"]
    assert main(argv) == 0
    refused, read = (json.loads(x) for x in capsys.readouterr().out.splitlines())
    assert refused["refused"] is True and refused["uncertain"] is True
    assert refused["reason"] == "this does not look like a digit"
    assert refused["digit"] in range(10)  # what it would say, if forced
    assert read["refused"] is False and "reason" not in read
    assert main(["predict", str(dash), "--quiet", "--model", "knn"]) == 0
    assert "refused (this does not look like a digit" in capsys.readouterr().out


def test_predict_blank_image_reads_no_digit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(blank)
    assert main(["predict", str(blank), "--json", "--quiet", "--model", "knn"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["digit"] is None and line["note"] == "no ink found"


def _one_note(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("note: cache folder "), err
    return lines[0]


@pytest.mark.parametrize("kind", list(_cache_folders.KINDS))
def test_a_bad_cache_folder_is_one_note_and_training_still_works(
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    watched = _cache_folders.make(kind, tmp_path, monkeypatch)
    before = _cache_folders.tree(watched)
    try:
        assert main(["train", "--model", "sgd_averaged", "--quiet"]) == 0
    finally:
        _cache_folders.restore(tmp_path)
    captured = capsys.readouterr()
    assert _cache_folders.KINDS[kind] in _one_note(captured.err)
    assert "sgd_averaged on sample: test accuracy 0.8" in captured.out
    assert "not stored: the cache folder cannot be written" in captured.out
    assert _cache_folders.tree(watched) == before


def test_every_command_works_without_a_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _cache_folders.make("a file", tmp_path, monkeypatch)
    assert main(["evaluate", "--model", "knn", "--quiet"]) == 0
    assert "cross-validated accuracy 0.9" in capsys.readouterr().out
    sample = data.load_mnist("sample")
    image = _digit_png(tmp_path / "d.png", sample.X_test[2], dark_on_light=True)
    assert main(["predict", str(image), "--quiet", "--model", "knn"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{image}: ")
    _one_note(captured.err)


def test_a_write_failing_on_the_way_is_noted(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "atomic_write", full)
    assert main(["train", "--model", "sgd_averaged", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "No space left on device" in _one_note(captured.err)
    assert "not stored" in captured.out


def test_a_busy_model_is_one_line_not_a_wait(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def busy(key: str, **kwargs: object) -> None:
        raise store.LockTimeout(f"{key} is busy: gave up waiting")

    monkeypatch.setattr(store, "locked", busy)
    assert main(["train", "--model", "sgd_averaged", "--quiet"]) == 1
    assert re.fullmatch(r"error: model-\w+ is busy: gave up waiting\n", (
        capsys.readouterr().err
    ))


def test_a_detector_for_a_missing_digit_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = data.load_mnist("sample")
    keep = sample.y_train != 7
    folder = _idx_folder(tmp_path, sample.X_train[keep], sample.y_train[keep])
    argv = ["train", "--data", str(folder), "--target-digit", "7", "--quiet"]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        "error: cannot train a classifier on 3,600 digits that are all of one "
        "class (not a 7): it needs at least two classes\n"
    )


def _idx_folder(folder: Path, X: np.ndarray, y: np.ndarray) -> Path:
    sample = data.load_mnist("sample")
    for name, array in (
        ("train-images-idx3-ubyte", X.reshape(-1, 28, 28)),
        ("train-labels-idx1-ubyte", y.astype(np.uint8)),
        ("t10k-images-idx3-ubyte", sample.X_test.reshape(-1, 28, 28)),
        ("t10k-labels-idx1-ubyte", sample.y_test.astype(np.uint8)),
    ):
        header = bytes([0, 0, 8, array.ndim]) + b"".join(
            n.to_bytes(4, "big") for n in array.shape
        )
        (folder / name).write_bytes(header + array.tobytes())
    return folder


def test_export_detector_writes_a_fixed_threshold_classifier(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import pickle

    from sklearn.model_selection import FixedThresholdClassifier

    out = tmp_path / "out" / "five.pkl"
    argv = ["export-detector", "--digit", "5", "--threshold", "1,234.5"]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"wrote {out}: FixedThresholdClassifier")
    assert "'is it a 5?' when the score is 1,234.5 or more" in said
    detector = pickle.loads(out.read_bytes())
    assert isinstance(detector, FixedThresholdClassifier)
    assert detector.threshold == 1234.5
    sample = data.load_mnist("sample")
    scores = detector.estimator.decision_function(sample.X_test)
    np.testing.assert_array_equal(detector.predict(sample.X_test), scores >= 1234.5)
    recall = float(said.split("recall ")[1][:6])  # printed as 0.xxxx
    truth = sample.y_test == 5
    assert recall == pytest.approx((scores >= 1234.5)[truth].mean(), abs=0.00005)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--threshold", "nan"], "'nan' is not a finite number"),
        (["--threshold", "big"], "'big' is not a number"),
        (["--digit", "12"], "12 is not a digit"),
    ],
)
def test_export_detector_refuses_bad_arguments(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = {"--digit": "5", "--threshold": "0", "--out": str(tmp_path / "d.pkl")}
    base.update(dict(zip(argv[::2], argv[1::2], strict=True)))
    with pytest.raises(SystemExit) as exit_info:
        main(["export-detector", *[part for pair in base.items() for part in pair]])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_export_detector_says_when_it_cannot_write(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    argv = ["export-detector", "--digit", "5", "--threshold", "0", "--quiet"]
    assert main([*argv, "--out", str(blocker / "d.pkl")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write {blocker / 'd.pkl'}: ")
    assert len(err.strip().splitlines()) == 1
