"""Load bench (issue 11): a classroom at once, and the memory of a full visit.

A teacher shares the link and a class opens it in the same minute. This starts
the real app (``streamlit run app.py``) with a fresh, empty cache folder
(``MNIST_DASH_HOME``) and a trace file (``MNIST_DASH_TRACE``), then drives it
from headless Chromium, one browser context (one Streamlit session) per student:

* **Draw** sessions draw digits stroke by stroke on the canvas, wait for the
  "Prediction" metric, clear the canvas and draw the next, until the time is up;
* **metric-page** sessions go round Binary, Precision/recall (three presses of
  the arrow key on the threshold slider), ROC, Multiclass and Exercises (its two
  "Train and score" buttons), through the sidebar, waiting for each to finish.

Sessions alternate between the two kinds and start spread over ``--ramp``
seconds; each pauses ``--think`` seconds (on average) between two actions. It
reports:

* errors: Streamlit exceptions, ``st.error`` boxes, crashed pages and waits
  that ran out (``--timeout``), each counted once per session;
* computations per key, from the trace's ``job`` events: each must run once;
* server-side page run times per page, from the trace's ``run`` events (the
  server's own clock, so the browsers' CPU does not count in them): the first
  finished run of each page, then finished runs cold and once warm ("warm":
  after every session's first full view, a Draw session's first reading or a
  metric session's first metric page). Only runs that reached the page's end
  are timed (on Draw, those that read a drawing); the rest are counted;
* each Draw session's time to its first reading, and stroke-to-prediction
  times as the browser sees them, from the pointer's release to the
  "Prediction" (for information: the browsers share the machine);
* the app's peak memory, against Community Cloud's 690 MB: polled every 0.2 s,
  the server's ``VmRSS`` plus what its job processes (forked for trainings, see
  :mod:`mnist_dash.jobs`) hold alone; and the server's own ``VmHWM`` at the end.

``--memory`` is the other figure: one session visits every page with its
default models on full MNIST (Home, Draw with one drawing read, Binary,
Precision/recall, ROC, Multiclass, Exercises), then stays on Multiclass while
the book's long runs go on in the background (``--background`` seconds); with
``--clicks`` it then presses Home's "Train" and Exercise 1's "Train and score".
It prints the server's peak memory per step, the baselines (a server with no
session yet, the app imported on the sample, full MNIST loaded) and how far the
background runs got. ``bench/memory_steps.py`` says which computation takes
the memory.

The browsers and this script run at a lower priority (``--nice``; with
``--yield-cpu`` their session's autogroup too) than the server, which is
started first: in a classroom the browsers are the students' own computers.
Priority does not keep thirty browsers off the server's cores; ``--split-cores``
does: the server (and its job processes) on the first half of the cores, the
browsers on the rest. The server-side times are then the server's own, at the
rate the browsers' cores can drive it (the server process's CPU share is
printed). Run from the repository root::

    python bench/load.py --sessions 30 --duration 300       # the classroom
    python bench/load.py --sessions 30 --duration 600 --split-cores
    python bench/load.py --sessions 4 --duration 60 --data openml
    python bench/load.py --memory --clicks                  # full MNIST, one visit
    python bench/load.py --sessions 2 --duration 0 --pages tradeoff  # a smoke run
    python bench/load.py --server-env MNIST_DASH_MEMORY_MB=200 ...

``--data openml`` seeds the cache folder's OpenML copy offline from the IDX
files in ``../shared/data/mnist`` and makes each session pick full MNIST on
the Home page first (a session's data source is its own). Results go to
``bench/results/load.json`` (``memory.json``) unless ``--json`` says otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RSS_PERIOD_S,
    RssSampler,
    Server,
    status_mb,
)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_JSON = BENCH / "results" / "load.json"
DEFAULT_MEMORY_JSON = BENCH / "results" / "memory.json"
#: Streamlit Community Cloud's smallest box: over this the app is stopped.
BUDGET_MB = 690
#: Server-side Draw page run, p95 once warm.
DRAW_TARGET_S = 0.250
SEED = 11

#: The metric pages a session goes round: (url path, sidebar title).
METRIC_PAGES = (
    ("binary", "Binary classifier"),
    ("tradeoff", "Precision/recall"),
    ("roc", "ROC curve"),
    ("multiclass", "Multiclass"),
    ("exercises", "Exercises"),
)
SLIDER_PRESSES = 3
#: Anything but the loopback addresses: blocked, nothing leaves the machine.
_EXTERNAL_URL = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost|\[::1\])[:/]).*")


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> list[tuple[float, float]]:
    return [
        (
            cx + rx * math.sin(2 * math.pi * i / 32),
            cy - ry * math.cos(2 * math.pi * i / 32),
        )
        for i in range(33)
    ]


#: Digits as a person draws them, one stroke each: (x, y) fractions of the canvas.
DIGITS: dict[int, list[list[tuple[float, float]]]] = {
    0: [_ellipse(0.5, 0.5, 0.22, 0.33)],
    1: [[(0.45, 0.22), (0.52, 0.15), (0.52, 0.85)]],
    2: [
        [(0.30, 0.30), (0.40, 0.18), (0.58, 0.16), (0.68, 0.28), (0.64, 0.45),
         (0.30, 0.82), (0.72, 0.82)]
    ],
    3: [
        [(0.30, 0.20), (0.62, 0.17), (0.66, 0.32), (0.45, 0.48), (0.68, 0.60),
         (0.66, 0.78), (0.30, 0.83)]
    ],
    4: [[(0.62, 0.85), (0.62, 0.15), (0.28, 0.60), (0.75, 0.60)]],
    7: [[(0.28, 0.20), (0.72, 0.20), (0.45, 0.85)]],
}  # fmt: skip

#: Is the app connected, its script finished, nothing stale, and (``want``
#: not null) the "Prediction" metric shown or not? True for ``settleMs`` on end:
#: a click sends its rerun asynchronously, so an instant of quiet may be about to
#: end. Returns when it first became so (epoch ms) and the last pointer-up.
_READY_JS = """
([token, settleMs, want]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  let ok = app !== null
    && app.dataset.testConnectionState === "CONNECTED"
    && app.dataset.testScriptState === "notRunning"
    && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !document.querySelector('[data-stale="true"]');
  if (ok && want !== null) {
    const shown = [...document.querySelectorAll('[data-testid="stMetricLabel"]')]
      .some(e => e.innerText.trim() === "Prediction");
    ok = shown === want;
  }
  const now = performance.now();
  const state = window.__bench;
  if (!ok || !state || state.token !== token) {
    window.__bench = {token, since: ok ? now : null};
    return false;
  }
  if (state.since === null) state.since = now;
  if (now - state.since < settleMs) return false;
  const origin = performance.timeOrigin;
  return {
    at: origin + state.since,
    up: window.__lastUp === undefined ? null : origin + window.__lastUp,
  };
}
"""
#: What the page looked like when a wait ran out: which of _READY_JS's
#: conditions failed.
_STATE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const stale = [...document.querySelectorAll('[data-stale="true"]')];
  return {
    connection: app && app.dataset.testConnectionState,
    script: app && app.dataset.testScriptState,
    running_icon: !!document.querySelector(
      '[data-testid="stStatusWidgetRunningIcon"]'),
    stale: stale.length,
    stale_first: stale.slice(0, 3).map(e => (e.dataset.testid || e.className
      || e.tagName) + ": " + e.innerText.trim().slice(0, 60)),
    prediction: [...document.querySelectorAll('[data-testid="stMetricLabel"]')]
      .some(e => e.innerText.trim() === "Prediction"),
    canvas: !!document.querySelector("canvas.upper-canvas"),
  };
}
"""
_POINTER_JS = """
() => window.addEventListener(
  "pointerup", () => { window.__lastUp = performance.now(); }, true)
"""
#: Exceptions and ``st.error`` boxes (an exception draws an error box of its own).
_ERRORS_JS = """
() => [...document.querySelectorAll(
  '[data-testid="stException"], [data-testid="stAlertContentError"]')]
  .filter(e => e.dataset.testid === "stException"
    || !e.closest('[data-testid="stException"]'))
  .map(e => [e.dataset.testid, e.innerText.trim().slice(0, 400)])
"""
#: When a "Prediction" from the current run is on the page (epoch ms), or false.
_SHOWN_JS = """
() => {
  const shown = [...document.querySelectorAll('[data-testid="stMetricLabel"]')]
    .some(e => e.innerText.trim() === "Prediction"
      && !e.closest('[data-stale="true"]'));
  return shown ? performance.timeOrigin + performance.now() : false;
}
"""
_PREDICTION_JS = """
() => {
  const metric = [...document.querySelectorAll('[data-testid="stMetric"]')]
    .find(e => e.innerText.includes("Prediction"));
  const value = metric && metric.querySelector('[data-testid="stMetricValue"]');
  return value ? value.innerText.trim() : null;
}
"""
#: Did k-nearest neighbours read the drawing shown? Its "Why this digit?" is the
#: only one that shows the training digits nearest to the drawing (``views/draw.py``).
KNN_WHY = "The training digits nearest to yours"
_READ_BY_KNN_JS = f"""
() => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
  .some(e => e.innerText.includes("{KNN_WHY}"))
"""
_PROGRESS_JS = """
() => [...document.querySelectorAll('[data-testid="stProgress"]')]
  .map(e => e.innerText.trim()).filter(t => t)
"""


