"""Deciding and the chapter's last pages in a real browser: controls move charts.

The charts' data is read from the plotly graphs in the page (each graph ``div``
holds its figure's ``data`` and ``layout``).
"""

from __future__ import annotations

import pickle
import re
from urllib.parse import parse_qs, urlparse

import pytest

from .helpers import (
    IDLE_TIMEOUT_MS,
    draw_strokes,
    exceptions,
    expect,
    goto_page,
    wait_for_app_idle,
    wait_for_background_work,
    widget,
)


def figure(page, key: str, part: str = "data"):
    """The ``data`` or ``layout`` of the plotly chart made with ``key``."""
    graph = widget(page, key).locator(".js-plotly-plot")
    expect(graph).to_be_attached(timeout=IDLE_TIMEOUT_MS)
    # The element is there before plotly has drawn into it, and a rerun may
    # replace it: look it up on every poll and take the value in the same poll.
    found = page.wait_for_function(
        """([selector, part]) => {
          const graphs = document.querySelectorAll(selector);
          return graphs.length === 1 && graphs[0][part] != null
            ? JSON.parse(JSON.stringify(graphs[0][part]))
            : null;
        }""",
        arg=[f".st-key-{key} .js-plotly-plot", part],
        timeout=IDLE_TIMEOUT_MS,
    )
    return found.json_value()


def url_threshold(page) -> float:
    return float(parse_qs(urlparse(page.url).query)["threshold"][0])


def test_cost_picks_the_threshold_and_the_detector_downloads(
    page, app_server, external_requests, tmp_path
):
    goto_page(page, app_server, "/tradeoff")
    star = figure(page, "tradeoff_cost")[1]
    widget(page, "tradeoff_cheapest").get_by_role("button").click()
    wait_for_app_idle(page)
    expect(page).to_have_url(re.compile(r"threshold="))
    assert url_threshold(page) == pytest.approx(star["x"][0])
    # The cost chart marks the current threshold on its minimum now.
    expect(widget(page, "tradeoff_cost").locator(".js-plotly-plot")).to_be_visible()
    assert figure(page, "tradeoff_cost")[2]["x"][0] == pytest.approx(star["x"][0])

    with page.expect_download() as download:
        widget(page, "tradeoff_download").get_by_role("button").click()
    path = tmp_path / "detector.pkl"
    download.value.save_as(path)
    detector = pickle.loads(path.read_bytes())
    assert type(detector).__name__ == "FixedThresholdClassifier"
    assert detector.threshold == pytest.approx(url_threshold(page))
    assert exceptions(page) == []
    assert external_requests == []


def test_prevalence_moves_precision_but_not_recall(page, app_server):
    goto_page(page, app_server, "/tradeoff")
    precision = (
        page.locator('[data-testid="stMetric"]')
        .filter(has=page.get_by_text("Precision", exact=True))
        .locator('[data-testid="stMetricValue"]')
    )
    recall = (
        page.locator('[data-testid="stMetric"]')
        .filter(has=page.get_by_text("Recall", exact=True))
        .locator('[data-testid="stMetricValue"]')
    )
    expect(precision).to_have_text(re.compile(r"%$"))
    before = precision.inner_text(), recall.inner_text()

    widget(page, "tradeoff_prevalence_on").get_by_text("Another prevalence").click()
    wait_for_app_idle(page)
    thumb = widget(page, "tradeoff_prevalence").get_by_role("slider")
    thumb.focus()
    thumb.press("End")  # 50 %: half the digits are positive
    expect(thumb).to_have_value("50")
    wait_for_app_idle(page)
    expect(precision).not_to_have_text(before[0])
    assert recall.inner_text() == before[1]
    assert figure(page, "tradeoff_pr")[2]["y"] == [0.5, 0.5]  # the chance line
    assert (
        "50.0% are positive" in figure(page, "tradeoff_pr", "layout")["title"]["text"]
    )
    assert exceptions(page) == []


def test_roc_zooms_into_the_top_left_corner(page, app_server):
    goto_page(page, app_server, "/roc")
    wait_for_background_work(page)  # the forest's curve, then the page reruns
    assert figure(page, "roc_curve", "layout")["xaxis"].get("type") != "log"
    widget(page, "roc_zoom").get_by_text("Top-left corner (log scale)").click()
    wait_for_app_idle(page)
    expect(widget(page, "roc_curve").locator(".js-plotly-plot")).to_be_visible()
    assert figure(page, "roc_curve", "layout")["xaxis"]["type"] == "log"
    assert exceptions(page) == []


def test_noise_slider_moves_the_noisy_digit_and_the_marker(page, app_server):
    goto_page(page, app_server, "/multioutput")
    wait_for_background_work(page)  # the error curve, then the page reruns
    before = figure(page, "multioutput_digits")[0]["z"]
    thumb = widget(page, "multioutput_noise").get_by_role("slider")
    thumb.focus()
    thumb.press("End")
    expect(thumb).to_have_value("500")
    wait_for_app_idle(page)
    assert figure(page, "multioutput_digits")[0]["z"] != before
    errors = figure(page, "multioutput_errors", "layout")
    assert errors["shapes"][0]["x0"] == 500
    assert exceptions(page) == []


def test_a_drawn_digit_gets_both_labels(page, app_server):
    goto_page(page, app_server, "/multilabel")
    widget(page, "multilabel_source").get_by_text("Draw one").click()
    wait_for_app_idle(page)
    canvas = widget(page, "multilabel_canvas_0")
    # A 7: a bar across the top, a stroke down to the bottom left.
    draw_strokes(page, canvas, [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]])
    large = page.locator('[data-testid="stMetric"]').filter(
        has=page.get_by_text(re.compile(r"^KNN: large"))
    )
    expect(large).to_have_count(1, timeout=IDLE_TIMEOUT_MS)
    wait_for_app_idle(page)
    assert exceptions(page) == []
