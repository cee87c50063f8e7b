"""`embedlab serve` collection endpoints: a real uvicorn server on 127.0.0.1 with a temporary
collections root, driven by httpx and compared with :class:`embedlab.store.Collection`."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from embedlab.encoders import Encoder, load_encoder
from embedlab.store import Collection
from serve_helpers import ServerThread, assert_error, create_collection, recording_encode

MAX_BATCH = 8
MAX_CHARS = 2000
DOCS = [
    {"id": "cat", "text": "The cat sat on the warm windowsill.",
     "metadata": {"topic": "pets", "year": 2021}, "source": "a.txt"},
    {"id": "dog", "text": "A dog chased the ball across the park.",
     "metadata": {"topic": "pets", "year": 2019}},
    {"id": "stocks", "text": "Stock markets fell sharply after the announcement.",
     "metadata": {"topic": "finance", "year": 2021}},
    {"id": "rates", "text": "The central bank raised interest rates again.",
     "metadata": {"topic": "finance", "year": 2023}},
    {"id": "rain", "text": "Heavy rain is expected over the weekend.",
     "metadata": {"topic": "weather", "year": 2022}},
    {"id": "guitar", "text": "A man is playing a guitar on stage.",
     "metadata": {"topic": "music"}},
]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("collections")


@pytest.fixture(scope="module")
def server(minilm_dir, root) -> Iterator[ServerThread]:
    from embedlab.serve.app import create_app

    app = create_app("all-MiniLM-L6-v2", cache=False, max_batch=MAX_BATCH,
                     max_text_chars=MAX_CHARS, collections_root=root)
    with ServerThread(app) as srv:
        yield srv
    assert not srv.thread.is_alive()


@pytest.fixture(scope="module")
def http(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def encoder(minilm_dir):
    return load_encoder("all-MiniLM-L6-v2", cache=False)


@pytest.fixture(scope="module")
def filled(http) -> str:
    """A collection holding DOCS, shared by the read-only tests."""
    return create_collection(http, "filled", DOCS)


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def search(http: httpx.Client, name: str, **body: Any) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = ok(http.post(f"/v1/collections/{name}/search", json=body))["hits"]
    return hits


# --- round trip -----------------------------------------------------------------------------

def test_round_trip(http, root) -> None:
    created = ok(http.post("/v1/collections", json={"name": "notes", "metric": "cosine"}), 201)
    assert created == {"name": "notes", "count": 0, "model": "all-MiniLM-L6-v2",
                       "dimension": 384, "metric": "cosine"}
    ids = ok(http.post("/v1/collections/notes/documents", json={"documents": DOCS}))["ids"]
    assert ids == [d["id"] for d in DOCS]
    extra = ok(http.post("/v1/collections/notes/documents",
                         json={"documents": [{"text": "Snow fell in the mountains."}]}))["ids"]
    assert len(extra) == 1 and len(extra[0]) == 32  # a random hex id
    assert ok(http.get("/v1/collections/notes"))["count"] == 7

    hits = search(http, "notes", query="a kitten resting in the sun", k=3)
    assert len(hits) == 3 and hits[0]["id"] == "cat"
    assert hits[0] == {"id": "cat", "score": pytest.approx(hits[0]["score"]),
                       "text": DOCS[0]["text"], "metadata": {"topic": "pets", "year": 2021},
                       "source": "a.txt", "start": None, "end": None}
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    finance = search(http, "notes", query="economy news", where={"topic": "finance"})
    assert {h["id"] for h in finance} == {"stocks", "rates"}
    recent = search(http, "notes", query="economy", where={"year": {"$gte": 2022}})
    assert {h["id"] for h in recent} == {"rates", "rain"}
    hybrid = search(http, "notes", query="guitar stage", hybrid=True, k=2)
    assert hybrid[0]["id"] == "guitar"

    # upsert replaces; delete by ids and by filter
    new = {"id": "cat", "text": "Cats purr when they are content.", "metadata": {"topic": "x"}}
    assert_error(http.post("/v1/collections/notes/documents", json={"documents": [new]}),
                 409, "'cat'", "already exist")
    ok(http.post("/v1/collections/notes/documents", json={"documents": [new], "upsert": True}))
    assert search(http, "notes", query="purring", k=1)[0]["metadata"] == {"topic": "x"}
    assert ok(http.get("/v1/collections/notes"))["count"] == 7
    assert ok(http.post("/v1/collections/notes/delete",
                        json={"ids": ["dog", "nope"]})) == {"deleted": 1}
    assert ok(http.post("/v1/collections/notes/delete",
                        json={"where": {"topic": "finance"}})) == {"deleted": 2}
    assert ok(http.post("/v1/collections/notes/delete",
                        json={"ids": ["rain"], "where": {"topic": "pets"}})) == {"deleted": 0}
    info = ok(http.get("/v1/collections/notes"))
    assert info["count"] == 4
    listed = ok(http.get("/v1/collections"))["collections"]
    assert {"name": "notes", "count": 4, "model": "all-MiniLM-L6-v2", "dimension": 384,
            "metric": "cosine"} in listed
    with Collection.open(root / "notes") as col:
        assert sorted(d.id for d in col.get()) == sorted(["cat", "rain", "guitar", extra[0]])

    assert ok(http.delete("/v1/collections/notes")) == {"name": "notes", "dropped": True}
    assert not (root / "notes").exists()
    assert_error(http.get("/v1/collections/notes"), 404, "'notes' not found")
    assert "notes" not in [c["name"] for c in ok(http.get("/v1/collections"))["collections"]]
    # the name can be used again, and the new collection starts empty
    ok(http.post("/v1/collections", json={"name": "notes", "metric": "dot"}), 201)
    assert search(http, "notes", query="anything") == []
    ok(http.delete("/v1/collections/notes"))


@pytest.mark.parametrize("body", [
    {"query": "a pet animal", "k": 4},
    {"query": "a pet animal", "k": 10, "where": {"topic": {"$in": ["pets", "music"]}}},
    {"query": "money and banks", "metric": "euclidean", "k": 3},
    {"query": "money and banks", "metric": "dot", "mode": "exact"},
    {"query": "money and banks", "mode": "binary", "k": 2},
    {"query": "the weekend weather rain", "hybrid": True, "k": 5},
    {"query": "cat dog", "hybrid": True, "where": {"year": {"$lt": 2022}}},
])
def test_results_equal_the_store(http, filled, root, encoder, body) -> None:
    got = search(http, filled, **body)
    with Collection.open(root / filled, encoder=encoder) as col:
        want = col.search(body["query"], k=body.get("k", 10), where=body.get("where"),
                          metric=body.get("metric"), mode=body.get("mode", "auto"),
                          hybrid=body.get("hybrid", False))
    assert [h["id"] for h in got] == [h.id for h in want]
    np.testing.assert_allclose([h["score"] for h in got], [h.score for h in want], atol=1e-5)
    assert [h["metadata"] for h in got] == [h.metadata for h in want]


def test_added_vectors_equal_encode(filled, root, encoder) -> None:
    with Collection.open(root / filled) as col:
        stored = col.get_vectors([d["id"] for d in DOCS])
    np.testing.assert_allclose(stored, encoder.encode([d["text"] for d in DOCS]), atol=1e-5)


def test_collection_made_by_the_store_is_served(http, root, encoder) -> None:
    with Collection.create(root / "direct", encoder=encoder, metric="dot") as col:
        col.add(["The cat sat.", "Stocks fell."], ids=["c", "s"])
    assert ok(http.get("/v1/collections/direct"))["count"] == 2
    assert search(http, "direct", query="kitten", k=1)[0]["id"] == "c"
    ok(http.post("/v1/collections/direct/documents",
                 json={"documents": [{"id": "r", "text": "It rains."}]}))
    with Collection.open(root / "direct", encoder=encoder) as col:
        assert col.search("umbrella weather", k=1)[0].id == "r"
    ok(http.delete("/v1/collections/direct"))


def test_collection_of_another_pulled_model(http, root, mpnet_dir) -> None:
    created = ok(http.post("/v1/collections", json={"name": "mp", "model": "mpnet",
                                                     "metric": "euclidean"}), 201)
    assert created["model"] == "all-mpnet-base-v2" and created["dimension"] == 768
    ok(http.post("/v1/collections/mp/documents", json={"documents": DOCS}))
    hits = search(http, "mp", query="a kitten resting in the sun", k=2)
    mpnet = load_encoder("all-mpnet-base-v2", cache=False)
    with Collection.open(root / "mp", encoder=mpnet) as col:
        want = col.search("a kitten resting in the sun", k=2)
    assert hits[0]["id"] == "cat" and [h["id"] for h in hits] == [h.id for h in want]
    np.testing.assert_allclose([h["score"] for h in hits], [h.score for h in want], atol=1e-4)
    ok(http.delete("/v1/collections/mp"))


# --- concurrency ----------------------------------------------------------------------------

def test_concurrent_adds_all_land_and_batch(http, server) -> None:
    ok(http.post("/v1/collections", json={"name": "busy"}), 201)
    served = server.app.state.pool.served.encoder
    threads, per = 8, 4
    errors: list[str] = []

    def worker(t: int) -> None:
        docs = [{"id": f"t{t}-{i}", "text": f"Thread {t} writes note {i} about {w}.",
                 "metadata": {"thread": t}} for i, w in enumerate(["cats", "rain", "jazz", "tax"])]
        with httpx.Client(base_url=str(http.base_url), timeout=60) as client:
            resp = client.post("/v1/collections/busy/documents", json={"documents": docs})
            if resp.status_code != 200:
                errors.append(resp.text)

    with recording_encode(served) as calls:
        pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
        for th in pool:
            th.start()
        for th in pool:
            th.join(timeout=60)
    assert not errors
    assert ok(http.get("/v1/collections/busy"))["count"] == threads * per
    assert ok(http.post("/v1/collections/busy/search",
                        json={"query": "x", "where": {"thread": 3}, "k": 50}))["hits"]
    assert sum(calls) == threads * per and len(calls) < threads and max(calls) > per
    ok(http.delete("/v1/collections/busy"))


# --- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "body", "status", "words"), [
    ("POST", "/v1/collections", {"name": "filled"}, 409, ["'filled' already exists"]),
    ("POST", "/v1/collections", {"name": "a/b"}, 422, ["invalid collection name"]),
    ("POST", "/v1/collections", {"name": ".."}, 422, ["invalid collection name"]),
    ("POST", "/v1/collections", {"name": ".hidden"}, 422, ["not starting with '.'"]),
    ("POST", "/v1/collections", {"name": "x" * 65}, 422, ["1 to 64"]),
    ("POST", "/v1/collections", {"name": ""}, 422, ["invalid collection name"]),
    ("POST", "/v1/collections", {"name": 5}, 422, ["name"]),
    ("POST", "/v1/collections", {}, 422, ["'name' is required"]),
    ("POST", "/v1/collections", {"name": "n", "metric": "hamming"}, 422, ["metric"]),
    ("POST", "/v1/collections", {"name": "n", "colour": 1}, 422, ["unknown field 'colour'"]),
    ("POST", "/v1/collections", {"name": "n", "model": "nope"}, 404, ["'nope'"]),
    ("GET", "/v1/collections/missing", None, 404, ["'missing' not found"]),
    ("DELETE", "/v1/collections/missing", None, 404, ["'missing' not found"]),
    ("GET", "/v1/collections/%2E%2E", None, 422, ["invalid collection name '..'"]),
    ("GET", "/v1/collections/..%2F..%2Fetc", None, 422, ["invalid collection name"]),
    ("POST", "/v1/collections/%2E%2E%2Fx/search", {"query": "x"}, 422, ["invalid"]),
    ("GET", "/v1/collections/filled/search", None, 405, ["POST"]),
    ("GET", "/v1/collections/filled/nothing", None, 404, ["no endpoint"]),
    ("POST", "/v1/collections/missing/documents", {"documents": [{"text": "x"}]}, 404,
     ["'missing' not found"]),
    ("POST", "/v1/collections/missing/search", {"query": "x"}, 404, ["'missing'"]),
    ("POST", "/v1/collections/missing/delete", {"ids": ["a"]}, 404, ["'missing'"]),
    ("POST", "/v1/collections/filled/documents", {"documents": []}, 422, ["empty list"]),
    ("POST", "/v1/collections/filled/documents", {}, 422, ["'documents' is required"]),
    ("POST", "/v1/collections/filled/documents", {"documents": [{"id": "q"}]}, 422,
     ["text", "required"]),
    ("POST", "/v1/collections/filled/documents", {"documents": [{"text": 3}]}, 422, ["text"]),
    ("POST", "/v1/collections/filled/documents", {"documents": [{"text": ""}]}, 422,
     ["documents[0].text is an empty string"]),
    ("POST", "/v1/collections/filled/documents", {"documents": [{"text": "a", "x": 1}]}, 422,
     ["unknown field"]),
    ("POST", "/v1/collections/filled/documents",
     {"documents": [{"text": "a", "metadata": [1]}]}, 422, ["metadata"]),
    ("POST", "/v1/collections/filled/documents", {"documents": [{"text": "a"}], "upsert": "y"},
     422, ["upsert"]),
    ("POST", "/v1/collections/filled/documents", {"documents": [{"text": "a", "id": ""}]},
     422, ["id"]),
    ("POST", "/v1/collections/filled/documents",
     {"documents": [{"text": "a", "id": "d"}, {"text": "b", "id": "d"}]}, 422,
     ["'d' appears more than once"]),
    ("POST", "/v1/collections/filled/documents", {"documents": [{"id": "cat", "text": "new"}]},
     409, ["'cat'", "already exist", '"upsert": true']),
    ("POST", "/v1/collections/filled/documents",
     {"documents": [{"text": f"t{i}"} for i in range(MAX_BATCH + 1)]}, 413,
     [f"at most {MAX_BATCH}", str(MAX_BATCH + 1)]),
    ("POST", "/v1/collections/filled/documents", {"documents": [{"text": "y" * (MAX_CHARS + 1)}]},
     413, [f"at most {MAX_CHARS}", "documents[0]"]),
    ("POST", "/v1/collections/filled/search", {"query": "x", "where": {"year": {"$near": 1}}},
     422, ["unknown operator '$near'", "$gte"]),
    ("POST", "/v1/collections/filled/search", {"query": "x", "where": {"$nor": []}},
     422, ["unknown operator '$nor'"]),
    ("POST", "/v1/collections/filled/search", {"query": "x", "where": {"year": {"$in": 3}}},
     422, ["$in", "non-empty list"]),
    ("POST", "/v1/collections/filled/search", {"query": "x", "where": [1]}, 422, ["where"]),
    ("POST", "/v1/collections/filled/search", {"query": ""}, 422, ["empty string"]),
    ("POST", "/v1/collections/filled/search", {"query": ["x"]}, 422, ["query"]),
    ("POST", "/v1/collections/filled/search", {}, 422, ["'query' is required"]),
    ("POST", "/v1/collections/filled/search", {"query": "x", "k": 0}, 422, ["k"]),
    ("POST", "/v1/collections/filled/search", {"query": "x", "k": "3"}, 422, ["k"]),
    ("POST", "/v1/collections/filled/search", {"query": "x", "k": 1001}, 422, ["k", "1000"]),
    ("POST", "/v1/collections/filled/search", {"query": "x", "mode": "fast"}, 422, ["mode"]),
    ("POST", "/v1/collections/filled/search", {"query": "x", "metric": "l3"}, 422, ["metric"]),
    ("POST", "/v1/collections/filled/search", {"query": "x", "hybrid": 1}, 422, ["hybrid"]),
    ("POST", "/v1/collections/filled/search", {"query": "y" * (MAX_CHARS + 1)}, 413,
     [f"at most {MAX_CHARS}"]),
    ("POST", "/v1/collections/filled/delete", {}, 422, ["'ids' and/or 'where'"]),
    ("POST", "/v1/collections/filled/delete", {"where": {"a": {"$bad": 1}}}, 422,
     ["unknown operator '$bad'"]),
    ("POST", "/v1/collections/filled/delete", {"ids": "cat"}, 422, ["ids"]),
])
def test_errors(http, filled, method, path, body, status, words) -> None:
    resp = http.request(method, path, json=body)
    error = assert_error(resp, status, *words)
    assert set(error) == {"message", "type", "param", "code"}
    assert ok(http.get("/v1/collections/filled"))["count"] == len(DOCS)  # nothing changed


def test_malformed_requests(http, filled) -> None:
    headers = {"content-type": "application/json"}
    for path in ("/v1/collections", "/v1/collections/filled/documents",
                 "/v1/collections/filled/search", "/v1/collections/filled/delete"):
        assert_error(http.post(path, content=b'{"query": ', headers=headers), 400,
                     "not valid JSON")
        assert_error(http.post(path, content=b"[1, 2]", headers=headers), 422)
        assert_error(http.post(path, content=b"null", headers=headers), 422)
        assert_error(http.post(path), 422)
    resp = http.post("/v1/collections/filled/documents", headers=headers,
                     content=b'{"documents": [{"text": "a", "metadata": {"x": NaN}}]}')
    assert_error(resp, 422, "not JSON-serializable")


class FakeMiniLM(Encoder):
    """Claims the served model's name and size, with other weights (another fingerprint)."""

    name, dimension, normalize_default, fingerprint = "all-MiniLM-L6-v2", 384, True, "f" * 64

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 384), np.float32)