# -- one browser session ---------------------------------------------------------


class Timeout(Exception):
    """A wait ran out: the app did not show what was expected in time."""


@dataclass
class SessionLog:
    """What one session did and saw."""

    index: int
    kind: str
    started: float
    first_view: float | None = None
    first_reading_s: float | None = None
    readings: list[dict[str, Any]] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    js_errors: int = 0


class Session:
    """One student: a browser context (a Streamlit session) and its page."""

    def __init__(
        self, log: SessionLog, page: Any, base_url: str, args: argparse.Namespace
    ) -> None:
        self.log = log
        self.page = page
        self.base_url = base_url
        self.args = args
        self.rng = random.Random(SEED + log.index)
        self.crashed = False
        self._seen_errors: set[tuple[str, str]] = set()
        self._tokens = 0
        self.where = "start"
        page.on("crash", self._on_crash)
        page.on("pageerror", self._on_js_error)

    def _on_crash(self, *_: Any) -> None:
        self.crashed = True
        self.error("crash", "the page crashed")

    def _on_js_error(self, *_: Any) -> None:
        self.log.js_errors += 1

    def error(self, kind: str, text: str) -> None:
        if (kind, text) in self._seen_errors:
            return
        self._seen_errors.add((kind, text))
        self.log.errors.append(
            {"kind": kind, "page": self.where, "text": text, "time": time.time()}
        )

    async def ready(
        self, *, want_prediction: bool | None = None, settle_ms: float = 500
    ) -> dict[str, float | None]:
        """Wait until the app is idle (and shows the prediction, or not)."""
        self._tokens += 1
        try:
            handle = await self.page.wait_for_function(
                _READY_JS,
                arg=[self._tokens, settle_ms, want_prediction],
                polling=100,
                timeout=self.args.timeout * 1000,
            )
        except Exception as error:  # Playwright's TimeoutError, or a closed page
            raise Timeout(await self._why(error)) from None
        found = await handle.json_value()
        await self.check_errors()
        return {
            "at": found["at"] / 1000,
            "up": None if found["up"] is None else found["up"] / 1000,
        }

    async def prediction_shown(self) -> float:
        """Wait for a "Prediction" from the current run; when it came (epoch s)."""
        try:
            handle = await self.page.wait_for_function(
                _SHOWN_JS, polling=50, timeout=self.args.timeout * 1000
            )
        except Exception as error:
            raise Timeout(await self._why(error)) from None
        return await handle.json_value() / 1000

    async def _why(self, error: Exception) -> str:
        """The wait's error, and what the page showed then (see ``_STATE_JS``)."""
        text = str(error).splitlines()[0]
        try:
            state = await self.page.evaluate(_STATE_JS)
        except Exception:  # a closed page says nothing more
            return text
        return f"{text} Page: {json.dumps(state)}"

    async def check_errors(self) -> None:
        for testid, text in await self.page.evaluate(_ERRORS_JS):
            kind = "exception" if testid == "stException" else "st.error"
            self.error(kind, text)

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.args.think)

    async def goto(self, path: str) -> None:
        self.where = path.strip("/") or "home"
        await self.page.goto(self.base_url + path)
        await self.page.evaluate(_POINTER_JS)

    async def open_by_sidebar(self, path: str, title: str) -> None:
        """Follow the sidebar's link (the session, and its data choice, stay)."""
        self.where = path
        nav = self.page.locator('[data-testid="stSidebarNav"]')
        more = nav.locator('[data-testid="stSidebarNavViewButton"]')
        if await more.count() and "more" in (await more.inner_text()):
            await more.click()
        await nav.locator("a").filter(has_text=title).first.click()
        await self.page.wait_for_url(f"**/{path}*", timeout=self.args.timeout * 1000)

    async def choose_source(self) -> None:
        """On Home: pick full MNIST (``home_source``) and wait for it to load."""
        if self.args.data == "sample":
            return
        await self.ready()
        radio = self.page.locator(".st-key-home_source")
        await radio.get_by_text("Full MNIST").first.click()
        await self.ready()
        caption = self.page.get_by_text("70,000").first
        if not await caption.count():
            self.error("st.error", "Home did not switch to full MNIST")

    def mark_first_view(self, at: float) -> None:
        if self.log.first_view is None:
            self.log.first_view = at


