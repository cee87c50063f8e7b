"""Fuzzing every HTTP route: arbitrary and schema-guided JSON bodies, raw bytes, headers.

Properties, for every case: never a 5xx; every error is the documented JSON error shape;
each request stays within a time and memory budget; a rejected write (4xx) leaves the stored
collection exactly as it was. The app runs in-process (Starlette's TestClient, server
exceptions returned as 500s rather than raised) with the real all-MiniLM-L6-v2 model.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import event, given
from hypothesis import strategies as st

from embedlab.store import Collection
from fuzz import (
    any_text,
    budget,
    collection_digest,
    fuzz,
    json_scalars,
    json_values,
    tricky_text,
    where_filters,
)
from serve_helpers import create_collection

MODEL = "all-MiniLM-L6-v2"
#: Every route of the API: a test below fails when a route is added without fuzzing it.
ROUTES = {("POST", "/v1/embeddings"), ("GET", "/v1/models"), ("POST", "/api/embed"),
          ("POST", "/api/embeddings"), ("GET", "/api/tags"), ("GET", "/v1/collections"),
          ("POST", "/v1/collections"), ("GET", "/v1/collections/{name}"),
          ("DELETE", "/v1/collections/{name}"), ("POST", "/v1/collections/{name}/documents"),
          ("POST", "/v1/collections/{name}/delete"), ("POST", "/v1/collections/{name}/search"),
          ("GET", "/health")}
SECONDS, MEGABYTES = 15.0, 400
FIXED = "fz"  # the collection whose contents are compared around rejected writes


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz-collections")


@pytest.fixture(scope="module")
def client(minilm_dir, root) -> Iterator[TestClient]:
    from embedlab.serve.app import create_app

    app = create_app(MODEL, cache=False, max_batch=16, max_text_chars=2000,
                     collections_root=root, bind_host="127.0.0.1",
                     max_body_bytes=256 * 1024)
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as c:
        resp = c.post("/v1/collections", json={"name": FIXED})
        assert resp.status_code == 201, resp.text
        docs = [{"id": f"d{i}", "text": f"fuzzing document {i}", "metadata": {"n": i}}
                for i in range(5)]
        assert c.post(f"/v1/collections/{FIXED}/documents",
                      json={"documents": docs}).status_code == 200
        yield c


def snapshot(root: Path) -> str:
    """A digest of everything stored in the fixed collection: ids, texts, metadata, vectors."""
    with Collection.open(root / FIXED) as col:
        return collection_digest(col)


def check(resp: Any) -> None:
    assert resp.status_code < 500, (resp.status_code, resp.text[:500])
    if resp.status_code >= 400:
        body = resp.json()
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]
        assert isinstance(body["error"]["type"], str)


def send(client: TestClient, root: Path, method: str, path: str, *, body: Any = None,
         content: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    """One request within the budget; a rejected request to the fixed collection changed
    nothing stored."""
    before = snapshot(root)
    if body is not None:
        content = json.dumps(body).encode()  # NaN, Infinity and lone surrogates as Python
        headers = {"content-type": "application/json", **(headers or {})}
    with budget(SECONDS, MEGABYTES, (method, path, content)):
        resp = client.request(method, path, content=content, headers=headers)
    check(resp)
    event(f"status {resp.status_code}")
    if resp.status_code >= 400:
        assert snapshot(root) == before, (method, path, resp.status_code, resp.text[:300])
    return resp


# --------------------------------------------------------------------------- strategies

def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the plausible value (so that cases reach deep into the routes), sometimes any
    JSON at all."""
    return st.one_of(*[strategy] * 6, json_values)


names = st.one_of(st.just(FIXED), st.just(FIXED), st.sampled_from([FIXED, "missing", "new-one", "a.b", "..", ".hidden", ""]),
                  any_text.map(lambda s: quote(s, safe="", errors="surrogatepass")),
                  # raw, as a client may send it (control characters are no valid URL)
                  st.text(st.characters(codec="utf-8", exclude_categories=["Cc"]), max_size=30))
