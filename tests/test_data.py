"""Data sources: the bundled sample, an IDX folder, OpenML with an injected fetcher."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path
from types import SimpleNamespace

import _cache_folders
import numpy as np
import pytest

from mnist_dash import data, store


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


def test_data_is_read_only() -> None:
    d = data.load_mnist("sample")
    with pytest.raises(ValueError):
        d.X_train[0, 0] = 1


def test_examples_per_class() -> None:
    d = data.load_mnist("sample")
    examples = d.examples(3)
    assert examples.shape == (30, 784)


def _write_idx(path: Path, array: np.ndarray, *, compress: bool) -> None:
    header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)


@pytest.mark.parametrize("compress", [True, False])
def test_idx_folder(tmp_path: Path, compress: bool) -> None:
    sample = data.load_mnist("sample")
    _write_idx(
        tmp_path / "train-images-idx3-ubyte",
        sample.X_train[:300].reshape(-1, 28, 28),
        compress=compress,
    )
    _write_idx(
        tmp_path / "train-labels-idx1-ubyte", sample.y_train[:300], compress=compress
    )
    _write_idx(
        tmp_path / "t10k-images-idx3-ubyte",
        sample.X_test[:50].reshape(-1, 28, 28),
        compress=compress,
    )
    _write_idx(
        tmp_path / "t10k-labels-idx1-ubyte", sample.y_test[:50], compress=compress
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
