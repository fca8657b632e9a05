"""The cache folder: atomic writes, signed model files, arrays, and locks.

Everything the app computes once and keeps (the decoded OpenML download, fitted
models, cross-validated scores) lives under :func:`cache_dir`. The rules:

* The folder is trusted only when it is safe: it belongs to the current user and
  neither its group nor other users can write to it (else someone else could plant
  files in it). It is checked once per process, at its first use, which also sweeps
  the temporary files that writes killed over an hour earlier left behind.
* A folder that cannot be used (a file, under a file, cannot be created, another
  user's, writable by others) is neither read nor written: models and results are
  kept in memory, for this process only, and there are no lock files. A read-only
  folder is read, and what is new is kept in memory. A write that fails later (a
  full disk, say) switches to memory the same way. :func:`problem` says why, in one
  sentence, for the pages and the command line to show once.
* Files are written to a temporary name and renamed, so a crash never leaves a
  half-written file where a reader would find it.
* Models are pickles, and unpickling runs code, so a model file is only loaded when
  it carries an HMAC of its cache key and its bytes made with this cache folder's
  own secret key: only files the app wrote itself, under that key, are ever
  loaded. A file that fails the check, fails to load or holds the wrong type of
  object is treated as missing and rebuilt.
* :func:`locked` serialises work on one key across threads and processes, so two
  sessions asking for the same model train it once; it gives up with
  :class:`LockTimeout` rather than wait forever on a stopped process.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import io
import json
import os
import pickle
import secrets
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, TypeVar
from zipfile import BadZipFile

import numpy as np

from mnist_dash import forksafe

try:
    import fcntl
except ImportError:  # Windows: thread locks are all there is.
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "CacheStatus",
    "LockTimeout",
    "cache_dir",
    "status",
    "problem",
    "atomic_write",
    "cache_key",
    "locked",
    "save_model",
    "load_model",
    "model_path",
    "save_arrays",
    "load_arrays",
    "delete_arrays",
    "has_arrays",
    "has_model",
    "versions",
]

T = TypeVar("T")
Subfolder = Literal["results", "data"]

_HMAC_SIZE = 32
#: Part of every cache key: bump it when how models or results are computed changes
#: (a fitting loop, a preprocessing step), so older files are not reused.
CACHE_VERSION = 2
#: Age in seconds past which a ``.tmp`` file is a killed write's, not one under way
#: (the largest write, a random forest, takes seconds).
STALE_TMP_SECONDS = 3600.0
#: Seconds :func:`locked` waits by default: longer than any training or
#: cross-validation here takes at full MNIST's scale.
LOCK_TIMEOUT = 600.0
_LOCK_POLL_SECONDS = 0.1
_MEMORY_NOTE = "models and results are kept only while this process runs"

_thread_locks: dict[str, forksafe.Lock] = {}
_thread_locks_guard = forksafe.Lock()


class LockTimeout(RuntimeError):
    """Another session or process held a lock for longer than the wait allowed."""


@dataclass(frozen=True)
class CacheStatus:
    """How this process uses the cache folder.

    Attributes
    ----------
    path : Path
        The folder (see :func:`cache_dir`).
    readable : bool
        Files in it are trusted and read.
    writable : bool
        New models and results are written to it; else they are kept in memory.
    problem : str or None
        Why it is not fully used, in one sentence; None when it is.
    """

    path: Path
    readable: bool
    writable: bool
    problem: str | None


@dataclass
class _Folder:
    """The cache folder as this process uses it, and what it keeps in memory."""

    path: Path
    readable: bool
    writable: bool
    problem: str | None
    #: What could not be written, by its name relative to the folder.
    memory: dict[str, Any] = field(default_factory=dict)


_folders: dict[Path, _Folder] = {}
_folders_guard = forksafe.Lock()


def _configured_path() -> Path:
    home = os.environ.get("MNIST_DASH_HOME")
    if home:
        return Path(home).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mnist_dash"


def _folder() -> _Folder:
    """The cache folder, checked at its first use in this process."""
    try:
        path, reason = _configured_path(), None
    except RuntimeError:  # Path.home() with no HOME and no user entry
        path, reason = Path("~/.cache/mnist_dash"), "no home folder is known"
    with _folders_guard:
        folder = _folders.get(path)
        if folder is None:
            folder = _folders[path] = _open(path, reason)
    return folder


def _open(path: Path, reason: str | None) -> _Folder:
    try:
        reason = reason or _create(path) or _untrusted(path)
        read_only = reason is None and _refuses_writes(path)
    except OSError as error:  # say, a parent folder we may not look into
        reason, read_only = error.strerror or str(error), False
    if reason is not None:
        return _Folder(
            path,
            readable=False,
            writable=False,
            problem=(
                f"cache folder {path} is not usable ({reason}); working in memory: "
                f"{_MEMORY_NOTE}"
            ),
        )
    if read_only:
        return _Folder(
            path,
            readable=True,
            writable=False,
            problem=(
                f"cache folder {path} is read-only: what is already in it is used, "
                f"and new {_MEMORY_NOTE}"
            ),
        )
    _sweep(path)
    return _Folder(path, readable=True, writable=True, problem=None)


def _create(path: Path) -> str | None:
    """Create the folder if it is missing; why it cannot be, or None."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return (
            "it is a file, not a folder"
            if existing == path
            else f"{existing} is a file, not a folder"
        )
    if existing == path:
        return None
    if _refuses_writes(existing):
        return f"it cannot be created: {existing} cannot be written"
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        return f"it cannot be created: {error.strerror or error}"
    return None