async def draw_session(session: Session, deadline: float) -> None:
    """Draw, wait for the prediction, clear; again until ``deadline``."""
    page, log = session.page, session.log
    if session.args.data == "sample":
        await session.goto("/draw")
    else:
        await session.goto("/")
        await session.choose_source()
        await session.open_by_sidebar("draw", "Draw")
        await page.evaluate(_POINTER_JS)
    drawn = 0
    order = list(DIGITS)
    session.rng.shuffle(order)
    # The canvas's key changes only when a drawing is refused as unreadable.
    canvas = page.locator("[class*='st-key-draw_canvas_'] canvas.upper-canvas").last
    while not session.crashed and (time.time() < deadline or not log.readings):
        digit = order[drawn % len(order)]
        try:
            await canvas.wait_for(state="visible", timeout=session.args.timeout * 1000)
        except Exception as error:
            raise Timeout(f"no canvas: {str(error).splitlines()[0]}") from None
        await draw_strokes(page, canvas, DIGITS[digit])
        shown = await session.prediction_shown()
        # The rest of the page (the book's detector) comes after the prediction.
        seen = await session.ready(want_prediction=True, settle_ms=300)
        read = await page.evaluate(_PREDICTION_JS)
        by_knn = await page.evaluate(_READ_BY_KNN_JS)
        up = seen["up"] or shown
        log.readings.append(
            {
                "drawn": digit,
                "read": read,
                "read_by_knn": by_knn,
                "seconds": max(shown - up, 0.0),
                "page_done_s": max(seen["at"] - up, 0.0),
                "at": shown,
            }
        )
        if log.first_reading_s is None:
            log.first_reading_s = shown - log.started
            session.mark_first_view(seen["at"])
        await session.think()
        # The canvas toolbar's bin (shown on hover): the page's one way to clear.
        await canvas.hover()
        await page.locator('button[aria-label="Reset canvas & history"]').click()
        await session.ready(want_prediction=False, settle_ms=300)
        drawn += 1


async def draw_strokes(
    page: Any, canvas: Any, strokes: list[list[tuple[float, float]]]
) -> None:
    """Draw ``strokes`` (fractions of the canvas) with the mouse."""
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    if box is None:
        raise Timeout("the canvas is not on screen")
    for stroke in strokes:
        points = [
            (box["x"] + x * box["width"], box["y"] + y * box["height"])
            for x, y in stroke
        ]
        await page.mouse.move(*points[0])
        await page.mouse.down()
        for point in points[1:]:
            await page.mouse.move(*point, steps=4)
        await page.mouse.up()


async def pages_session(session: Session, deadline: float) -> None:
    """Go round the metric pages until ``deadline``, each from the sidebar."""
    page, log = session.page, session.log
    await session.goto("/")
    await session.choose_source()
    await session.ready()
    tour = [(path, title) for path, title in METRIC_PAGES if path in session.args.pages]
    turn = log.index // 2
    while not session.crashed and (time.time() < deadline or not log.views):
        path, title = tour[turn % len(tour)]
        turn += 1
        started = time.time()
        await session.open_by_sidebar(path, title)
        seen = await session.ready()
        log.views.append({"page": path, "seconds": seen["at"] - started})
        session.mark_first_view(seen["at"])
        if path == "tradeoff":
            thumb = page.locator(".st-key-tradeoff_threshold").get_by_role("slider")
            for _ in range(SLIDER_PRESSES):
                started = time.time()
                await thumb.press("ArrowRight")
                seen = await session.ready(settle_ms=300)
                log.views.append({"page": "slider", "seconds": seen["at"] - started})
        elif path == "exercises":
            for key in ("exercises_run_1", "exercises_run_2"):
                button = page.locator(f".st-key-{key} button")
                if await button.count():
                    started = time.time()
                    await button.click()
                    seen = await session.ready()
                    log.views.append({"page": key, "seconds": seen["at"] - started})
        await session.think()


