"""The HNSW index file: used past the threshold, rebuilt when missing, stale or corrupt."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from embedlab.store import Collection

DIM = 16


@pytest.fixture
def col(tmp_path) -> Collection:
    c = Collection.create(tmp_path / "c", metric="cosine", hnsw_threshold=200, hnsw_m=16)
    vecs = np.random.default_rng(0).standard_normal((500, DIM)).astype(np.float32)
    c.add(vectors=vecs, ids=[str(i) for i in range(500)],
          metadatas=[{"odd": i % 2} for i in range(500)])
    return c


def query(i: int = 0) -> np.ndarray:
    return np.random.default_rng(100 + i).standard_normal(DIM).astype(np.float32)


def rebuilt(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "rebuilding HNSW index" in r.getMessage()]


def test_auto_mode_uses_hnsw_past_the_threshold(col, caplog):
    assert not (col.path / "index.faiss").exists()
    with caplog.at_level(logging.WARNING):
        hits = col.search(query(), k=5)
    assert (col.path / "index.faiss").is_file()
    info = json.loads((col.path / "index.json").read_text())
    assert info["count"] == 500 and info["metric"] == "cosine" and info["format_version"] == 2
    assert info["storage"] == "float16" and info["hnsw_storage"] == "float16"
    assert [h.id for h in hits] == [h.id for h in col.search(query(), k=5, mode="exact")]
    caplog.clear()
    with caplog.at_level(logging.WARNING):  # a fresh reader loads the file: no rebuild
        again = Collection.open(col.path).search(query(), k=5)
    assert rebuilt(caplog) == [] and [h.id for h in again] == [h.id for h in hits]


@pytest.mark.parametrize("damage", ["missing", "garbage", "truncated", "bad_json", "no_json"])
def test_damaged_index_is_rebuilt_with_a_warning(col, caplog, damage):
    expected = [h.id for h in col.search(query(), k=5, mode="exact")]
    col.search(query(), k=5, mode="hnsw")
    index, info = col.path / "index.faiss", col.path / "index.json"
    if damage == "missing":
        index.unlink()
    elif damage == "garbage":
        index.write_bytes(b"not a faiss index" * 100)
    elif damage == "truncated":
        index.write_bytes(index.read_bytes()[:1000])
    elif damage == "bad_json":
        info.write_text("{")
    else:
        info.unlink()
    reader = Collection.open(col.path)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        hits = reader.search(query(), k=5, mode="hnsw")
    assert len(rebuilt(caplog)) == 1
    assert [h.id for h in hits] == expected
    assert reader.search(query(1), k=3, mode="hnsw")  # and it works again
    assert json.loads(info.read_text())["count"] == 500


def test_index_is_extended_after_adds_and_rebuilt_after_deletes(col, caplog):
    col.search(query(), k=5, mode="hnsw")
    reader = Collection.open(col.path)
    reader.search(query(), k=5, mode="hnsw")
    target = query(7)
    col.add(vectors=target[None, :], ids=["new"])
    caplog.clear()
    with caplog.at_level(logging.INFO):
        hits = reader.search(target, k=1, mode="hnsw")
    assert hits[0].id == "new"
    assert rebuilt(caplog) == []
    assert any("adding 1 vectors" in r.getMessage() for r in caplog.records)
    assert json.loads((col.path / "index.json").read_text())["count"] == 501
    fresh = Collection.open(col.path)  # a new reader loads the extended file as it is
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert fresh.search(target, k=1, mode="hnsw")[0].id == "new"
    assert caplog.records == []

    col.delete(ids=["new"])
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert reader.search(target, k=1, mode="hnsw")[0].id != "new"
    assert any("stale" in m for m in rebuilt(caplog))
    # an upsert replaces the document: its old vector is removed, not just added to
    col.upsert(vectors=-target[None, :], ids=["0"])
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert reader.search(-target, k=1, mode="hnsw")[0].id == "0"
    assert any("stale" in m for m in rebuilt(caplog))


def test_hnsw_respects_filters_and_metric(col, monkeypatch):
    from embedlab.store import search

    monkeypatch.setattr(search, "EXACT_FILTER_ROWS", 0)
    hits = col.search(query(), k=10, mode="hnsw", where={"odd": 1})
    assert len(hits) == 10 and all(int(h.id) % 2 == 1 for h in hits)
    with pytest.raises(ValueError, match="built for metric 'cosine'.*mode='exact'"):
        col.search(query(), k=3, mode="hnsw", metric="euclidean")
    assert col.search(query(), k=3, metric="euclidean")  # auto falls back to exact


@pytest.mark.parametrize("metric", ["dot", "euclidean", "manhattan"])
def test_hnsw_other_metrics(tmp_path, metric):
    c = Collection.create(tmp_path / metric, metric=metric, hnsw_threshold=1)
    vecs = np.random.default_rng(3).standard_normal((400, DIM)).astype(np.float32)
    c.add(vectors=vecs)
    found = sum(
        len({h.id for h in c.search(query(i), k=5)} & {h.id for h in c.search(query(i), k=5,
                                                                               mode="exact")})
        for i in range(20))
    assert found / 100 >= 0.9


def test_build_index_writes_the_file_before_any_search(col, caplog):
    col.build_index()
    assert (col.path / "index.faiss").is_file()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        Collection.open(col.path).search(query(), k=3)
    assert caplog.records == []
