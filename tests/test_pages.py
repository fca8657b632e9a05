"""Every page runs in Streamlit's AppTest on the bundled sample."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mnist_dash import data, ui

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = sorted(
    f"views/{p.name}" for p in (ROOT / "views").glob("*.py") if p.name != "__init__.py"
)
TIMEOUT = 180


def app_at(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page != "views/home.py":
        at.switch_page(page)
    return at


def test_every_page_is_routed() -> None:
    routed = re.findall(r'st\.Page\("(views/[^"]+)"', (ROOT / "app.py").read_text())
    assert sorted(routed) == PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_exception(page: str) -> None:
    at = app_at(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_home_trains_and_shows_accuracy() -> None:
    at = app_at("views/home.py")
    assert not at.metric  # nothing trained yet in this session
    at.button(key="home_train").click().run()
    assert not at.exception
    accuracy = at.metric[0]
    assert accuracy.label == "Test accuracy"
    assert float(accuracy.value.rstrip("%")) > 80


def test_home_keeps_working_when_openml_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def offline(*args: object, **kwargs: object) -> None:
        calls.append(1)
        raise data.DataSourceError("Could not download MNIST from OpenML (offline)")

    monkeypatch.setattr(data, "load_openml", offline)
    # Full MNIST may already be loaded in this process (the full-scale tests
    # seed OpenML offline): forget it, so this run really tries the download.
    ui._scheduler.forget(lambda key: key[:2] == ("data", "openml"))
    at = app_at("views/home.py")
    at.radio(key="home_source").set_value("openml").run()
    assert not at.exception
    assert "Could not download MNIST" in at.error[0].value
    assert "Staying on: Bundled sample" in at.error[0].value
    assert at.session_state["data_source"] == "sample"
    assert at.radio(key="home_source").value == "sample"
    # Other interactions do not try the download again.
    at.selectbox(key="home_model").set_value("knn").run()
    assert not at.exception
    assert len(calls) == 1


def test_a_bad_cache_folder_is_said_once_and_every_page_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")
    monkeypatch.setenv("MNIST_DASH_HOME", str(not_a_folder))
    at = app_at("views/home.py")
    assert not at.exception
    notes = [i.value for i in at.info if "cache folder" in i.value]
    assert len(notes) == 1 and "working in memory" in notes[0]
    at.button(key="home_train").click().run()
    assert not at.exception and at.metric[0].label == "Test accuracy"
    at.switch_page("views/binary.py").run()
    assert not at.exception
    assert not [i for i in at.info if "cache folder" in i.value]  # said once
    assert not_a_folder.read_text() == "a file where the cache folder should be"


def test_a_busy_lock_is_a_sentence_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from contextlib import contextmanager

    from mnist_dash import store

    @contextmanager
    def busy(key: str, **kwargs: object):
        raise store.LockTimeout(f"{key} is held by another process")
        yield  # pragma: no cover - never reached

    monkeypatch.setattr(store, "locked", busy)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["target_digit"] = 8  # a detector no other test has asked for
    at.switch_page("views/roc.py").run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    assert "is busy" in error.value and "Try again" in error.value
    # Once the other process is done, the page works.
    monkeypatch.undo()
    at.run()
    assert not at.exception and not at.error