def _untrusted(path: Path) -> str | None:
    """Why someone else could have put files in this folder, or None."""
    if not hasattr(os, "geteuid"):  # Windows: no owner or mode bits to check
        return None
    info = path.stat()
    if info.st_uid != os.geteuid():
        return f"it belongs to another user, uid {info.st_uid}"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return (
            f"other users can write to it, mode {stat.S_IMODE(info.st_mode):o}; "
            "chmod go-w would make it usable"
        )
    return None


def _refuses_writes(path: Path) -> bool:
    """Whether writing in this folder goes against its permissions.

    The owner's write bit is read as well as the kernel asked: a folder of ours
    made read-only (``chmod a-w``) is left alone even by root, whom the kernel
    lets write anywhere.
    """
    info = path.stat()
    ours = hasattr(os, "geteuid") and info.st_uid == os.geteuid()
    return (ours and not info.st_mode & stat.S_IWUSR) or not os.access(path, os.W_OK)


def _sweep(path: Path) -> None:
    """Delete the temporary files of writes killed long ago."""
    cutoff = time.time() - STALE_TMP_SECONDS
    with contextlib.suppress(OSError):
        for tmp in path.rglob(".*.tmp"):
            with contextlib.suppress(OSError):
                if tmp.lstat().st_mtime < cutoff:
                    tmp.unlink()


def cache_dir() -> Path:
    """The cache folder: ``$MNIST_DASH_HOME``, else ``~/.cache/mnist_dash``.

    ``$XDG_CACHE_HOME`` is honoured in place of ``~/.cache``. Created at its first
    use when it can be; whether it is used at all, see :func:`status`.
    """
    return _folder().path


def status() -> CacheStatus:
    """How this process uses the cache folder (checked once, at its first use)."""
    folder = _folder()
    return CacheStatus(folder.path, folder.readable, folder.writable, folder.problem)


def problem() -> str | None:
    """Why the cache folder is not fully used, in one sentence; None when it is.

    Pages show it once (an ``st.info``); the command line prints it as a note.
    Everything keeps working either way, in memory where it must.
    """
    return _folder().problem


def _writing(folder: _Folder, action: Callable[[], T]) -> T | None:
    """``action()``, or None when the folder cannot be written.

    The first failed write (a read-only subfolder, a full disk) stops all writes
    for the rest of the process and says why in :func:`problem`.
    """
    if not folder.writable:
        return None
    try:
        return action()
    except OSError as error:
        folder.writable = False
        where = f"{error.filename}: " if error.filename else ""
        folder.problem = (
            f"cache folder {folder.path} cannot be written "
            f"({where}{error.strerror or error}); new {_MEMORY_NOTE}"
        )
        return None


def _subfolder(folder: _Folder, name: str) -> Path:
    path = folder.path / name
    path.mkdir(exist_ok=True, mode=0o700)
    if _refuses_writes(path):
        raise PermissionError(errno.EACCES, "the folder is read-only", str(path))
    return path


def _write(folder: _Folder, name: str, write: Callable[[IO[bytes]], Any]) -> Path:
    """Write the file ``name`` (``models/...``) into the folder, atomically."""
    subfolder, file_name = name.split("/")
    path = _subfolder(folder, subfolder) / file_name
    atomic_write(path, write)
    return path


