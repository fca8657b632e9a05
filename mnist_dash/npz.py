"""Digits in an ``.npz`` file: written, read within bounds, and loaded as data.

Two layouts are read, both of 28x28 uint8 digits (white ink on black) and
digit labels:

* ``images`` and ``labels``: what :func:`digits_to_npz` writes, for example the
  corrections the Draw page lets you download. As a data source it is split
  into training and test digits (a fifth, at random with a fixed seed);
* ``x_train``, ``y_train``, ``x_test``, ``y_test``: Keras's ``mnist.npz``.

A file is checked before it is read: each array's header (shape and type) is
read first and refused when it is not numbers or declares more than
``max_bytes``, so a small file cannot make the reader allocate a large array;
nothing is unpickled. Then the digits are checked like every other source
(:class:`mnist_dash.data.MnistData`).

Example
-------
>>> import numpy as np
>>> blob = digits_to_npz(np.zeros((2, 784), np.uint8), np.array([3, 7]))
>>> images, labels = read_digits_npz(blob)
>>> images.shape, labels.tolist()
((2, 784), [3, 7])
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from mnist_dash.data import (
    IDX_MAX_BYTES,
    SEED,
    DataSourceError,
    MnistData,
    _as_labels,
    _as_pixels,
)

__all__ = ["digits_to_npz", "load_npz", "read_digits_npz", "read_npz_arrays"]

_FLAT = ("images", "labels")
_KERAS = ("x_train", "y_train", "x_test", "y_test")

Source = str | os.PathLike[str] | bytes | BinaryIO


def digits_to_npz(images: np.ndarray, labels: np.ndarray) -> bytes:
    """Digits (``(n, 784)`` or ``(n, 28, 28)``, 0-255) and labels as ``.npz`` bytes."""
    pixels = _as_pixels(np.asarray(images), where="the digits")
    digits = _as_labels(np.asarray(labels), where="the labels")
    if len(pixels) != len(digits):
        raise ValueError(f"{len(pixels)} digits but {len(digits)} labels")
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        images=pixels.reshape(-1, 28, 28),
        labels=digits.astype(np.uint8),
    )
    return buffer.getvalue()


def _open(source: Source) -> zipfile.ZipFile:
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise DataSourceError(f"not an .npz file: {error}") from None


def _read_member(archive: zipfile.ZipFile, name: str, budget: int) -> np.ndarray:
    """One array, its header checked against ``budget`` bytes before its body."""
    with archive.open(f"{name}.npy") as member:
        try:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
        except ValueError as error:
            raise DataSourceError(f"{name} is not a numpy array: {error}") from None
        if dtype.hasobject or dtype.kind not in "biuf":
            raise DataSourceError(f"{name} holds {dtype}, not numbers")
        size = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
        if size > budget:
            raise DataSourceError(
                f"{name} declares {size:,} bytes, more than the {budget:,} read here"
            )
        body = member.read(size + 1)
    if len(body) != size:
        raise DataSourceError(f"{name} is truncated or has trailing data")
    order = "F" if fortran else "C"
    return np.frombuffer(body, dtype=dtype).reshape(shape, order=order)


def read_npz_arrays(
    source: Source, *, max_bytes: int = IDX_MAX_BYTES
) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` in one of the two layouts, by name, unchecked.

    Raises DataSourceError for anything else, or arrays declaring more than
    ``max_bytes`` together.
    """
    with _open(source) as archive:
        names = {n[:-4] for n in archive.namelist() if n.endswith(".npy")}
        wanted = next((k for k in (_KERAS, _FLAT) if set(k) <= names), None)
        if wanted is None:
            raise DataSourceError(
                "an .npz of digits holds 'images' and 'labels' (or Keras's "
                f"x_train, y_train, x_test, y_test); this one holds {sorted(names)}"
            )
        arrays = {}
        budget = max_bytes
        for name in wanted:
            arrays[name] = _read_member(archive, name, budget)
            budget -= arrays[name].nbytes
    return arrays


def read_digits_npz(
    source: Source, *, max_bytes: int = IDX_MAX_BYTES, max_digits: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Digits and labels from an ``.npz`` written by :func:`digits_to_npz`.

    Returns uint8 ``(n, 784)`` pixels and int64 labels, checked as every data
    source is. Raises DataSourceError when the file is not that, declares more
    than ``max_bytes``, or holds more than ``max_digits`` digits.
    """
    arrays = read_npz_arrays(source, max_bytes=max_bytes)
    if "images" not in arrays:
        images = np.concatenate([arrays["x_train"], arrays["x_test"]])
        labels = np.concatenate([arrays["y_train"], arrays["y_test"]])
    else:
        images, labels = arrays["images"], arrays["labels"]
    pixels = _as_pixels(images, where="the file's images")
    digits = _as_labels(labels, where="the file's labels")
    if len(pixels) != len(digits):
        raise DataSourceError(f"{len(pixels)} images but {len(digits)} labels")
    if max_digits is not None and len(digits) > max_digits:
        raise DataSourceError(
            f"{len(digits):,} digits, more than the {max_digits:,} accepted"
        )
    return pixels, digits


def load_npz(path: str | os.PathLike[str]) -> MnistData:
    """MNIST-like data from an ``.npz`` file (see the module docstring).

    Raises
    ------
    DataSourceError
        The file cannot be read, is not one of the two layouts, or its digits
        are not digits the app can learn from (see :class:`MnistData`).
    """
    path = Path(path).expanduser()
    try:
        arrays = read_npz_arrays(path)
    except DataSourceError as error:
        raise DataSourceError(f"{path}: {error}") from None
    if "x_train" in arrays:
        parts = {
            "X_train": _as_pixels(arrays["x_train"], where=f"{path} x_train"),
            "y_train": _as_labels(arrays["y_train"], where=f"{path} y_train"),
            "X_test": _as_pixels(arrays["x_test"], where=f"{path} x_test"),
            "y_test": _as_labels(arrays["y_test"], where=f"{path} y_test"),
        }
        how = "its own training and test digits"
    else:
        X, y = read_digits_npz(path)
        order = np.random.default_rng(SEED).permutation(len(y))
        test = order[: max(1, len(y) // 5)]
        train = order[len(test) :]
        parts = {
            "X_train": X[train],
            "y_train": y[train],
            "X_test": X[test],
            "y_test": y[test],
        }
        how = f"a fifth held out for testing at random (seed {SEED})"
    digest = hashlib.sha256()
    for images, labels in (("X_train", "y_train"), ("X_test", "y_test")):
        if len(parts[images]) != len(parts[labels]):
            raise DataSourceError(f"{path}: as many labels as images are needed")
        for part in (images, labels):
            digest.update(np.ascontiguousarray(parts[part]).data)
    try:
        return MnistData(
            **parts,
            name="npz",
            description=(
                f"Digits from {path.name}: {len(parts['y_train']):,} for training "
                f"and {len(parts['y_test']):,} for testing, {how}."
            ),
            key=f"npz-{digest.hexdigest()[:16]}",
        )
    except DataSourceError as error:
        raise DataSourceError(f"{path}: {error}") from None