async def run_session(
    browser: Any,
    log: SessionLog,
    base_url: str,
    args: argparse.Namespace,
    deadline: float,
) -> None:
    context = await browser.new_context(
        viewport={"width": args.viewport[0], "height": args.viewport[1]}
    )
    context.set_default_timeout(args.timeout * 1000)

    async def block(route: Any) -> None:  # nothing leaves the machine
        await route.abort()

    await context.route(_EXTERNAL_URL, block)
    page = await context.new_page()
    session = Session(log, page, base_url, args)
    log.started = time.time()
    try:
        if log.kind == "draw":
            await draw_session(session, deadline)
        else:
            await pages_session(session, deadline)
    except Timeout as error:
        session.error("timeout", str(error))
    except Exception as error:  # a closed page after a crash, say
        if not session.crashed:
            session.error("browser", f"{type(error).__name__}: {error}")
    finally:
        await context.close()


async def run_sessions(base_url: str, args: argparse.Namespace) -> list[SessionLog]:
    from playwright.async_api import async_playwright

    logs = [
        SessionLog(index=i, kind="draw" if i % 2 == 0 else "pages", started=0.0)
        for i in range(args.sessions)
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        begin = time.time()
        deadline = begin + args.ramp + args.duration

        async def staggered(log: SessionLog) -> None:
            delay = args.ramp * log.index / max(args.sessions - 1, 1)
            await asyncio.sleep(delay)
            await run_session(browser, log, base_url, args, deadline)

        await asyncio.gather(*(staggered(log) for log in logs))
        await browser.close()
    return logs


# -- the classroom report ----------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (linear, as numpy's default), or None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _spread(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "max": max(values, default=None),
    }


def page_runs(runs: list[dict[str, Any]], warm_from: float | None) -> dict[str, Any]:
    """Per page: its first finished run, and finished runs cold and once warm.

    A run ends at its event's ``time``; it is warm when it ends after
    ``warm_from``. Only runs that went to the page's end (``done``) are timed:
    on Draw those are the ones that read a drawing. The others are counted:
    ``stopped`` (``st.stop()``, as Draw with an empty canvas, or a click during
    the run), ``rerun`` (``st.rerun()``), ``error``.
    """
    report: dict[str, Any] = {}
    for page in sorted({run["page"] for run in runs}):
        mine = [run for run in runs if run["page"] == page]
        finished = [run for run in mine if run.get("outcome", "done") == "done"]
        cold = [
            r["seconds"]
            for r in finished
            if warm_from is None or r["time"] <= warm_from
        ]
        warm_runs = [
            r for r in finished if warm_from is not None and r["time"] > warm_from
        ]
        report[page] = {
            "first_s": finished[0]["seconds"] if finished else None,
            "cold": _spread(cold),
            "warm": _spread([r["seconds"] for r in warm_runs]),
            # The CPU time the run's own thread used: the rest of its time it
            # waited (for the GIL, a core, or a job's result).
            "warm_cpu": _spread([r["cpu_s"] for r in warm_runs if "cpu_s" in r]),
            # The time it was ready to run with no core free (Linux's schedstat).
            "warm_queued": _spread(
                [r["queued_s"] for r in warm_runs if r.get("queued_s") is not None]
            ),
            "outcomes": dict(Counter(run.get("outcome", "done") for run in mine)),
        }
    return report


