"""The command line: python -m mnist_dash train|evaluate|predict."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnist_dash import data
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


def test_evaluate_bad_cv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--cv", "1", "--quiet"]) == 2
    assert "--cv must be at least 2" in capsys.readouterr().err


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


def test_predict_blank_image_reads_no_digit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(blank)
    assert main(["predict", str(blank), "--json", "--quiet", "--model", "knn"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["digit"] is None and line["note"] == "no ink found"
