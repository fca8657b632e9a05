"""The core package works in a process where Streamlit cannot be imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = [
    "data",
    "preprocess",
    "models",
    "store",
    "evaluation",
    "charts",
    "reading",
    "refusal",
    "explain",
    "personal",
    "npz",
    "neighbours",
    "multilabel",
    "denoising",
    "calibration",
    "export",
    "tasks",
]


def test_core_imports_without_streamlit() -> None:
    script = textwrap.dedent(
        f"""
        import importlib, sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "streamlit" or name.startswith("streamlit."):
                    raise ImportError("streamlit is blocked in this test")

        sys.meta_path.insert(0, Block())
        import mnist_dash
        for name in {CORE!r}:
            importlib.import_module("mnist_dash." + name)
        assert not any(m.startswith("streamlit") for m in sys.modules)
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_only_ui_and_pages_mention_streamlit() -> None:
    ui = ROOT / "mnist_dash" / "ui"
    for path in (ROOT / "mnist_dash").rglob("*.py"):
        if path.is_relative_to(ui):
            continue
        assert "import streamlit" not in path.read_text(), path
