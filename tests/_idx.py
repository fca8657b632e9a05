"""Write IDX files (MNIST's format) and folders of them, good or bad, for tests."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

#: IDX type codes, by the numpy type they are written from (big-endian on disk).
CODES = {
    np.dtype(np.uint8): 0x08,
    np.dtype(np.int8): 0x09,
    np.dtype(np.int16): 0x0B,
    np.dtype(np.int32): 0x0C,
    np.dtype(np.float32): 0x0D,
    np.dtype(np.float64): 0x0E,
}


def header(code: int, shape: tuple[int, ...]) -> bytes:
    """An IDX header: two zero bytes, the type code, the dimensions."""
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def write_idx(path: Path, array: np.ndarray, *, compress: bool = False) -> Path:
    """Write ``array`` as an IDX file (``path`` + ``.gz`` when ``compress``)."""
    array = np.asarray(array)
    if array.dtype == np.int64:  # IDX has no 64-bit integers
        array = array.astype(np.int32)
    big_endian = array.astype(array.dtype.newbyteorder(">"))
    payload = header(CODES[array.dtype], array.shape) + big_endian.tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)
    return path


def idx_folder(
    folder: Path,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    *,
    compress: bool = False,
) -> Path:
    """A folder of the four classic IDX files; images given as rows of 784 or
    28x28 are written as 28x28."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in (
        ("train-images-idx3-ubyte", X_train),
        ("train-labels-idx1-ubyte", y_train),
        ("t10k-images-idx3-ubyte", X_test),
        ("t10k-labels-idx1-ubyte", y_test),
    ):
        array = np.asarray(array)
        if "images" in name and array.ndim == 2 and array.shape[1] == 784:
            array = array.reshape(-1, 28, 28)
        write_idx(folder / name, array, compress=compress)
    return folder
