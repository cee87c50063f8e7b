"""Corruption that used to pass silently: vector blobs overwritten inside collection.sqlite
and the embedding cache, and model files overwritten in place."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from conftest import _missing
from embedlab.store import Collection
from embedlab.store.schema import DB_NAME


def _overwrite_blob(db: Path, table: str, where: str) -> None:
    """Overwrite a vector blob's bytes in the database file itself (no SQL write)."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    blob = conn.execute(f"SELECT vector FROM {table} WHERE {where}").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    at = data.find(blob)
    assert at > 0 and data.find(blob, at + 1) < 0
    bad = np.full(len(blob) // 4, 1000.0, "<f4").tobytes()
    data[at:at + len(blob)] = bad
    db.write_bytes(bytes(data))
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute(f"SELECT vector FROM {table} WHERE {where}").fetchone()[0] == bad
    conn.close()


def _collection(path: Path) -> Collection:
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(20, 8)).astype(np.float32)
    col = Collection.create(path, metric="dot")
    col.add(texts=[f"text {i}" for i in range(20)], ids=[f"d{i}" for i in range(20)],
            vectors=vecs)
    col.close()
    return col


def test_corrupt_collection_vector_is_reported_and_left_out(tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    _collection(tmp_path / "c")
    _overwrite_blob(tmp_path / "c" / DB_NAME, "contents", "text = 'text 3'")
    col = Collection.open(tmp_path / "c")
    with caplog.at_level(logging.WARNING):
        hits = col.search(np.ones(8, np.float32), k=5, mode="exact")
    assert "d3" not in [h.id for h in hits]
    assert len(hits) == 5
    assert "'d3'" in caplog.text and "checksum" in caplog.text
    with pytest.raises(Exception, match="d3"):
        col.get_vectors(["d3"])
    col.close()


def test_old_format_collection_is_upgraded_with_checksums(tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture
                                                           ) -> None:
    _collection(tmp_path / "c")
    db = tmp_path / "c" / DB_NAME
    conn = sqlite3.connect(db)  # emulate format 1: no crc column
    conn.execute("ALTER TABLE contents DROP COLUMN crc")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'format_version'")
    conn.execute("DELETE FROM meta WHERE key = 'checksum'")
    conn.commit()
    conn.close()
    with caplog.at_level(logging.INFO):
        col = Collection.open(tmp_path / "c")
    assert "upgraded from format 1" in caplog.text
    assert len(col.search(np.ones(8, np.float32), k=20, mode="exact")) == 20
    col.close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM contents WHERE crc IS NULL").fetchone()[0] == 0
    assert conn.execute("SELECT value FROM meta WHERE key='format_version'").fetchone()[0] == "2"
    conn.close()
    _overwrite_blob(db, "contents", "text = 'text 5'")
    col = Collection.open(tmp_path / "c")
    assert "d5" not in [h.id for h in col.search(np.ones(8, np.float32), k=20, mode="exact")]
    col.close()


def test_corrupt_cache_row_is_a_miss_and_deleted(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    from embedlab.encoders.cache import EmbeddingCache

    db = tmp_path / "cache.sqlite"
    vecs = np.arange(24, dtype=np.float32).reshape(3, 8) / 7
    with EmbeddingCache(db) as cache:
        cache.put_many("fp", "s", ["a", "b", "c"], vecs)
    _overwrite_blob(db, "embeddings", "id = 2")
    with EmbeddingCache(db) as cache, caplog.at_level(logging.WARNING):
        got = cache.get_many("fp", "s", ["a", "b", "c"])
        assert got[1] is None and got[0] is not None and got[2] is not None
        assert "corrupt" in caplog.text
        assert cache.stats().rows == 2


def test_old_format_cache_is_upgraded(tmp_path: Path) -> None:
    from embedlab.encoders.cache import EmbeddingCache

    db = tmp_path / "cache.sqlite"
    vecs = np.ones((2, 4), np.float32)
    with EmbeddingCache(db) as cache:
        cache.put_many("fp", "s", ["a", "b"], vecs)
    conn = sqlite3.connect(db)  # emulate format 1: no crc column
    conn.execute("ALTER TABLE embeddings DROP COLUMN crc")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'format_version'")
    conn.commit()
    conn.close()
    with EmbeddingCache(db) as cache:
        got = cache.get_many("fp", "s", ["a", "b"])
        assert all(g is not None for g in got)
    assert not list(tmp_path.glob("*.corrupt-*"))


MODEL = Path.home() / ".cache" / "embedlab" / "models" / "all-MiniLM-L6-v2"


@pytest.fixture
def model_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A model store under tmp_path holding a copy of the real all-MiniLM-L6-v2."""
    import shutil

    if not (MODEL / "embedlab.json").is_file():
        _missing("all-MiniLM-L6-v2 is not pulled (run `make models`)")
    home = tmp_path / "home"
    shutil.copytree(MODEL, home / "models" / "all-MiniLM-L6-v2")
    monkeypatch.setenv("EMBEDLAB_HOME", str(home))
    return home


def _overwrite_middle(path: Path, n: int = 4096) -> None:
    """Overwrite ``n`` bytes in the middle of a file in place (same size)."""
    with open(path, "r+b") as fh:
        fh.seek(path.stat().st_size // 2)
        fh.write(b"\xff" * n)


def test_overwritten_safetensors_is_a_model_file_error(model_home: Path) -> None:
    from embedlab.encoders import load_encoder
    from embedlab.errors import ModelFileError

    load_encoder("all-MiniLM-L6-v2")  # verified once; the next load trusts size + mtime
    folder = model_home / "models" / "all-MiniLM-L6-v2"
    assert (folder / ".verified.json").is_file()
    weights = folder / "model.safetensors"
    _overwrite_middle(weights)
    with pytest.raises(ModelFileError, match="model.safetensors") as info:
        load_encoder("all-MiniLM-L6-v2")
    assert "embedlab pull all-MiniLM-L6-v2 --force" in str(info.value)


def test_overwritten_onnx_graph_is_rebuilt(model_home: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    from embedlab.models.runtime import TransformerRunner

    folder = model_home / "models" / "all-MiniLM-L6-v2"
    ids = np.array([[101, 1037, 4937, 2938, 2006, 1996, 13523, 102]], np.int64)
    mask = np.ones_like(ids)
    before = TransformerRunner(folder)(ids, mask)
    graphs = list(model_home.rglob("*.onnx"))
    assert len(graphs) == 1
    _overwrite_middle(graphs[0], 1 << 16)
    with caplog.at_level(logging.WARNING):
        after = TransformerRunner(folder)(ids, mask)
    assert "rebuilding" in caplog.text
    assert np.isfinite(after).all()
    np.testing.assert_allclose(after, before, atol=1e-5)


def test_collections_check_lists_and_repairs(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from embedlab.cli import cli

    if not (MODEL / "embedlab.json").is_file():
        _missing("all-MiniLM-L6-v2 is not pulled (run `make models`)")
    texts = ["the cat sat on the mat", "stocks fell sharply", "a recipe for bread"]
    col = Collection.create(tmp_path / "c", encoder="all-MiniLM-L6-v2")
    col.add(texts=texts, ids=["cat", "stocks", "bread"])
    good = col.get_vectors(["stocks"])
    col.close()
    _overwrite_blob(tmp_path / "c" / DB_NAME, "contents", "text = 'stocks fell sharply'")
    runner = CliRunner()
    result = runner.invoke(cli, ["collections", "check", str(tmp_path / "c")])
    assert result.exit_code == 1 and "corrupt vector: stocks" in result.output
    result = runner.invoke(cli, ["collections", "check", str(tmp_path / "c"), "--repair"])
    assert result.exit_code == 0, result.output
    assert "repaired 1" in result.output
    result = runner.invoke(cli, ["collections", "check", str(tmp_path / "c")])
    assert result.exit_code == 0 and "corrupt" not in result.output
    with Collection.open(tmp_path / "c") as col:
        np.testing.assert_allclose(col.get_vectors(["stocks"]), good, atol=1e-5)
        assert col.search("stock market", k=1)[0].id == "stocks"


def test_non_finite_model_output_is_an_error(model_home: Path) -> None:
    from embedlab.errors import ModelFileError
    from embedlab.models.runtime import TransformerRunner

    folder = model_home / "models" / "all-MiniLM-L6-v2"
    (folder / "embedlab.json").unlink()  # a hand-made folder: no manifest to verify against
    weights = folder / "model.safetensors"
    with open(weights, "r+b") as fh:  # 0xff bytes are NaN floats, in the last layers' weights
        fh.seek(weights.stat().st_size - (4 << 20))
        fh.write(b"\xff" * (2 << 20))
    ids = np.array([[101, 1037, 4937, 102]], np.int64)
    for backend in ("numpy", "onnx"):
        with pytest.raises(ModelFileError, match="NaN"):
            TransformerRunner(folder, backend=backend)(ids, np.ones_like(ids))


def test_corrupt_vector_is_left_out_of_hnsw_and_binary_search(tmp_path: Path) -> None:
    _collection(tmp_path / "c")
    with Collection.open(tmp_path / "c") as col:
        col.build_index()  # the index file holds the row before it is corrupted
    _overwrite_blob(tmp_path / "c" / DB_NAME, "contents", "text = 'text 7'")
    with Collection.open(tmp_path / "c") as col:
        for mode in ("hnsw", "binary"):
            hits = col.search(np.ones(8, np.float32), k=20, mode=mode)
            assert "d7" not in [h.id for h in hits], mode
            assert len(hits) >= 15, mode
