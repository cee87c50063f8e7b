"""The `embedlab` command, run as a user runs it (a subprocess), with exact outputs checked."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from embedlab.encoders import load_encoder


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "embedlab", *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_help_does_not_import_heavy_libraries() -> None:
    code = ("import sys; from embedlab.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('HEAVY', sorted(m for m in ('onnxruntime', 'numba', 'torch', 'onnx')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "Commands:" in out and "embed" in out
    assert "HEAVY []" in out


def test_embed_file_to_npy_in_input_order(minilm_dir, tmp_path) -> None:
    lines = ["The cat sat on the mat.", "", "A man is playing a guitar.", "Ünïcödé ☃", "hello"]
    src = tmp_path / "texts.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out" / "vectors.npy"
    out.parent.mkdir()  # --output never creates folders
    proc = run("embed", "--model", "all-MiniLM-L6-v2", "--input", str(src), "--output",
               str(out), "--no-cache")
    assert proc.returncode == 0, proc.stderr
    vectors = np.load(out)
    assert vectors.dtype == np.float32 and vectors.shape == (5, 384)
    expected = load_encoder(minilm_dir, cache=False).encode(lines)
    np.testing.assert_allclose(vectors, expected, atol=1e-5)


def test_embed_reads_stdin_and_writes_jsonl(minilm_dir) -> None:
    proc = run("embed", "--input", "-", "--format", "jsonl", "--no-cache", stdin="first\nsecond\n")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["first", "second"]
    expected = load_encoder(minilm_dir, cache=False).encode(["first", "second"])
    np.testing.assert_allclose(np.array([r["embedding"] for r in rows]), expected, atol=1e-5)


def test_embed_arguments_print_a_table(minilm_dir) -> None:
    proc = run("embed", "hello world", "--no-cache", "--precision", "binary")
    assert proc.returncode == 0, proc.stderr
    assert "hello world" in proc.stdout and "48" in proc.stdout  # 384 bits in 48 bytes


def test_embed_errors_are_one_line_messages(minilm_dir, tmp_path) -> None:
    proc = run("embed", "x", "--model", "no-such-model")
    assert proc.returncode == 1
    assert "error: unknown model 'no-such-model'" in proc.stderr
    assert "Traceback" not in proc.stderr
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9\n".encode("latin-1"))
    proc = run("embed", "--input", str(bad), "--output", str(tmp_path / "o.npy"))
    assert proc.returncode == 2 and "not UTF-8" in proc.stderr
    assert not (tmp_path / "o.npy").exists()
    proc = run("embed", "--input", str(tmp_path / "missing.txt"))
    assert proc.returncode == 2 and "missing.txt" in proc.stderr  # usage errors exit 2
    proc = run("embed", "--dimensions", "1000", "x", "--no-cache")
    assert proc.returncode == 2 and "choose 1 to 384" in proc.stderr


def test_embed_input_conflicts_and_empty_stdin() -> None:
    proc = run("embed", "--no-cache", stdin="")  # empty stdin: zero texts, a 0 x 384 result
    assert proc.returncode == 0 and "0 x 384" in proc.stdout
    proc = run("embed", "a", "--input", "-", stdin="b")
    assert proc.returncode == 2 and "not both" in proc.stderr


def test_similarity_ranks_the_paraphrase_first(minilm_dir) -> None:
    proc = run("similarity", "A man is playing a guitar.", "Someone plays an instrument.",
               "The stock market fell today.", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    enc = load_encoder(minilm_dir, cache=False)
    v = enc.encode(["A man is playing a guitar.", "Someone plays an instrument.",
                    "The stock market fell today."])
    for score in (v[0] @ v[1], v[0] @ v[2]):
        assert f"{score:.4f}" in proc.stdout
    proc = run("similarity", "only one")
    assert proc.returncode == 2 and "at least two" in proc.stderr


def test_similarity_matrix_and_metric(minilm_dir) -> None:
    proc = run("similarity", "a", "b", "c", "--matrix", "--metric", "euclidean", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    assert "euclidean distance" in proc.stdout and "0.0000" in proc.stdout


def test_models_lists_known_models_as_json() -> None:
    proc = run("models", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["name"]: r for r in json.loads(proc.stdout)}
    assert rows["all-MiniLM-L6-v2"]["dimension"] == 384
    assert rows["all-mpnet-base-v2"]["architecture"] == "mpnet"
    assert rows["glove-6b-50d"]["kind"] == "word-vectors"


def test_pull_unknown_model_lists_known_names() -> None:
    proc = run("pull", "gpt-17")
    assert proc.returncode == 1 and "known models: all-MiniLM-L6-v2" in proc.stderr


@pytest.mark.parametrize("argv", [["--version"], ["embed", "--help"], ["pull", "--help"]])
def test_help_and_version(argv: list[str]) -> None:
    proc = run(*argv)
    assert proc.returncode == 0 and proc.stdout


def test_cache_info_and_clear(minilm_dir, tmp_path) -> None:
    import os
    import shutil

    home = tmp_path / "home"
    shutil.copytree(minilm_dir, home / "models" / "all-MiniLM-L6-v2")
    env = {**os.environ, "EMBEDLAB_HOME": str(home)}

    def run_home(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "embedlab", *args], capture_output=True,
                              text=True, env=env, timeout=300)

    assert run_home("embed", "one", "two").returncode == 0
    info = run_home("cache", "info")
    assert info.returncode == 0 and ": 2 vectors" in info.stdout
    cleared = run_home("cache", "clear")
    assert "removed 2 vectors" in cleared.stdout
    assert ": 0 vectors" in run_home("cache", "info").stdout
