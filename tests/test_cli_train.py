"""`embedlab train`: files that gensim reads, history, errors, interrupted runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from embedlab.cli import main
from oracles import require

TEXT = ("The king spoke to the queen. The queen answered the king. A man and a woman "
        "walked to the castle. The woman saw the man. ") * 60


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "books"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT)
    (folder / "b.md").write_text(TEXT.upper())
    return folder


def _run(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.mark.parametrize("suffix,binary", [(".bin", True), (".txt", False)])
def test_train_word2vec_writes_vectors_gensim_reads(corpus: Path, tmp_path: Path,
                                                    suffix: str, binary: bool) -> None:
    gensim_models = require("gensim.models")
    out = tmp_path / f"vectors{suffix}"
    hist = tmp_path / "history.json"
    code = _run(["train", "word2vec", str(corpus), "--out", str(out), "--sg", "--epochs",
                 "2", "--vector-size", "12", "--min-count", "2", "--workers", "1",
                 "--history", str(hist), "--quiet"])
    assert code == 0
    kv = gensim_models.KeyedVectors.load_word2vec_format(str(out), binary=binary)
    from embedlab.static import WordVectors

    ours = WordVectors.load(out)
    assert kv.index_to_key == ours.words
    assert kv.vector_size == 12 and "king" in kv.key_to_index
    np.testing.assert_allclose(kv.vectors, ours.vectors, rtol=1e-6, atol=1e-6)
    rows = json.loads(hist.read_text())["epochs"]
    assert [r["epoch"] for r in rows] == [1, 2]
    assert all(r["loss"] > 0 and r["words_per_second"] > 0 for r in rows)


def test_train_doc2vec_and_glove(corpus: Path, tmp_path: Path) -> None:
    from embedlab.static import WordVectors

    docs = tmp_path / "docs.txt"
    docs.write_text("\n".join(TEXT.split(". ")[:40]))
    assert _run(["train", "doc2vec", str(docs), "--out", str(tmp_path / "d.txt"), "--dbow",
                 "--min-count", "1", "--epochs", "3", "--vector-size", "8", "--quiet",
                 "--words-out", str(tmp_path / "w.txt")]) == 0
    dv = WordVectors.load(tmp_path / "d.txt")
    assert dv.words[:3] == ["0", "1", "2"] and dv.vector_size == 8
    assert _run(["train", "glove", str(corpus), "--out", str(tmp_path / "g.npz"),
                 "--epochs", "2", "--vector-size", "8", "--min-count", "1", "--quiet"]) == 0
    assert "queen" in WordVectors.load(tmp_path / "g.npz")


def test_train_errors_are_one_line_messages(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n\n")
    code = _run(["train", "word2vec", str(empty), "--out", str(tmp_path / "v.txt")])
    err = capsys.readouterr().err
    assert code == 1 and "empty" in err and "Traceback" not in err
    assert not (tmp_path / "v.txt").exists()
    rare = tmp_path / "rare.txt"
    rare.write_text("every word here is unique")
    code = _run(["train", "word2vec", str(rare), "--out", str(tmp_path / "v.txt"),
                 "--quiet"])
    assert code == 1 and "min_count" in capsys.readouterr().err


def test_interrupted_training_leaves_no_output_file(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    rng = np.random.default_rng(0)
    big.write_text(" ".join(f"w{int(z)}" for z in rng.zipf(1.2, 200_000) % 3000))
    out = tmp_path / "v.bin"
    proc = subprocess.Popen(
        [sys.executable, "-m", "embedlab", "train", "word2vec", str(big), "--out", str(out),
         "--epochs", "100000", "--min-count", "1", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ},
        # a shell that runs the tests in the background ignores SIGINT and its children
        # inherit that: give the child the default disposition, as an interactive shell does
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(6)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    # prompt once training runs (workers stop after their block); on a first run on a busy
    # machine the interrupt may wait for numba to finish compiling a kernel
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]
