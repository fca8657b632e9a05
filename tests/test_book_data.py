"""Full MNIST in ../shared/data/mnist: the book's split, from a folder or from OpenML.

Skipped, with the reason, where that folder is missing (CI has it).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from mnist_dash import data

FULL = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
needs_full_mnist = pytest.mark.skipif(
    not (FULL / "train-images-idx3-ubyte.gz").is_file(),
    reason=f"full MNIST is not in {FULL}",
)


@needs_full_mnist
def test_folder_and_openml_give_the_same_book_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MNIST_DASH_HOME", str(tmp_path))
    folder = data.load_mnist(FULL)
    assert folder.is_book
    assert folder.X_train.shape == (60000, 784) and folder.X_test.shape == (10000, 784)
    # The book's first digit, X[0], is a 5; the training labels keep their order.
    assert folder.y_train[:8].tolist() == [5, 0, 4, 1, 9, 2, 1, 3]
    assert np.bincount(folder.y_train).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949
    ]

    # OpenML's mnist_784 is the same 70,000 digits in the same order.
    X = np.concatenate([folder.X_train, folder.X_test]).astype(np.float64)
    y = np.concatenate([folder.y_train, folder.y_test]).astype(str)
    openml = data.load_mnist(
        "openml", fetcher=lambda *a, **k: SimpleNamespace(data=X, target=y)
    )
    assert openml.is_book
    for part in ("X_train", "y_train", "X_test", "y_test"):
        assert np.array_equal(getattr(openml, part), getattr(folder, part)), part
