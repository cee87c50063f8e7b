"""Limits of ``where`` filters and of per-document metadata: bad input is a typed error (a
``CollectionError`` in Python, 422 ``invalid_where`` over HTTP), never a database error or a
500, and a refused write or delete leaves the stored data as it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from embedlab.store import Collection, CollectionError
from embedlab.store.filters import (
    MAX_KEY_CHARS,
    MAX_WHERE_CONDITIONS,
    MAX_WHERE_DEPTH,
    MAX_WHERE_VALUES,
    SQLITE_MAX_INT,
    SQLITE_MIN_INT,
    InvalidWhereError,
    compile_where,
)
from embedlab.store.writes import MAX_METADATA_BYTES
from serve_helpers import ServerThread, assert_error


def nested(depth: int, leaf: dict[str, Any]) -> dict[str, Any]:
    """``leaf`` inside ``depth`` levels of alternating $and/$or."""
    where = leaf
    for level in range(depth):
        where = {"$and" if level % 2 else "$or": [where]}
    return where


# Each: a filter, and words its error message must hold (the problem and the limit).
BAD_FILTERS = [
    pytest.param(nested(MAX_WHERE_DEPTH + 1, {"n": 1}), ["more than 16 levels", "MAX_WHERE_DEPTH"],
                 id="depth-over-limit"),
    pytest.param(nested(100_000, {"n": 1}), ["more than 16 levels"], id="depth-100000"),
    pytest.param({"$and": [{"n": i} for i in range(MAX_WHERE_CONDITIONS + 1)]},
                 ["more than 512 conditions", "MAX_WHERE_CONDITIONS"], id="and-over-limit"),
    pytest.param({"$or": [{"n": i} for i in range(40_000)]}, ["more than 512 conditions"],
                 id="or-40000"),
    pytest.param({"$and": [{}] * 5_000_000}, ["more than 512 conditions"], id="and-5e6-empty"),
    pytest.param({"n": {"$gt": 0, "$lt": 9},
                  **{f"k{i}": i for i in range(MAX_WHERE_CONDITIONS - 1)}},
                 ["more than 512 conditions"], id="fields-over-limit"),
    pytest.param(nested(MAX_WHERE_DEPTH - 1, {"$or": [{"n": {"$ne": i, "$gt": -i}}
                                                      for i in range(257)]}),
                 ["more than 512 conditions"], id="nested-over-limit"),
    pytest.param({"n": {"$in": list(range(MAX_WHERE_VALUES + 1))}},
                 ["more than 10000 $in/$nin values", "MAX_WHERE_VALUES"], id="in-over-limit"),
    pytest.param({"$or": [{"n": {"$in": list(range(6000))}}, {"n": {"$nin": list(range(6000))}}]},
                 ["more than 10000 $in/$nin values"], id="in-total-over-limit"),
    pytest.param({"n": {"$in": list(range(300_000))}}, ["MAX_WHERE_VALUES"], id="in-300000"),
    pytest.param({"a\x00b": 1}, ["field name", "'\\x00'", "control characters"], id="key-nul"),
    pytest.param({"a\\b": 1}, ["field name", "'\\\\'"], id="key-backslash"),
    pytest.param({'a"b': 1}, ["field name", "'\"'"], id="key-quote"),
    pytest.param({"a\tb": 1}, ["field name", "'\\t'"], id="key-tab"),
    pytest.param({"\ud800": 1}, ["field name", "lone surrogate"], id="key-surrogate"),
    pytest.param({"k" * (MAX_KEY_CHARS + 1): 1}, ["257 characters", "MAX_KEY_CHARS"],
                 id="key-too-long"),
    pytest.param({"": 1}, ["non-empty strings"], id="key-empty"),
    pytest.param({1: 1}, ["non-empty strings", "got int"], id="key-int"),
    pytest.param({("a",): 1}, ["non-empty strings", "got tuple"], id="key-tuple"),
    pytest.param({None: 1}, ["non-empty strings"], id="key-none"),
    pytest.param({"n": SQLITE_MAX_INT + 1}, ["64 bits", "signed 64-bit"], id="int-over"),
    pytest.param({"n": {"$lt": SQLITE_MIN_INT - 1}}, ["signed 64-bit"], id="int-under"),
    pytest.param({"n": 2**70}, ["71 bits", "signed 64-bit"], id="int-2**70"),
    pytest.param({"n": {"$in": [1, 10**30]}}, ["$in", "signed 64-bit"], id="int-in-list"),
    pytest.param({"n": float("nan")}, ["is nan", "finite"], id="nan"),
    pytest.param({"n": {"$gt": float("inf")}}, ["is inf", "finite"], id="inf"),
    pytest.param({"n": {"$nin": [float("-inf")]}}, ["is -inf", "finite"], id="minus-inf"),
    pytest.param({"n": "\udfff"}, ["not valid Unicode"], id="value-surrogate"),
]


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    c = Collection.create(tmp_path / "c", dimension=4)
    c.add(vectors=np.eye(4, dtype=np.float32), ids=["a", "b", "c", "d"],
          metadatas=[{"n": i, "tag": "even" if i % 2 == 0 else "odd", "日本 語.x": i}
                     for i in range(4)])
    yield c
    c.close()


def _raises(where: Any, words: list[str]) -> None:
    with pytest.raises(InvalidWhereError) as info:
        compile_where(where)
    for word in words:
        assert word in str(info.value), str(info.value)


@pytest.mark.parametrize(("where", "words"), BAD_FILTERS)
def test_bad_filter_is_a_collection_error(where, words) -> None:
    _raises(where, words)
    assert issubclass(InvalidWhereError, CollectionError)


@pytest.mark.parametrize(("where", "words"), BAD_FILTERS)
def test_bad_filter_on_every_read_and_delete(col, where, words) -> None:
    for call in (lambda: col.count(where=where), lambda: col.get(where=where),
                 lambda: col.search(np.ones(4, np.float32), k=2, where=where),
                 lambda: col.search(np.ones(4, np.float32), k=2, where=where, mode="binary"),
                 lambda: col.delete(where=where)):
        with pytest.raises(CollectionError) as info:
            call()
        assert type(info.value) is InvalidWhereError
        assert words[0] in str(info.value)
    assert col.count() == 4  # the refused delete removed nothing


def test_filters_at_the_limits_run_in_sqlite(col) -> None:
    """Each limit is within what SQLite parses and binds, alone and all at once."""
    deep = nested(MAX_WHERE_DEPTH, {"n": {"$ne": 1, "$nin": [3], "$gte": 0}})
    assert {d.id for d in col.get(where=deep)} == {"a", "c"}
    wide = {"$and": [{"n": {"$ne": 100 + i}} for i in range(MAX_WHERE_CONDITIONS)]}
    assert col.count(where=wide) == 4
    assert col.count(where={"$or": [{}] * MAX_WHERE_CONDITIONS}) == 4
    # 16 levels of 32 items each: the deepest SQL expression the limits allow
    tree: dict[str, Any] = {"n": {"$ne": -1}}
    for level in range(MAX_WHERE_DEPTH):
        per = MAX_WHERE_CONDITIONS // MAX_WHERE_DEPTH
        tree = {"$and": [tree] + [{"n": {"$ne": -1000 - level * 100 - i}} for i in range(per - 1)]}
    assert col.count(where=tree) == 4
    many = {"n": {"$in": list(range(2, 2 + MAX_WHERE_VALUES))}}
    assert {d.id for d in col.get(where=many)} == {"c", "d"}
    # every limit at once: 16 levels, 512 conditions, 10,000 values
    inner: dict[str, Any] = {"n": {"$nin": list(range(10, 10 + MAX_WHERE_VALUES))}}
    spare = MAX_WHERE_CONDITIONS - 1
    both = nested(MAX_WHERE_DEPTH - 1, {"$and": [inner] + [{"n": {"$ne": -i}}
                                                           for i in range(1, spare + 1)]})
    assert col.count(where=both) == 4
    assert len(col.search(np.ones(4, np.float32), k=4, where=both)) == 4
    with pytest.raises(InvalidWhereError, match="MAX_WHERE_CONDITIONS"):  # one more
        col.count(where={**both, "tag": "odd"})


def test_edge_values_within_range_still_match(col) -> None:
    col.add(vectors=np.ones((2, 4), np.float32), ids=["big", "small"],
            metadatas=[{"n": SQLITE_MAX_INT}, {"n": SQLITE_MIN_INT}])
    assert [d.id for d in col.get(where={"n": SQLITE_MAX_INT})] == ["big"]
    assert [d.id for d in col.get(where={"n": {"$lte": SQLITE_MIN_INT}})] == ["small"]
    assert [d.id for d in col.get(where={"日本 語.x": 2})] == ["c"]  # dots, spaces, CJK
    assert col.count(where={"n": {"$gt": 1.5}}) == 3
    assert col.count(where={"k" * MAX_KEY_CHARS: 1}) == 0


# --------------------------------------------------------------------------- metadata size

def test_metadata_over_the_cap_is_refused_and_nothing_is_written(col) -> None:
    big = {"note": "x" * MAX_METADATA_BYTES}
    with pytest.raises(CollectionError, match=r"metadatas\[1\] is 65,548 bytes as JSON; at "
                                              r"most 65,536 bytes per document"):
        col.add(vectors=np.ones((2, 4), np.float32), ids=["e", "f"], metadatas=[{}, big])
    with pytest.raises(CollectionError, match="MAX_METADATA_BYTES"):
        col.upsert(vectors=np.ones((1, 4), np.float32), ids=["a"], metadatas=[big])
    # 3 bytes a character in UTF-8: the cap counts bytes, not characters
    cjk = {"t": "語" * (MAX_METADATA_BYTES // 3)}
    with pytest.raises(CollectionError, match="bytes as JSON"):
        col.add(vectors=np.ones((1, 4), np.float32), ids=["g"], metadatas=[cjk])
    with pytest.raises(CollectionError, match="lone surrogate"):
        col.add(vectors=np.ones((1, 4), np.float32), ids=["h"], metadatas=[{"k": "\ud800"}])
    assert col.count() == 4
    assert col.get(ids=["a"])[0].metadata["n"] == 0
    fits = {"note": "x" * (MAX_METADATA_BYTES - len('{"note": ""}'))}
    assert len(json.dumps(fits, ensure_ascii=False).encode()) == MAX_METADATA_BYTES
    col.add(vectors=np.ones((1, 4), np.float32), ids=["fits"], metadatas=[fits])
    assert col.get(ids=["fits"])[0].metadata == fits


# --------------------------------------------------------------------------- over HTTP

@pytest.fixture(scope="module")
def http(minilm_dir, tmp_path_factory) -> Iterator[httpx.Client]:
    from embedlab.serve.app import create_app

    app = create_app("all-MiniLM-L6-v2", cache=False,
                     collections_root=tmp_path_factory.mktemp("collections"))
    with ServerThread(app) as srv, httpx.Client(base_url=f"http://127.0.0.1:{srv.port}",
                                                timeout=60) as client:
        assert client.post("/v1/collections", json={"name": "docs"}).status_code == 201
        docs = [{"id": f"d{i}", "text": f"document number {i}", "metadata": {"n": i}}
                for i in range(3)]
        resp = client.post("/v1/collections/docs/documents", json={"documents": docs})
        assert resp.status_code == 200, resp.text
        yield client


def _raw(where: str) -> str:
    return '{"query": "document", "where": ' + where + "}"


# JSON-representable bad filters, as raw JSON (NaN and lone surrogates included: Python's
# JSON reader accepts both).
HTTP_FILTERS = [
    pytest.param(json.dumps(nested(MAX_WHERE_DEPTH + 1, {"n": 1})), "MAX_WHERE_DEPTH",
                 id="depth"),
    pytest.param(json.dumps(nested(400, {"n": 1})), "MAX_WHERE_DEPTH", id="depth-400"),
    pytest.param(json.dumps({"$or": [{"n": i} for i in range(5000)]}), "MAX_WHERE_CONDITIONS",
                 id="conditions"),
    pytest.param(json.dumps({"n": {"$in": list(range(50_000))}}), "MAX_WHERE_VALUES",
                 id="in-50000"),
    pytest.param('{"a\\u0000b": 1}', "control characters", id="key-nul"),
    pytest.param('{"\\ud800": 1}', "lone surrogate", id="key-surrogate"),
    pytest.param('{"n": 100000000000000000000000}', "signed 64-bit", id="int-huge"),
    pytest.param('{"n": {"$gte": -9223372036854775809}}', "signed 64-bit", id="int-under"),
    pytest.param('{"n": NaN}', "finite", id="nan"),
    pytest.param('{"n": {"$lt": Infinity}}', "finite", id="inf"),
    pytest.param('{"n": 1e999}', "finite", id="float-overflow"),
    pytest.param('{"n": "\\udc00"}', "not valid Unicode", id="value-surrogate"),
]


@pytest.mark.parametrize(("where", "word"), HTTP_FILTERS)
@pytest.mark.parametrize("route", ["search", "delete"])
def test_bad_filter_over_http_is_422_invalid_where(http, route, where, word) -> None:
    body = _raw(where) if route == "search" else '{"where": ' + where + "}"
    resp = http.post(f"/v1/collections/docs/{route}", content=body,
                     headers={"content-type": "application/json"})
    error = assert_error(resp, 422, word)
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_where"
    assert error["param"] == "where"
    assert http.get("/v1/collections/docs").json()["count"] == 3


def test_metadata_over_the_cap_over_http_is_422(http) -> None:
    big = {"id": "big", "text": "a big one", "metadata": {"note": "語" * 30_000}}
    resp = http.post("/v1/collections/docs/documents", json={"documents": [big]})
    error = assert_error(resp, 422, "documents.0.metadata", "90,012 bytes as JSON",
                         "at most 65,536 bytes")
    assert error["type"] == "invalid_request_error"
    resp = http.post("/v1/collections/docs/documents", content=(
        '{"documents": [{"text": "x", "metadata": {"k": "\\ud800"}}]}'),
        headers={"content-type": "application/json"})
    assert_error(resp, 422, "lone surrogate")
    assert http.get("/v1/collections/docs").json()["count"] == 3
