"""The home page and the navigation, in a real browser against a real server."""

from __future__ import annotations

import re

from .helpers import (
    EXCEPTION,
    IDLE_TIMEOUT_MS,
    exceptions,
    expect,
    goto_page,
    sidebar_page_urls,
    wait_for_app_idle,
    widget,
)

#: Records whether a progress bar was ever in the page, however briefly.
_WATCH_PROGRESS = """
() => {
  const seen = () => document.querySelector('[data-testid="stProgress"]') !== null;
  window.__sawProgress = seen();
  new MutationObserver(() => { window.__sawProgress ||= seen(); })
    .observe(document.body, {childList: true, subtree: true});
}
"""


def test_home_trains_a_model(page, app_server, screenshot, external_requests):
    goto_page(page, app_server, "/")
    expect(page.get_by_role("heading", name="mnist_dash")).to_be_visible()
    expect(page.get_by_text("Data source")).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2)
    expect(page.locator(EXCEPTION)).to_have_count(0)

    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Test accuracy")
    # Another test on this server may have trained it already: then it shows at
    # once and training (with its progress bar) does not happen again.
    trains_now = metric.count() == 0
    page.evaluate(_WATCH_PROGRESS)
    widget(page, "home_train").get_by_role("button", name="Train").click()

    value = metric.locator('[data-testid="stMetricValue"]')
    expect(value).to_have_text(
        re.compile(r"^\d{1,3}\.\d{2}%$"), timeout=IDLE_TIMEOUT_MS
    )
    wait_for_app_idle(page)
    assert exceptions(page) == []
    # SGD on the sample reads about 85% of the test digits; chance is 10%.
    assert float(value.inner_text().rstrip("%")) > 50
    if trains_now:
        assert page.evaluate("window.__sawProgress"), "no progress bar while training"
    screenshot("home")
    assert external_requests == []


def test_every_page_opens_without_an_exception(page, app_server, external_requests):
    goto_page(page, app_server, "/")
    urls = [app_server + "/", *sidebar_page_urls(page)]
    failures = {}
    for url in dict.fromkeys(urls):
        goto_page(page, url)
        if shown := exceptions(page):
            failures[url] = shown
    assert failures == {}, failures
    assert external_requests == []
