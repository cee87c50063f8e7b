"""Collections: exact search parity with numpy, filters, writes, dedupe and format checks."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from embedlab.encoders import Encoder
from embedlab.store import (
    Collection,
    CollectionError,
    CollectionExistsError,
    CollectionNotFoundError,
    DuplicateIdError,
    FormatVersionError,
    ModelMismatchError,
    drop,
    list_collections,
)

METRICS = ("cosine", "dot", "euclidean", "manhattan")


def brute_force(corpus: np.ndarray, query: np.ndarray, k: int, metric: str):
    """Reference top-k in float64 numpy: (indices, scores), best first."""
    c, q = corpus.astype(np.float64), query.astype(np.float64)
    if metric == "cosine":
        s = (c / np.linalg.norm(c, axis=1, keepdims=True)) @ (q / np.linalg.norm(q))
        order = np.argsort(-s, kind="stable")
    elif metric == "dot":
        s = c @ q
        order = np.argsort(-s, kind="stable")
    elif metric == "euclidean":
        s = np.sqrt(((c - q) ** 2).sum(axis=1))
        order = np.argsort(s, kind="stable")
    else:
        s = np.abs(c - q).sum(axis=1)
        order = np.argsort(s, kind="stable")
    return order[:k], s[order[:k]]


@pytest.fixture
def vecs() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((2000, 32)).astype(np.float32)


@pytest.mark.parametrize("metric", METRICS)
def test_exact_search_equals_brute_force(tmp_path, vecs, metric):
    col = Collection.create(tmp_path / "c", metric=metric)
    ids = [f"d{i}" for i in range(len(vecs))]
    col.add(vectors=vecs, ids=ids)
    queries = np.random.default_rng(1).standard_normal((20, 32)).astype(np.float32)
    for q in queries:
        hits = col.search(q, k=10, mode="exact")
        want_idx, want_scores = brute_force(vecs, q, 10, metric)
        assert [h.id for h in hits] == [ids[i] for i in want_idx]
        np.testing.assert_allclose([h.score for h in hits], want_scores, rtol=1e-9, atol=1e-9)
    # a different metric at query time, and k larger than the collection
    other = "euclidean" if metric != "euclidean" else "dot"
    hits = col.search(queries[0], k=5, metric=other)
    assert [h.id for h in hits] == [ids[i] for i in brute_force(vecs, queries[0], 5, other)[0]]
    assert len(col.search(queries[0], k=5000)) == len(vecs)


def test_exact_search_with_filter_equals_brute_force_on_subset(tmp_path, vecs):
    col = Collection.create(tmp_path / "c", metric="cosine")
    col.add(vectors=vecs, ids=[str(i) for i in range(len(vecs))],
            metadatas=[{"even": i % 2 == 0, "i": i} for i in range(len(vecs))])
    q = vecs[3] + 0.1
    hits = col.search(q, k=7, where={"even": True, "i": {"$lt": 1000}})
    subset = np.arange(0, 1000, 2)
    idx, _ = brute_force(vecs[subset], q, 7, "cosine")
    assert [h.id for h in hits] == [str(subset[i]) for i in idx]
    assert all(h.metadata["even"] for h in hits)


@pytest.fixture
def fruit(tmp_path) -> Collection:
    col = Collection.create(tmp_path / "fruit", metric="dot")
    rows = [("apple", "red", 3, 1.5), ("pear", "green", 5, 2.0), ("plum", "purple", 1, 0.5),
            ("lime", "green", 8, 0.25), ("fig", None, 2, 3.0)]
    col.add(texts=[r[0] for r in rows], ids=[r[0] for r in rows],
            vectors=np.eye(5, dtype=np.float32),
            metadatas=[{"color": c, "n": n, "price": p} for _, c, n, p in rows])
    col.add(texts=["kiwi"], ids=["kiwi"], vectors=np.ones((1, 5), np.float32))  # no metadata
    return col


@pytest.mark.parametrize(("where", "expected"), [
    ({"color": "green"}, {"pear", "lime"}),
    ({"color": {"$eq": "red"}}, {"apple"}),
    ({"color": {"$ne": "green"}}, {"apple", "plum", "fig", "kiwi"}),
    ({"color": None}, {"fig", "kiwi"}),
    ({"n": {"$gt": 3}}, {"pear", "lime"}),
    ({"n": {"$gte": 3}}, {"apple", "pear", "lime"}),
    ({"n": {"$lt": 2}}, {"plum"}),
    ({"n": {"$lte": 2}}, {"plum", "fig"}),
    ({"price": {"$gt": 0.3, "$lt": 2.0}}, {"apple", "plum"}),
    ({"color": {"$in": ["red", "purple"]}}, {"apple", "plum"}),
    ({"color": {"$nin": ["red", "purple"]}}, {"pear", "lime", "fig", "kiwi"}),
    ({"$and": [{"color": "green"}, {"n": {"$gt": 6}}]}, {"lime"}),
    ({"$or": [{"color": "red"}, {"n": {"$gte": 8}}]}, {"apple", "lime"}),
    ({"$or": [{"$and": [{"color": "green"}, {"n": 5}]}, {"color": "purple"}]}, {"pear", "plum"}),
    ({}, {"apple", "pear", "plum", "lime", "fig", "kiwi"}),
])
def test_where_operators(fruit, where, expected):
    assert {d.id for d in fruit.get(where=where)} == expected
    assert fruit.count(where=where) == len(expected)
    for mode in ("exact", "hnsw", "binary"):
        hits = fruit.search(np.ones(5, np.float32), k=10, where=where, mode=mode)
        assert {h.id for h in hits} == expected, mode


@pytest.mark.parametrize(("where", "message"), [
    ({"n": {"$regex": "x"}}, "valid operators: $eq, $ne, $gt"),
    ({"$not": [{"n": 1}]}, "valid: $and, $or"),
    ({"n": {"$in": "abc"}}, "non-empty list"),
    ({"$or": {"n": 1}}, "non-empty list"),
    ({"n": {"$gt": [1]}}, "must be a str, int, float, bool or None"),
    ("n = 1", "must be a dict"),
])
def test_bad_where_is_a_clear_error(fruit, where, message):
    with pytest.raises(CollectionError, match=message.replace("$", r"\$")):
        fruit.get(where=where)


def test_add_get_upsert_delete_count(tmp_path):
    col = Collection.create(tmp_path / "c", metric="cosine")
    v = np.random.default_rng(2).standard_normal((4, 8)).astype(np.float32)
    ids = col.add(texts=["a", "b", "c", "d"], vectors=v, ids=["1", "2", "3", "4"],
                  metadatas=[{"k": i} for i in range(4)], sources=["f.txt"] * 4,
                  offsets=[(0, 1), (2, 3), (4, 5), (6, 7)])
    assert ids == ["1", "2", "3", "4"]
    assert col.count() == 4
    doc = col.get(ids=["3"])[0]
    assert (doc.text, doc.metadata, doc.source, doc.start, doc.end) == ("c", {"k": 2}, "f.txt", 4, 5)
    assert [d.id for d in col.get(ids=["4", "x", "1"])] == ["4", "1"]
    assert len(col.get(limit=2)) == 2
    with pytest.raises(DuplicateIdError, match="already exist.*'2'.*upsert"):
        col.add(texts=["z"], vectors=v[:1], ids=["2"])
    assert col.count() == 4  # the failed add wrote nothing
    col.upsert(texts=["b2", "e"], vectors=v[:2] * 2, ids=["2", "5"], metadatas=[{"k": 9}, None])
    assert col.count() == 5
    assert col.get(ids=["2"])[0].text == "b2"
    np.testing.assert_array_equal(col.get_vectors(["2"])[0], v[0] * 2)
    assert col.search(v[0], k=1, where={"k": 9})[0].id == "2"
    assert col.delete(ids=["1", "nope"]) == 1
    assert col.delete(where={"k": {"$gte": 2}}) == 3
    assert sorted(d.id for d in col.get()) == ["5"]
    assert col.stats() == {"documents": 1, "contents": 1}
    with pytest.raises(CollectionError, match="ids"):
        col.delete()
    generated = col.add(vectors=v[:2])
    assert len(set(generated)) == 2 and col.count() == 3


def test_duplicate_content_is_stored_once(tmp_path):
    col = Collection.create(tmp_path / "c", metric="cosine")
    v = np.ones((3, 4), np.float32)
    col.add(texts=["same text", "same text", "other"], vectors=v, ids=["a", "b", "c"])
    col.add(texts=["same text"], vectors=v[:1], ids=["d"])
    assert col.count() == 4
    assert col.stats()["contents"] == 2
    con = sqlite3.connect(tmp_path / "c" / "collection.sqlite")
    assert con.execute("SELECT count(*) FROM contents WHERE text = 'same text'").fetchone() == (1,)
    col.upsert(texts=["same text"], vectors=v[:1] * 3, ids=["d"])  # new vector for the text
    np.testing.assert_array_equal(col.get_vectors(["a", "b", "d"]), v * 3)
    col.delete(ids=["a", "b"])
    assert col.stats()["contents"] == 2  # "d" still uses it
    col.delete(ids=["d"])
    assert col.stats()["contents"] == 1
    assert {h.id for h in col.search(np.ones(4, np.float32), k=5)} == {"c"}


class CountingEncoder(Encoder):
    """Letter counts; records what it was asked to encode."""

    name, dimension, normalize_default = "letters", 3, False

    def __init__(self, fingerprint: str = "letters-v1"):
        self.fingerprint = fingerprint
        self.seen: list[str] = []

    def encode_batch(self, texts):
        self.seen.extend(texts)
        return np.array([[t.count("a"), t.count("b"), len(t)] for t in texts], np.float32)


def test_texts_are_encoded_once_and_fingerprint_is_checked(tmp_path):
    enc = CountingEncoder()
    col = Collection.create(tmp_path / "c", encoder=enc, metric="euclidean")
    col.add(["aaa", "bb", "aaa"], ids=["1", "2", "3"])
    col.add(["bb", "abc"], ids=["4", "5"])
    assert sorted(enc.seen) == ["aaa", "abc", "bb"]
    assert col.search("aab", k=1)[0].text in {"aaa", "abc"}
    col.close()
    with pytest.raises(ModelMismatchError, match="built with model 'letters'"):
        Collection.open(tmp_path / "c", encoder=CountingEncoder("letters-v2"))
    again = Collection.open(tmp_path / "c", encoder=CountingEncoder())
    assert again.count() == 5
    # an empty collection made without a model records the first encoder it is opened with
    Collection.create(tmp_path / "e").close()
    Collection.open(tmp_path / "e", encoder=CountingEncoder()).add(["ab"])
    with pytest.raises(ModelMismatchError, match="built with model 'letters'"):
        Collection.open(tmp_path / "e", encoder=CountingEncoder("letters-v2"))
    assert Collection.open(tmp_path / "e").model_name == "letters"


def test_newer_format_version_is_refused(tmp_path):
    Collection.create(tmp_path / "c").close()
    con = sqlite3.connect(tmp_path / "c" / "collection.sqlite")
    con.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    con.commit()
    con.close()
    with pytest.raises(FormatVersionError, match="format version 99, newer.*upgrade embedlab"):
        Collection.open(tmp_path / "c")


def test_create_open_list_drop(tmp_path):
    with pytest.raises(CollectionNotFoundError, match="no collection at"):
        Collection.open(tmp_path / "none")
    Collection.create(tmp_path / "b", metric="dot").add(vectors=np.ones((2, 3)))
    Collection.create(tmp_path / "a")
    with pytest.raises(CollectionExistsError, match="already exists"):
        Collection.create(tmp_path / "a")
    with pytest.raises(CollectionError, match="unknown metric 'cos'"):
        Collection.create(tmp_path / "x", metric="cos")
    infos = list_collections(tmp_path)
    assert [(i.name, i.metric, i.dimension, i.count) for i in infos] == [
        ("a", "cosine", 0, 0), ("b", "dot", 3, 2)]
    drop(tmp_path / "a")
    assert not (tmp_path / "a").exists()
    assert [i.name for i in list_collections(tmp_path)] == ["b"]
    with pytest.raises(CollectionNotFoundError, match="nothing dropped"):
        drop(tmp_path / "a")


def test_bad_inputs_name_the_problem(tmp_path):
    col = Collection.create(tmp_path / "c")
    col.add(vectors=np.ones((1, 4)), ids=["x"])
    with pytest.raises(CollectionError, match="dimension 3; this collection holds 4"):
        col.add(vectors=np.ones((1, 3)))
    with pytest.raises(CollectionError, match="unknown mode 'fast'"):
        col.search(np.ones(4), mode="fast")
    with pytest.raises(CollectionError, match="has no model"):
        col.search("text query")
    with pytest.raises(CollectionError, match="appears more than once"):
        col.add(vectors=np.ones((2, 4)), ids=["y", "y"])
    with pytest.raises(CollectionError, match="metadatas has 1 items but there are 2"):
        col.add(vectors=np.ones((2, 4)), metadatas=[{}])
    with pytest.raises(CollectionError, match="hybrid=True needs the query as text"):
        col.search(np.ones(4), hybrid=True)


def test_a_reader_opened_empty_sees_the_dimension_set_later(tmp_path):
    Collection.create(tmp_path / "c").close()
    reader = Collection.open(tmp_path / "c")
    writer = Collection.open(tmp_path / "c")
    writer.add(vectors=np.eye(3, dtype=np.float32), ids=["x", "y", "z"])
    assert reader.search(np.array([0, 0, 1], np.float32), k=1)[0].id == "z"
    with pytest.raises(CollectionError, match="dimension 2; this collection holds 3"):
        reader.add(vectors=np.ones((1, 2)))
    with pytest.raises(CollectionError, match=r"offsets\[0\] must be \(start, end\)"):
        reader.add(vectors=np.ones((1, 3)), offsets=[(1.5, 2)])


def test_threads_share_one_collection(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    col = Collection.create(tmp_path / "c", metric="dot")
    rng = np.random.default_rng(5)
    col.add(vectors=rng.standard_normal((100, 8)).astype(np.float32))

    def work(i: int) -> int:
        if i % 4 == 0:
            col.add(vectors=rng.standard_normal((10, 8)).astype(np.float32))
        return len(col.search(np.ones(8, np.float32), k=5))

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(work, range(40))) == {5}
    assert col.count() == 200


def test_store_errors_are_typed_collection_errors(tmp_path):
    """Each kind of failure has its own subclass; all stay CollectionError and ValueError."""
    for cls in (CollectionExistsError, CollectionNotFoundError, DuplicateIdError,
                FormatVersionError, ModelMismatchError):
        assert issubclass(cls, CollectionError) and issubclass(cls, ValueError)
    raw = Collection.create(tmp_path / "raw")
    raw.add(vectors=np.ones((1, 3)), ids=["x"])
    with pytest.raises(ModelMismatchError, match="holds vectors given directly"):
        Collection.open(tmp_path / "raw", encoder=CountingEncoder())
    Collection.create(tmp_path / "enc", encoder=CountingEncoder()).close()

    class Wide(CountingEncoder):
        dimension = 5

    with pytest.raises(ModelMismatchError, match="gives 5-d vectors; the collection holds 3-d"):
        Collection.open(tmp_path / "enc", encoder=Wide())
    with pytest.raises(CollectionExistsError, match="already exists"):
        Collection.create(tmp_path / "raw")
    # misuse that is not one of the kinds above stays a plain CollectionError
    with pytest.raises(CollectionError) as err:
        raw.search(np.ones(3), mode="fast")
    assert type(err.value) is CollectionError


def test_upsert_of_an_unchanged_text_keeps_its_stored_vector(tmp_path):
    enc = CountingEncoder()
    col = Collection.create(tmp_path / "c", encoder=enc, metric="dot")
    col.add(["aa", "b"], ids=["1", "2"])
    col.upsert(["aa", "cab"], ids=["1", "2"])  # "1" keeps its text: not encoded again
    assert enc.seen == ["aa", "b", "cab"]
    assert [(d.id, d.text) for d in col.get()] == [("1", "aa"), ("2", "cab")]
    np.testing.assert_array_equal(col.get_vectors(["1", "2"]), [[2, 0, 2], [1, 1, 3]])
    assert col.stats() == {"documents": 2, "contents": 2}  # "b" is gone


def _source_state(col):
    return sorted((d.id, d.text, d.source, d.metadata.get("v")) for d in col.get())


def test_replace_source_swaps_old_and_new_documents_in_one_transaction(tmp_path, monkeypatch):
    from embedlab.store import writes

    enc = CountingEncoder()
    col = Collection.create(tmp_path / "c", encoder=enc, metric="dot")
    col.add(["keep", "aab", "bb"], ids=["f-0", "f-1", "f-2"], sources=["f"] * 3,
            metadatas=[{"v": 1}] * 3)
    col.add(["other"], ids=["g-0"], sources=["g"], metadatas=[{"v": 1}])
    before = _source_state(col)
    enc.seen.clear()
    transactions = []
    real_transaction = writes.transaction

    def counting(conn):
        transactions.append(1)
        return real_transaction(conn)

    monkeypatch.setattr(writes, "transaction", counting)
    # a failure after the old documents were removed, before the new ones are in
    monkeypatch.setattr(writes, "insert_documents",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        col.replace_source("f", ["keep", "new"], ids=["f-0", "f-1"], metadatas=[{"v": 2}] * 2)
    assert _source_state(col) == before  # rolled back: every old document intact
    monkeypatch.undo()
    monkeypatch.setattr(writes, "transaction", counting)
    transactions.clear()
    enc.seen.clear()

    removed = col.replace_source("f", ["keep", "new"], ids=["f-0", "f-1"],
                                 metadatas=[{"v": 2}] * 2, offsets=[(0, 4), (5, 8)])
    assert transactions == [1]  # one write transaction for the whole swap
    assert removed == 1  # f-2 is gone; f-0 and f-1 were replaced
    assert enc.seen == ["new"]  # "keep" was stored already
    assert _source_state(col) == [("f-0", "keep", "f", 2), ("f-1", "new", "f", 2),
                                  ("g-0", "other", "g", 1)]
    assert col.count(where={"v": 1}) == 1 and col.stats() == {"documents": 3, "contents": 3}
    assert [(d.start, d.end) for d in col.get(ids=["f-0", "f-1"])] == [(0, 4), (5, 8)]
    # searches see the new documents only (exact scores from numpy)
    hits = col.search(np.array([0, 0, 1], np.float32), k=5)
    assert [(h.id, h.score) for h in hits] == [("g-0", 5), ("f-0", 4), ("f-1", 3)]  # lengths
    assert col.replace_source("f", []) == 2 and col.count() == 1
    with pytest.raises(CollectionError, match="source must be a non-empty str"):
        col.replace_source("", ["x"])


@pytest.mark.parametrize("metric", METRICS)
def test_search_many_equals_search_per_query(tmp_path, vecs, metric, monkeypatch):
    from embedlab.store import hnsw

    col = Collection.create(tmp_path / "c", metric=metric, hnsw_m=8)
    ids = [f"d{i}" for i in range(len(vecs))]
    col.add(vectors=vecs, ids=ids, metadatas=[{"i": i} for i in range(len(vecs))])
    queries = np.random.default_rng(3).standard_normal((70, 32)).astype(np.float32)
    faiss_calls = []
    real = hnsw.HnswIndex.search_many

    def counted(self, q, *args, **kwargs):
        faiss_calls.append(len(q))
        return real(self, q, *args, **kwargs)

    monkeypatch.setattr(hnsw.HnswIndex, "search_many", counted)
    for mode, where in [("exact", None), ("exact", {"i": {"$lt": 500}}), ("hnsw", None),
                        ("hnsw", {"i": {"$gte": 100}}), ("binary", None),
                        ("binary", {"i": {"$lt": 500}})]:
        if mode == "hnsw" and where is not None:
            monkeypatch.setattr("embedlab.store.search.EXACT_FILTER_ROWS", 0)
        faiss_calls.clear()
        many = col.search_many(queries, k=10, mode=mode, where=where)
        if mode == "hnsw":
            assert faiss_calls == [len(queries)]  # one FAISS call for every query
        one = [col.search(q, k=10, mode=mode, where=where) for q in queries]
        assert many == one, (mode, where)
        if mode == "exact":  # and both equal brute force
            subset = np.arange(len(vecs)) if where is None else np.arange(500)
            for q, hits in zip(queries, many, strict=True):
                idx, scores = brute_force(vecs[subset], q, 10, metric)
                assert [h.id for h in hits] == [ids[subset[i]] for i in idx]
                np.testing.assert_allclose([h.score for h in hits], scores, rtol=1e-9,
                                           atol=1e-9)
        if where is not None:
            assert all(where_ok(h.metadata["i"], where) for hits in many for h in hits)
    # a list of vectors works as well as an array; no queries gives no lists
    assert col.search_many(list(queries[:2]), k=3) == col.search_many(queries[:2], k=3)
    assert col.search_many(np.zeros((0, 32), np.float32)) == []
    with pytest.raises(CollectionError, match=r"query vectors have shape \(2, 5\)"):
        col.search_many(np.ones((2, 5)))


def where_ok(i, where):
    cond = where["i"]
    return i < cond["$lt"] if "$lt" in cond else i >= cond["$gte"]


def test_search_many_encodes_all_texts_in_one_call(tmp_path):
    class Calls(CountingEncoder):
        def __init__(self):
            super().__init__()
            self.calls = []

        def encode(self, texts, *args, **kwargs):
            self.calls.append(list(texts))
            return super().encode(texts, *args, **kwargs)

    enc = Calls()
    col = Collection.create(tmp_path / "c", encoder=enc, metric="euclidean")
    col.add(["aaa", "bb", "abc", "ab ab", "c"], ids=["1", "2", "3", "4", "5"])
    enc.calls.clear()
    queries = ["aab", "bbb", "c", "ab"]
    many = col.search_many(queries, k=3)
    assert enc.calls == [queries]
    assert many == [col.search(q, k=3) for q in queries]
    hybrid = col.search_many(queries, k=3, hybrid=True)
    assert hybrid == [col.search(q, k=3, hybrid=True) for q in queries]
    assert hybrid[3][0].id == "4"  # "ab" is a whole word only there
    with pytest.raises(CollectionError, match="mix texts and vectors"):
        col.search_many(["a", np.ones(3)])
    with pytest.raises(CollectionError, match="one str; wrap it"):
        col.search_many("aab")
    with pytest.raises(CollectionError, match="hybrid=True needs the query as text"):
        col.search_many(np.ones((1, 3)), hybrid=True)


def test_hnsw_fast_paths_change_no_result(tmp_path, vecs, monkeypatch):
    """Rescoring only the HNSW candidates that can reach the top k, and the dense seq map,
    give what rescoring every candidate through a binary search gives."""
    from embedlab.store import search

    col = Collection.create(tmp_path / "c", metric="cosine", hnsw_m=8)
    col.add(vectors=vecs, ids=[str(i) for i in range(len(vecs))])
    col.delete(ids=[str(i) for i in range(0, len(vecs), 3)])  # holes in the seqs
    queries = np.random.default_rng(4).standard_normal((40, 32)).astype(np.float32)
    fast = col.search_many(queries, k=10, mode="hnsw")
    monkeypatch.setattr(search, "COSINE_SLACK", np.inf)
    monkeypatch.setattr(search, "_row_map", lambda seqs: None)
    slow_col = Collection.open(tmp_path / "c")
    assert slow_col.search_many(queries, k=10, mode="hnsw") == fast
    # and (this small index finds the true neighbours) both equal exact search
    exact = col.search_many(queries, k=10, mode="exact")
    assert sum(len({h.id for h in a} & {h.id for h in b}) for a, b in zip(fast, exact,
               strict=True)) >= 0.97 * 10 * len(queries)
    for hits, truth in zip(fast, exact, strict=True):
        by_id = {h.id: h.score for h in truth}
        assert all(h.score == pytest.approx(by_id[h.id], abs=1e-12)
                   for h in hits if h.id in by_id)
        assert all(int(h.id) % 3 for h in hits)  # deleted documents never come back


def test_a_reader_sees_every_commit_of_other_connections(tmp_path):
    reader = Collection.create(tmp_path / "c", metric="dot")
    reader.add(vectors=np.eye(4, dtype=np.float32), ids=["a", "b", "c", "d"])
    writer = Collection.open(tmp_path / "c")
    q = np.array([1, 0.9, 0.5, 0.25], np.float32)
    for mode in ("exact", "hnsw", "binary"):
        assert reader.search(q, k=1, mode=mode)[0].id == "a"
    writer.add(vectors=np.array([[2, 2, 0, 0]], np.float32), ids=["best"])
    for mode in ("exact", "hnsw", "binary"):
        assert reader.search(q, k=1, mode=mode)[0].id == "best", mode
    writer.delete(ids=["best"])
    for mode in ("exact", "hnsw", "binary"):
        assert reader.search(q, k=1, mode=mode)[0].id == "a", mode
    reader.upsert(vectors=np.array([[0, 3, 0, 0]], np.float32), ids=["b"])  # its own write
    assert [h.id for h in reader.search(q, k=5, mode="hnsw")] == ["b", "a", "c", "d"]
    assert [h.id for h in writer.search(q, k=5, mode="exact")] == ["b", "a", "c", "d"]


def test_in_memory_hit_rows_give_the_same_hits_and_follow_writes(tmp_path, vecs, monkeypatch):
    from embedlab.store import search

    monkeypatch.setattr(search, "HIT_CACHE_AFTER", 5)
    col = Collection.create(tmp_path / "c", metric="cosine")
    ids = [f"d{i}" for i in range(len(vecs))]
    col.add(vectors=vecs, ids=ids, texts=[f"text {i}" for i in range(len(vecs))],
            metadatas=[{"n": i} for i in range(len(vecs))])
    queries = np.random.default_rng(5).standard_normal((12, 32)).astype(np.float32)
    sql = [col.search(q, k=5, mode="exact") for q in queries[:5]]  # below the threshold
    assert col._searcher._cache.hit_rows is None
    cached = [col.search(q, k=5, mode="exact") for q in queries[:5]]
    assert col._searcher._cache.hit_rows is not None
    assert cached == sql
    cached[0][0].metadata["n"] = -1  # a caller's edit does not leak into the cache
    assert col.search(queries[0], k=5, mode="exact") == sql[0]
    writer = Collection.open(tmp_path / "c")
    top = int(sql[1][0].id[1:])
    writer.upsert(vectors=vecs[top:top + 1], ids=[sql[1][0].id], texts=["changed"],
                  metadatas=[{"n": "new"}])
    hit = col.search(queries[1], k=5, mode="exact")[0]
    assert (hit.text, hit.metadata) == ("changed", {"n": "new"})
