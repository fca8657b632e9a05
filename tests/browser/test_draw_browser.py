"""The Draw page in a real browser: digits drawn with the mouse or a finger are
read, non-digits refused, hostile drawings bounded, corrections taught, saved
and loaded; the layout works at 1400x900 and on a phone."""

from __future__ import annotations

import math
import re
from pathlib import Path

from _hostile import PNG_URL, bomb_png, png_url, rss_bytes

from .helpers import (
    IDLE_TIMEOUT_MS,
    clear_canvas,
    draw_strokes,
    exceptions,
    expect,
    goto_page,
    touch_strokes,
    wait_for_app_idle,
    wait_for_background_work,
    widget,
)


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> list[tuple[float, float]]:
    return [
        (
            cx + rx * math.sin(2 * math.pi * i / 40),
            cy - ry * math.cos(2 * math.pi * i / 40),
        )
        for i in range(41)
    ]


#: Digits as a person draws them: strokes of (x, y) points, fractions of the canvas.
DIGITS = {
    1: [[(0.50, 0.15), (0.50, 0.85)]],
    0: [_ellipse(0.5, 0.5, 0.22, 0.33)],
    7: [[(0.28, 0.20), (0.72, 0.20), (0.45, 0.85)]],
}
DASH = [[(0.15, 0.5), (0.85, 0.5)]]
CANVAS = "draw_canvas_0"
#: Boxes of the page that scroll sideways: the page itself, and any box of the
#: main area with overflow-x (the sidebar is folded away on a phone).
_SIDEWAYS_JS = """
() => [document.documentElement, ...document.querySelectorAll('*')]
  .filter(e => e === document.documentElement
    || ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
  .filter(e => !e.closest('[data-testid="stSidebar"]'))
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.tagName}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`)
"""


def _prediction(page):
    return page.locator('[data-testid="stMetric"]').filter(has_text="Prediction")


def _value(page):
    return _prediction(page).locator('[data-testid="stMetricValue"]')


def _canvas(page):
    """The canvas on the page now, whatever its generation (``draw_canvas_<n>``)."""
    return page.locator("[class*='st-key-draw_canvas_']").last


def _server_pid(base_url: str) -> int:
    """The streamlit process serving ``base_url`` (its port is in its command)."""
    port = base_url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(command) and port.encode() in command:
            return int(proc.name)
    raise AssertionError(f"no streamlit process on port {port}")


def test_drawn_digits_are_read(
    page, app_server, screenshot, external_requests
):
    # In a full run this is the server's first visitor, arriving by a deep link:
    # the router must still run (titled navigation, not a list of file names).
    goto_page(page, app_server, "/draw")
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_text("Precision/recall")).to_be_visible()
    expect(nav.get_by_text("app", exact=True)).to_have_count(0)
    expect(page.get_by_text("Draw a digit on the canvas.")).to_be_visible()
    expect(_prediction(page)).to_have_count(0)
    canvas = widget(page, CANVAS)
    expect(canvas.locator("canvas").last).to_be_visible(timeout=IDLE_TIMEOUT_MS)

    read = {}
    for digit, strokes in DIGITS.items():
        draw_strokes(page, canvas, strokes)
        expect(_value(page)).to_have_text(str(digit), timeout=IDLE_TIMEOUT_MS)
        wait_for_app_idle(page)
        read[digit] = _value(page).inner_text()
        expect(page.get_by_text("Each digit's probability")).to_be_visible()
        expect(page.get_by_text("Why this digit?")).to_be_visible()
        expect(page.get_by_text("Is it a 5?").first).to_be_visible()
        assert exceptions(page) == []
        if digit == 7:
            screenshot("draw")
        clear_canvas(page, canvas)
        expect(_prediction(page)).to_have_count(0, timeout=IDLE_TIMEOUT_MS)
        expect(page.get_by_text("Draw a digit on the canvas.")).to_be_visible()
    assert read == {d: str(d) for d in DIGITS}
    assert external_requests == []


def test_layout_at_1400x900_one_clear_and_the_toolbar_covers_nothing(
    page, app_server
):
    page.set_viewport_size({"width": 1400, "height": 900})
    goto_page(page, app_server, "/draw")
    canvas = widget(page, CANVAS)
    draw_strokes(page, canvas, DIGITS[7])
    expect(_value(page)).to_have_text("7", timeout=IDLE_TIMEOUT_MS)
    wait_for_app_idle(page)
    # The detector's answer is in view without scrolling.
    answer = page.locator('[data-testid="stMetric"]').filter(has_text="Is it a 5?")
    box = answer.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900, box
    # The canvas's toolbar, shown on hover, covers neither the model picker nor
    # the pen slider.
    canvas.locator("canvas").last.hover()
    toolbar = canvas.locator(".dc-toolbar-card").bounding_box()
    for key in ("draw_model_choice", "draw_pen"):
        other = widget(page, key).bounding_box()
        overlaps = not (
            toolbar["y"] >= other["y"] + other["height"]
            or other["y"] >= toolbar["y"] + toolbar["height"]
            or toolbar["x"] >= other["x"] + other["width"]
            or other["x"] >= toolbar["x"] + toolbar["width"]
        )
        assert not overlaps, (key, toolbar, other)
    # One way to clear: the toolbar's bin, no second button.
    expect(page.get_by_role("button", name=re.compile("clear", re.I))).to_have_count(0)
    expect(canvas.get_by_role("button", name="Reset canvas & history")).to_have_count(1)
    # No second "Predicted: 7" under the Prediction metric.
    expect(page.get_by_text("Predicted:")).to_have_count(0)