class Letters(Encoder):
    name, dimension, normalize_default, fingerprint = "letters", 2, False, "1" * 64

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.array([[len(t), t.count("a")] for t in texts], np.float32)


def test_collection_built_with_another_model(http, root) -> None:
    with Collection.create(root / "other", encoder=FakeMiniLM()) as col:
        col.add(["hello"], ids=["h"])
    with Collection.create(root / "letters", encoder=Letters()) as col:
        col.add(["banana"], ids=["b"])
    with Collection.create(root / "raw", metric="dot") as col:
        col.add(vectors=np.eye(2, dtype=np.float32), ids=["x", "y"])
    try:
        for name, words in [("other", ["'all-MiniLM-L6-v2'", "fingerprint ffffffffffffffff"]),
                            ("letters", ["'letters'", "cannot load"]),
                            ("raw", ["no model", "Python API"])]:
            for path, body in [("search", {"query": "hi"}),
                               ("documents", {"documents": [{"text": "hi"}]})]:
                error = assert_error(http.post(f"/v1/collections/{name}/{path}", json=body),
                                     409, *words)
                assert error["code"] == "model_mismatch"
            # reading and deleting need no model
            assert ok(http.get(f"/v1/collections/{name}"))["count"] >= 1
        assert ok(http.get("/v1/collections/letters"))["model"] == "letters"
        assert ok(http.get("/v1/collections/raw"))["model"] is None
        assert ok(http.post("/v1/collections/letters/delete", json={"ids": ["b"]}))["deleted"] == 1
        # an empty collection without a model: nothing to find; the first add adopts the
        # served model
        Collection.create(root / "empty").close()
        assert search(http, "empty", query="hi") == []
        assert ok(http.get("/v1/collections/empty"))["model"] is None
        ok(http.post("/v1/collections/empty/documents", json={"documents": [{"text": "hi"}]}))
        assert ok(http.get("/v1/collections/empty"))["model"] == "all-MiniLM-L6-v2"
        assert search(http, "empty", query="hello")[0]["text"] == "hi"
    finally:
        for name in ("other", "letters", "raw", "empty"):
            ok(http.delete(f"/v1/collections/{name}"))


