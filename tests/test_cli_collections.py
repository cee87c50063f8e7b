"""``embedlab index``, ``search`` and ``collections``, run as a user runs them (subprocesses).

Each test module gets its own EMBEDLAB_HOME (model store linked to the pulled
all-MiniLM-L6-v2), so caches and graphs are written under tmp_path only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]
DOCS = Path(__file__).resolve().parents[1] / "examples" / "docs"


@pytest.fixture(scope="module")
def home(minilm_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    (home / "models").mkdir()
    (home / "models" / "all-MiniLM-L6-v2").symlink_to(minilm_dir, target_is_directory=True)
    return home


@pytest.fixture(scope="module")
def run(home: Path) -> Run:
    env = {**os.environ, "EMBEDLAB_HOME": str(home), "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "embedlab", *args], capture_output=True,
                              text=True, timeout=300, env=env)
    return run


@pytest.fixture(scope="module")
def indexed(run: Run, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(copy of examples/docs, collection folder) after one `embedlab index`."""
    root = tmp_path_factory.mktemp("cli")
    docs = root / "docs"
    shutil.copytree(DOCS, docs)
    proc = run("index", str(docs), "--collection", str(root / "cols" / "demo"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"created {root / 'cols' / 'demo'} (all-MiniLM-L6-v2): "
                                  f"{len(list(DOCS.iterdir()))} files added, 0 updated")
    return docs, root / "cols" / "demo"


def test_example_docs_are_shipped() -> None:
    suffixes = sorted({p.suffix for p in DOCS.iterdir()})
    assert suffixes == [".csv", ".html", ".jsonl", ".md", ".txt"]
    assert 6 <= len(list(DOCS.iterdir())) <= 10


def test_search_json_best_first_with_fields(run: Run, indexed: tuple[Path, Path]) -> None:
    docs, col = indexed
    proc = run("search", "how do I compare two embeddings", "--collection", str(col), "-k", "3",
               "--json")
    assert proc.returncode == 0, proc.stderr
    hits = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(hits) == 3
    for hit in hits:
        assert set(hit) == {"id", "score", "text", "source", "start", "end", "metadata"}
        assert hit["metadata"]["path"] == hit["source"]
        if hit["source"].endswith((".md", ".txt")):
            text = Path(hit["source"]).read_text(encoding="utf-8")
            assert text[hit["start"]:hit["end"]] == hit["text"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert Path(hits[0]["source"]).name == "cosine_similarity.md"
    assert Path(hits[0]["source"]).parent == docs.resolve()


def test_search_where_hybrid_metric_mode_and_table(run: Run, indexed: tuple[Path, Path]) -> None:
    _, col = indexed
    proc = run("search", "keyword ranking", "--collection", str(col), "-k", "5", "--json",
               "--where", '{"topic": {"$in": ["search", "storage"]}}', "--hybrid",
               "--metric", "dot", "--mode", "exact")
    assert proc.returncode == 0, proc.stderr
    hits = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [h["metadata"]["topic"] for h in hits] in (["search", "storage"],
                                                      ["storage", "search"])
    table = run("search", "word vectors like word2vec", "--collection", str(col), "-k", "2")
    assert table.returncode == 0, table.stderr
    assert "2 results for 'word vectors like word2vec'" in table.stdout
    assert "word2vec.txt" in table.stdout


def test_reindex_is_incremental(run: Run, indexed: tuple[Path, Path]) -> None:
    docs, col = indexed
    proc = run("index", str(docs), "--collection", str(col))
    assert proc.returncode == 0, proc.stderr
    n = len(list(docs.iterdir()))
    assert f"0 files added, 0 updated, {n} unchanged, 0 removed, 0 skipped; 0 chunks added" \
        in proc.stdout
    (docs / "notes.txt").write_text("Rerankers reorder the top results.", encoding="utf-8")
    proc = run("index", str(docs / "notes.txt"), "--collection", str(col))
    assert proc.stdout.startswith(f"updated {col} (all-MiniLM-L6-v2): 1 files added")
    (docs / "notes.txt").unlink()
    proc = run("index", str(docs), "--collection", str(col))
    assert f"0 files added, 0 updated, {n} unchanged, 1 removed" in proc.stdout


def test_collections_list_info_drop(run: Run, indexed: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    docs, col = indexed
    listed = run("collections", "list", str(col.parent))
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    name, chunks, model, metric, dim, path = line.split("\t")
    assert (name, model, metric, dim, path) == ("demo", "all-MiniLM-L6-v2", "cosine", "384-d",
                                                str(col))
    info = run("collections", "info", str(col))
    assert info.returncode == 0, info.stderr
    assert f"model: all-MiniLM-L6-v2\nmetric: cosine\ndimension: 384\nchunks: {chunks.split()[0]}" \
        in info.stdout
    assert f"files: {len(list(docs.iterdir()))}" in info.stdout
    assert run("collections", "list", str(tmp_path)).stdout == f"no collections under {tmp_path}\n"

    other = tmp_path / "small"
    small = tmp_path / "one.txt"
    small.write_text("A single short note.", encoding="utf-8")
    assert run("index", str(small), "--collection", str(other)).returncode == 0
    refused = run("collections", "drop", str(other))   # no --yes, no terminal: aborted
    assert refused.returncode != 0 and other.is_dir()
    dropped = run("collections", "drop", str(other), "--yes")
    assert dropped.returncode == 0 and dropped.stdout == f"dropped {other} (1 chunks)\n"
    assert not other.exists()


@pytest.mark.parametrize("args,message", [
    (["--where", "{bad json"], "error: --where '{bad json' is not valid JSON (Expecting"),
    (["--where", "[1, 2]"], "error: --where '[1, 2]' must be a JSON object, e.g. "),
    (["--where", '{"n": {"$like": 1}}'], "error: "),
])
def test_bad_where_is_a_clean_error(run: Run, indexed: tuple[Path, Path], args: list[str],
                                    message: str) -> None:
    _, col = indexed
    proc = run("search", "x", "--collection", str(col), *args)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith(message) and len(proc.stderr.splitlines()) == 1


def test_missing_collection_and_wrong_model_are_clean_errors(run: Run, indexed: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    docs, col = indexed
    for args in (["search", "q", "--collection", str(tmp_path / "none")],
                 ["collections", "info", str(tmp_path / "none")],
                 ["collections", "drop", str(tmp_path / "none"), "--yes"]):
        proc = run(*args)
        assert proc.returncode == 1, args
        assert proc.stderr.startswith(f"error: no collection at {tmp_path / 'none'}")
        assert "Traceback" not in proc.stderr
    proc = run("index", str(docs), "--collection", str(col), "--model", "all-mpnet-base-v2")
    assert proc.returncode == 1 and proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_index_quantize_must_match_the_collection(run: Run, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Cosine similarity compares directions.", encoding="utf-8")
    f32, q8 = tmp_path / "f32", tmp_path / "q8"
    assert run("index", str(docs), "--collection", str(f32)).returncode == 0
    proc = run("index", str(docs), "--collection", str(f32), "--quantize", "int8")
    assert proc.returncode != 0
    assert "at float32 precision" in proc.stderr and "no --quantize" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run("index", str(docs), "--collection", str(q8), "--quantize", "int8")
    assert proc.returncode == 0, proc.stderr
    (docs / "b.txt").write_text("BM25 ranks documents by keyword matches.", encoding="utf-8")
    proc = run("index", str(docs), "--collection", str(q8))  # the collection's precision
    assert proc.returncode == 0, proc.stderr
    assert "1 files added" in proc.stdout
    proc = run("search", "keyword ranking", "--collection", str(q8), "--json", "-k", "1")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["text"].startswith("BM25")
