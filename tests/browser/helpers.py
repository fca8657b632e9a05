"""Helpers for browser tests: wait for Streamlit, open a page, find elements.

Import them with ``from .helpers import expect, goto_page, wait_for_app_idle``.
Prefer Playwright's auto-waiting ``expect(...)`` with a generous timeout over
sleeps and wall-clock checks: the CI machine is small and shared.
"""

from __future__ import annotations

import itertools
import os

import pytest

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Locator, Page, expect
except ImportError:
    if os.environ.get("MNIST_DASH_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip(
        "playwright is not installed: pip install -r requirements-dev.txt",
        allow_module_level=True,
    )

__all__ = [
    "EXCEPTION",
    "IDLE_TIMEOUT_MS",
    "expect",
    "exceptions",
    "clear_canvas",
    "draw_strokes",
    "goto_page",
    "sidebar_page_urls",
    "touch_strokes",
    "wait_for_app_idle",
    "wait_for_background_work",
    "widget",
]

#: Streamlit's element for an uncaught exception in a page.
EXCEPTION = '[data-testid="stException"]'
#: How long a page may take to finish its script (a cold start trains models).
IDLE_TIMEOUT_MS = 180_000

_IDLE_JS = """
([token, settleMs]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = app !== null
    && app.dataset.testConnectionState === "CONNECTED"
    && app.dataset.testScriptState === "notRunning"
    && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !document.querySelector('[data-stale="true"]');
  const now = performance.now();
  if (!idle || window.__mnistIdle?.token !== token) {
    window.__mnistIdle = {token, since: idle ? now : null};
    return false;
  }
  if (window.__mnistIdle.since === null) window.__mnistIdle.since = now;
  return now - window.__mnistIdle.since >= settleMs;
}
"""
_tokens = itertools.count()


def wait_for_app_idle(
    page: Page, *, timeout_ms: float = IDLE_TIMEOUT_MS, settle_ms: float = 500
) -> None:
    """Wait until the app is connected and its script has stopped running.

    The app must stay idle for ``settle_ms``: a click sends its rerun request
    asynchronously, so an app that is idle for an instant may be about to run.
    After an interaction, still wait for what it should show with ``expect``.
    """
    page.wait_for_function(
        _IDLE_JS,
        arg=[next(_tokens), settle_ms],
        polling=100,
        timeout=timeout_ms,
    )


def wait_for_background_work(
    page: Page, *, timeout_ms: float = IDLE_TIMEOUT_MS
) -> None:
    """Wait until the page's background work is done and the page has rerun.

    A page with work going on in the background shows it in its
    ``st-key-pending_work`` panel and reruns the whole page when it is done,
    which can happen after the page looked idle.
    """
    page.locator(".st-key-pending_work").wait_for(state="detached", timeout=timeout_ms)
    wait_for_app_idle(page, timeout_ms=timeout_ms)


def goto_page(
    page: Page, base_url: str, path: str = "/", *, timeout_ms: float = IDLE_TIMEOUT_MS
) -> None:
    """Open ``path`` of the app (``"/"``, ``"/draw"``, ...) and wait until idle.

    Page paths come from the page files' names: ``views/draw.py`` is ``/draw``.
    """
    page.goto(base_url.rstrip("/") + "/" + path.lstrip("/"))
    wait_for_app_idle(page, timeout_ms=timeout_ms)


def widget(page: Page, key: str) -> Locator:
    """The element of the widget made with ``key=key`` (Streamlit's ``st-key-*``)."""
    return page.locator(f".st-key-{key}")


def exceptions(page: Page) -> list[str]:
    """The text of every exception the app shows, to put in an assertion message."""
    return page.locator(EXCEPTION).all_inner_texts()


def sidebar_page_urls(page: Page) -> list[str]:
    """The URL of every page in the sidebar navigation, in order.

    Empty when the app has a single page (Streamlit then shows no navigation).
    """
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count() and "more" in more.inner_text():
        more.click()
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [link.evaluate("a => a.href") for link in links.all()]


def draw_strokes(
    page: Page, canvas: Locator, strokes: list[list[tuple[float, float]]]
) -> None:
    """Draw ``strokes`` with the mouse on a streamlit-drawable-canvas.

    ``canvas`` is the canvas widget, e.g. ``widget(page, "draw_canvas_0")``; each
    stroke is a list of ``(x, y)`` points as fractions of the canvas (0 to 1).
    The canvas lives in a shadow root; Playwright's CSS locators pierce it, and
    the topmost ``<canvas>`` is the one that takes the pointer.
    """
    for points in _canvas_points(canvas, strokes):
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=8)
        page.mouse.up()


def _canvas_points(
    canvas: Locator, strokes: list[list[tuple[float, float]]]
) -> list[list[tuple[float, float]]]:
    surface = canvas.locator("canvas").last
    for attempt in range(3):
        try:
            surface.scroll_into_view_if_needed()
            break
        except PlaywrightError as error:  # a canvas mounted afresh by a rerun
            if "not attached" not in str(error) or attempt == 2:
                raise
            surface.page.wait_for_timeout(500)
    box = surface.bounding_box()
    assert box is not None, "the canvas is not on screen"
    return [
        [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in s]
        for s in strokes
    ]


def touch_strokes(
    page: Page, canvas: Locator, strokes: list[list[tuple[float, float]]]
) -> None:
    """Draw ``strokes`` with a finger: real touch events, through Chromium's
    DevTools protocol (the page's context needs ``has_touch=True``)."""
    session = page.context.new_cdp_session(page)
    try:
        for stroke in _canvas_points(canvas, strokes):
            x, y = stroke[0]
            session.send(
                "Input.dispatchTouchEvent",
                {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]},
            )
            for (x0, y0), (x1, y1) in itertools.pairwise(stroke):
                for t in (0.25, 0.5, 0.75, 1.0):
                    point = {"x": x0 + t * (x1 - x0), "y": y0 + t * (y1 - y0)}
                    session.send(
                        "Input.dispatchTouchEvent",
                        {"type": "touchMove", "touchPoints": [point]},
                    )
            session.send(
                "Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []}
            )
    finally:
        session.detach()


def clear_canvas(page: Page, canvas: Locator) -> None:
    """Empty the canvas with its toolbar's bin, the page's one way to clear."""
    canvas.locator("canvas").last.hover()
    canvas.get_by_role("button", name="Reset canvas & history").click()
