"""Document writes (add, upsert, replace a source's documents, delete) as single SQLite
transactions.

Callers hold the collection's write lock; every function here runs inside one
``BEGIN IMMEDIATE`` … ``COMMIT`` so a crash leaves each document fully in or absent, and bumps
the ``generation`` counter that readers and the HNSW index file compare against.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from embedlab.store.errors import CollectionError, DuplicateIdError
from embedlab.store.schema import vector_crc

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


#: Largest metadata of one document: its JSON text, in UTF-8 bytes (64 KiB).
MAX_METADATA_BYTES = 64 * 1024


def metadata_json(metadata: Any, index: int, *, label: str | None = None) -> str:
    """Metadata as a JSON object string, or CollectionError naming the bad item.

    The JSON must be valid UTF-8 (no lone surrogates) and at most :data:`MAX_METADATA_BYTES`
    bytes long. ``label`` names the item in messages (default ``metadatas[index]``).
    """
    name = label or f"metadatas[{index}]"
    if metadata is None:
        return "{}"
    if not isinstance(metadata, dict):
        raise CollectionError(f"{name} must be a dict, got {type(metadata).__name__}")
    try:
        text = json.dumps(metadata, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CollectionError(f"{name} is not JSON-serializable: {exc}") from None
    except RecursionError:
        raise CollectionError(f"{name} is nested too deeply to serialize as JSON") from None
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise CollectionError(f"{name} is not valid Unicode (a lone surrogate at character "
                              f"{exc.start} of its JSON)") from None
    if size > MAX_METADATA_BYTES:
        raise CollectionError(f"{name} is {size:,} bytes as JSON; at most "
                              f"{MAX_METADATA_BYTES:,} bytes per document (MAX_METADATA_BYTES)")
    return text


def _as_list(name: str, value: Any, n: int) -> list[Any]:
    if value is None:
        return [None] * n
    items = _sequence(name, value)
    if len(items) != n:
        raise CollectionError(f"{name} has {len(items)} items but there are {n} documents")
    return items


def _sequence(name: str, value: Any) -> list[Any]:
    """``value`` as a list, if it is a sequence of items (not one str, bytes, mapping or
    set: a set has no order, so its items could not be matched to ids, texts or vectors)."""
    if (isinstance(value, str | bytes | bytearray | dict | set | frozenset)
            or not isinstance(value, Iterable)):
        raise CollectionError(f"{name} must be a list, got "
                              f"{type(value).__name__}")
    return list(value)


def lookup_ids(ids: Any) -> list[str]:
    """The ``ids`` of a lookup (get, delete, get_vectors): one str or a list of str."""
    if isinstance(ids, str):
        return [ids]
    items = _sequence("ids", ids)
    for i, doc_id in enumerate(items):
        if not isinstance(doc_id, str):
            raise CollectionError(f"ids[{i}] must be a str, got {type(doc_id).__name__} "
                                  f"{doc_id!r:.60}")
    return items


def check_vectors(vectors: Any, dimension: int) -> np.ndarray:
    """``vectors`` as (n, dim) float32, or CollectionError naming the bad shape or value."""
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim != 2:
        raise CollectionError(f"vectors must be (n, dim), got shape {arr.shape}")
    if dimension and arr.shape[1] != dimension:
        raise CollectionError(
            f"vectors have dimension {arr.shape[1]}; this collection holds {dimension}")
    if not np.isfinite(arr).all():
        raise CollectionError("vectors contain NaN or infinite values")
    return arr


def prepare_documents(texts: Any, ids: Any, metadatas: Any, vectors: Any, sources: Any,
                      offsets: Any, dimension: int) -> list[NewDocument]:
    """Validate the arguments of add/upsert and pair them up into documents."""
    if texts is None and vectors is None:
        raise CollectionError("pass texts=[...] and/or vectors=(n, dim) array")
    if isinstance(texts, str):
        raise CollectionError("texts must be a list of strings, got one str; wrap it: [text]")
    vecs = None if vectors is None else check_vectors(vectors, dimension)
    given = None if texts is None else _sequence("texts", texts)
    n = len(vecs) if vecs is not None else len(given or [])
    text_list = _as_list("texts", given, n)
    for i, t in enumerate(text_list):
        if t is not None and not isinstance(t, str):
            raise CollectionError(f"texts[{i}] is {type(t).__name__}, not str")
    id_list = [uuid.uuid4().hex if i is None else i for i in _as_list("ids", ids, n)]
    for i, doc_id in enumerate(id_list):
        if not isinstance(doc_id, str) or not doc_id:
            raise CollectionError(f"ids[{i}] must be a non-empty str, got {doc_id!r}")
    if len(set(id_list)) != n:
        dup = next(x for x in id_list if id_list.count(x) > 1)
        raise CollectionError(f"id {dup!r} appears more than once in this call")
    metas = [metadata_json(m, i) for i, m in enumerate(_as_list("metadatas", metadatas, n))]
    srcs = _as_list("sources", sources, n)
    offs: list[tuple[int | None, int | None]] = []
    for i, o in enumerate(_as_list("offsets", offsets, n)):
        if o is not None and (len(o) != 2 or not all(isinstance(x, int) for x in o)):
            raise CollectionError(f"offsets[{i}] must be (start, end) ints or None, got {o!r}")
        offs.append((None, None) if o is None else (o[0], o[1]))
    docs = []
    for i in range(n):
        vec = None if vecs is None else vecs[i]
        docs.append(NewDocument(id_list[i], text_list[i], content_hash(text_list[i], vec), vec,
                                srcs[i], metas[i], *offs[i]))
    return docs


def settle_dimension(conn: sqlite3.Connection, docs: list[NewDocument]) -> int:
    """The collection's dimension, fixed by the first vectors ever written (in the txn)."""
    stored = int(conn.execute("SELECT value FROM meta WHERE key = 'dimension'").fetchone()[0])
    first = next((d.vector for d in docs if d.vector is not None), None)
    if first is None:
        return stored
    if stored and len(first) != stored:
        raise CollectionError(
            f"vectors have dimension {len(first)}; this collection holds {stored}")
    if not stored:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'dimension'", (str(len(first)),))
    return len(first)


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
        raise DuplicateIdError(
            f"{len(taken)} id(s) already exist, e.g. {taken[0]!r}; upsert them to replace them "
            "(upsert() in Python, \"upsert\": true over HTTP), or delete them first"
        )
    released: set[int] = set()
    if taken:  # their content rows stay until the end: a replaced text may be written again
        released = remove_seqs(conn, seqs_for_ids(conn, taken))
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
                blob = vec.tobytes()
                cur = conn.execute("UPDATE contents SET vector = ?, bits = ?, crc = ? "
                                   "WHERE id = ? AND vector != ?",
                                   (blob, pack(vec).tobytes(), vector_crc(blob), row[0], blob))
                if cur.rowcount:
                    bump_removals(conn)
            continue
        if doc.vector is None:  # excluded by the `missing` check above
            raise CollectionError(f"document {doc.id!r} has neither a stored nor a new vector")
        vec = np.asarray(doc.vector, "<f4")
        blob = vec.tobytes()
        cur = conn.execute("INSERT INTO contents (hash, text, vector, bits, crc) "
                           "VALUES (?,?,?,?,?)",
                           (doc.hash, doc.text, blob, pack(vec).tobytes(), vector_crc(blob)))
        content_ids[doc.hash] = int(cur.lastrowid or 0)
    for doc in docs:
        cur = conn.execute(
            'INSERT INTO documents (id, content, source, metadata, start, "end") '
            "VALUES (?,?,?,?,?,?)",
            (doc.id, content_ids[doc.hash], doc.source, doc.metadata, doc.start, doc.end))
        if doc.text:
            conn.execute("INSERT INTO documents_fts (rowid, text) VALUES (?, ?)",
                         (cur.lastrowid, doc.text))
    prune_contents(conn, released)
    return []