def classroom(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="mnist_dash_load_") as tmp:
        server = Server(Path(tmp), args.server_env)
        if args.data == "openml":
            print("Seeding the OpenML cache from the IDX files ...", flush=True)
            server.seed_openml()
        server_cpus, browser_cpus = _cores(args)
        _pin(server_cpus)  # the server, and the job processes it forks, inherit it
        server.start()
        server_pinned = sorted(os.sched_getaffinity(server.pid))  # as it runs
        _pin(browser_cpus)  # the browsers, started from here, inherit it
        sampler = RssSampler(server.pid)
        sampler.start()
        idle_mb = _settled_rss(sampler)
        _lower_priority(args)  # the browsers, started from here, inherit it
        print(
            f"Server up (idle {idle_mb:.0f} MB); {args.sessions} sessions for "
            f"{args.duration:.0f} s ...",
            flush=True,
        )
        try:
            began = time.time()
            logs = asyncio.run(run_sessions(server.url, args))
            ended = time.time()
            hwm = status_mb(server.pid, "VmHWM")
        finally:
            sampler.stop()
            server.stop()
        jobs = server.events("job")
        runs = server.events("run")
        collections = server.events("gc")
    first_views = [log.first_view for log in logs]
    warm_from = None if None in first_views else max(first_views)  # type: ignore[type-var]
    keys = Counter(job["key"] for job in jobs)
    draw_logs = [log for log in logs if log.kind == "draw"]
    readings = [r for log in draw_logs for r in log.readings]
    by_knn = [r for r in readings if r.get("read_by_knn")]
    pages = page_runs(runs, warm_from)
    draw_warm_p95 = pages.get("draw", {}).get("warm", {}).get("p95")
    errors = [
        {"session": log.index, "kind_of_session": log.kind, **error}
        for log in logs
        for error in log.errors
    ]
    return {
        "meta": {
            "mode": "classroom",
            "sessions": args.sessions,
            "draw_sessions": len(draw_logs),
            "page_sessions": len(logs) - len(draw_logs),
            "duration_s": args.duration,
            "ramp_s": args.ramp,
            "think_s": args.think,
            "browsers_nice": args.nice,
            "browsers_yield_cpu": args.yield_cpu,
            "viewport": list(args.viewport),
            "server_cpus": sorted(server_cpus) if server_cpus else None,
            "server_affinity": server_pinned,
            "browser_cpus": sorted(browser_cpus) if browser_cpus else None,
            "pages": args.pages,
            "data": args.data,
            "server_env": args.server_env,
            "seconds": ended - began,
            "warm_from_s": None if warm_from is None else warm_from - began,
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        },
        "errors": errors,
        "computations": {
            "jobs": sum(keys.values()),
            "keys": len(keys),
            "repeated": {key: n for key, n in keys.items() if n > 1},
            "per_key": dict(keys),
        },
        "page_runs": pages,
        "collections": _collections(collections, warm_from, ended),
        "draw": {
            "first_reading_s": [log.first_reading_s for log in draw_logs],
            "stroke_to_prediction_s": _spread([r["seconds"] for r in readings]),
            "readings": len(readings),
            "each_reading": [
                {"session": log.index, **r, "at": r["at"] - began}
                for log in draw_logs
                for r in log.readings
            ],
            "read_as_drawn": sum(map(_as_drawn, readings)),
            "by_knn": {
                "readings": len(by_knn),
                "read_as_drawn": sum(map(_as_drawn, by_knn)),
            },
            "warm_p95_s": draw_warm_p95,
            "target_p95_s": DRAW_TARGET_S,
        },
        "views": {
            page: _spread(
                [v["seconds"] for log in logs for v in log.views if v["page"] == page]
            )
            for page in sorted({v["page"] for log in logs for v in log.views})
        },
        "server_cpu": {
            "share": sampler.cpu_share(began, ended),
            "warm_share": None
            if warm_from is None
            else sampler.cpu_share(warm_from, ended),
            # Every warm run's CPU, finished or not (page_runs times finished ones).
            "warm_runs_share": None
            if warm_from is None
            else sum(run.get("cpu_s", 0.0) for run in runs if run["time"] > warm_from)
            / max(ended - warm_from, 1e-9),
        },
        "memory": {
            "idle_mb": idle_mb,
            "peak_polled_mb": sampler.peak(),
            "server_peak_polled_mb": sampler.peak(server=True),
            "vm_hwm_mb": hwm,
            "budget_mb": BUDGET_MB,
            "samples": len(sampler.samples),
            "most_job_processes": sampler.most_jobs,
        },
        "js_errors": sum(log.js_errors for log in logs),
        "trace": {
            "jobs": [{**job, "time": job["time"] - began} for job in jobs],
            "runs": [{**run, "time": run["time"] - began} for run in runs],
            "collections": [{**c, "time": c["time"] - began} for c in collections],
            "first_views": [None if at is None else at - began for at in first_views],
        },
    }


def _as_drawn(reading: dict[str, Any]) -> bool:
    """Whether the page read a drawing as the digit drawn."""
    return reading["read"] == str(reading["drawn"])


def _collections(
    events: list[dict[str, Any]], warm_from: float | None, ended: float
) -> dict[str, Any]:
    """The server's full garbage collections once warm (traced by
    ``mnist_dash.ui.trace_collections``): how many, how long, and their share
    of the time (each holds the GIL)."""
    if warm_from is None:
        return {"n": 0, "share": None, **_spread([])}
    warm = [event for event in events if event["time"] >= warm_from]
    seconds = [event["seconds"] for event in warm]
    cpu = [event["cpu_s"] for event in warm if "cpu_s" in event]
    return {
        "n": len(seconds),
        "share": sum(seconds) / max(ended - warm_from, 1e-9),
        "cpu_share": sum(cpu) / max(ended - warm_from, 1e-9) if cpu else None,
        **_spread(seconds),
        "cpu": _spread(cpu),
    }


