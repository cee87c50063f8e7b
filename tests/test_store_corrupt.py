"""A collection whose database is garbage is reported as such and never breaks its neighbours.

Before, the raw ``sqlite3.DatabaseError`` from the first PRAGMA escaped: a traceback from the
CLI, a 500 over HTTP, and ``collections list`` / ``GET /v1/collections`` failing for every
collection under the root.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from embedlab.store import Collection, CorruptCollectionError, list_collections


def _make(root: Path) -> None:
    for name in ("good", "bad"):
        with Collection.create(root / name, metric="dot") as col:
            col.add(vectors=np.eye(3, dtype=np.float32), ids=["x", "y", "z"])
    db = root / "bad" / "collection.sqlite"
    data = bytearray(db.read_bytes())
    data[:4096] = os.urandom(4096)  # the header and first page: not a database any more
    db.write_bytes(bytes(data))


def test_open_and_listing(tmp_path: Path) -> None:
    _make(tmp_path)
    with pytest.raises(CorruptCollectionError, match="bad: collection.sqlite is unreadable"):
        Collection.open(tmp_path / "bad")
    assert [c.name for c in list_collections(tmp_path)] == ["good"]


def test_cli_gives_one_error_line(tmp_path: Path) -> None:
    _make(tmp_path)
    run = [sys.executable, "-m", "embedlab", "collections"]
    info = subprocess.run([*run, "info", str(tmp_path / "bad")], capture_output=True,
                          text=True, timeout=120)
    assert info.returncode == 1
    assert "Traceback" not in info.stderr
    assert info.stderr.strip().startswith("error: collection bad:"), info.stderr
    listing = subprocess.run([*run, "list", str(tmp_path)], capture_output=True, text=True,
                             timeout=120)
    assert listing.returncode == 0, listing.stderr
    assert "good" in listing.stdout and "Traceback" not in listing.stderr


def test_http_409_and_listing_keeps_the_others(tmp_path: Path) -> None:
    from embedlab.serve.app import create_app

    _make(tmp_path)
    app = create_app("all-MiniLM-L6-v2", cache=False, collections_root=tmp_path)
    with TestClient(app) as client:
        listing = client.get("/v1/collections").json()
        assert [c["name"] for c in listing["collections"]] == ["good"]
        assert [s["name"] for s in listing["skipped"]] == ["bad"]
        assert "unreadable" in listing["skipped"][0]["error"]
        assert str(tmp_path) not in listing["skipped"][0]["error"]
        resp = client.get("/v1/collections/bad")
        assert resp.status_code == 409, resp.text
        assert str(tmp_path) not in resp.text
        search = client.post("/v1/collections/bad/search", json={"query": "x"})
        assert search.status_code == 409, search.text


def test_http_errors_never_show_server_paths(tmp_path: Path) -> None:
    import sqlite3

    from embedlab.serve.app import create_app

    _make(tmp_path)
    with sqlite3.connect(tmp_path / "good" / "collection.sqlite") as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    app = create_app("all-MiniLM-L6-v2", cache=False, collections_root=tmp_path)
    with TestClient(app) as client:
        newer = client.get("/v1/collections/good")
        assert newer.status_code == 409, newer.text
        assert str(tmp_path) not in newer.text and "good" in newer.json()["error"]["message"]
        corrupt = client.get("/v1/collections/bad")
        assert corrupt.json()["error"]["code"] == "collection_corrupt"