def replace_source(conn: sqlite3.Connection, source: str, docs: list[NewDocument],
                   pack: Callable[[np.ndarray], np.ndarray]) -> tuple[list[bytes], int]:
    """Swap every document whose ``source`` is ``source`` for ``docs`` (call inside
    :func:`transaction`): the old ones go and the new ones arrive in the same commit.

    Returns ``(missing, removed)``: ``missing`` as for :func:`insert_documents` (the caller
    rolls back and retries), ``removed`` the number of old documents whose id is not among
    the new ones.
    """
    rows = conn.execute("SELECT seq, id FROM documents WHERE source = ?", (source,)).fetchall()
    new_ids = {d.id for d in docs}
    released = remove_seqs(conn, [seq for seq, _ in rows])
    missing = insert_documents(conn, docs, True, pack)
    if missing:
        return missing, 0
    prune_contents(conn, released)
    return [], sum(1 for _, doc_id in rows if doc_id not in new_ids)


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
    prune_contents(conn, remove_seqs(conn, seqs))
    return len(seqs)


def remove_seqs(conn: sqlite3.Connection, seqs: Sequence[int]) -> set[int]:
    """Delete documents by seq and their FTS rows; the ids of the content rows they used
    (which may now be unreferenced: see :func:`prune_contents`)."""
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
    return contents


def prune_contents(conn: sqlite3.Connection, contents: set[int]) -> None:
    """Delete the content rows among ``contents`` that no document refers to any more."""
    for part in chunks(sorted(contents)):
        marks = ",".join("?" * len(part))
        conn.execute(f"DELETE FROM contents WHERE id IN ({marks}) AND NOT EXISTS "
                     "(SELECT 1 FROM documents d WHERE d.content = contents.id)", list(part))


@dataclass
class CorruptContent:
    """A content row whose stored vector fails its checksum, and the documents using it."""

    content: int
    text: str | None
    ids: list[str]


def corrupt_contents(conn: sqlite3.Connection, dimension: int) -> list[CorruptContent]:
    """Every content row whose vector blob has the wrong size or fails its crc32, with the
    ids of the documents that use it (a full scan: for ``collections check``, not queries)."""
    out: list[CorruptContent] = []
    size = 4 * dimension
    for content, text, blob, crc in conn.execute(
            "SELECT id, text, vector, crc FROM contents ORDER BY id"):
        if (not isinstance(blob, bytes) or (dimension and len(blob) != size)
                or crc != vector_crc(blob)):
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM documents WHERE content = ? ORDER BY seq", (content,))]
            out.append(CorruptContent(int(content), text, ids))
    return out


def rewrite_vectors(conn: sqlite3.Connection, vectors: dict[int, np.ndarray],
                    pack: Callable[[np.ndarray], np.ndarray]) -> None:
    """Store new vectors for content rows (call inside :func:`transaction`); the HNSW index
    is then rebuilt rather than extended (``removals`` is bumped)."""
    for content, vector in vectors.items():
        vec = np.asarray(vector, "<f4")
        blob = vec.tobytes()
        conn.execute("UPDATE contents SET vector = ?, bits = ?, crc = ? WHERE id = ?",
                     (blob, pack(vec).tobytes(), vector_crc(blob), content))
    if vectors:
        bump_removals(conn)
