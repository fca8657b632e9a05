"""Guards for the whole test run: a private cache folder and no internet.

Both are set up in ``pytest_configure`` rather than in a fixture, so that they are
in force from collection on (importing modules for the doctests) and for the
doctests in ``mnist_dash/``, which fixtures in this folder do not reach.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

_saved: dict[str, object] = {}


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # without an IPv6 zone
    except ValueError:
        return None


def _is_loopback(address: object) -> bool:
    """Whether a ``socket.connect`` address stays on this machine."""
    if not isinstance(address, tuple):  # AF_UNIX paths and the like
        return True
    host = str(address[0])
    ip = _ip(host)
    return host == "localhost" or (ip is not None and ip.is_loopback)


def _guarded(connect):
    def guarded(self: socket.socket, address: object, *args: object) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(
            address
        ):
            raise OSError(
                errno.ENETUNREACH,
                f"tests must not use the network (connect to {address!r})",
            )
        return connect(self, address, *args)

    return guarded


def _guarded_getaddrinfo(getaddrinfo):
    def guarded(host: object, *args: object, **kwargs: object) -> object:
        # Looking up a name already sends a query out; IP literals need no lookup.
        name = host.decode() if isinstance(host, bytes) else host
        if name not in (None, "", "localhost") and _ip(str(name)) is None:
            # gaierror, as offline: code under test handles it as it would there.
            raise socket.gaierror(
                socket.EAI_NONAME, f"tests must not use the network (look up {name!r})"
            )
        return getaddrinfo(host, *args, **kwargs)

    return guarded


def pytest_configure(config: pytest.Config) -> None:
    _saved["home"] = os.environ.get("MNIST_DASH_HOME")
    if os.environ.get("PYTEST_XDIST_WORKER") and _saved["home"]:
        # A worker of pytest -n: the run's folder, made by the controller, is
        # shared by every worker (what one computed on the sample, all read).
        _saved["tmp"] = None
    else:
        _saved["tmp"] = tempfile.mkdtemp(prefix="mnist_dash_tests_")
        os.environ["MNIST_DASH_HOME"] = str(_saved["tmp"])
    # The test process holds every test's data and models: a container's memory
    # limit (the app's box, see mnist_dash.ui.work._memory_limit) would refuse
    # the trainings of full-scale tests. The tests of the limit set their own.
    _saved["box"] = os.environ.get("MNIST_DASH_BOX_MB")
    os.environ["MNIST_DASH_BOX_MB"] = "none"
    _saved["connect"] = socket.socket.connect
    _saved["connect_ex"] = socket.socket.connect_ex
    socket.socket.connect = _guarded(socket.socket.connect)
    socket.socket.connect_ex = _guarded(socket.socket.connect_ex)
    _saved["getaddrinfo"] = socket.getaddrinfo
    socket.getaddrinfo = _guarded_getaddrinfo(socket.getaddrinfo)


def pytest_unconfigure(config: pytest.Config) -> None:
    if "connect" not in _saved:
        return
    socket.socket.connect = _saved.pop("connect")
    socket.socket.connect_ex = _saved.pop("connect_ex")
    socket.getaddrinfo = _saved.pop("getaddrinfo")
    box = _saved.pop("box")
    if box is None:
        os.environ.pop("MNIST_DASH_BOX_MB", None)
    else:
        os.environ["MNIST_DASH_BOX_MB"] = box
    home = _saved.pop("home")
    if home is None:
        os.environ.pop("MNIST_DASH_HOME", None)
    else:
        os.environ["MNIST_DASH_HOME"] = home
    tmp = _saved.pop("tmp")
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """The browser tests run one after another in one worker under pytest -n.

    They share session-scoped servers and the machine's Chromium; the other
    tests, in the other workers, use the cores while they wait for pages.
    """
    browser = Path(__file__).parent / "browser"
    for item in items:
        if item.path.is_relative_to(browser):
            item.add_marker(pytest.mark.xdist_group("browser"))
