"""A real uvicorn server in a background thread, and the error-shape check, for serve tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx


class ServerThread:
    """uvicorn serving an app on a socket bound to 127.0.0.1:0, in a background thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        from embedlab.serve.runner import bind_socket

        self.app = app
        self.sock = bind_socket("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def assert_error(resp: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    error: dict[str, Any] = resp.json()["error"]
    assert isinstance(error["message"], str) and isinstance(error["type"], str)
    for word in words:
        assert word in error["message"], error["message"]
    return error


@contextmanager
def recording_encode(encoder: Any) -> Iterator[list[int]]:
    """Patch ``encoder.encode`` to record each call's batch size; the first call waits 0.3 s
    so concurrent requests queue up behind it and must be batched together."""
    calls: list[int] = []
    original = encoder.encode

    def slow_first_encode(batch: list[str], **kwargs: Any) -> Any:
        calls.append(len(batch))
        if len(calls) == 1:
            time.sleep(0.3)
        return original(batch, **kwargs)

    encoder.encode = slow_first_encode
    try:
        yield calls
    finally:
        del encoder.encode


def create_collection(client: Any, name: str, documents: list[dict[str, Any]]) -> str:
    """Create collection ``name`` over HTTP (an httpx or TestClient client) and add
    ``documents``; its name, for a fixture to return."""
    assert client.post("/v1/collections", json={"name": name}).status_code == 201
    resp = client.post(f"/v1/collections/{name}/documents", json={"documents": documents})
    assert resp.status_code == 200, resp.text
    return name
