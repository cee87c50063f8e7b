"""Graceful degradation: an unusable embedding cache warns and `embed` goes on without it."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from embedlab.encoders.base import Encoder
from embedlab.encoders.cache import EmbeddingCache

EMBEDLAB = str(Path(sys.executable).with_name("embedlab"))


class _Letters(Encoder):
    name, dimension, normalize_default, fingerprint = "letters", 2, False, "letters@1"

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.array([[len(t), t.count("a")] for t in texts], np.float32)


def _embed(home: Path, model: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "EMBEDLAB_HOME": str(home)}
    return subprocess.run([EMBEDLAB, "embed", "-m", str(model), "hello", "world"],
                          capture_output=True, env=env, timeout=300, check=False)


def test_cache_folder_blocked_by_a_file(tmp_path: Path, minilm_dir: Path) -> None:
    (tmp_path / "cache").write_text("not a folder")
    proc = _embed(tmp_path, minilm_dir)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(b"continuing without caching") == 1, proc.stderr


def test_cache_path_is_a_folder(tmp_path: Path, minilm_dir: Path) -> None:
    (tmp_path / "cache" / "embeddings.sqlite").mkdir(parents=True)
    proc = _embed(tmp_path, minilm_dir)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(b"continuing without caching") == 1, proc.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores chmod; covered by the tests above")
def test_read_only_cache_file_and_folder(tmp_path: Path, minilm_dir: Path) -> None:
    assert _embed(tmp_path, minilm_dir).returncode == 0  # creates the cache
    folder = tmp_path / "cache"
    for f in folder.iterdir():
        f.chmod(0o444)
    folder.chmod(0o555)
    try:
        proc = _embed(tmp_path, minilm_dir)
    finally:
        folder.chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(b"continuing without caching") == 1, proc.stderr


def test_encoder_drops_a_failing_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    enc = _Letters()
    enc.cache = EmbeddingCache(tmp_path / "c.sqlite")
    enc.cache.close()  # every later call raises CacheError
    with caplog.at_level(logging.WARNING):
        first = enc.encode(["banana"])
        second = enc.encode(["kiwi"])
    assert first.tolist() == [[6.0, 3.0]] and second.tolist() == [[4.0, 0.0]]
    assert sum("without caching" in r.getMessage() for r in caplog.records) == 1


def _as_unprivileged(cmd: list[str]) -> list[str]:
    """Root ignores chmod 000, so as root the command runs as user nobody via setpriv."""
    if os.geteuid() != 0:
        return cmd
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: chmod cannot block a folder")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]


def test_unlistable_subfolder_is_warned_and_its_documents_kept(minilm_dir: Path) -> None:
    base = Path(tempfile.mkdtemp(prefix="embedlab-unlistable-"))
    try:
        base.chmod(0o777)
        model = base / "model"
        shutil.copytree(minilm_dir, model)
        docs = base / "docs"
        (docs / "sub").mkdir(parents=True)
        (docs / "top.txt").write_text("The cat sat on the mat.\n")
        (docs / "sub" / "inner.txt").write_text("A man is playing a guitar.\n")
        for p in [base, *base.rglob("*")]:
            p.chmod(0o777 if p.is_dir() else 0o666)
        env = {**os.environ, "EMBEDLAB_HOME": str(base / "home")}
        index = _as_unprivileged([EMBEDLAB, "index", str(docs), "-c", str(base / "col"),
                                  "-m", str(model)])
        first = subprocess.run(index, capture_output=True, env=env, timeout=300, check=False)
        assert first.returncode == 0, first.stderr
        (docs / "sub").chmod(0o000)
        try:
            second = subprocess.run(index, capture_output=True, env=env, timeout=300,
                                    check=False)
        finally:
            (docs / "sub").chmod(0o777)
        assert second.returncode == 0, second.stderr
        assert b"cannot list folder" in second.stderr and b"sub" in second.stderr
        out = second.stdout + second.stderr
        assert b"1 unchanged, 0 removed" in out and b"2 chunks in the collection" in out, out
    finally:
        shutil.rmtree(base, ignore_errors=True)