good_texts = tricky_text.filter(lambda t: bool(t.strip()))
texts = st.one_of(*[good_texts] * 6, st.just(""), any_text)
inputs = st.one_of(texts, *[st.lists(good_texts, min_size=1, max_size=20)] * 3,
                   st.lists(texts, max_size=20), st.lists(st.integers(), max_size=5), json_values)
embedding_body = st.fixed_dictionaries(
    {"input": maybe(inputs), "model": maybe(st.sampled_from([MODEL, MODEL, "nope", ""]))},
    optional={"encoding_format": maybe(st.sampled_from(["float", "base64", "int8", ""])),
              "dimensions": maybe(st.integers(-5, 1000)), "user": maybe(st.text())})
ollama_body = st.fixed_dictionaries(
    {"model": maybe(st.sampled_from([MODEL, "nope"]))},
    optional={"input": maybe(inputs), "prompt": maybe(texts), "truncate": maybe(st.booleans()),
              "options": maybe(st.dictionaries(st.text(max_size=5), json_scalars)),
              "keep_alive": maybe(st.text(max_size=5))})
document = st.fixed_dictionaries(
    {"text": maybe(good_texts)},
    optional={"id": maybe(st.text(max_size=20)), "metadata": maybe(st.dictionaries(
        st.text(max_size=8), json_values, max_size=4)), "source": maybe(texts)})
documents_body = st.fixed_dictionaries(
    {"documents": maybe(st.lists(document, min_size=1, max_size=6))},
    optional={"upsert": maybe(st.booleans())})
delete_body = st.fixed_dictionaries(
    {}, optional={"ids": maybe(st.lists(st.sampled_from(["d0", "d1", "zz"]) | any_text,
                                        max_size=4)),
                  "where": maybe(where_filters)})
search_body = st.fixed_dictionaries(
    {"query": maybe(texts)},
    optional={"k": maybe(st.integers(-3, 10_000)), "where": maybe(where_filters),
              "metric": maybe(st.sampled_from(["cosine", "dot", "euclidean", "x"])),
              "mode": maybe(st.sampled_from(["auto", "exact", "hnsw", "binary", "x"])),
              "hybrid": maybe(st.booleans())})
create_body = st.fixed_dictionaries(
    {"name": maybe(st.sampled_from(["fresh", FIXED, "", ".x", "a/b"]) | any_text)},
    optional={"model": maybe(st.sampled_from([MODEL, "nope"])),
              "metric": maybe(st.sampled_from(["cosine", "dot", "l2"]))})


# --------------------------------------------------------------------------- properties

def test_every_route_is_fuzzed(client) -> None:
    documented = {(method.upper(), path) for path, ops in client.app.openapi()["paths"].items()
                  for method in ops}
    assert documented == ROUTES


@fuzz(100)
@given(body=embedding_body, route=st.sampled_from(["/v1/embeddings", "/api/embed",
                                                   "/api/embeddings"]),
       ollama=ollama_body)
def test_embedding_routes(client, root, body, route, ollama) -> None:
    resp = send(client, root, "POST", route, body=body if route == "/v1/embeddings" else ollama)
    if resp.status_code == 200:  # vectors are finite numbers, never NaN in JSON
        assert "NaN" not in resp.text and "Infinity" not in resp.text


@fuzz(100)
@given(name=names, documents=documents_body, delete=delete_body, search=search_body,
       which=st.sampled_from(["documents", "delete", "search"]))
def test_collection_routes(client, root, name, documents, delete, search, which) -> None:
    body = {"documents": documents, "delete": delete, "search": search}[which]
    send(client, root, "POST", f"/v1/collections/{name}/{which}", body=body)


