"""Cache folders the app must not use, as a tester would set them up.

Shared by ``tests/test_store.py`` and ``tests/test_cli.py``. Each sets the
environment so that the app's cache folder is the bad one, and returns the folder
whose contents must stay as they are (nothing written in it, nothing read).

The tests run as root here, and root ignores permission bits: the kernel would let
it write in a ``0o555`` folder. So "read-only" is a folder whose mode says so, and
what such a test covers is the store's own check of the mode bits (made for every
user, root included); for other users the kernel refuses the write as well.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: Each kind, and a few words of the one-line reason the store gives.
KINDS = {
    "a file": "is a file, not a folder",
    "under a file": "is a file, not a folder",
    "a read-only folder": "is read-only",
    "writable by others": "other users can write to it",
    "under a read-only HOME": "cannot be created",
}


def make(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the cache folder at a bad one of this ``kind``; the folder to watch."""
    watched = tmp_path / "watched"
    watched.mkdir()
    if kind == "a file":
        home = watched / "cache"
        home.write_text("not a folder")
    elif kind == "under a file":
        (watched / "file").write_text("not a folder")
        home = watched / "file" / "cache"
    elif kind == "a read-only folder":
        home = watched
        watched.chmod(0o555)
    elif kind == "writable by others":
        home = watched
        watched.chmod(0o777)
    elif kind == "under a read-only HOME":
        monkeypatch.delenv("MNIST_DASH_HOME", raising=False)
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        monkeypatch.setenv("HOME", str(watched))
        watched.chmod(0o555)
        return watched
    else:
        raise ValueError(kind)
    monkeypatch.setenv("MNIST_DASH_HOME", str(home))
    return watched


def tree(folder: Path) -> list[tuple[str, float]]:
    """Every path under ``folder`` with its modification time, to compare."""
    return sorted(
        (str(path.relative_to(folder)), path.lstat().st_mtime)
        for path in folder.rglob("*")
    )


def restore(folder: Path) -> None:
    """Give the tests' folders back their write bits, so they can be deleted."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            os.chmod(path, 0o700)
