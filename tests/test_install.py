"""A plain ``pip install`` of the built wheel, into a fresh virtual environment, no extras.

It must give a working ``embedlab`` (``--help``, ``embed`` on a pulled model) without torch,
FastAPI, uvicorn, pypdf or BeautifulSoup, and ``embedlab serve`` must say which extra to
install and exit 1. Slow: it builds the wheel and installs the runtime dependencies from
the package index (pip's cache makes that quick after ``make install``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ABSENT = ("torch", "fastapi", "uvicorn", "pypdf", "bs4", "transformers", "sentence_transformers")

pytestmark = pytest.mark.slow


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1800, **kwargs)


@pytest.fixture(scope="module")
def plain_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("install")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                  str(work / "dist"), str(ROOT)])
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (work / "dist").glob("embedlab-*.whl")
    venv = work / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)])
    assert made.returncode == 0, made.stderr
    installed = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)])
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv


def _env() -> dict[str, str]:
    # the test session's model store, so `embed` finds the pulled model
    from embedlab import paths

    return {**os.environ, "EMBEDLAB_HOME": str(paths.home()), "PYTHONPATH": ""}


def test_plain_install_has_no_extras(plain_venv: Path) -> None:
    probe = ("import importlib.util, json; print(json.dumps({m: importlib.util.find_spec(m) "
             f"is not None for m in {ABSENT!r}}}))")
    out = _run([str(plain_venv / "bin" / "python"), "-c", probe], env=_env())
    assert out.returncode == 0, out.stderr
    present = [m for m, found in json.loads(out.stdout).items() if found]
    assert present == [], f"a plain install pulled in {present}"


def test_plain_install_runs_help_and_embed(plain_venv: Path, minilm_dir: Path) -> None:
    embedlab = str(plain_venv / "bin" / "embedlab")
    helped = _run([embedlab, "--help"], env=_env())
    assert helped.returncode == 0 and "embed" in helped.stdout, helped.stderr
    out = _run([embedlab, "embed", "hello world", "--model", "all-MiniLM-L6-v2", "--no-cache",
                "--format", "jsonl"], env=_env())
    assert out.returncode == 0, out.stderr
    (line,) = out.stdout.splitlines()
    vector = json.loads(line)["embedding"]
    assert len(vector) == 384
    import numpy as np

    from embedlab.encoders import load_encoder

    expected = load_encoder(minilm_dir, cache=False).encode(["hello world"])[0]
    np.testing.assert_allclose(np.asarray(vector, np.float32), expected, atol=1e-6)


def test_serve_without_its_extra_names_the_install_command(plain_venv: Path) -> None:
    out = _run([str(plain_venv / "bin" / "embedlab"), "serve", "--port", "0"], env=_env())
    assert out.returncode == 1
    assert "pip install 'embedlab[serve]'" in out.stderr, out.stderr
    assert out.stderr.startswith("error: embedlab serve needs the 'fastapi' package")
    assert "Traceback" not in out.stderr
