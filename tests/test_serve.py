"""`embedlab serve`: a real uvicorn server on 127.0.0.1, driven by the OpenAI and Ollama
clients and by plain httpx for every endpoint and error case."""

from __future__ import annotations

import asyncio
import base64
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from embedlab.encoders import load_encoder
from serve_helpers import ServerThread, assert_error, recording_encode

MAX_BATCH = 16
MAX_CHARS = 3000
TEXTS = ["A man is playing a guitar.", "Une femme lit un livre.", "The market fell sharply.",
         "Ünïcödé ☃ emoji 🎸"]


@pytest.fixture(scope="module")
def server(minilm_dir) -> Iterator[ServerThread]:
    from embedlab.serve.app import create_app

    app = create_app("all-MiniLM-L6-v2", cache=False, max_batch=MAX_BATCH,
                     max_text_chars=MAX_CHARS)
    with ServerThread(app) as srv:
        yield srv
    assert not srv.thread.is_alive()


@pytest.fixture(scope="module")
def base(server) -> str:
    return f"http://127.0.0.1:{server.port}"


@pytest.fixture(scope="module")
def http(base) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def encoder(minilm_dir):
    return load_encoder("all-MiniLM-L6-v2", cache=False)


# --- OpenAI ---------------------------------------------------------------------------------

def test_openai_client_float_and_default_base64(base, encoder) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"{base}/v1", api_key="x")
    expected = encoder.encode(TEXTS)
    for fmt in ("float", None):  # the client asks for base64 by default and decodes it
        kwargs = {"encoding_format": fmt} if fmt else {}
        resp = client.embeddings.create(model="all-MiniLM-L6-v2", input=TEXTS, **kwargs)
        got = np.array([d.embedding for d in sorted(resp.data, key=lambda d: d.index)])
        assert got.shape == (4, 384)
        np.testing.assert_allclose(got, expected, atol=1e-5)
        assert resp.model == "all-MiniLM-L6-v2"
        tokens = sum(len(ids) for ids in encoder.token_ids(TEXTS))
        assert resp.usage.prompt_tokens == resp.usage.total_tokens == tokens


def test_openai_single_string_dimensions_and_alias(base, encoder) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"{base}/v1", api_key="x")
    resp = client.embeddings.create(model="minilm", input="hello world", dimensions=64,
                                    encoding_format="float")
    got = np.array(resp.data[0].embedding)
    np.testing.assert_allclose(got, encoder.encode(["hello world"], dimensions=64)[0],
                               atol=1e-5)
    assert abs(np.linalg.norm(got) - 1) < 1e-5 and len(resp.data) == 1


def test_openai_response_shape_and_base64(http, encoder) -> None:
    body = {"input": TEXTS[:2], "model": "sentence-transformers/all-MiniLM-L6-v2",
            "encoding_format": "base64", "user": "me"}
    resp = http.post("/v1/embeddings", json=body)
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    assert set(doc) == {"object", "data", "model", "usage"} and doc["object"] == "list"
    assert set(doc["usage"]) == {"prompt_tokens", "total_tokens"}
    assert [d["index"] for d in doc["data"]] == [0, 1]
    assert all(set(d) == {"object", "index", "embedding"} and d["object"] == "embedding"
               for d in doc["data"])
    got = np.stack([np.frombuffer(base64.b64decode(d["embedding"]), dtype="<f4")
                    for d in doc["data"]])
    np.testing.assert_allclose(got, encoder.encode(TEXTS[:2]), atol=1e-5)


def test_openai_long_text_is_truncated_like_encode(http, encoder) -> None:
    text = "word " * 500  # 2,500 chars, ~500 tokens: over the 256-token limit
    resp = http.post("/v1/embeddings", json={"input": [text], "model": "all-MiniLM-L6-v2"})
    assert resp.status_code == 200, resp.text
    np.testing.assert_allclose(resp.json()["data"][0]["embedding"], encoder.encode([text])[0],
                               atol=1e-5)
    assert resp.json()["usage"]["prompt_tokens"] == 256


