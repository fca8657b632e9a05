"""The app's server for the benches: ``streamlit run app.py`` on a free port.

:class:`Server` gives a fresh cache folder (``folder/home``), the server's trace
(``folder/trace.jsonl``, see :func:`mnist_dash.jobs.trace`), its output
(``folder/streamlit.log``) and its memory (:func:`status_mb`, and
:class:`RssSampler`, which adds the job processes the server forks). Chromium's
flags that keep it off the network, a free port, the health check and stopping a
server are shared with the browser tests' ``conftest.py``.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
APP = REPO / "app.py"
IDX_FOLDER = REPO.parent / "shared" / "data" / "mnist"
SERVER_START_TIMEOUT_S = 90
RSS_PERIOD_S = 0.2
CHROMIUM = os.environ.get("MNIST_DASH_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
]


def free_port() -> int:
    """A TCP port free on the loopback address now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether Streamlit's ``/_stcore/health`` at ``url`` answers ``ok``."""
    # No proxies: a proxy from the environment must not see loopback requests.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started with ``start_new_session=True`` and its children."""
    if process.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def status_mb(pid: int, field_name: str) -> float | None:
    """A ``/proc/<pid>/status`` memory field (``VmRSS``, ``VmHWM``) in MB."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Server:
    """``streamlit run app.py`` on a free port, with its cache folder and trace."""

    def __init__(self, folder: Path, env: dict[str, str] | None = None) -> None:
        self.extra_env = dict(env or {})
        self.home = folder / "home"
        self.trace = folder / "trace.jsonl"
        self.log = folder / "streamlit.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "MNIST_DASH_HOME": str(self.home),
            "MNIST_DASH_TRACE": str(self.trace),
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def seed_openml(self) -> None:
        """Fill the fresh cache folder's OpenML copy from the IDX files, offline."""
        code = (
            "import sys; from mnist_dash import data; "
            "data.seed_openml_cache(sys.argv[1])"
        )
        subprocess.run(
            [sys.executable, "-c", code, str(IDX_FOLDER)],
            cwd=REPO,
            env=self.env,
            check=True,
        )

    def start(self) -> None:
        command = [
            sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(self.port),
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ]  # fmt: skip
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not healthy(f"{self.url}/_stcore/health"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"streamlit did not start; its output:\n{self.log.read_text()}"
                )
            time.sleep(0.25)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        """Stop the server and anything it started (it leads its process group)."""
        if self.process is not None:
            stop_process(self.process)

    def events(self, kind: str) -> list[dict[str, Any]]:
        """The trace's events of one kind, in order."""
        if not self.trace.exists():
            return []
        lines = self.trace.read_text(encoding="utf-8").splitlines()
        found = [json.loads(line) for line in lines if line.strip()]
        return [event for event in found if event["event"] == kind]


def descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs (the server's job processes)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(
                    f"/proc/{parent}/task/{task}/children", encoding="ascii"
                ) as f:
                    kids = [int(word) for word in f.read().split()]
            except OSError:
                continue
            found += kids
            pending += kids
    return found


def private_mb(pid: int) -> float | None:
    """Memory only this process holds (``Private_Clean + Private_Dirty``), MB.

    A job process forked from the server shares the server's pages (the data,
    the models) until one of them writes to a page: what it holds alone is
    what it adds to the machine's memory.
    """
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1])
    except OSError:
        return None
    return total / 1024


def app_mb(pid: int) -> tuple[float | None, float, int]:
    """The server's resident memory and the whole app's (MB), and how many job
    processes the server has now.

    The whole app is the server's ``VmRSS`` plus what each of its job processes
    holds alone (:func:`private_mb`): each page counted once, as the box's memory
    limit counts it.
    """
    server = status_mb(pid, "VmRSS")
    if server is None:
        return None, float("nan"), 0
    jobs = [mb for mb in map(private_mb, descendants(pid)) if mb is not None]
    return server, server + sum(jobs), len(jobs)


def cpu_seconds(pid: int) -> float | None:
    """The CPU time a process's threads have used so far (user + system), s."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # After the command's closing parenthesis: state is field 3, utime 14.
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RssSampler(threading.Thread):
    """Polls the app's memory every 0.2 s: the server's ``VmRSS`` plus its job
    processes' private memory (:func:`app_mb`), and the server's alone; and the
    server process's CPU time so far."""

    def __init__(self, pid: int) -> None:
        super().__init__(name="rss", daemon=True)
        self.pid = pid
        #: (time, whole app MB)
        self.samples: list[tuple[float, float]] = []
        #: (time, server MB)
        self.server_samples: list[tuple[float, float]] = []
        #: (time, the server process's CPU seconds so far)
        self.cpu_samples: list[tuple[float, float]] = []
        #: The most job processes seen at once.
        self.most_jobs = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            server, total, jobs = app_mb(self.pid)
            self.most_jobs = max(self.most_jobs, jobs)
            if server is not None:
                now = time.time()
                self.samples.append((now, total))
                self.server_samples.append((now, server))
            if (cpu := cpu_seconds(self.pid)) is not None:
                self.cpu_samples.append((time.time(), cpu))
            self._stop_event.wait(RSS_PERIOD_S)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def peak(
        self, start: float = 0.0, end: float = math.inf, *, server: bool = False
    ) -> float:
        """The highest sample taken between two wall-clock times (MB): of the
        whole app, or with ``server`` of the server process alone."""
        samples = self.server_samples if server else self.samples
        inside = [mb for t, mb in samples if start <= t <= end]
        return max(inside, default=float("nan"))

    def cpu_share(self, start: float = 0.0, end: float = math.inf) -> float | None:
        """The server process's CPU time between two wall-clock times, as a
        share of one core (1.0: one core busy all the time)."""
        inside = [(t, cpu) for t, cpu in self.cpu_samples if start <= t <= end]
        if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
            return None
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])

    def last(self) -> float:
        return self.samples[-1][1] if self.samples else float("nan")
