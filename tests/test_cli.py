"""The command line: python -m mnist_dash train|evaluate|predict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mnist_dash.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MNIST_DASH_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_train_prints_accuracy_and_store(
    capsys: pytest.CaptureFixture[str], cache: Path
) -> None:
    assert main(["train", "--model", "knn", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "knn on sample: test accuracy 0.9" in out
    stored = Path(out.split("stored in ")[1].strip())
    assert stored.is_file() and stored.is_relative_to(cache)


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
