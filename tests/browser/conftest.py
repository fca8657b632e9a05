"""Fixtures that run the real app and drive it in headless Chromium.

* ``app_server`` (session): ``streamlit run app.py`` on a free loopback port, with
  its own empty cache folder; the value is the base URL, ``http://127.0.0.1:PORT``.
  ``light_server`` (session) is the same in the light theme; ``fresh_server``
  (per test) a server of its own, as a classroom's first visitor meets it.
* ``browser`` (session): Debian's Chromium through Playwright.
* ``page`` (per test): a fresh browser context (own cookies, own Streamlit
  session), 1400x1000; requests that would leave the machine are blocked.
* ``external_requests`` (per test): the URLs ``page`` blocked, to assert on.
* ``screenshot`` (per test): ``screenshot("name")`` saves the whole page to
  ``$MNIST_DASH_SCREENSHOTS/name.png`` (a temporary folder when unset).

A failing browser test also leaves ``failed-<test>.png`` there. ``helpers.py``
has the rest: ``goto_page`` (open a page by path and wait), ``wait_for_app_idle``,
``widget`` (by ``key=``), ``exceptions``, ``sidebar_page_urls``, ``draw_strokes``
(mouse strokes on the drawing canvas) and Playwright's ``expect``.

Without Chromium or Playwright these tests skip, unless
``MNIST_DASH_REQUIRE_BROWSER=1`` (as in CI), where they fail.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
APP = HERE.parents[1] / "app.py"
# The server and browser helpers the benches use too (bench/_server.py).
sys.path.append(str(HERE.parents[1] / "bench"))
from _server import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    healthy,
    stop_process,
)

SERVER_START_TIMEOUT_S = 60
#: Anything but the loopback addresses, for ``BrowserContext.route``.
_EXTERNAL_URL = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost|\[::1\])[:/]).*")
_CALL_FAILED = pytest.StashKey[bool]()
#: Height of the tallest scrolling box (Streamlit's main area scrolls, not <html>).
_CONTENT_HEIGHT_JS = """
() => Math.max(
  document.documentElement.scrollHeight,
  ...Array.from(document.querySelectorAll("*"))
    .filter(e => ["auto", "scroll"].includes(getComputedStyle(e).overflowY))
    .map(e => e.scrollHeight),
)
"""


def _required() -> bool:
    return os.environ.get("MNIST_DASH_REQUIRE_BROWSER") == "1"


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture, so a machine without a browser does not start the app.
    if HERE not in Path(item.path).parents:
        return
    reason = _missing()
    if reason is None:
        return
    if _required():
        pytest.fail(f"MNIST_DASH_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def _whole_page_screenshot(page: Any, path: Path) -> None:
    # Streamlit scrolls inside its own container, which full_page=True does not
    # see: grow the viewport to the content for the shot, then restore it.
    size = page.viewport_size
    height = page.evaluate(_CONTENT_HEIGHT_JS)
    page.set_viewport_size({**size, "height": min(max(height, size["height"]), 8000)})
    try:
        page.screenshot(path=path)
    finally:
        page.set_viewport_size(size)


@contextlib.contextmanager
def serve(home: Path, log_path: Path, *options: str) -> Iterator[str]:
    """Run the app with ``streamlit run`` (plus ``options``); yield its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        # Other people's edits must not rerun the app under a test.
        "--server.fileWatcherType", "none",
        *options,
    ]  # fmt: skip
    env = {**os.environ, "MNIST_DASH_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=APP.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not healthy(f"{base_url}/_stcore/health"):
            if process.poll() is not None or time.monotonic() > deadline:
                state = (
                    f"exited with code {process.returncode}"
                    if process.poll() is not None
                    else f"not healthy after {SERVER_START_TIMEOUT_S} s"
                )
                pytest.fail(
                    f"streamlit {state}; its output:\n{log_path.read_text()}",
                    pytrace=False,
                )
            time.sleep(0.25)
        yield base_url
    finally:
        stop_process(process)


def _serve_fixture(
    factory: pytest.TempPathFactory, name: str, home: Path, *options: str
) -> Iterator[str]:
    log = factory.mktemp(f"{name}_log") / "streamlit.log"
    with serve(home, log, *options) as url:
        yield url


@pytest.fixture(scope="session")
def server_home() -> Path:
    """The cache folder of the session's servers: what one computed, all read.

    It is the test run's own private folder (``tests/conftest.py``), so the
    tests that run in this process later read what the servers computed on the
    sample instead of computing it again, as a restarted server would.
    """
    return Path(os.environ["MNIST_DASH_HOME"])


@pytest.fixture(scope="session")
def app_server(
    tmp_path_factory: pytest.TempPathFactory, server_home: Path
) -> Iterator[str]:
    """The app (its configured dark theme) for the whole session: its base URL."""
    yield from _serve_fixture(tmp_path_factory, "app", server_home)


@pytest.fixture(scope="session")
def light_server(
    tmp_path_factory: pytest.TempPathFactory, server_home: Path
) -> Iterator[str]:
    """A second server of the app in the light theme, sharing the cache folder."""
    yield from _serve_fixture(
        tmp_path_factory, "light", server_home, "--theme.base", "light"
    )


@pytest.fixture
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server started for this test alone, with an empty cache folder."""
    yield from _serve_fixture(
        tmp_path_factory, "fresh", tmp_path_factory.mktemp("fresh_home")
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def external_requests() -> list[str]:
    """The URLs outside this machine that ``page`` was asked to load (blocked)."""
    return []


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("MNIST_DASH_SCREENSHOTS")
    path = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def page(
    browser: Any,
    external_requests: list[str],
    screenshot_dir: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Any]:
    """A new page in a fresh browser context: a new Streamlit session per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)

    def block(route: Any) -> None:
        external_requests.append(route.request.url)
        route.abort()

    context.route(_EXTERNAL_URL, block)
    page = context.new_page()
    try:
        yield page
        if request.node.stash.get(_CALL_FAILED, False):
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            path = screenshot_dir / f"failed-{name}.png"
            _whole_page_screenshot(page, path)
            print(f"screenshot of the failed test: {path}")
    finally:
        context.close()


@pytest.fixture
def new_page(
    browser: Any, external_requests: list[str]
) -> Iterator[Callable[..., Any]]:
    """``new_page(width=390, height=844, **context_options)``: a page in a fresh
    context of that size (a new Streamlit session), blocked from the internet."""
    contexts: list[Any] = []

    def make(*, width: int = 1400, height: int = 1000, **options: Any) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height}, **options
        )
        context.set_default_timeout(30_000)

        def block(route: Any) -> None:
            external_requests.append(route.request.url)
            route.abort()

        context.route(_EXTERNAL_URL, block)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


def whole_page_screenshot(page: Any, path: Path) -> Path:
    """The whole page as a PNG (Streamlit scrolls inside its own container)."""
    _whole_page_screenshot(page, path)
    return path


@pytest.fixture
def screenshot(page: Any, screenshot_dir: Path) -> Callable[[str], Path]:
    """``screenshot("home")`` saves the whole page as ``home.png``; returns the path."""

    def take(name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        _whole_page_screenshot(page, path)
        return path

    return take
