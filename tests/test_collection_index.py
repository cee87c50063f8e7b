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


_OUTER: list = []  # the IndexIDMap owns the inner index: keep it alive while a test uses it


def inner_index(path):
    import faiss

    outer = faiss.read_index(str(path / "index.faiss"))
    _OUTER.append(outer)
    return faiss.downcast_index(outer.index)


def test_the_graph_keeps_float16_vectors_by_default(col):
    import faiss

    col.build_index()
    inner = inner_index(col.path)
    assert isinstance(inner, faiss.IndexHNSWSQ)
    storage = faiss.downcast_index(inner.storage)
    assert storage.sq.qtype == faiss.ScalarQuantizer.QT_fp16
    assert json.loads((col.path / "index.json").read_text())["storage"] == "float16"


@pytest.mark.parametrize(("metric", "config", "scale"), [
    ("cosine", {"hnsw_storage": "float32"}, 1.0),   # asked for
    ("manhattan", {}, 1.0),                          # FAISS's scalar quantizer has no L1
    ("dot", {}, 1e5),                                # beyond float16's range
])
def test_float32_graph_when_asked_or_needed(tmp_path, metric, config, scale):
    import faiss

    c = Collection.create(tmp_path / "c", metric=metric, hnsw_m=16, **config)
    vecs = np.random.default_rng(1).standard_normal((300, DIM)).astype(np.float32) * scale
    c.add(vectors=vecs, ids=[str(i) for i in range(300)])
    hits = c.search(vecs[7], k=5, mode="hnsw")
    assert isinstance(inner_index(c.path), faiss.IndexHNSWFlat)
    assert json.loads((c.path / "index.json").read_text())["storage"] == "float32"
    assert [h.id for h in hits] == [h.id for h in c.search(vecs[7], k=5, mode="exact")]


def test_vectors_beyond_float16_rebuild_a_float16_graph_as_float32(tmp_path, caplog):
    import faiss

    c = Collection.create(tmp_path / "c", metric="dot", hnsw_m=16)
    rng = np.random.default_rng(2)
    c.add(vectors=rng.standard_normal((300, DIM)).astype(np.float32),
          ids=[str(i) for i in range(300)])
    c.build_index()
    assert isinstance(inner_index(c.path), faiss.IndexHNSWSQ)
    big = rng.standard_normal((5, DIM)).astype(np.float32) * 1e5
    c.add(vectors=big, ids=[f"big{i}" for i in range(5)])
    with caplog.at_level(logging.WARNING):
        hits = c.search(big[0], k=3, mode="hnsw")
    assert any("exceed float16's range" in m for m in rebuilt(caplog))
    assert isinstance(inner_index(c.path), faiss.IndexHNSWFlat)
    assert hits[0].id == "big0"


def test_an_index_of_the_previous_format_is_rebuilt(col, caplog):
    col.build_index()
    info_path = col.path / "index.json"
    info = json.loads(info_path.read_text())
    info["format_version"] = 1
    del info["hnsw_storage"], info["storage"]
    info_path.write_text(json.dumps(info))
    with caplog.at_level(logging.WARNING):
        Collection.open(col.path).search(query(), k=5, mode="hnsw")
    assert any("format_version 1 -> 2" in m for m in rebuilt(caplog))


def test_unknown_hnsw_storage_is_refused(tmp_path):
    from embedlab.store import CollectionError

    with pytest.raises(CollectionError, match="hnsw_storage must be one of float16, float32"):
        Collection.create(tmp_path / "c", hnsw_storage="int4")


@pytest.mark.parametrize("dim", [16, 384, 4096])
def test_cosine_slack_bounds_faiss_float16_error(dim):
    """FAISS's inner products against float16-stored unit vectors stay within the bound the
    HNSW cut relies on, measured against float64 arithmetic on the float32 vectors."""
    import faiss

    from embedlab.store.search import cosine_slack

    rng = np.random.default_rng(dim)
    x = rng.standard_normal((2000, dim)).astype(np.float32)
    x[:1000] += x[1000:] * 0.1  # some near pairs: large cosines as well as small ones
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = x[:50] + 0.05 * rng.standard_normal((50, dim)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    index = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16,
                                       faiss.METRIC_INNER_PRODUCT)
    index.add(x)
    approx, labels = index.search(q, 2000)
    exact = np.einsum("qd,qnd->qn", q.astype(np.float64), x.astype(np.float64)[labels])
    error = float(np.abs(approx - exact).max())
    assert 0 < error <= dim * 2.0 ** -24 + 2.0 ** -11 <= cosine_slack(dim, "float16")
    assert cosine_slack(dim, "float32") >= dim * 2.0 ** -24


def test_cosine_hnsw_asks_the_index_once_for_k_plus_the_rescore_margin(tmp_path, monkeypatch):
    """One FAISS call per batch, for k + RESCORE_MARGIN candidates (asking fewer first and
    again for near ties cost a second graph walk for about one query in ten). The hits of
    the other queries equal exact search's; those of the first, among 61 vectors equal to
    it within float16's resolution, are 10 of them."""
    from embedlab.store.scoring import RESCORE_MARGIN

    rng = np.random.default_rng(3)
    vecs = rng.standard_normal((400, DIM)).astype(np.float32)
    vecs[100:160] = vecs[0] + 1e-5 * rng.standard_normal((60, DIM)).astype(np.float32)
    c = Collection.create(tmp_path / "c", metric="cosine", hnsw_m=16)
    c.add(vectors=vecs, ids=[str(i) for i in range(400)])
    queries = np.vstack([vecs[:1], rng.standard_normal((30, DIM)).astype(np.float32)])
    index = c._get_searcher().index
    calls = []
    original = index.search_many
    monkeypatch.setattr(index, "search_many",
                        lambda q, k, *a: calls.append((len(q), k)) or original(q, k, *a))
    hnsw = c.search_many(queries, k=10, mode="hnsw")
    assert calls == [(len(queries), 10 + RESCORE_MARGIN)]
    exact = c.search_many(queries, k=10, mode="exact")
    assert [[h.id for h in hits] for hits in hnsw[1:]] == [[h.id for h in hits]
                                                          for hits in exact[1:]]
    near = {"0", *(str(i) for i in range(100, 160))}
    assert len(hnsw[0]) == 10 and {h.id for h in hnsw[0]} <= near


def test_warm_reader_sees_another_connections_writes(col):
    """After enough queries a reader answers from memory; a commit by another connection
    must still show up in its next search, additions and deletions alike."""
    reader = Collection.open(col.path)
    for i in range(80):
        reader.search(query(i), k=5, mode="hnsw")
    writer = Collection.open(col.path)
    target = query(999)
    writer.add(vectors=[target * 3], ids=["new"])
    assert reader.search(target, k=1, mode="hnsw")[0].id == "new"
    assert reader.search(target, k=1, mode="exact")[0].id == "new"
    writer.delete(ids=["new"])
    assert "new" not in [h.id for h in reader.search(target, k=5, mode="hnsw")]


def test_a_query_vector_with_nan_is_refused(col):
    from embedlab.store import CollectionError

    bad = query()
    bad[3] = np.nan
    with pytest.raises(CollectionError, match="NaN or infinite"):
        col.search(bad, k=5)