def _fmt(value: float | None, unit: str = "s", digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "ms":
        return f"{value * 1000:.0f} ms"
    return f"{value:.{digits}f} {unit}".strip()


def print_classroom(result: dict[str, Any]) -> None:
    meta = result["meta"]
    print()
    print(
        f"{meta['sessions']} sessions ({meta['draw_sessions']} Draw, "
        f"{meta['page_sessions']} metric pages), {meta['duration_s']:.0f} s after a "
        f"{meta['ramp_s']:.0f} s ramp, data {meta['data']}, cold cache; "
        f"{meta['seconds']:.0f} s in all."
        + (f" Server environment: {meta['server_env']}." if meta["server_env"] else "")
    )
    if meta.get("server_cpus"):
        cores = (
            f"the server on core(s) {meta['server_cpus']} alone, the browsers on "
            f"{meta['browser_cpus']}; browsers at niceness {meta['browsers_nice']}"
        )
    else:
        cores = (
            "the browsers share the cores with the server; browsers at niceness "
            f"{meta.get('browsers_nice', '-')}"
            + (
                ", their session's too (they yield the CPU to the server)"
                if meta.get("browsers_yield_cpu")
                else ", their session's share of the CPU equal to the server's"
            )
        )
    print(
        f"{meta['cpus']} CPUs, load average {meta['load_average_before'][0]:.1f} "
        f"before, {meta['load_average_after'][0]:.1f} after (others may share the "
        f"machine too); {cores}."
    )
    errors = result["errors"]
    print(f"\nErrors: {len(errors)}")
    for error in errors[:20]:
        text = error["text"].replace("\n", " ")[:400]
        print(
            f"  session {error['session']} on {error['page']}: {error['kind']}: {text}"
        )
    comp = result["computations"]
    print(
        f"\nComputations: {comp['jobs']} jobs over {comp['keys']} keys; "
        + (
            "each key once."
            if not comp["repeated"]
            else "more than once: "
            + ", ".join(f"{k} x{n}" for k, n in comp["repeated"].items())
        )
    )
    warm = meta["warm_from_s"]
    print(
        "\nServer-side page runs (from the trace), warm after "
        + ("-" if warm is None else f"{warm:.0f} s")
        + ":"
    )
    print(
        f"  {'page':<12} {'first':>8} {'cold n':>7} {'p50':>8} {'p95':>8} "
        f"{'warm n':>7} {'p50':>8} {'p95':>8}  outcomes"
    )
    for page, row in result["page_runs"].items():
        cold, hot = row["cold"], row["warm"]
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(row["outcomes"].items()))
        print(
            f"  {page:<12} {_fmt(row['first_s'], 'ms'):>8} {cold['n']:>7} "
            f"{_fmt(cold['p50'], 'ms'):>8} {_fmt(cold['p95'], 'ms'):>8} "
            f"{hot['n']:>7} {_fmt(hot['p50'], 'ms'):>8} {_fmt(hot['p95'], 'ms'):>8}"
            f"  {outcomes}"
        )
    draw = result["draw"]
    p95 = draw["warm_p95_s"]
    verdict = "-" if p95 is None else ("met" if p95 <= DRAW_TARGET_S else "MISSED")
    print(
        f"  Draw p95 once warm: {_fmt(p95, 'ms')} (target "
        f"{DRAW_TARGET_S * 1000:.0f} ms: {verdict})"
    )
    print(
        "  Warm runs' own threads: CPU time, and time ready to run with no core "
        "free (the rest of a run is waiting for the GIL, a lock or a job):"
    )
    for page, row in result["page_runs"].items():
        cpu, queued = row.get("warm_cpu", {}), row.get("warm_queued", {})
        if cpu.get("n"):
            print(
                f"    {page:<12} CPU p50 {_fmt(cpu['p50'], 'ms')}, "
                f"p95 {_fmt(cpu['p95'], 'ms')}; no core p50 "
                f"{_fmt(queued.get('p50'), 'ms')}, p95 {_fmt(queued.get('p95'), 'ms')}"
            )
    cpu = result.get("server_cpu", {})
    if cpu.get("share") is not None:
        print(
            f"  The server process's CPU (its threads, not its job processes): "
            f"{cpu['share']:.0%} of one core over the run"
            + (
                f", {cpu['warm_share']:.0%} once warm, of which its page runs "
                f"{cpu['warm_runs_share']:.0%}"
                if cpu.get("warm_share") is not None
                else ""
            )
        )
    gc_warm = result.get("collections")
    if gc_warm and gc_warm["share"] is not None:
        print(
            f"  Full garbage collections once warm: {gc_warm['n']}, p50 "
            f"{_fmt(gc_warm['p50'], 'ms')}, p95 {_fmt(gc_warm['p95'], 'ms')}: "
            f"{gc_warm['share']:.0%} of the time (each holds the GIL)"
        )
        if gc_warm.get("cpu_share") is not None:
            print(
                f"    their threads' CPU time: p50 {_fmt(gc_warm['cpu']['p50'], 'ms')}"
                f", p95 {_fmt(gc_warm['cpu']['p95'], 'ms')}, "
                f"{gc_warm['cpu_share']:.0%} of the time"
            )
    firsts = [s for s in draw["first_reading_s"] if s is not None]
    print(
        "\nFirst reading per Draw session: "
        + ", ".join(f"{s:.1f}" for s in sorted(firsts))
        + " s"
        + (
            f" ({len(draw['first_reading_s']) - len(firsts)} never read)"
            if len(firsts) < len(draw["first_reading_s"])
            else ""
        )
    )
    stroke = draw["stroke_to_prediction_s"]
    print(
        f"Stroke to prediction, as the browsers see it: p50 {_fmt(stroke['p50'])}, "
        f"p95 {_fmt(stroke['p95'])} over {stroke['n']} readings "
        f"({draw['read_as_drawn']} read as drawn)"
    )
    by_knn = draw.get("by_knn", {})
    if "readings" in by_knn:
        print(
            f"  of which read by k-nearest neighbours (standing in while the page's "
            f"model learns): {by_knn['readings']} ({by_knn['read_as_drawn']} read "
            "as drawn)"
        )
    print("Views, as the browsers see them (click to idle):")
    for page, row in result["views"].items():
        print(
            f"  {page:<16} n {row['n']:>4}  "
            f"p50 {_fmt(row['p50'])}  p95 {_fmt(row['p95'])}"
        )
    mem = result["memory"]
    print(
        f"\nMemory: idle {mem['idle_mb']:.0f} MB; peak, polled every "
        f"{RSS_PERIOD_S} s, {mem['peak_polled_mb']:.0f} MB with the job processes, "
        f"{mem['server_peak_polled_mb']:.0f} MB the server alone (its VmHWM "
        f"{_fmt(mem['vm_hwm_mb'], 'MB', 0)}); budget {BUDGET_MB} MB; at most "
        f"{mem['most_job_processes']} job processes at once."
    )
    if result["js_errors"]:
        print(f"JavaScript errors in the pages (information): {result['js_errors']}")


def viewport(text: str) -> tuple[int, int]:
    """``"1400x1000"`` as (width, height) in pixels; ValueError if it is not one."""
    try:
        width, height = (int(side) for side in text.lower().split("x"))
    except ValueError:
        raise ValueError(
            f"--viewport takes WIDTHxHEIGHT, e.g. 1400x1000, not {text!r}"
        ) from None
    if width < 1 or height < 1:
        raise ValueError(f"--viewport takes positive sizes, not {text!r}")
    return width, height


