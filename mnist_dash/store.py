"""The cache folder: atomic writes, signed model files, arrays, and locks.

Everything the app computes once and keeps (the decoded OpenML download, fitted
models, cross-validated scores) lives under :func:`cache_dir`. Three rules:

* Files are written to a temporary name and renamed, so a crash never leaves a
  half-written file where a reader would find it.
* Models are pickles, and unpickling runs code, so a model file is only loaded when
  it carries an HMAC made with this cache folder's own secret key: only files the
  app wrote itself are ever loaded. A file that fails the check, or fails to load,
  is treated as missing and rebuilt.
* :func:`locked` serialises work on one key across threads and processes, so two
  sessions asking for the same model train it once.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import pickle
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any
from zipfile import BadZipFile

import numpy as np

__all__ = [
    "cache_dir",
    "atomic_write",
    "cache_key",
    "locked",
    "save_model",
    "load_model",
    "model_path",
    "save_arrays",
    "load_arrays",
    "delete_arrays",
    "versions",
]

_HMAC_SIZE = 32
#: Part of every cache key: bump it when how models or results are computed changes
#: (a fitting loop, a preprocessing step), so older files are not reused.
CACHE_VERSION = 2
_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def cache_dir() -> Path:
    """The cache folder: ``$MNIST_DASH_HOME``, else ``~/.cache/mnist_dash``.

    ``$XDG_CACHE_HOME`` is honoured in place of ``~/.cache``. Created on first use.
    """
    home = os.environ.get("MNIST_DASH_HOME")
    if home:
        path = Path(home).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        path = Path(base) / "mnist_dash"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def atomic_write(path: Path, write: Callable[[IO[bytes]], Any]) -> None:
    """Write a file through ``write(file)`` to a temporary name, then rename it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def versions() -> dict[str, str]:
    """Versions of the libraries whose objects we persist."""
    import sklearn

    return {"numpy": np.__version__, "sklearn": sklearn.__version__}


def cache_key(kind: str, parts: Mapping[str, Any]) -> str:
    """A file-name-safe key: ``kind`` plus a hash of ``parts`` and library versions.

    >>> a = cache_key("model", {"model": "sgd", "seed": 42})
    >>> a == cache_key("model", {"seed": 42, "model": "sgd"})
    True
    >>> a.startswith("model-")
    True
    """
    payload = json.dumps(
        {**parts, "_versions": versions(), "_layout": CACHE_VERSION},
        sort_keys=True,
        default=repr,
    )
    return f"{kind}-{hashlib.sha256(payload.encode()).hexdigest()[:24]}"


def _secret() -> bytes:
    """This cache folder's 32-byte HMAC key, made on first use.

    The key appears whole or not at all (written aside, then hard-linked into
    place, which never replaces an existing file), so a reader never sees it
    half-written. A key file of the wrong size is replaced: the models signed with
    it are then retrained, never trusted.
    """
    path = cache_dir() / "secret.key"
    for _ in range(3):
        try:
            key: bytes | None = path.read_bytes()
        except FileNotFoundError:
            key = None
        if key is not None and len(key) == 32:
            return key
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
            if key is not None:  # wrong size: replace it
                os.replace(tmp, path)
            else:
                with contextlib.suppress(FileExistsError):  # another process won
                    os.link(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    raise RuntimeError(f"cannot create a signing key in {path.parent}")


@contextlib.contextmanager
def locked(key: str) -> Iterator[None]:
    """Hold the lock named ``key``, across threads and processes.

    Streamlit serves sessions as threads of one process, so a thread lock covers
    them; a file lock (where the platform has ``fcntl``) covers several servers
    or a CLI run sharing the cache folder.
    """
    with _thread_locks_guard:
        lock = _thread_locks.setdefault(key, threading.Lock())
    with lock:
        lock_path = cache_dir() / "locks" / f"{key}.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # Windows: the thread lock is all we have.
            yield
            return
        with open(lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _model_path(key: str) -> Path:
    return cache_dir() / "models" / f"{key}.pkl"


def save_model(key: str, model: Any) -> Path:
    """Pickle ``model`` under ``key``, signed with the cache folder's secret."""
    body = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    tag = hmac.new(_secret(), body, hashlib.sha256).digest()
    path = _model_path(key)
    atomic_write(path, lambda f: (f.write(tag), f.write(body)))
    return path


def load_model(key: str) -> Any | None:
    """The model saved under ``key``, or None when missing, foreign or broken.

    The signature is checked before anything is unpickled.
    """
    path = _model_path(key)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    tag, body = raw[:_HMAC_SIZE], raw[_HMAC_SIZE:]
    expected = hmac.new(_secret(), body, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        path.unlink(missing_ok=True)
        return None
    try:
        return pickle.loads(body)  # noqa: S301 - signed by this cache folder
    except Exception:  # noqa: BLE001 - a stale file of an older library version
        path.unlink(missing_ok=True)
        return None


def model_path(key: str) -> Path:
    """Where the model with ``key`` is (or would be) stored."""
    return _model_path(key)


def save_arrays(key: str, arrays: Mapping[str, np.ndarray]) -> Path:
    """Save numeric arrays under ``key`` as an ``.npz`` (no pickles inside)."""
    path = cache_dir() / "results" / f"{key}.npz"
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write(path, lambda f: f.write(buffer.getvalue()))
    return path


def delete_arrays(key: str) -> None:
    """Remove the arrays saved under ``key``, if any."""
    (cache_dir() / "results" / f"{key}.npz").unlink(missing_ok=True)


def load_arrays(key: str) -> dict[str, np.ndarray] | None:
    """The arrays saved under ``key``, or None when missing or unreadable."""
    path = cache_dir() / "results" / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, KeyError, BadZipFile):
        path.unlink(missing_ok=True)
        return None
