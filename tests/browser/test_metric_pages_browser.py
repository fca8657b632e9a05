"""The metric pages in a real browser: charts drawn, slider, shared link, a click."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from .helpers import (
    EXCEPTION,
    IDLE_TIMEOUT_MS,
    exceptions,
    expect,
    goto_page,
    wait_for_app_idle,
    wait_for_background_work,
    widget,
)

#: Page path -> plotly charts it draws.
METRIC_PAGES = {
    "binary": 3,
    "tradeoff": 5,
    "roc": 2,
    "calibration": 1,
    "multiclass": 3,
    "multilabel": 3,
    "multioutput": 2,
}


_CHARTS_DRAWN_JS = """
(expected) => {
  const charts = [...document.querySelectorAll(
    '[data-testid="stPlotlyChart"] .js-plotly-plot')];
  return charts.length === expected && charts.every((chart) => {
    const svg = chart.querySelector(".main-svg");
    const box = svg?.getBoundingClientRect();
    return box && box.width > 0 && box.height > 0
      && getComputedStyle(chart).visibility !== "hidden"
      && chart.querySelector("g.trace, g.hm") !== null;
  });
}
"""


def metric_value(page, label: str):
    """The value element of the ``st.metric`` called ``label``."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.get_by_text(label, exact=True)
    )
    return metric.locator('[data-testid="stMetricValue"]')


def url_threshold(page) -> float:
    return float(parse_qs(urlparse(page.url).query)["threshold"][0])


@pytest.mark.parametrize("path", list(METRIC_PAGES))
def test_metric_page_draws_its_charts(
    page, app_server, screenshot, external_requests, path
):
    goto_page(page, app_server, f"/{path}")
    wait_for_background_work(page)
    # Every chart really drew its data, not just an empty frame (g.trace: bars
    # and lines; g.hm: a heatmap). Counted and checked in one poll: a rerun
    # redraws a chart, hiding it for a moment, and may replace it in between.
    page.wait_for_function(
        _CHARTS_DRAWN_JS, arg=METRIC_PAGES[path], polling=100, timeout=IDLE_TIMEOUT_MS
    )
    expect(page.locator(EXCEPTION)).to_have_count(0)
    assert exceptions(page) == []
    screenshot(path)
    assert external_requests == []


def test_threshold_slider_changes_precision(page, app_server, external_requests):
    goto_page(page, app_server, "/tradeoff")
    precision = metric_value(page, "Precision")
    recall = metric_value(page, "Recall")
    expect(precision).to_have_text(re.compile(r"^\d+\.\d%$"))
    start_precision, start_recall = precision.inner_text(), recall.inner_text()
    # The page opens at the 90 %-precision threshold, as the book picks it.
    assert float(start_precision.rstrip("%")) >= 90
    start_threshold = url_threshold(page)

    thumb = widget(page, "tradeoff_threshold").get_by_role("slider")
    thumb.focus()
    thumb.press("Home")  # the lowest threshold: every digit called positive
    expect(recall).to_have_text("100.0%", timeout=IDLE_TIMEOUT_MS)
    wait_for_app_idle(page)
    low_precision = precision.inner_text()
    assert float(low_precision.rstrip("%")) < 20  # about the share of 5s
    assert url_threshold(page) < start_threshold

    thumb.focus()
    thumb.press("End")  # above every score: nothing called positive
    expect(recall).to_have_text("0.0%", timeout=IDLE_TIMEOUT_MS)
    wait_for_app_idle(page)
    assert precision.inner_text() != low_precision
    assert url_threshold(page) > start_threshold

    # The button goes back to 90 % precision.
    widget(page, "tradeoff_go").get_by_role("button").click()
    expect(precision).to_have_text(start_precision, timeout=IDLE_TIMEOUT_MS)
    expect(recall).to_have_text(start_recall)
    wait_for_app_idle(page)
    assert url_threshold(page) == pytest.approx(start_threshold, rel=1e-5)
    assert exceptions(page) == []
    assert external_requests == []


def test_a_shared_link_opens_at_its_threshold(page, app_server):
    goto_page(page, app_server, "/tradeoff?digit=5&threshold=1234")
    thumb = widget(page, "tradeoff_threshold").get_by_role("slider")
    # The slider's text has thousands separators ("localized"), never 1.2e+03.
    expect(thumb).to_have_attribute("aria-valuetext", "1,234")
    expect(metric_value(page, "Threshold")).to_have_text("1,234")
    assert url_threshold(page) == 1234
    query = parse_qs(urlparse(page.url).query)
    assert query["digit"] == ["5"] and query["threshold"] == ["1234"]
    assert exceptions(page) == []


def test_a_link_with_another_digit_opens_that_detector(page, app_server):
    goto_page(page, app_server, "/tradeoff?digit=3&threshold=-50000")
    expect(widget(page, "tradeoff_digit").get_by_role("combobox")).to_have_value("3")
    expect(metric_value(page, "Threshold")).to_have_text("-50,000")
    assert parse_qs(urlparse(page.url).query)["digit"] == ["3"]
    assert exceptions(page) == []


def test_clicking_a_confusion_cell_shows_its_digits(page, app_server):
    goto_page(page, app_server, "/multiclass")
    heading = page.get_by_role("heading", name=re.compile(r"read as"))
    expect(heading).to_have_text("3s read as 5s")  # the book's example first
    chart = widget(page, "multiclass_confusion").locator(".js-plotly-plot")
    chart.scroll_into_view_if_needed()
    area = chart.locator(".nsewdrag").first.bounding_box()
    actual, predicted = 7, 9
    x = area["x"] + (predicted + 0.5) * area["width"] / 10
    y = area["y"] + (actual + 0.5) * area["height"] / 10
    page.mouse.move(x, y)
    expect(chart.locator(".hoverlayer")).to_contain_text(
        f"Actual {actual}Predicted {predicted}"
    )
    page.mouse.click(x, y)
    expect(heading).to_have_text(
        f"{actual}s read as {predicted}s", timeout=IDLE_TIMEOUT_MS
    )
    wait_for_app_idle(page)
    expect(page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')).to_have_count(
        3
    )
    assert exceptions(page) == []


def test_quick_key_presses_on_a_fresh_server_keep_slider_and_numbers_together(
    page, fresh_server
):
    """On a server's first visit, keys pressed faster than the page reruns: the
    thumb, the numbers, the charts' line and the link end on the same threshold,
    and the keyboard focus stays on the slider."""
    goto_page(page, fresh_server, "/tradeoff")
    # The page trains the detector for its download in the background, then
    # reruns whole: press the keys once that is done.
    wait_for_background_work(page)
    thumb = widget(page, "tradeoff_threshold").get_by_role("slider")
    thumb.focus()
    for _ in range(6):
        thumb.press("ArrowRight")  # no wait between the presses
    wait_for_app_idle(page)
    for _ in range(3):
        thumb.press("ArrowLeft")
    wait_for_app_idle(page)
    shown = thumb.get_attribute("aria-valuetext")
    expect(metric_value(page, "Threshold")).to_have_text(
        f"{float(shown.replace(',', '')):,.0f}"
    )
    assert url_threshold(page) == pytest.approx(float(shown.replace(",", "")))
    assert thumb.evaluate("input => input === document.activeElement")
    assert "e" not in parse_qs(urlparse(page.url).query)["threshold"][0]
    assert exceptions(page) == []
    # The link holds the same threshold: a reload opens there.
    page.reload()
    wait_for_app_idle(page)
    reloaded = widget(page, "tradeoff_threshold").get_by_role("slider")
    expect(reloaded).to_have_attribute("aria-valuetext", shown)
