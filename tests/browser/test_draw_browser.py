"""The Draw page in a real browser: digits drawn with the mouse are read."""

from __future__ import annotations

import math

from .helpers import (
    IDLE_TIMEOUT_MS,
    draw_strokes,
    exceptions,
    expect,
    goto_page,
    wait_for_app_idle,
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


def _prediction(page):
    return page.locator('[data-testid="stMetric"]').filter(has_text="Prediction")


def test_drawn_digits_are_read(page, app_server, screenshot, external_requests):
    # In a full run this is the server's first visitor, arriving by a deep link:
    # the router must still run (titled navigation, not a list of file names).
    goto_page(page, app_server, "/draw")
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_text("Precision/recall")).to_be_visible()
    expect(nav.get_by_text("app", exact=True)).to_have_count(0)
    expect(page.get_by_text("Draw a digit on the canvas.")).to_be_visible()
    expect(_prediction(page)).to_have_count(0)

    read = {}
    for generation, (digit, strokes) in enumerate(DIGITS.items()):
        canvas = widget(page, f"draw_canvas_{generation}")
        expect(canvas.locator("canvas").last).to_be_visible(timeout=IDLE_TIMEOUT_MS)
        draw_strokes(page, canvas, strokes)
        value = _prediction(page).locator('[data-testid="stMetricValue"]')
        expect(value).to_have_text(str(digit), timeout=IDLE_TIMEOUT_MS)
        wait_for_app_idle(page)
        read[digit] = value.inner_text()
        # The probabilities and the 28x28 image the model saw are both shown.
        charts = page.locator('[data-testid="stPlotlyChart"]')
        expect(charts).to_have_count(2)
        expect(page.get_by_text("What the model sees")).to_be_visible()
        expect(page.get_by_text("Is it a 5?").first).to_be_visible()
        assert exceptions(page) == []
        if digit == 7:
            screenshot("draw")
        # Clearing removes the prediction and asks for a drawing again.
        widget(page, "draw_clear").get_by_role("button").click()
        expect(_prediction(page)).to_have_count(0, timeout=IDLE_TIMEOUT_MS)
        expect(page.get_by_text("Draw a digit on the canvas.")).to_be_visible()
    assert read == {d: str(d) for d in DIGITS}
    assert external_requests == []
