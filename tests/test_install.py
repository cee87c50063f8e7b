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


# Each numba-backed command, run twice on a small input from a fresh install: the first run
# compiles its kernels (then cached), the second loads them. README quotes the measured
# extra (target 3 s; BPE and Doc2Vec are above it). The bound here is what catches a return
# of the 12-17 s first runs (typed containers, literal specializations, parallel kernels)
# on a busy 2-core CI machine, not the target.
NUMBA_COMMANDS = {
    "tokenizer train": ["tokenizer", "train", "--model", "bytelevel-bpe", "--vocab-size",
                        "1000", "--out", "{out}.json", "{corpus}"],
    "train word2vec": ["train", "word2vec", "{corpus}", "--out", "{out}.txt", "--quiet"],
    "train doc2vec": ["train", "doc2vec", "{corpus}", "--out", "{out}.txt", "--quiet"],
    "train glove": ["train", "glove", "{corpus}", "--out", "{out}.txt", "--quiet"],
}
FIRST_RUN_EXTRA_BOUND_S = 8.0


def test_numba_commands_first_run_costs_little_more_than_the_second(
        plain_venv: Path, tmp_path: Path, data_dir: Path) -> None:
    import time

    book = sorted((data_dir / "corpus" / "gutenberg").glob("*.txt"))[0]
    corpus = tmp_path / "small.txt"
    corpus.write_text(book.read_text(encoding="utf-8")[:200_000], encoding="utf-8")
    extra = {}
    for name, args in NUMBA_COMMANDS.items():
        # a cache of its own: each command's first run as if it were the first one run
        env = {**_env(), "NUMBA_CACHE_DIR": str(tmp_path / f"numba-cache-{name}")}
        seconds = []
        for run in range(2):
            cmd = [str(plain_venv / "bin" / "embedlab")] + [
                a.format(corpus=corpus, out=tmp_path / f"out{run}") for a in args]
            start = time.perf_counter()
            out = _run(cmd, env=env)
            seconds.append(time.perf_counter() - start)
            assert out.returncode == 0, out.stderr[-2000:]
        extra[name] = seconds[0] - seconds[1]
    print("first-run extra seconds:", {k: round(v, 2) for k, v in extra.items()})
    slow = {k: round(v, 2) for k, v in extra.items() if v > FIRST_RUN_EXTRA_BOUND_S}
    assert not slow, f"first runs compile for too long: {slow}"