def test_openapi_lists_the_endpoints(http) -> None:
    paths = ok(http.get("/openapi.json"))["paths"]
    assert set(paths["/v1/collections"]) == {"get", "post"}
    assert set(paths["/v1/collections/{name}"]) == {"get", "delete"}
    for suffix in ("documents", "delete", "search"):
        assert set(paths[f"/v1/collections/{{name}}/{suffix}"]) == {"post"}
    assert not any("{rest" in p for p in paths)


def test_default_root_and_cli_option(minilm_dir, monkeypatch, tmp_path) -> None:
    from click.testing import CliRunner

    from embedlab.cli.serve import serve_command
    from embedlab.serve.app import create_app

    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path))
    monkeypatch.setattr("embedlab.paths.models_dir", lambda: minilm_dir.parent)
    app = create_app(str(minilm_dir), cache=False)
    assert app.state.collections.root == tmp_path / "collections"
    out = CliRunner().invoke(serve_command, ["--help"]).output
    assert "--collections ROOT" in out


def test_serve_command_with_collections_root(minilm_dir, tmp_path) -> None:
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = tmp_path / "cols"
    proc = subprocess.Popen([sys.executable, "-m", "embedlab", "serve", "--port", str(port),
                             "--no-cache", "--threads", "1", "--collections", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            assert proc.poll() is None and time.time() < deadline, "server did not start"
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        ok(httpx.post(f"{base}/v1/collections", json={"name": "cli"}), 201)
        ok(httpx.post(f"{base}/v1/collections/cli/documents",
                      json={"documents": [{"id": "a", "text": "hello"}]}))
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    with Collection.open(root / "cli") as col:
        assert col.count() == 1 and col.model_name == "all-MiniLM-L6-v2"


@pytest.mark.parametrize(("exc", "status", "code"), [
    ("DuplicateIdError", 409, "duplicate_id"),
    ("ModelMismatchError", 409, "model_mismatch"),
    ("CollectionNotFoundError", 404, "collection_not_found"),
    ("CollectionExistsError", 409, "collection_exists"),
    ("FormatVersionError", 409, "unsupported_format"),
    ("CollectionError", 422, None),
])
def test_store_errors_map_to_statuses_by_type(exc, status, code) -> None:
    """The status follows the error's type, whatever its message says."""
    import embedlab.store as store
    from embedlab.serve.collections_api import store_error

    for message in ("something went wrong", "1 id(s) already exist", "built with model 'x'"):
        error = store_error(getattr(store, exc)(message))
        assert (error.status, error.code) == (status, code), (exc, message)


def test_newer_format_collection_is_a_conflict(http, root) -> None:
    import sqlite3

    Collection.create(root / "future").close()
    con = sqlite3.connect(root / "future" / "collection.sqlite")
    con.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    con.commit()
    con.close()
    try:
        error = assert_error(http.get("/v1/collections/future"), 409, "format version 99",
                             "upgrade embedlab")
        assert error["code"] == "unsupported_format"
    finally:
        ok(http.delete("/v1/collections/future"))


def test_collection_of_another_precision_is_refused(http, root, minilm_dir) -> None:
    """This server runs float32; a collection built with the int8 graph of the same weights
    takes neither its writes nor its queries."""
    int8 = load_encoder(str(minilm_dir), cache=False, quantize="int8")
    with Collection.create(root / "q8", encoder=int8) as col:
        col.add(["hello"], ids=["h"])
    try:
        for path, body in [("search", {"query": "hi"}),
                           ("documents", {"documents": [{"text": "hi"}]})]:
            error = assert_error(http.post(f"/v1/collections/q8/{path}", json=body), 409,
                                 "'all-MiniLM-L6-v2' at int8 precision",
                                 "at float32 precision", "--quantize int8")
            assert error["code"] == "model_mismatch"
        assert ok(http.get("/v1/collections/q8"))["count"] == 1
    finally:
        ok(http.delete("/v1/collections/q8"))