def test_v1_models(http) -> None:
    doc = http.get("/v1/models").json()
    assert doc["object"] == "list"
    assert "all-MiniLM-L6-v2" in [m["id"] for m in doc["data"]]


# --- Ollama ---------------------------------------------------------------------------------

def test_ollama_client_embed_and_embeddings(base, encoder) -> None:
    import ollama

    client = ollama.Client(host=base)
    resp = client.embed(model="all-MiniLM-L6-v2", input=TEXTS)
    np.testing.assert_allclose(np.array(resp.embeddings), encoder.encode(TEXTS), atol=1e-5)
    assert resp.prompt_eval_count == sum(len(ids) for ids in encoder.token_ids(TEXTS))
    assert resp.total_duration > 0 and resp.load_duration == 0
    one = client.embed(model="minilm:latest", input="hello", dimensions=32)
    np.testing.assert_allclose(one.embeddings[0], encoder.encode(["hello"], dimensions=32)[0],
                               atol=1e-5)
    old = client.embeddings(model="all-MiniLM-L6-v2", prompt="hello")
    np.testing.assert_allclose(old.embedding, encoder.encode(["hello"])[0], atol=1e-5)


def test_ollama_tags_and_list(base, http) -> None:
    import ollama

    doc = http.get("/api/tags").json()
    entry = next(m for m in doc["models"] if m["name"] == "all-MiniLM-L6-v2:latest")
    assert entry["size"] > 10_000_000 and len(entry["digest"]) == 64
    assert entry["details"]["family"] == "bert"
    names = [m.model for m in ollama.Client(host=base).list().models]
    assert "all-MiniLM-L6-v2:latest" in names


def test_ollama_truncate_false_refuses_long_text(http, encoder) -> None:
    text = "word " * 500
    body = {"model": "all-MiniLM-L6-v2", "input": ["short", text], "truncate": False}
    assert_error(http.post("/api/embed", json=body), 400, "input 1", "256")
    body["truncate"] = True
    resp = http.post("/api/embed", json=body)
    assert resp.status_code == 200
    np.testing.assert_allclose(resp.json()["embeddings"], encoder.encode(["short", text]),
                               atol=1e-5)
    assert resp.json()["prompt_eval_count"] == 3 + 256


def test_ollama_client_error_is_raised(base) -> None:
    import ollama

    with pytest.raises(ollama.ResponseError) as info:
        ollama.Client(host=base).embed(model="no-such-model", input="x")
    assert info.value.status_code == 404


def test_lazy_second_model(http, mpnet_dir) -> None:
    mpnet = load_encoder("all-mpnet-base-v2", cache=False)
    resp = http.post("/api/embed", json={"model": "mpnet", "input": TEXTS[:2]})
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    np.testing.assert_allclose(doc["embeddings"], mpnet.encode(TEXTS[:2]), atol=1e-5)
    again = http.post("/api/embed", json={"model": "all-mpnet-base-v2", "input": "x"}).json()
    assert again["load_duration"] == 0 and len(again["embeddings"][0]) == 768
    assert "all-mpnet-base-v2" in http.get("/health").json()["loaded"]


# --- other endpoints ------------------------------------------------------------------------

def test_health_and_openapi(http) -> None:
    health = http.get("/health").json()
    assert health["status"] == "ok" and health["model"] == "all-MiniLM-L6-v2"
    assert health["dimension"] == 384 and health["limits"]["max_inputs"] == MAX_BATCH
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/v1/embeddings", "/api/embed", "/api/embeddings", "/api/tags",
            "/health"} <= set(paths)


