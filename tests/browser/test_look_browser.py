"""Every page in both themes and on a phone's width: nothing glares, spills or breaks.

The screenshots go to ``$MNIST_DASH_SCREENSHOTS`` as ``look-<theme>-<width>-<page>``
for a person to look at; the checks below are the parts of "looks right" that a
test can decide: no chart paints an opaque plate (white on the dark theme), the
numbers in matrix cells are at least 12 px, nothing is wider than a 390-px
screen, and no page shows an exception.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import whole_page_screenshot
from .helpers import exceptions, goto_page, sidebar_page_urls, wait_for_app_idle

#: Chart backgrounds that are not transparent, and matrix numbers under 12 px.
_CHART_PROBLEMS_JS = """
() => {
  const problems = [];
  const clear = c => c === "rgba(0, 0, 0, 0)" || c === "transparent";
  document.querySelectorAll(".js-plotly-plot").forEach((plot, index) => {
    const paper = plot.querySelector(".main-svg");
    if (paper && !clear(getComputedStyle(paper).backgroundColor)) {
      problems.push(`chart ${index}: paper ${getComputedStyle(paper).backgroundColor}`);
    }
    plot.querySelectorAll("rect.bg").forEach(rect => {
      const fill = getComputedStyle(rect).fill;
      const opacity = parseFloat(getComputedStyle(rect).fillOpacity || "1");
      if (!clear(fill) && fill !== "none" && opacity > 0) {
        problems.push(`chart ${index}: plot area ${fill}`);
      }
    });
    plot.querySelectorAll("g.hm ~ * text, .textpoint text, g.text text").forEach(t => {
      const size = parseFloat(getComputedStyle(t).fontSize);
      if (/\\d/.test(t.textContent) && size < 12) {
        problems.push(`chart ${index}: "${t.textContent}" at ${size}px`);
      }
    });
  });
  return problems;
}
"""
#: How far the page reaches past the window's right edge, in pixels.
_OVERFLOW_JS = """
() => Math.max(
  document.documentElement.scrollWidth - window.innerWidth,
  ...Array.from(document.querySelectorAll('[data-testid="stMain"], .stMain'))
    .map(e => e.scrollWidth - e.clientWidth),
)
"""

#: (theme, width, height): both themes on a desktop, the dark one on a phone.
VIEWS = [("dark", 1400, 900), ("light", 1400, 900), ("dark", 390, 844)]


@pytest.fixture(scope="module")
def page_paths(browser, app_server) -> list[str]:
    """Every page's path, from the sidebar of a desktop-sized window."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        goto_page(page, app_server, "/")
        return ["/", *(urlparse(url).path for url in sidebar_page_urls(page))]
    finally:
        context.close()


@pytest.mark.parametrize(("theme", "width", "height"), VIEWS)
def test_every_page_looks_right(
    theme: str,
    width: int,
    height: int,
    page_paths: list[str],
    app_server: str,
    light_server: str,
    new_page,
    screenshot_dir: Path,
    external_requests: list[str],
) -> None:
    base = app_server if theme == "dark" else light_server
    page = new_page(width=width, height=height)
    problems: dict[str, list[str]] = {}
    for path in dict.fromkeys(page_paths):
        goto_page(page, base, path)
        wait_for_app_idle(page)
        found = [*exceptions(page), *page.evaluate(_CHART_PROBLEMS_JS)]
        overflow = page.evaluate(_OVERFLOW_JS)
        if overflow > 1:
            found.append(f"{overflow}px wider than the {width}px window")
        if found:
            problems[path] = found
        name = path.strip("/") or "home"
        whole_page_screenshot(page, screenshot_dir / f"look-{theme}-{width}-{name}.png")
    assert problems == {}, problems
    assert external_requests == []