def _discard(folder: _Folder, name: str) -> None:
    folder.memory.pop(name, None)
    if folder.writable:
        with contextlib.suppress(OSError):
            (folder.path / name).unlink()


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


def _private(info: os.stat_result) -> bool:
    """Whether a file is ours and no one else can change it."""
    if not hasattr(os, "geteuid"):
        return True
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022


def _secret(folder: _Folder, *, create: bool) -> bytes | None:
    """This cache folder's 32-byte HMAC key; made when missing if ``create``.

    The key appears whole or not at all (written aside, then hard-linked into
    place, which never replaces an existing file), so a reader never sees it
    half-written. A key file of the wrong size, or another user's, is replaced:
    the models signed with it are then retrained, never trusted.
    """
    path = folder.path / "secret.key"
    for _ in range(3):
        try:
            with open(path, "rb") as f:
                info = os.fstat(f.fileno())
                key = f.read(_HMAC_SIZE + 1)
        except FileNotFoundError:
            exists = False
        else:
            exists = True
            if len(key) == _HMAC_SIZE and _private(info):
                return key
        if not create:
            return None
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(_HMAC_SIZE))
            if exists:  # wrong size or not ours: replace it
                os.replace(tmp, path)
            else:
                with contextlib.suppress(FileExistsError):  # another process won
                    os.link(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    raise OSError(errno.EAGAIN, "cannot create a signing key", str(path))


def _sign(secret: bytes, key: str, body: bytes) -> bytes:
    """The HMAC of a model file: its cache key (so a copy under another key fails
    the check), then its bytes."""
    name = key.encode()
    mac = hmac.new(secret, len(name).to_bytes(4, "big") + name, hashlib.sha256)
    mac.update(body)
    return mac.digest()


@contextlib.contextmanager
def locked(key: str, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the lock named ``key``, across threads and processes.

    Streamlit serves sessions as threads of one process, so a thread lock covers
    them; a file lock (where the platform has ``fcntl``) covers several servers
    or a CLI run sharing the cache folder. A cache folder that cannot be written
    is shared with no one, and gets no lock files.

    Parameters
    ----------
    key : str
        What is worked on, e.g. a model's cache key.
    timeout : float
        Seconds to wait for the lock.

    Raises
    ------
    LockTimeout
        When another session or process held the lock for all of ``timeout``
        (say, a command-line run that was stopped with ``kill -STOP``).
    """
    deadline = time.monotonic() + timeout
    with _thread_locks_guard:
        lock = _thread_locks.get(key)
        if lock is None:
            lock = _thread_locks[key] = forksafe.Lock()
    if not lock.acquire(timeout=max(timeout, 0.0)):
        raise LockTimeout(
            f"{key} is busy: another session of this app has been working on it "
            f"for over {timeout:g} s; gave up waiting"
        )
    try:
        with _file_lock(key, deadline=deadline, timeout=timeout):
            yield
    finally:
        lock.release()


@contextlib.contextmanager
def _file_lock(key: str, *, deadline: float, timeout: float) -> Iterator[None]:
    folder = _folder()
    if fcntl is None:
        yield
        return
    path = folder.path / "locks" / f"{key}.lock"

    def open_lock_file() -> IO[bytes]:
        return open(_subfolder(folder, "locks") / path.name, "ab")

    handle = _writing(folder, open_lock_file)
    if handle is None:
        yield
        return
    with handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"{key} is busy: another process has held {path} for over "
                        f"{timeout:g} s (a stopped run of the command line?); gave "
                        "up waiting"
                    ) from None
                time.sleep(_LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _model_name(key: str) -> str:
    return f"models/{key}.pkl"


def model_path(key: str) -> Path:
    """Where the model with ``key`` is (or would be) stored."""
    return _folder().path / _model_name(key)


def has_model(key: str) -> bool:
    """Whether a model is kept under ``key`` (without reading or checking it)."""
    folder = _folder()
    name = _model_name(key)
    return name in folder.memory or (
        folder.readable and (folder.path / name).is_file()
    )


def save_model(key: str, model: Any) -> Path | None:
    """Keep ``model`` under ``key``: pickled and signed in the cache folder.

    Returns the file, or None when the folder cannot be written and the model is
    kept in memory instead.
    """
    folder = _folder()
    name = _model_name(key)

    def write() -> Path:
        body = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        tag = _sign(_secret(folder, create=True), key, body)
        return _write(folder, name, lambda f: (f.write(tag), f.write(body)))

    path = _writing(folder, write)
    if path is None:
        folder.memory[name] = model
    return path


def load_model(
    key: str, *, expected_type: type | tuple[type, ...] | None = None
) -> Any | None:
    """The model saved under ``key``, or None when missing, foreign or broken.

    The signature (of ``key`` and the file's bytes) is checked before anything is
    unpickled; with ``expected_type``, an object of another type counts as broken.
    """
    folder = _folder()
    name = _model_name(key)
    model = folder.memory.get(name)
    if model is None and folder.readable:
        model = _read_model(folder, key, name)
    if model is not None and expected_type is not None:
        if not isinstance(model, expected_type):
            _discard(folder, name)
            return None
    return model


def _read_model(folder: _Folder, key: str, name: str) -> Any | None:
    try:
        raw = (folder.path / name).read_bytes()
    except OSError:
        return None
    secret = _secret(folder, create=False)
    tag, body = raw[:_HMAC_SIZE], raw[_HMAC_SIZE:]
    if secret is None or not hmac.compare_digest(tag, _sign(secret, key, body)):
        _discard(folder, name)
        return None
    try:
        return pickle.loads(body)  # noqa: S301 - signed by this cache folder
    except Exception:  # noqa: BLE001 - a stale file of an older library version
        _discard(folder, name)
        return None


def _arrays_name(key: str, subfolder: Subfolder) -> str:
    return f"{subfolder}/{key}.npz"


def save_arrays(
    key: str,
    arrays: Mapping[str, np.ndarray],
    *,
    subfolder: Subfolder = "results",
    compress: bool = False,
) -> Path | None:
    """Keep numeric arrays under ``key``, as an ``.npz`` (no pickles inside).

    Returns the file, or None when the folder cannot be written and the arrays
    are kept in memory instead.
    """
    folder = _folder()
    name = _arrays_name(key, subfolder)
    save = np.savez_compressed if compress else np.savez

    def write() -> Path:
        buffer = io.BytesIO()
        save(buffer, **arrays)
        return _write(folder, name, lambda f: f.write(buffer.getbuffer()))

    path = _writing(folder, write)
    if path is None:
        folder.memory[name] = dict(arrays)
    return path


def load_arrays(
    key: str, *, subfolder: Subfolder = "results"
) -> dict[str, np.ndarray] | None:
    """The arrays saved under ``key``, or None when missing or unreadable."""
    folder = _folder()
    name = _arrays_name(key, subfolder)
    if name in folder.memory:
        return dict(folder.memory[name])
    if not folder.readable:
        return None
    try:
        with np.load(folder.path / name, allow_pickle=False) as npz:
            return {array: npz[array] for array in npz.files}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, KeyError, BadZipFile):
        _discard(folder, name)
        return None


def has_arrays(key: str, *, subfolder: Subfolder = "results") -> bool:
    """Whether arrays are kept under ``key`` (without reading them)."""
    folder = _folder()
    name = _arrays_name(key, subfolder)
    return name in folder.memory or (
        folder.readable and (folder.path / name).is_file()
    )


def delete_arrays(key: str, *, subfolder: Subfolder = "results") -> None:
    """Forget the arrays kept under ``key``, in memory and on disk, if any."""
    _discard(_folder(), _arrays_name(key, subfolder))


def stored_folds(
    key: str | None,
    splits: Iterable[tuple[np.ndarray, np.ndarray]],
    compute: Callable[[int, np.ndarray, np.ndarray], dict[str, np.ndarray]],
    *,
    between_folds: Callable[[], None] | None = None,
) -> Iterator[tuple[int, np.ndarray, Mapping[str, np.ndarray]]]:
    """Each fold's arrays, read from ``"{key}-fold{n}"`` or computed and stored.

    For every ``(train, test)`` of ``splits``, yields ``(fold, test, arrays)``:
    what was stored for that fold, else ``compute(fold, train, test)`` (after
    ``between_folds()``, a checkpoint for the scheduler), saved when ``key`` is
    given. A run stopped half-way resumes at its first missing fold.
    """
    for fold, (train, test) in enumerate(splits):
        done = load_arrays(f"{key}-fold{fold}") if key else None
        if done is None:
            if between_folds is not None:
                between_folds()
            done = compute(fold, train, test)
            if key:
                save_arrays(f"{key}-fold{fold}", done)
        yield fold, test, done
