"""The cache folder: trusted only when safe, in memory otherwise, and never stuck.

Each test here is one of the probes of issue 11 (see ``tests/_cache_folders.py``
for how the bad folders are made, and what "read-only" covers when run as root).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import _cache_folders
import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import Pipeline

from mnist_dash import data, evaluation, models, store

ROOT = Path(__file__).resolve().parents[1]
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    sample = data.load_mnist("sample")
    return sample.X_train[:600], sample.y_train[:600]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MNIST_DASH_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def fits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The label of every model fitted (not loaded) during the test."""
    fitted: list[str] = []
    original = models.fit_with_progress

    def counting(*args, **kwargs):
        fitted.append(kwargs.get("label", "?"))
        return original(*args, **kwargs)

    monkeypatch.setattr(models, "fit_with_progress", counting)
    return fitted


@pytest.fixture
def writable_again(tmp_path: Path):
    yield
    _cache_folders.restore(tmp_path)


def _check_afresh(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Use ``folder`` under another name, as a new process would check it again
    (the store checks a cache folder once per process, at its first use)."""
    link = folder.with_name(folder.name + "-again")
    link.symlink_to(folder)
    monkeypatch.setenv("MNIST_DASH_HOME", str(link))


def test_a_new_cache_folder_is_private_and_used(home: Path) -> None:
    status = store.status()
    assert status == store.CacheStatus(home, True, True, None)
    assert store.problem() is None
    assert home.is_dir() and (home.stat().st_mode & 0o777) == 0o700


@pytest.mark.parametrize("kind", list(_cache_folders.KINDS))
def test_a_bad_cache_folder_means_memory(
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    digits: tuple[np.ndarray, np.ndarray],
    fits: list[str],
    writable_again: None,
) -> None:
    watched = _cache_folders.make(kind, tmp_path, monkeypatch)
    before = _cache_folders.tree(watched)
    status = store.status()
    assert not status.writable
    # One sentence naming the folder and the reason, not a raw "[Errno 13] ...".
    assert status.problem is not None and "[Errno" not in status.problem
    assert str(status.path) in status.problem
    assert _cache_folders.KINDS[kind] in status.problem
    X, y = digits
    first = models.train_model("sgd_averaged", X, y)
    again = models.train_model(
        "sgd_averaged", X, y
    )  # kept in memory: not trained again
    assert again is first and len(fits) == 1
    for _ in range(2):
        evaluation.cross_validate_model("sgd_averaged", X, y, target_digit=3)
    assert len(fits) == 4  # three folds, once
    # Nothing written: no model, no results, no signing key, no lock files.
    assert _cache_folders.tree(watched) == before
    assert store.save_model("key", first) is None


@pytest.mark.skipif(not AS_ROOT, reason="giving a folder away needs root")
def test_another_users_folder_is_not_trusted(
    home: Path, digits: tuple[np.ndarray, np.ndarray], fits: list[str]
) -> None:
    home.mkdir(mode=0o700)
    os.chown(home, 12345, 12345)
    assert "belongs to another user" in store.problem()
    assert not store.status().readable
    models.train_model("sgd_averaged", *digits)
    assert list(home.iterdir()) == []


def test_a_folder_writable_by_others_runs_nothing_planted_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, digits: tuple
) -> None:
    """Another user plants ``secret.key`` and a pickle signed with it: not run."""
    planted = tmp_path / "shared"
    monkeypatch.setenv("MNIST_DASH_HOME", str(planted))
    key = models.model_key("sgd_averaged", *digits)

    class Boom:
        def __reduce__(self):  # what a malicious pickle would do
            return (pytest.fail, ("a planted pickle was loaded",))

    # The plant is made the way the app makes its own files, so its signature
    # is valid for this key: only the folder's permissions give it away.
    store.save_model(key, Boom())
    planted.chmod(0o777)
    _check_afresh(planted, monkeypatch)
    assert "other users can write to it" in store.problem()
    model = models.train_model("sgd_averaged", *digits)
    assert isinstance(model, Pipeline)


@pytest.mark.skipif(not AS_ROOT, reason="giving a file away needs root")
def test_another_users_signing_key_is_replaced(
    home: Path, digits: tuple[np.ndarray, np.ndarray], fits: list[str]
) -> None:
    models.train_model("sgd_averaged", *digits)
    os.chown(home / "secret.key", 12345, 12345)
    models.train_model("sgd_averaged", *digits)
    assert len(fits) == 2  # the old signature is no longer trusted
    assert (home / "secret.key").stat().st_uid == os.geteuid()


def test_a_read_only_cache_holding_every_model_is_used(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    digits: tuple[np.ndarray, np.ndarray],
    fits: list[str],
    writable_again: None,
) -> None:
    """Filled once, then made read-only: read, nothing written, no lock files.

    As root the kernel would allow writes: what this covers is the store's own
    reading of the mode bits.
    """
    home = tmp_path / "cache"
    monkeypatch.setenv("MNIST_DASH_HOME", str(home))
    X, y = digits
    models.train_model("sgd_averaged", X, y)
    evaluation.cross_validate_model("sgd_averaged", X, y, target_digit=3)
    shutil.rmtree(home / "locks")
    fitted = len(fits)
    for path in [home, *home.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    before = _cache_folders.tree(home)
    _check_afresh(home, monkeypatch)
    assert "is read-only" in store.problem()
    assert store.status().readable
    events: list[str] = []
    models.train_model("sgd_averaged", X, y, progress=lambda f, m: events.append(m))
    assert events == [
        f"{models.MODELS['sgd_averaged'].label} loaded from the cache folder"
    ]
    evaluation.cross_validate_model("sgd_averaged", X, y, target_digit=3)
    assert len(fits) == fitted
    assert _cache_folders.tree(home) == before


def test_a_read_only_models_folder_trains_once_per_process(
    home: Path,
    digits: tuple[np.ndarray, np.ndarray],
    fits: list[str],
    writable_again: None,
) -> None:
    """Before, every rerun of a page trained again (and failed to save again)."""
    assert store.problem() is None
    (home / "models").mkdir(mode=0o555)  # for root: see tests/_cache_folders.py
    first = models.train_model("sgd_averaged", *digits)
    assert "cannot be written" in store.problem()
    assert str(home / "models") in store.problem()
    assert models.train_model("sgd_averaged", *digits) is first
    assert len(fits) == 1
    assert list((home / "models").iterdir()) == []


def test_a_failed_write_switches_to_memory(
    home: Path,
    digits: tuple[np.ndarray, np.ndarray],
    fits: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "atomic_write", full)
    first = models.train_model("sgd_averaged", *digits)
    assert "No space left on device" in store.problem()
    assert models.train_model("sgd_averaged", *digits) is first
    assert len(fits) == 1


def test_a_model_copied_under_another_key_is_retrained(
    home: Path, digits: tuple[np.ndarray, np.ndarray], fits: list[str]
) -> None:
    X, y = digits
    models.train_model("sgd_averaged", X, y)
    models.train_model("sgd_scaled", X, y)
    averaged_file = models.model_file("sgd_averaged", X, y)
    scaled_file = models.model_file("sgd_scaled", X, y)
    shutil.copyfile(averaged_file, scaled_file)  # validly signed, but for another key
    model = models.train_model("sgd_scaled", X, y)
    assert len(fits) == 3
    assert "scaler" in model.named_steps
    assert store.load_model(scaled_file.stem) is not None  # rewritten, for its key


def test_a_model_of_the_wrong_type_is_retrained(
    home: Path, digits: tuple[np.ndarray, np.ndarray], fits: list[str]
) -> None:
    X, y = digits
    key = models.model_key("sgd_averaged", X, y)
    store.save_model(key, DummyClassifier().fit(X, y))
    assert store.load_model(key, expected_type=Pipeline) is None
    assert not store.model_path(key).exists()  # discarded
    store.save_model(key, DummyClassifier().fit(X, y))
    model = models.train_model("sgd_averaged", X, y)
    assert isinstance(model, Pipeline) and len(fits) == 1
    assert isinstance(store.load_model(key, expected_type=Pipeline), Pipeline)


def test_stale_temporary_files_are_swept_at_first_use(home: Path) -> None:
    (home / "models").mkdir(parents=True, mode=0o700)
    home.chmod(0o700)
    stale = [home / ".secret.x1.tmp", home / "models" / ".model-a.pkl.x2.tmp"]
    fresh = home / "models" / ".model-b.pkl.x3.tmp"  # a write under way
    other = home / "notes.tmp"  # not one of ours
    two_hours_ago = time.time() - 7200
    for path in [*stale, fresh, other]:
        path.write_bytes(b"partial")
        if path is not fresh:
            os.utime(path, (two_hours_ago, two_hours_ago))
    store.status()
    assert not any(path.exists() for path in stale)
    assert fresh.exists() and other.exists()


def test_the_cache_folder_is_checked_once_per_process(home: Path) -> None:
    assert store.problem() is None
    home.chmod(0o777)
    assert store.problem() is None  # as it was at first use


def test_no_home_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MNIST_DASH_HOME")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", no_home)
    assert "no home folder is known" in store.problem()
    assert store.save_arrays("k", {"a": np.arange(3)}) is None
    np.testing.assert_array_equal(store.load_arrays("k")["a"], np.arange(3))


def test_a_lock_held_by_a_stopped_process_times_out(home: Path) -> None:
    """A command-line run stopped with ``kill -STOP`` while it trains."""
    key = "model-held"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from mnist_dash import store\n"
            "with store.locked(sys.argv[1]):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(60)\n",
            key,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        os.kill(holder.pid, signal.SIGSTOP)
        began = time.monotonic()
        with pytest.raises(store.LockTimeout, match=r"model-held is busy.* 0\.5 s"):
            with store.locked(key, timeout=0.5):
                pytest.fail("the lock was taken while another process held it")
        assert 0.5 <= time.monotonic() - began < 5
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    with store.locked(key, timeout=5):  # released when the holder died
        pass


def test_a_lock_held_by_another_session_times_out(home: Path) -> None:
    held, release = threading.Event(), threading.Event()

    def session() -> None:
        with store.locked("cv-busy"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=session)
    thread.start()
    try:
        held.wait(10)
        with pytest.raises(store.LockTimeout, match="another session"):
            with store.locked("cv-busy", timeout=0.2):
                pass
    finally:
        release.set()
        thread.join()
    with store.locked("cv-busy", timeout=0):
        pass
