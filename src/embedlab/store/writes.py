"""Document writes (add, upsert, delete) as single SQLite transactions.

Callers hold the collection's write lock; every function here runs inside one
``BEGIN IMMEDIATE`` … ``COMMIT`` so a crash leaves each document fully in or absent, and bumps
the ``generation`` counter that readers and the HNSW index file compare against.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from embedlab.store.errors import CollectionError

_CHUNK = 500  # values per IN (...) list


@dataclass
class NewDocument:
    """One document to write; ``vector`` is None when its text's content row already exists."""

    id: str
    text: str | None
    hash: bytes
    vector: np.ndarray | None
    source: str | None
    metadata: str
    start: int | None
    end: int | None


def content_hash(text: str | None, vector: np.ndarray | None) -> bytes:
    """sha256 of the text (so equal texts share one row), or of the vector when text-less."""
    if text is not None:
        return hashlib.sha256(b"text:" + text.encode("utf-8", "surrogatepass")).digest()
    if vector is None:
        raise CollectionError("a document needs a text or a vector")
    return hashlib.sha256(b"vector:" + np.asarray(vector, "<f4").tobytes()).digest()


def metadata_json(metadata: Any, index: int) -> str:
    """Metadata as a JSON object string, or CollectionError naming the bad item."""
    if metadata is None:
        return "{}"
    if not isinstance(metadata, dict):
        raise CollectionError(f"metadatas[{index}] must be a dict, got {type(metadata).__name__}")
    try:
        return json.dumps(metadata, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CollectionError(f"metadatas[{index}] is not JSON-serializable: {exc}") from None


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction that bumps the generation; rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                     "WHERE key = 'generation'")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def existing_hashes(conn: sqlite3.Connection, hashes: Sequence[bytes]) -> set[bytes]:
    """Which of ``hashes`` already have a content row."""
    found: set[bytes] = set()
    for part in chunks(list(dict.fromkeys(hashes))):
        marks = ",".join("?" * len(part))
        found.update(r[0] for r in conn.execute(
            f"SELECT hash FROM contents WHERE hash IN ({marks})", list(part)))
    return found


def existing_ids(conn: sqlite3.Connection, ids: Sequence[str]) -> list[str]:
    found: list[str] = []
    for part in chunks(list(ids)):
        marks = ",".join("?" * len(part))
        found.extend(r[0] for r in conn.execute(
            f"SELECT id FROM documents WHERE id IN ({marks})", list(part)))
    return found


def insert_documents(conn: sqlite3.Connection, docs: list[NewDocument], replace: bool,
                     pack: Callable[[np.ndarray], np.ndarray]) -> list[bytes]:
    """Write ``docs`` (call inside :func:`transaction`); ``replace`` makes it an upsert.

    Returns the hashes whose content row is missing and whose vector was not given (another
    process deleted them since the caller looked); the caller rolls back and retries.
    """
    ids = [d.id for d in docs]
    taken = existing_ids(conn, ids)
    if taken and not replace:
        raise CollectionError(
            f"{len(taken)} id(s) already exist, e.g. {taken[0]!r}; use upsert() to replace "
            "them or delete() them first"
        )
    if taken:
        delete_seqs(conn, seqs_for_ids(conn, taken))
    present = existing_hashes(conn, [d.hash for d in docs])
    missing = [d.hash for d in docs if d.hash not in present and d.vector is None]
    if missing:
        return missing
    content_ids: dict[bytes, int] = {}
    for doc in docs:
        if doc.hash in content_ids:
            continue
        if doc.hash in present:
            row = conn.execute("SELECT id FROM contents WHERE hash = ?", (doc.hash,)).fetchone()
            content_ids[doc.hash] = row[0]
            if replace and doc.vector is not None:
                vec = np.asarray(doc.vector, "<f4")
                cur = conn.execute("UPDATE contents SET vector = ?, bits = ? WHERE id = ? "
                                   "AND vector != ?",
                                   (vec.tobytes(), pack(vec).tobytes(), row[0], vec.tobytes()))
                if cur.rowcount:
                    bump_removals(conn)
            continue
        if doc.vector is None:  # excluded by the `missing` check above
            raise CollectionError(f"document {doc.id!r} has neither a stored nor a new vector")
        vec = np.asarray(doc.vector, "<f4")
        cur = conn.execute("INSERT INTO contents (hash, text, vector, bits) VALUES (?,?,?,?)",
                           (doc.hash, doc.text, vec.tobytes(), pack(vec).tobytes()))
        content_ids[doc.hash] = int(cur.lastrowid or 0)
    for doc in docs:
        cur = conn.execute(
            'INSERT INTO documents (id, content, source, metadata, start, "end") '
            "VALUES (?,?,?,?,?,?)",
            (doc.id, content_ids[doc.hash], doc.source, doc.metadata, doc.start, doc.end))
        if doc.text:
            conn.execute("INSERT INTO documents_fts (rowid, text) VALUES (?, ?)",
                         (cur.lastrowid, doc.text))
    return []


def seqs_for_ids(conn: sqlite3.Connection, ids: Sequence[str]) -> list[int]:
    out: list[int] = []
    for part in chunks(list(ids)):
        marks = ",".join("?" * len(part))
        out.extend(r[0] for r in conn.execute(
            f"SELECT seq FROM documents WHERE id IN ({marks})", list(part)))
    return out


def bump_removals(conn: sqlite3.Connection) -> None:
    """Record that vectors were removed or changed (an HNSW index can no longer be extended)."""
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'removals'")


def delete_seqs(conn: sqlite3.Connection, seqs: Sequence[int]) -> int:
    """Delete documents by seq, their FTS rows, and content rows nothing refers to any more."""
    if seqs:
        bump_removals(conn)
    contents: set[int] = set()
    for part in chunks(list(seqs)):
        marks = ",".join("?" * len(part))
        rows = conn.execute(
            f"SELECT d.seq, d.content, c.text FROM documents d JOIN contents c "
            f"ON c.id = d.content WHERE d.seq IN ({marks})", list(part)).fetchall()
        for seq, content, text in rows:
            contents.add(content)
            if text:  # a contentless FTS5 table deletes by the original values
                conn.execute("INSERT INTO documents_fts (documents_fts, rowid, text) "
                             "VALUES ('delete', ?, ?)", (seq, text))
        conn.execute(f"DELETE FROM documents WHERE seq IN ({marks})", list(part))
    for part in chunks(sorted(contents)):
        marks = ",".join("?" * len(part))
        conn.execute(f"DELETE FROM contents WHERE id IN ({marks}) AND NOT EXISTS "
                     "(SELECT 1 FROM documents d WHERE d.content = contents.id)", list(part))
    return len(seqs)
