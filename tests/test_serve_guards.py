"""`embedlab serve` request guards on a real uvicorn server on 127.0.0.1: the Host check
against DNS rebinding (421) and the body cap from Content-Length and while streaming (413),
both in the API's JSON error shape."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from embedlab.serve.guards import DEFAULT_MAX_BODY_BYTES, allowed_hosts_for, split_host
from serve_helpers import ServerThread, assert_error

CAP = 20_000


@pytest.fixture(scope="module")
def server(minilm_dir, tmp_path_factory) -> Iterator[ServerThread]:
    from embedlab.serve.app import create_app

    app = create_app("all-MiniLM-L6-v2", cache=False, bind_host="127.0.0.1",
                     allowed_hosts=["embed.lan", "box.lan:8080"], max_body_bytes=CAP,
                     collections_root=tmp_path_factory.mktemp("collections"))
    with ServerThread(app) as srv:
        yield srv


def raw(port: int, request: bytes) -> tuple[int, dict[str, Any]]:
    """Send ``request`` as is on a new connection; the status and the JSON body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")]
            if length and len(body) >= length[0]:
                break
    status = int(data.split(b" ", 2)[1])
    return status, json.loads(data.partition(b"\r\n\r\n")[2])


def get(port: int, host: str | None) -> tuple[int, dict[str, Any]]:
    if host is None:  # HTTP/1.0 may leave Host out (h11 refuses that in HTTP/1.1)
        return raw(port, b"GET /health HTTP/1.0\r\n\r\n")
    return raw(port, b"GET /health HTTP/1.1\r\nHost: " + host.encode()
               + b"\r\nConnection: close\r\n\r\n")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "LOCALHOST", "{port}",
                                  "127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}",
                                  "embed.lan", "embed.lan:1234", "box.lan:8080"])
def test_loopback_and_allowed_hosts_pass(server, host) -> None:
    name = host.format(port=server.port)
    if name.isdigit():
        name = f"localhost:{name}"
    status, body = get(server.port, name)
    assert status == 200, body
    assert body["status"] == "ok" and body["limits"]["max_body_bytes"] == CAP


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.com",
                                  "localhost.evil.com:{port}", "box.lan", "box.lan:8081",
                                  "localhost:abc", "[::1", "", None])
def test_other_hosts_are_refused_with_421(server, host) -> None:
    status, body = get(server.port, None if host is None else host.format(port=server.port))
    assert status == 421, body
    error = body["error"]
    assert error["type"] == "misdirected_request" and error["code"] == "host_not_allowed"
    assert "--allow-host" in error["message"] and "localhost" in error["message"]
    assert set(error) == {"message", "type", "param", "code"}


def test_rebinding_cannot_reach_collections(server) -> None:
    """What a rebound page would do: list and drop collections under its own name."""
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        assert http.post("/v1/collections", json={"name": "mine"}).status_code == 201
        evil = {"Host": "attacker.example"}
        assert_error(http.get("/v1/collections", headers=evil), 421, "attacker.example")
        assert_error(http.delete("/v1/collections/mine", headers=evil), 421)
        assert http.get("/v1/collections/mine").status_code == 200


def test_body_over_the_cap_by_content_length_is_413(server) -> None:
    body = json.dumps({"input": ["x" * (CAP + 10)]}).encode()
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        resp = http.post("/v1/embeddings", content=body,
                         headers={"content-type": "application/json"})
        error = assert_error(resp, 413, f"{len(body):,} bytes", f"at most {CAP:,} bytes",
                             "--max-body-bytes")
        assert error["type"] == "request_too_large" and error["code"] == "body_too_large"
        fits = http.post("/v1/embeddings",
                         json={"model": "all-MiniLM-L6-v2", "input": ["x" * (CAP - 100)]})
        assert fits.status_code == 200, fits.text


def test_chunked_body_over_the_cap_is_413(server) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"input": ["'
        for _ in range(CAP // 1000 + 2):
            yield b"y" * 1000
        yield b'"]}'

    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        resp = http.post("/v1/embeddings", content=chunks(),
                         headers={"content-type": "application/json"})
        assert "content-length" not in resp.request.headers
        error = assert_error(resp, 413, f"more than {CAP:,} bytes", "--max-body-bytes")
        assert error["code"] == "body_too_large"
        small = http.post("/v1/embeddings",
                          content=iter([b'{"model": "all-MiniLM-L6-v2", "input": ', b'["hi"]}']),
                          headers={"content-type": "application/json"})
        assert small.status_code == 200, small.text
    # the same by hand: chunked framing, no Content-Length, a collection route
    piece = b"z" * 4096
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(CAP // 4096 + 2))
    status, body = raw(server.port, b"POST /v1/collections/mine/documents HTTP/1.1\r\n"
                       b"Host: localhost\r\nContent-Type: application/json\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n" + chunked + b"0\r\n\r\n")
    assert status == 413 and body["error"]["code"] == "body_too_large"


def test_default_app_has_no_host_check_and_a_64_mib_cap(minilm_dir, tmp_path) -> None:
    """Without a bind host (as TestClient and the other serve tests use it) any Host
    passes; the default cap holds 100 texts of 50,000 CJK characters, \\u-escaped."""
    from embedlab.serve.app import create_app

    assert DEFAULT_MAX_BODY_BYTES == 64 * 2**20
    texts = ["語" * 50_000] * 100
    assert len(json.dumps({"input": texts}).encode()) > 29_000_000  # \u8a9e: 6 bytes each
    assert len(json.dumps({"input": texts}).encode()) < DEFAULT_MAX_BODY_BYTES
    app = create_app("all-MiniLM-L6-v2", cache=False, collections_root=tmp_path)
    with ServerThread(app) as srv:
        status, body = get(srv.port, "anything.example")
        assert status == 200 and body["limits"]["max_body_bytes"] == DEFAULT_MAX_BODY_BYTES


def test_allowed_hosts_rules() -> None:
    loop = ["127.0.0.1", "localhost", "[::1]"]
    assert allowed_hosts_for("127.0.0.1") == loop
    assert allowed_hosts_for("::1") == [*loop, "::1"]
    assert allowed_hosts_for("127.0.0.2", ["a.lan"]) == [*loop, "127.0.0.2", "a.lan"]
    assert allowed_hosts_for("0.0.0.0") is None
    assert allowed_hosts_for("192.168.1.5", ["a.lan"]) == [*loop, "a.lan"]
    assert allowed_hosts_for("127.0.0.1", ["*"]) is None
    assert allowed_hosts_for(None) is None
    with pytest.raises(ValueError, match="not a host name"):
        allowed_hosts_for("127.0.0.1", ["a.lan:http"])
    assert split_host("[::1]:80") == ("[::1]", "80")
    assert split_host("fe80::1") == ("[fe80::1]", None)
    assert split_host("Example.COM:11435") == ("example.com", "11435")
    assert split_host("host:") is None and split_host("[zz]") is None


def test_cli_options(minilm_dir) -> None:
    from click.testing import CliRunner

    from embedlab.cli import cli

    runner = CliRunner()
    out = runner.invoke(cli, ["serve", "--help"]).output
    assert "--allow-host HOST" in out and "--max-body-bytes" in out and "67108864" in out
    bad = runner.invoke(cli, ["serve", "--allow-host", "a b:c"])
    assert bad.exit_code == 2 and "not a host name" in bad.output
    assert runner.invoke(cli, ["serve", "--max-body-bytes", "0"]).exit_code == 2
