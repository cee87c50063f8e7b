"""`embedlab neighbors`, `embedlab analogy` and `embedlab similarity --vectors`, run as a
user runs them (a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embedlab.static import WordVectors


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "embedlab", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def vec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    words = ["king", "queen", "man", "woman", "apple", "pear"]
    vectors = np.array([[1, 1, 0], [1, -1, 0], [2, 1.2, 0], [2, -0.8, 0], [0, 0, 1],
                        [0, 0.1, 1]], np.float32)
    path = tmp_path_factory.mktemp("vec") / "toy.bin"
    WordVectors(words, vectors).save(path)
    return path


def _rows(stdout: str) -> list[list[str]]:
    """Cells of the table body rows."""
    return [[c.strip() for c in line.strip("│ ").split("│")]
            for line in stdout.splitlines() if line.startswith("│")]


def test_neighbors(vec_file: Path) -> None:
    proc = run("neighbors", str(vec_file), "apple", "-k", "2")
    assert proc.returncode == 0, proc.stderr
    rows = _rows(proc.stdout)
    assert len(rows) == 2 and rows[0][1] == "pear" and rows[0][2] == "0.9950"


def test_analogy_add_and_mul(vec_file: Path) -> None:
    wv = WordVectors.load(vec_file)
    for method in ("add", "mul"):
        proc = run("analogy", str(vec_file), "man", "king", "woman", "-k", "1",
                   "--method", method)
        assert proc.returncode == 0, proc.stderr
        (row,) = _rows(proc.stdout)
        word, score = wv.analogy("man", "king", "woman", method=method)[0]
        assert row[1] == word == "queen" and row[2] == f"{score:.4f}"


def test_similarity_with_vectors(vec_file: Path) -> None:
    wv = WordVectors.load(vec_file)
    for metric in ("cosine", "euclidean", "manhattan"):
        proc = run("similarity", "--vectors", str(vec_file), "king", "queen", "--metric",
                   metric)
        assert proc.returncode == 0, proc.stderr
        (row,) = _rows(proc.stdout)
        expected = (wv.similarity("king", "queen") if metric == "cosine"
                    else wv.distance("king", "queen", metric))
        assert row == ["queen", f"{expected:.4f}"]
    proc = run("similarity", "--vectors", str(vec_file), "king", "queen", "man", "--matrix")
    assert proc.returncode == 0 and len(_rows(proc.stdout)) == 3
    proc = run("similarity", "--vectors", str(vec_file), "king", "queen", "--metric", "dot")
    assert proc.returncode == 2 and "cosine, euclidean or manhattan" in proc.stderr


@pytest.mark.parametrize("args", [
    ("neighbors", "{f}", "kingz"),
    ("analogy", "{f}", "man", "kingz", "womanz"),
    ("similarity", "--vectors", "{f}", "king", "kingz"),
])
def test_unknown_words_exit_2_without_traceback(vec_file: Path, args: tuple[str, ...]) -> None:
    proc = run(*(a.format(f=vec_file) for a in args))
    assert proc.returncode == 2
    assert "unknown word" in proc.stderr and "'kingz'" in proc.stderr
    assert "Traceback" not in proc.stderr
    if "womanz" in args:
        assert "'womanz'" in proc.stderr


def test_bad_files_are_one_line_errors(tmp_path: Path) -> None:
    proc = run("neighbors", str(tmp_path / "missing.bin"), "king")
    assert proc.returncode == 1 and "not found" in proc.stderr and "Traceback" not in proc.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\nking 1 2 3\nqueen 1 2\n")
    proc = run("neighbors", str(bad), "king")
    assert proc.returncode == 1 and "line 3" in proc.stderr and "Traceback" not in proc.stderr


def test_text_similarity_is_unchanged_without_vectors(minilm_dir: Path) -> None:
    proc = run("similarity", "a cat", "a kitten", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    (row,) = _rows(proc.stdout)
    assert row[0] == "a kitten" and 0.5 < float(row[1]) < 1


def test_neighbors_by_registry_name(glove_dir: Path) -> None:
    proc = run("neighbors", "glove-6b-50d", "frog", "-k", "5")
    assert proc.returncode == 0, proc.stderr
    assert "toad" in [r[1] for r in _rows(proc.stdout)]
    proc = run("analogy", "glove-6b-50d", "man", "king", "woman", "-k", "1")
    assert _rows(proc.stdout)[0][1] == "queen"