@fuzz(60)
@given(body=create_body, name=names, method=st.sampled_from(["GET", "DELETE"]))
def test_create_info_drop(client, root, body, name, method) -> None:
    send(client, root, "POST", "/v1/collections", body=body)
    if method == "DELETE" and name in (FIXED, quote(FIXED, safe="")):
        name = "missing"  # the fixed collection stays for the other properties
    send(client, root, method, f"/v1/collections/{name}")


@fuzz(100)
@given(route=st.sampled_from(sorted(ROUTES)), name=names, body=json_values)
def test_any_json_to_any_route(client, root, route, name, body) -> None:
    method, path = route
    if method == "DELETE" and name in (FIXED, quote(FIXED, safe="")):
        name = "missing"
    send(client, root, method, path.replace("{name}", name), body=body)


@fuzz(100)
@given(route=st.sampled_from(sorted(r for r in ROUTES if r[0] == "POST")),
       content=st.one_of(st.binary(max_size=400),
                         json_values.map(lambda v: json.dumps(v).encode()[:-1]),
                         st.just(b"[" * 100_000), st.just(b'{"input": "' + b"x" * 300_000)),
       content_type=st.sampled_from(["application/json", "text/plain", "",
                                     "application/json; charset=latin-1",
                                     "multipart/form-data; boundary=x"]))
def test_raw_bytes(client, root, route, content, content_type) -> None:
    method, path = route
    headers = {"content-type": content_type} if content_type else {}
    send(client, root, method, path.replace("{name}", FIXED), content=content, headers=headers)


header_names = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz-0123456789"), min_size=1,
                       max_size=20)
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=80)


@fuzz(100)
@given(route=st.sampled_from(sorted(ROUTES)), extra=st.dictionaries(
    st.sampled_from(["host", "accept", "accept-encoding", "origin", "content-type",
                     "transfer-encoding", "expect", "x-forwarded-host"]) | header_names,
    header_values, max_size=5))
def test_headers(client, root, route, extra) -> None:
    method, path = route
    body = {"input": "a short text", "model": MODEL, "query": "short", "name": "hdr",
            "documents": [{"text": "header case"}], "ids": ["zz"]}
    if method == "DELETE":
        path = path.replace("{name}", "missing")
    extra = {k: v for k, v in extra.items() if k != "transfer-encoding" or v == "chunked"}
    send(client, root, method, path.replace("{name}", FIXED), body=body, headers=extra)


# --------------------------------------------------------------------------- valid requests

#: Documents of the read-only "oracle" collection: filters are checked against them by hand.
ORACLE_DOCS = [{"id": f"o{i}", "text": f"oracle passage {i} on topic {t}",
                "metadata": {"n": i, "topic": t}}
               for i, t in enumerate(["cats", "dogs", "cats", "rates", "dogs", "cats", "rain"])]


COMPARE = {"$eq": operator.eq, "$ne": operator.ne, "$gt": operator.gt, "$gte": operator.ge,
           "$lt": operator.lt, "$lte": operator.le, "$in": lambda v, a: v in a,
           "$nin": lambda v, a: v not in a}


def matches(meta: dict[str, Any], where: dict[str, Any]) -> bool:
    """The documented filter semantics, written out: a bare value is ``$eq``; every
    comparison on a missing field is false (SQL NULL)."""
    if "$and" in where:
        return all(matches(meta, w) for w in where["$and"])
    if "$or" in where:
        return any(matches(meta, w) for w in where["$or"])
    for key, cond in where.items():
        ops = cond if isinstance(cond, dict) else {"$eq": cond}
        value = meta.get(key)
        for op, arg in ops.items():
            if value is None or not COMPARE[op](value, arg):
                return False
    return True


_n_cond = st.one_of(st.integers(-1, 8), st.dictionaries(
    st.sampled_from(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]), st.integers(-1, 8),
    min_size=1, max_size=2), st.fixed_dictionaries({"$in": st.lists(st.integers(-1, 8), min_size=1,
                                                                    max_size=4)}))
