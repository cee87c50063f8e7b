"""`embedlab text stem|lemma|onehot`, run as a user runs them (a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import _missing
from oracles import require


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "embedlab", "text", *args],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})


def rows(stdout: str) -> list[list[str]]:
    """Cells of the body rows of every table printed."""
    return [[c.strip() for c in line.strip("│ ").split("│")]
            for line in stdout.splitlines() if line.startswith("│")]


def test_text_help_lists_commands() -> None:
    proc = run("--help")
    assert proc.returncode == 0, proc.stderr
    for name in ("stem", "lemma", "onehot"):
        assert name in proc.stdout


def test_stem_porter_and_snowball() -> None:
    require("snowballstemmer")
    proc = run("stem", "running", "caresses", "happiness")
    assert proc.returncode == 0, proc.stderr
    assert rows(proc.stdout) == [["running", "run"], ["caresses", "caress"],
                                 ["happiness", "happi"]]
    proc = run("stem", "generously", "--algorithm", "snowball")
    assert proc.returncode == 0, proc.stderr
    assert rows(proc.stdout) == [["generously", "generous"]]


def test_stem_unknown_language_is_a_clear_error() -> None:
    require("snowballstemmer")
    proc = run("stem", "Hund", "--algorithm", "snowball", "--language", "klingon")
    assert proc.returncode == 1
    assert "no Snowball stemmer for language='klingon'" in proc.stderr


def test_lemma_table_in_context() -> None:
    require("lemminflect")
    require("spacy")
    proc = run("lemma", "That was a better idea. The mice were running.")
    if proc.returncode == 1 and "no spaCy English pipeline" in proc.stderr:
        _missing(proc.stderr.strip())
    assert proc.returncode == 0, proc.stderr
    table = {r[0]: r[1:3] for r in rows(proc.stdout)}
    assert table["better"] == ["good", "ADJ"]
    assert table["was"] == ["be", "AUX"]
    assert table["mice"] == ["mouse", "NOUN"]
    assert table["running"] == ["run", "VERB"]


def test_lemma_with_given_pos() -> None:
    require("lemminflect")
    proc = run("lemma", "better", "--pos", "ADV")
    assert proc.returncode == 0, proc.stderr
    assert [r[:3] for r in rows(proc.stdout)] == [["better", "well", "ADV"]]


def test_onehot_prints_vocabulary_and_matrix() -> None:
    proc = run("onehot", "the cat sat on the mat")
    assert proc.returncode == 0, proc.stderr
    body = rows(proc.stdout)
    vocab, matrix = body[:5], body[5:]
    assert [r[1] for r in vocab] == ["the", "cat", "mat", "on", "sat"]
    assert "one-hot matrix 6 × 5" in proc.stdout
    assert matrix[0] == ["the", "1", "0", "0", "0", "0"]
    assert matrix[5] == ["mat", "0", "0", "1", "0", "0"]


def test_onehot_vocab_from_file_and_unknown(tmp_path: Path) -> None:
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("the\ncat\nsat\n", encoding="utf-8")
    proc = run("onehot", "the bird sat", "--vocab-from", str(vocab_file))
    assert proc.returncode == 1
    assert "'bird'" in proc.stderr and "--unknown ignore" in proc.stderr
    proc = run("onehot", "the bird sat", "--vocab-from", str(vocab_file), "--unknown", "unk",
               "--order", "alphabetical")
    assert proc.returncode == 0, proc.stderr
    body = rows(proc.stdout)
    assert [r[1] for r in body[:4]] == ["<unk>", "cat", "sat", "the"]
    assert body[5] == ["bird", "1", "0", "0", "0"]


def test_onehot_wide_vocabulary_prints_columns() -> None:
    text = " ".join(f"w{i:02d}" for i in range(30))
    proc = run("onehot", text, "--order", "alphabetical")
    assert proc.returncode == 0, proc.stderr
    assert "one-hot matrix 30 × 30 (sparse, 30 ones)" in proc.stdout
    assert "w07 → 7 (w07)" in proc.stdout


def test_onehot_empty_text_is_a_usage_error() -> None:
    proc = run("onehot", "  ...  ")
    assert proc.returncode == 2
    assert "no words" in proc.stderr