# --- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "status", "words"), [
    ({"input": [], "model": "minilm"}, 422, ["empty list"]),
    ({"input": "", "model": "minilm"}, 422, ["empty string"]),
    ({"input": ["ok", ""], "model": "minilm"}, 422, ["input 1"]),
    ({"input": 5, "model": "minilm"}, 422, ["'input'", "string"]),
    ({"input": ["a", None], "model": "minilm"}, 422, ["input"]),
    ({"input": {"a": 1}, "model": "minilm"}, 422, ["input"]),
    ({"input": [1, 2, 3], "model": "minilm"}, 422, ["token-id"]),
    ({"input": [[1, 2], [3]], "model": "minilm"}, 422, ["token-id"]),
    ({"input": "x"}, 422, ["'model' is required"]),
    ({"model": "minilm"}, 422, ["'input' is required"]),
    ({"input": "x", "model": "minilm", "colour": "red"}, 422, ["unknown field 'colour'"]),
    ({"input": "x", "model": "minilm", "encoding_format": "hex"}, 422, ["encoding_format"]),
    ({"input": "x", "model": "minilm", "dimensions": 0}, 422, ["dimensions"]),
    ({"input": "x", "model": "minilm", "dimensions": "8"}, 422, ["dimensions"]),
    ({"input": "x", "model": "minilm", "dimensions": 385}, 422, ["1 to 384"]),
    ({"input": ["x"] * (MAX_BATCH + 1), "model": "minilm"}, 413, [str(MAX_BATCH), "17"]),
    ({"input": "y" * (MAX_CHARS + 1), "model": "minilm"}, 413, [str(MAX_CHARS)]),
    ({"input": "x", "model": "nope"}, 404, ["'nope'", "all-MiniLM-L6-v2"]),
    ({"input": "x", "model": "glove"}, 404, ["not pulled", "embedlab pull glove-6b-50d"]),
])
def test_openai_errors(http, body, status, words) -> None:
    assert_error(http.post("/v1/embeddings", json=body), status, *words)


@pytest.mark.parametrize(("path", "body", "status", "words"), [
    ("/api/embed", {"model": "minilm", "input": []}, 422, ["empty list"]),
    ("/api/embed", {"model": "minilm", "input": "x", "truncate": "no"}, 422, ["truncate"]),
    ("/api/embed", {"model": "minilm", "input": "x", "raw": 1}, 422, ["unknown field 'raw'"]),
    ("/api/embed", {"model": "minilm", "input": ["x"] * 17}, 413, ["16"]),
    ("/api/embed", {"model": "zzz", "input": "x"}, 404, ["known models"]),
    ("/api/embeddings", {"model": "minilm"}, 422, ["'prompt' is required"]),
    ("/api/embeddings", {"model": "minilm", "prompt": ""}, 422, ["empty string"]),
    ("/api/embeddings", {"model": "minilm", "prompt": ["x"]}, 422, ["prompt"]),
])
def test_ollama_errors(http, path, body, status, words) -> None:
    assert_error(http.post(path, json=body), status, *words)


def test_malformed_requests(http) -> None:
    headers = {"content-type": "application/json"}
    assert_error(http.post("/v1/embeddings", content=b'{"input": ', headers=headers), 400,
                 "not valid JSON")
    assert_error(http.post("/api/embed", content=b"\xff\xfe", headers=headers), 400, "JSON")
    assert_error(http.post("/v1/embeddings", content=b"[1, 2]", headers=headers), 422)
    assert_error(http.post("/v1/embeddings", content=b"null", headers=headers), 422)
    assert_error(http.post("/v1/embeddings"), 422)
    assert_error(http.get("/v1/embeddings"), 405)
    assert_error(http.get("/no/such/path"), 404)


# --- concurrency ----------------------------------------------------------------------------

def test_concurrent_requests_are_batched_and_correct(server, base, encoder) -> None:
    texts = [f"Sentence number {i} about {w}." for i, w in
             enumerate(["cats", "dogs", "stocks", "rain", "music"] * 4)]
    expected = encoder.encode(texts)
    served = server.app.state.pool.served.encoder

    async def one(client: httpx.AsyncClient, i: int) -> list[float]:
        resp = await client.post("/v1/embeddings",
                                 json={"input": [texts[i]], "model": "all-MiniLM-L6-v2"})
        assert resp.status_code == 200, resp.text
        return resp.json()["data"][0]["embedding"]

    async def main() -> list[list[float]]:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            return await asyncio.gather(*(one(client, i) for i in range(len(texts))))

    with recording_encode(served) as calls:
        got = asyncio.run(main())
    np.testing.assert_allclose(np.array(got), expected, atol=1e-5)
    assert sum(calls) == len(texts) and len(calls) < len(texts) and max(calls) > 1