_topic_cond = st.one_of(st.sampled_from(["cats", "dogs", "rain", "none"]), st.fixed_dictionaries(
    {"$nin": st.lists(st.sampled_from(["cats", "dogs", "rates"]), min_size=1, max_size=3)}))
valid_where = st.recursive(
    st.fixed_dictionaries({}, optional={"n": _n_cond, "topic": _topic_cond}),
    lambda inner: st.dictionaries(st.sampled_from(["$and", "$or"]),
                                  st.lists(inner, min_size=1, max_size=3),
                                  min_size=1, max_size=1),
    max_leaves=6)


@pytest.fixture(scope="module")
def oracle(client) -> str:
    return create_collection(client, "oracle", ORACLE_DOCS)


@fuzz(60)
@given(where=valid_where, query=good_texts, mode=st.sampled_from(["exact", "binary", "auto"]),
       hybrid=st.booleans())
def test_valid_filtered_search_finds_exactly_the_matching_documents(client, root, oracle,
                                                                    where, query, mode,
                                                                    hybrid) -> None:
    resp = send(client, root, "POST", f"/v1/collections/{oracle}/search",
                body={"query": query, "k": 50, "where": where, "mode": mode, "hybrid": hybrid})
    assert resp.status_code == 200, resp.text
    expected = {d["id"] for d in ORACLE_DOCS if matches(d["metadata"], where)}
    assert {h["id"] for h in resp.json()["hits"]} == expected


@pytest.fixture(scope="module")
def in_process(minilm_dir) -> Any:
    from embedlab.encoders import load_encoder

    return load_encoder(MODEL, cache=False)


@fuzz(40)
@given(batch=st.lists(good_texts, min_size=1, max_size=12),
       route=st.sampled_from(["/v1/embeddings", "/api/embed"]))
def test_valid_embeddings_equal_in_process_encode(client, root, in_process, batch,
                                                  route) -> None:
    import numpy as np

    resp = send(client, root, "POST", route, body={"model": MODEL, "input": batch})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    got = (np.array([d["embedding"] for d in body["data"]]) if route == "/v1/embeddings"
           else np.array(body["embeddings"]))
    np.testing.assert_allclose(got, in_process.encode(batch), atol=2e-5)


def _storable(value: object) -> bool:
    """A metadata value the store keeps (the others are 422s, fuzzed above): finite numbers
    and text that is valid Unicode (no lone surrogate)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return not any("\ud800" <= ch <= "\udfff" for ch in value)
    return True


@fuzz(40)
@given(docs=st.lists(st.fixed_dictionaries({
    "id": st.text(st.characters(codec="utf-8"), min_size=1, max_size=12),
    "text": good_texts,
    "metadata": st.dictionaries(st.text(max_size=8), json_scalars.filter(_storable),
                                max_size=3)}), min_size=1, max_size=5, unique_by=lambda d: d["id"]))
def test_valid_upserts_are_stored_as_sent(client, root, in_process, docs) -> None:
    import numpy as np

    resp = send(client, root, "POST", "/v1/collections/w/documents",
                body={"documents": docs, "upsert": True})
    if resp.status_code == 404:  # first case: create the scratch collection
        assert client.post("/v1/collections", json={"name": "w"}).status_code == 201
        resp = send(client, root, "POST", "/v1/collections/w/documents",
                    body={"documents": docs, "upsert": True})
    assert resp.status_code == 200, resp.text
    ids = [d["id"] for d in docs]
    with Collection.open(root / "w") as col:
        stored = col.get(ids)
        assert [(d.id, d.text, d.metadata) for d in stored] == [
            (d["id"], d["text"], d["metadata"]) for d in docs]
        np.testing.assert_allclose(col.get_vectors(ids),
                                   in_process.encode([d["text"] for d in docs]), atol=2e-5)