def test_a_finger_draws_on_a_phone_and_nothing_scrolls_sideways(browser, app_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=3,
    )
    try:
        page = context.new_page()
        goto_page(page, app_server, "/draw")
        canvas = widget(page, CANVAS)
        expect(canvas.locator("canvas").last).to_be_visible(timeout=IDLE_TIMEOUT_MS)
        touch_strokes(page, canvas, DIGITS[1])
        expect(_value(page)).to_have_text("1", timeout=IDLE_TIMEOUT_MS)
        wait_for_app_idle(page)
        assert exceptions(page) == []
        assert page.evaluate(_SIDEWAYS_JS) == []
        width = page.evaluate(
            "() => [document.documentElement.scrollWidth, "
            "document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1], width
    finally:
        context.close()


def test_a_dash_is_refused_once_the_check_has_learnt(page, app_server, screenshot):
    # Before the hostile and corrections tests (they wait for that learning):
    # on a first visit the not-a-digit check and the MLP learn in the background,
    # meanwhile the tests above run. The dash is drawn
    # before they are done: the page reruns when each is, and keeps the drawing.
    goto_page(page, app_server, "/draw")
    canvas = widget(page, CANVAS)
    expect(canvas.locator("canvas").last).to_be_visible(timeout=IDLE_TIMEOUT_MS)
    draw_strokes(page, canvas, DASH)
    expect(_prediction(page)).to_have_count(1, timeout=IDLE_TIMEOUT_MS)
    expect(page.get_by_text("is still learning")).to_have_count(
        0, timeout=IDLE_TIMEOUT_MS
    )
    wait_for_app_idle(page)
    expect(page.get_by_text("This does not look like a digit.")).to_be_visible(
        timeout=IDLE_TIMEOUT_MS
    )
    expect(_value(page)).to_have_text("—")
    screenshot("draw-refused")
    assert exceptions(page) == []


def test_hostile_drawings_through_the_websocket(page, app_server):
    """The browser itself sends what no canvas would: the server refuses it
    before decoding, keeps its memory, and the page keeps reading drawings."""
    goto_page(page, app_server, "/draw")
    # The first visit's learning is over, so the server's memory moves only
    # with what this test sends.
    wait_for_background_work(page)
    pid = _server_pid(app_server)
    canvas = widget(page, CANVAS)
    expect(canvas.locator("canvas").last).to_be_visible(timeout=IDLE_TIMEOUT_MS)
    page.evaluate(
        "() => { window.__toDataURL = HTMLCanvasElement.prototype.toDataURL }"
    )
    for payload, says in (
        (png_url(bomb_png()), "12,000x12,000 pixels"),
        (PNG_URL + "A" * 4_000_000, "more than the 2,000,000"),
    ):
        before = rss_bytes(pid)
        page.evaluate(
            "(url) => { HTMLCanvasElement.prototype.toDataURL = () => url }", payload
        )
        draw_strokes(page, _canvas(page), DIGITS[1])
        expect(page.get_by_text("This drawing cannot be read")).to_be_visible(
            timeout=IDLE_TIMEOUT_MS
        )
        expect(page.get_by_text(says)).to_be_visible()
        wait_for_app_idle(page)
        assert rss_bytes(pid) - before < 50 * 2**20
        page.evaluate(
            "() => { HTMLCanvasElement.prototype.toDataURL = window.__toDataURL }"
        )
        fresh = _canvas(page)  # a new canvas took the refused one's place
        expect(fresh.locator("canvas").last).to_be_visible(timeout=IDLE_TIMEOUT_MS)
        wait_for_app_idle(page)
        draw_strokes(page, fresh, DIGITS[7])
        expect(_value(page)).to_have_text("7", timeout=IDLE_TIMEOUT_MS)
        expect(page.get_by_text("This drawing cannot be read")).to_have_count(0)
        clear_canvas(page, fresh)
    assert exceptions(page) == []


def test_corrections_are_taught_saved_and_loaded_again(page, app_server, tmp_path):
    goto_page(page, app_server, "/draw")
    # The first visit's models are learnt by now (a whole-page rerun when the
    # MLP takes over must not fall between an upload and its message).
    wait_for_background_work(page)
    canvas = widget(page, CANVAS)
    draw_strokes(page, canvas, DIGITS[7])
    expect(_prediction(page)).to_have_count(1, timeout=IDLE_TIMEOUT_MS)
    wait_for_app_idle(page)
    widget(page, "draw_right_digit").click()
    page.get_by_role("option", name="1", exact=True).click()
    widget(page, "draw_teach").get_by_role("button").click()
    expect(page.get_by_text("Read with my taught model (1 corrections)")).to_be_visible(
        timeout=IDLE_TIMEOUT_MS
    )
    expect(page.get_by_text("before and after")).to_be_visible()
    with page.expect_download() as download:
        widget(page, "draw_download").get_by_role("button").click()
    saved = tmp_path / "mine.npz"
    download.value.save_as(saved)

    uploader = widget(page, "draw_upload").locator("input[type=file]")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip at all" * 100)
    uploader.set_input_files(str(junk))
    expect(page.get_by_text("Nothing was loaded: junk.npz")).to_be_visible(
        timeout=IDLE_TIMEOUT_MS
    )
    expect(page.get_by_text("(1 corrections)")).to_be_visible()  # nothing lost
    uploader.set_input_files(str(saved))
    expect(page.get_by_text("Read with my taught model (2 corrections)")).to_be_visible(
        timeout=IDLE_TIMEOUT_MS
    )
    expect(page.get_by_text("Nothing was loaded")).to_have_count(0)
    assert exceptions(page) == []