# --- the command ----------------------------------------------------------------------------

def test_serve_on_busy_port_fails_clearly() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "embedlab", "serve", "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_does_not_import_server_libraries() -> None:
    code = ("import sys; from embedlab.cli import main\n"
            "for args in (['--help'], ['serve', '--help']):\n"
            "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
            "print('HEAVY', sorted(m for m in ('fastapi', 'uvicorn', 'onnxruntime', 'starlette')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "--max-text-chars" in out and "HEAVY []" in out


def test_serve_command_serves_until_interrupted(minilm_dir) -> None:
    import signal

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "embedlab", "serve", "--port", str(port),
                             "--model", "minilm", "--no-cache", "--max-batch", "4",
                             "--threads", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while True:
            assert proc.poll() is None and time.time() < deadline, "server did not start"
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert health["model"] == "all-MiniLM-L6-v2" and health["limits"]["max_inputs"] == 4
        resp = httpx.post(f"http://127.0.0.1:{port}/v1/embeddings",
                          json={"input": ["a"] * 5, "model": "minilm"})
        assert_error(resp, 413, "at most 4")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}" in err and "Traceback" not in err


def test_model_pool_keeps_a_small_lru(monkeypatch) -> None:
    from embedlab.encoders import Encoder
    from embedlab.serve import pool as pool_module
    from embedlab.serve.embedding import Limits, embed_texts
    from embedlab.serve.errors import APIError

    class Letters(Encoder):
        dimension, normalize_default, max_length = 2, False, 8

        def __init__(self, name: str) -> None:
            self.name = name

        def encode_batch(self, texts: list[str]) -> np.ndarray:
            return np.array([[len(t), t.count("a")] for t in texts], np.float32)

    names = {n: n for n in ("served", "b", "c")}
    monkeypatch.setattr(pool_module, "_known_names", lambda: dict(names))
    loads: list[str] = []

    def load(name: str) -> Letters:
        loads.append(name)
        return Letters(name)

    async def scenario() -> None:
        pool = pool_module.ModelPool("served", load, max_loaded=1)
        limits = Limits()
        for name in ("b", "b", "c", "served", "b"):
            result = await embed_texts(pool, name, ["banana", "kiwi"], limits)
            assert result.model.name == name
            np.testing.assert_array_equal(result.vectors, [[6, 3], [4, 0]])
        assert loads == ["served", "b", "c", "b"] and pool.loaded() == ["served", "b"]
        with pytest.raises(APIError) as info:
            await embed_texts(pool, "zzz", ["x"], limits)
        assert info.value.status == 404 and "b, c, served" in info.value.message
        await pool.aclose()

    asyncio.run(scenario())


def test_non_finite_model_output_is_a_named_error_not_json_nan(monkeypatch) -> None:
    """JSON has no NaN, and orjson would write null: a model that yields NaN or infinity is a
    server-side 500 that names the model, never a response with null or NaN vectors."""
    from embedlab.encoders import Encoder
    from embedlab.serve import pool as pool_module
    from embedlab.serve.embedding import Limits, embed_texts
    from embedlab.serve.errors import APIError

    class Broken(Encoder):
        name, dimension, normalize_default, max_length = "broken", 2, True, 8

        def encode_batch(self, texts: list[str]) -> np.ndarray:
            return np.array([[np.nan if "nan" in t else 1.0, np.inf if "inf" in t else 0.0]
                             for t in texts], np.float32)

    monkeypatch.setattr(pool_module, "_known_names", lambda: {"broken": "broken"})

    async def scenario() -> None:
        pool = pool_module.ModelPool("broken", lambda name: Broken(), max_loaded=1)
        ok = await embed_texts(pool, "broken", ["fine"], Limits())
        np.testing.assert_array_equal(ok.vectors, [[1.0, 0.0]])
        for text in ("a nan", "an inf"):
            with pytest.raises(APIError) as info:
                await embed_texts(pool, "broken", ["fine", text], Limits())
            assert info.value.status == 500
            assert "model broken gave non-finite values" in info.value.message
        await pool.aclose()

    asyncio.run(scenario())
