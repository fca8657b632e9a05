"""A lock that a forked job process starts with free.

A heavy job computes in a child forked from the server (see
:func:`mnist_dash.jobs.run_in_child`), whose other threads may hold a lock at
that moment: the child would inherit it held, by a thread that does not exist
there, and wait on it forever. Every :class:`Lock` is replaced by a free one in
the child, right after the fork.

Example
-------
>>> guard = Lock()
>>> with guard:
...     guard.locked()
True
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

__all__ = ["Lock"]


class Lock:
    """A ``threading.Lock`` that is free again in a forked child."""

    __slots__ = ("__weakref__", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        _every_lock.add(self)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc: Any) -> None:
        self._lock.release()


_every_lock: weakref.WeakSet[Lock] = weakref.WeakSet()


def _free_every_lock() -> None:
    for lock in list(_every_lock):
        lock._lock = threading.Lock()


os.register_at_fork(after_in_child=_free_every_lock)