def _cores(args: argparse.Namespace) -> tuple[set[int] | None, set[int] | None]:
    """With ``--split-cores``, the server's cores and the browsers' (else none).

    In a classroom the browsers are the students' own computers: no browser
    takes a core from the server. On one machine the nearest thing is to give
    each side cores of its own: the server (and its job processes) the first
    half of the cores this script may use, at least one; the browsers the rest.
    The server then has fewer cores than the machine, never more.
    """
    if not args.split_cores:
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("--split-cores needs at least two cores")
    half = max(1, len(cpus) // 2)
    return set(cpus[:half]), set(cpus[half:])


def _pin(cpus: set[int] | None) -> None:
    """Run this thread, and the processes it starts from now on, on ``cpus``."""
    if cpus:
        os.sched_setaffinity(0, cpus)


# -- the memory figure --------------------------------------------------------------


def _lower_priority(args: argparse.Namespace) -> None:
    """This script and the browsers it starts yield the CPU to the server.

    In a classroom the browsers are the students' own computers. ``nice``
    alone does not do it where the kernel groups processes by session
    (``kernel.sched_autogroup_enabled``, on by default): the server, started in
    a session of its own, and this script's session then share the cores
    equally whatever their niceness, so thirty browsers took one core of two
    from the server. The session's own niceness (``/proc/self/autogroup``) is
    lowered as well with ``--yield-cpu``. Not by default: with it (2026-11-29,
    thirty sessions) the browsers starved, three Draw sessions never saw their
    first reading, and the server's Draw runs were no faster (their own CPU
    time was already a tenth of their duration).
    """
    os.nice(args.nice)
    if not args.yield_cpu:
        return
    try:
        Path("/proc/self/autogroup").write_text(f"{args.nice}\n")
    except OSError as error:  # no autogroups here: niceness alone is enough
        print(f"(autogroup niceness not set: {error})", flush=True)


def _settled_rss(sampler: RssSampler, seconds: float = 2.0) -> float:
    """The server's memory after ``seconds`` of quiet."""
    time.sleep(seconds)
    rss = status_mb(sampler.pid, "VmRSS")
    return float("nan") if rss is None else rss


async def memory_visit(
    server: Server, sampler: RssSampler, args: argparse.Namespace
) -> tuple[list[dict[str, Any]], list[str]]:
    """One session through every page; the server's memory per step."""
    from playwright.async_api import async_playwright

    steps: list[dict[str, Any]] = []
    progress: list[str] = []
    log = SessionLog(index=0, kind="memory", started=time.time())
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(args.timeout * 1000)
        page = await context.new_page()
        session = Session(log, page, server.url, args)

        async def step(name: str, action: Any) -> None:
            started = time.time()
            print(f"  {name} ...", flush=True)
            try:
                await action()
            except Timeout as error:
                session.error("timeout", str(error))
            ended = time.time()
            steps.append(
                {
                    "step": name,
                    "seconds": ended - started,
                    "peak_mb": sampler.peak(started, ended),
                    "end_mb": sampler.last(),
                    "server_peak_so_far_mb": status_mb(server.pid, "VmHWM"),
                }
            )

        async def home_sample() -> None:
            await session.goto("/")
            await session.ready()

        async def home_full() -> None:
            await session.choose_source()
            await session.ready()

        async def draw() -> None:
            await session.open_by_sidebar("draw", "Draw")
            await page.evaluate(_POINTER_JS)
            canvas = page.locator(".st-key-draw_canvas_0 canvas.upper-canvas")
            await canvas.wait_for(state="visible")
            await draw_strokes(page, canvas, DIGITS[7])
            await session.ready(want_prediction=True)

        def visit(path: str, title: str, *, until_done: bool = False) -> Any:
            async def go() -> None:
                await session.open_by_sidebar(path, title)
                await session.ready()
                # Pages that show background work redraw when it ends.
                while until_done and await page.evaluate(_PROGRESS_JS):
                    await asyncio.sleep(1.0)
                    await session.ready()

            return go

        def click(path: str, title: str, key: str) -> Any:
            async def go() -> None:
                await session.open_by_sidebar(path, title)
                await session.ready()
                await page.locator(f".st-key-{key} button").click()
                await session.ready()

            return go

        async def background() -> None:
            await session.open_by_sidebar("multiclass", "Multiclass")
            await session.ready()
            end = time.time() + args.background
            while time.time() < end:
                shown = await page.evaluate(_PROGRESS_JS)
                if shown:
                    progress[:] = shown
                elif progress:
                    progress.append("(finished: the page shows the book's figures)")
                    break
                await asyncio.sleep(5.0)

        await step("home, sample (app imported)", home_sample)
        if args.data == "openml":
            await step("home, full MNIST loaded", home_full)
        await step("draw, one drawing read", draw)
        for path, title in METRIC_PAGES:
            await step(path, visit(path, title, until_done=path == "roc"))
        await step(
            f"multiclass, book's runs in the background ({args.background:.0f} s)",
            background,
        )
        if args.clicks:
            await step(
                "home: Train (random_forest, test accuracy)",
                click("", "Home", "home_train"),
            )
            await step(
                "exercises: Train and score 1 (knn)",
                click("exercises", "Exercises", "exercises_run_1"),
            )
        await context.close()
        await browser.close()
    for error in log.errors:
        steps.append({"step": "error", **error})
    return steps, progress


def memory_run(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="mnist_dash_memory_") as tmp:
        server = Server(Path(tmp), args.server_env)
        if args.data == "openml":
            print("Seeding the OpenML cache from the IDX files ...", flush=True)
            server.seed_openml()
        server.start()
        sampler = RssSampler(server.pid)
        sampler.start()
        idle_mb = _settled_rss(sampler)
        _lower_priority(args)
        print(f"Server up: {idle_mb:.0f} MB before any session.", flush=True)
        try:
            steps, progress = asyncio.run(memory_visit(server, sampler, args))
            hwm = status_mb(server.pid, "VmHWM")
        finally:
            sampler.stop()
            server.stop()
        jobs = [job["key"] for job in server.events("job")]
        refused = sorted({event["key"] for event in server.events("refused")})
    return {
        "meta": {
            "mode": "memory",
            "data": args.data,
            "server_env": args.server_env,
            "background_s": args.background,
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "memory_budget_mb_setting": server.env.get("MNIST_DASH_MEMORY_MB", "300"),
            "box_mb_setting": server.env.get("MNIST_DASH_BOX_MB"),
        },
        "idle_mb": idle_mb,
        "steps": steps,
        "peak_polled_mb": sampler.peak(),
        "server_peak_polled_mb": sampler.peak(server=True),
        "vm_hwm_mb": hwm,
        "budget_mb": BUDGET_MB,
        "background_progress": progress,
        "jobs": jobs,
        "refused": refused,
    }


def print_memory(result: dict[str, Any]) -> None:
    meta = result["meta"]
    print()
    print(
        f"Server memory, one session through every page, data {meta['data']} "
        f"(budget {BUDGET_MB} MB; "
        f"MNIST_DASH_MEMORY_MB={meta['memory_budget_mb_setting']}); "
        f"load average {meta['load_average_before'][0]:.1f} before, "
        f"{meta['load_average_after'][0]:.1f} after."
    )
    print(
        f"  {'step (the app: server and job processes)':<58} "
        f"{'time':>7} {'peak':>8} {'at end':>8}"
    )
    print(
        f"  {'server started, no session':<58} {'':>7} {'':>8} "
        f"{result['idle_mb']:>5.0f} MB"
    )
    for row in result["steps"]:
        if row["step"] == "error":
            print(f"  error on {row['page']}: {row['kind']}: {row['text'][:120]}")
            continue
        over = " over" if row["peak_mb"] > BUDGET_MB else ""
        print(
            f"  {row['step']:<58} {row['seconds']:>5.0f} s {row['peak_mb']:>5.0f} MB "
            f"{row['end_mb']:>5.0f} MB{over}"
        )
    # The server's own high-water mark may fall between two polls.
    peak = max(result["peak_polled_mb"], result["vm_hwm_mb"] or 0.0)
    print(
        f"Overall peak: {result['peak_polled_mb']:.0f} MB polled with the job "
        f"processes ({result['server_peak_polled_mb']:.0f} MB the server alone, "
        f"its VmHWM {_fmt(result['vm_hwm_mb'], 'MB', 0)}): "
        + ("within" if peak <= BUDGET_MB else "OVER")
        + f" the {BUDGET_MB} MB budget."
    )
    if result["background_progress"]:
        print(
            "The book's background runs, last seen: "
            + "; ".join(result["background_progress"])
        )
    print(f"Computations: {len(result['jobs'])} jobs")
    refused = result.get("refused", [])
    if refused:
        print(
            f"Not offered on this box (MNIST_DASH_BOX_MB="
            f"{meta.get('box_mb_setting')}): {len(refused)}: " + ", ".join(refused)
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="browser sessions")
    parser.add_argument(
        "--duration", type=float, default=300, help="seconds each session works"
    )
    parser.add_argument(
        "--data",
        choices=["sample", "openml"],
        default=None,
        help="sample (default) or full MNIST; --memory: openml",
    )
    parser.add_argument("--json", type=Path, default=None, help="results as JSON")
    parser.add_argument(
        "--ramp", type=float, default=10, help="seconds over which sessions start"
    )
    parser.add_argument(
        "--think", type=float, default=2, help="mean pause between actions (s)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="longest wait for one page (s); 300, or 1800 with --memory",
    )
    parser.add_argument("--nice", type=int, default=10, help="niceness of the browsers")
    parser.add_argument(
        "--yield-cpu",
        action="store_true",
        help="lower the niceness of the browsers' whole session (autogroup), "
        "not only their processes': the server then has the CPU first",
    )
    parser.add_argument(
        "--split-cores",
        action="store_true",
        help="the classroom: the server on the first half of the cores, the "
        "browsers on the rest (the students' computers are not the server's)",
    )
    parser.add_argument(
        "--viewport",
        default="1400x1000",
        help="each classroom session's window, WIDTHxHEIGHT in pixels (a smaller "
        "one costs the browsers less to paint)",
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="the memory figure: one session through every page",
    )
    parser.add_argument(
        "--clicks",
        action="store_true",
        help="--memory: then press Home's Train and Exercise 1's Train and score",
    )
    parser.add_argument(
        "--background",
        type=float,
        default=180,
        help="--memory: seconds to watch the book's background runs",
    )
    parser.add_argument(
        "--pages",
        default=",".join(path for path, _ in METRIC_PAGES),
        help="the metric pages sessions go round, comma-separated (default: all)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the server, e.g. MNIST_DASH_MEMORY_MB=200",
    )
    args = parser.parse_args(argv)
    try:
        args.server_env = dict(item.split("=", 1) for item in args.server_env)
    except ValueError:
        parser.error("--server-env takes NAME=VALUE")
    try:
        args.viewport = viewport(args.viewport)
    except ValueError as error:
        parser.error(str(error))
    args.pages = [path.strip() for path in args.pages.split(",") if path.strip()]
    known = [path for path, _ in METRIC_PAGES]
    if not args.pages or set(args.pages) - set(known):
        parser.error(f"--pages takes some of {','.join(known)}")
    if args.sessions < 1 or args.duration < 0:
        parser.error("--sessions must be at least 1 and --duration not negative")
    if args.timeout is None:
        args.timeout = 1800 if args.memory else 300
    if args.data is None:
        args.data = "openml" if args.memory else "sample"
    if args.memory:
        result = memory_run(args)
        print_memory(result)
        path = args.json or DEFAULT_MEMORY_JSON
    else:
        result = classroom(args)
        print_classroom(result)
        path = args.json or DEFAULT_JSON
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    print(f"Written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
