"""Several processes: a writer killed mid-add leaves whole documents; concurrent writers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from embedlab.store import Collection

DIM = 32

# Vectors are a pure function of the document number, so the parent can check each one.
HELPERS = """
import sys
import numpy as np
from embedlab.store import Collection

DIM = 32

def vectors_for(numbers):
    n = np.asarray(numbers, dtype=np.float64)[:, None]
    return np.sin(n * np.arange(1, DIM + 1) * 0.01).astype(np.float32)

def docs(prefix, numbers):
    return dict(texts=[f"{prefix} document number {i}" for i in numbers],
                ids=[f"{prefix}-{i}" for i in numbers], vectors=vectors_for(numbers),
                metadatas=[{"n": int(i), "writer": prefix} for i in numbers])
"""

KILLED_WRITER = HELPERS + """
col = Collection.open(sys.argv[1])
batch = int(sys.argv[2])
for b in range(100):
    print("begin", b, flush=True)
    col.add(**docs("k", range(b * batch, (b + 1) * batch)))
    print("done", b, flush=True)
"""

CONCURRENT_WRITER = HELPERS + """
col = Collection.open(sys.argv[1])
prefix = sys.argv[2]
for b in range(40):
    col.add(**docs(prefix, range(b * 50, (b + 1) * 50)))
    col.search(vectors_for([b])[0], k=3)
"""


def _script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def _vectors_for(numbers) -> np.ndarray:
    n = np.asarray(numbers, dtype=np.float64)[:, None]
    return np.sin(n * np.arange(1, DIM + 1) * 0.01).astype(np.float32)


def _check_whole(col: Collection, prefix: str, numbers: list[int]) -> None:
    """Every listed document is present with its text, metadata, vector and FTS row."""
    ids = [f"{prefix}-{i}" for i in numbers]
    got = col.get(ids=ids)
    assert [d.id for d in got] == ids
    for d, i in zip(got, numbers, strict=True):
        assert d.text == f"{prefix} document number {i}"
        assert d.metadata == {"n": i, "writer": prefix}
    np.testing.assert_array_equal(col.get_vectors(ids), _vectors_for(numbers))


def _integrity(path: Path) -> None:
    con = sqlite3.connect(path / "collection.sqlite")
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        orphans = con.execute("SELECT count(*) FROM documents d LEFT JOIN contents c "
                              "ON c.id = d.content WHERE c.id IS NULL").fetchone()[0]
        fts = con.execute("SELECT count(*) FROM documents_fts").fetchone()[0]
        assert orphans == 0 and fts == docs
    finally:
        con.close()


def test_kill_9_in_the_middle_of_a_large_add(tmp_path):
    path = tmp_path / "c"
    Collection.create(path, metric="cosine").close()
    batch = 40_000
    script = _script(tmp_path, "writer.py", KILLED_WRITER)
    proc = subprocess.Popen([sys.executable, str(script), str(path), str(batch)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # let one batch commit, then kill inside the next
        lines.append(proc.stdout.readline().split())
        if lines[-1] == ["begin", "1"]:
            break
    time.sleep(0.4)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    rest = proc.stdout.read().split("\n")
    proc.stdout.close()
    assert ["begin", "1"] in lines
    committed = 1 + sum(line.startswith("done") for line in rest)
    assert committed < 100

    col = Collection.open(path)
    n = col.count()
    assert n % batch == 0 and n // batch in (committed, committed + 1)
    _integrity(path)
    _check_whole(col, "k", [*range(0, n, 997), n - 1])
    assert col.count(where={"n": {"$gte": n}}) == 0
    hit = col.search(_vectors_for([12345])[0], k=1)[0]
    assert hit.id == "k-12345" and hit.score > 0.9999
    col.add(texts=["after the crash"], vectors=np.ones((1, DIM), np.float32), ids=["after"])
    assert col.count() == n + 1


def test_two_writer_processes_add_concurrently(tmp_path):
    path = tmp_path / "c"
    Collection.create(path, metric="cosine").close()
    script = _script(tmp_path, "writer.py", CONCURRENT_WRITER)
    procs = [subprocess.Popen([sys.executable, str(script), str(path), prefix],
                              stderr=subprocess.PIPE, text=True) for prefix in ("a", "b")]
    reader = Collection.open(path)
    seen = []
    while any(p.poll() is None for p in procs):  # a reader never sees a partial batch
        seen.append(reader.count())
        time.sleep(0.01)
    for p in procs:
        _, err = p.communicate()
        assert p.returncode == 0, err
    assert all(c % 50 == 0 for c in seen)
    col = Collection.open(path)
    assert col.count() == 4000
    assert col.count(where={"writer": "a"}) == col.count(where={"writer": "b"}) == 2000
    _integrity(path)
    for prefix in ("a", "b"):
        _check_whole(col, prefix, list(range(2000)))
    # both writers embedded the same numbers, so each text is distinct but vectors repeat
    assert len(col.search(_vectors_for([5])[0], k=2)) == 2
