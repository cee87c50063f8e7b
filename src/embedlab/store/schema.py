"""The SQLite file of a collection: schema, format version, connection settings and meta.

``collection.sqlite`` (WAL mode) holds:

- ``meta(key, value)``: ``format_version``, ``model_name``, ``fingerprint``, ``precision``
  (``float32``, or the model's quantization such as ``int8``; absent in older files, which
  means ``float32``), ``dimension``, ``metric``, ``config`` (JSON of index settings), ``generation`` (bumped by every write),
  ``removals`` (bumped by every write that deletes a document or changes a stored vector);
- ``contents(id, hash, text, vector, bits)``: each distinct text once (``hash`` = sha256 of
  the text, or of the vector bytes for vector-only documents), its float32 vector as a
  little-endian blob and the vector's sign bits packed (``ubinary``) for binary search;
  ``crc`` (format 2) is ``zlib.crc32`` of the vector blob's bytes, checked when vectors are
  read (a row whose blob no longer matches is reported by document id and left out);
- ``documents(seq, id, content, source, metadata, start, end)``: ``seq`` is an
  AUTOINCREMENT row number (never reused, the label in the FAISS index), ``id`` the user's
  id, ``metadata`` a JSON object, ``start``/``end`` character offsets in ``source``;
- ``documents_fts``: a contentless FTS5 table over document texts (rowid = ``seq``) for BM25.
"""

from __future__ import annotations

import logging
import sqlite3
import urllib.parse
import zlib
from pathlib import Path

from embedlab.store.errors import FormatVersionError

#: On-disk format version of ``collection.sqlite`` (stored in ``meta``).
FORMAT_VERSION = 2
#: Checksum of each vector blob (``contents.crc``), recorded for format 2.
CHECKSUM = "crc32"
logger = logging.getLogger(__name__)
DB_NAME = "collection.sqlite"
BUSY_TIMEOUT_S = 30.0
#: Bytes of the database file a connection reads through a memory map (address space only).
MMAP_BYTES = 1 << 30

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE contents (id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, text TEXT,
    vector BLOB NOT NULL, bits BLOB NOT NULL, crc INTEGER);
CREATE TABLE documents (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    content INTEGER NOT NULL REFERENCES contents(id), source TEXT,
    metadata TEXT NOT NULL DEFAULT '{}', start INTEGER, "end" INTEGER);
CREATE INDEX documents_content ON documents (content);
CREATE VIRTUAL TABLE documents_fts USING fts5(text, content='');
"""


def connect(path: Path, create: bool = False) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode (transactions are explicit) with a busy timeout.

    Without ``create`` a missing file is an error (``sqlite3.OperationalError``), never a
    new empty database: a collection dropped meanwhile is not brought back as an empty one.
    """
    mode = "rwc" if create else "rw"
    uri = f"file:{urllib.parse.quote(str(path.absolute()))}?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA synchronous = NORMAL")
    # Searches read a few random rows each: memory-mapped reads spare a system call per page.
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    return conn


def create_schema(conn: sqlite3.Connection, meta: dict[str, str]) -> None:
    """Create every table and the meta rows in one transaction (WAL mode first)."""
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA.strip().split(";"):
            if statement.strip():
                conn.execute(statement)
        rows = {"format_version": str(FORMAT_VERSION), "checksum": CHECKSUM, "generation": "0", "removals": "0", **meta}
        conn.executemany("INSERT INTO meta VALUES (?, ?)", list(rows.items()))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def read_meta(conn: sqlite3.Connection, path: Path) -> dict[str, str]:
    """All meta rows; FormatVersionError when the file is not a collection or is too new."""
    try:
        rows = conn.execute("SELECT key, value FROM meta").fetchall()
    except sqlite3.DatabaseError as exc:
        raise FormatVersionError(f"{path} is not an embedlab collection database ({exc})") from exc
    meta = dict(rows)
    try:
        version = int(meta["format_version"])
    except (KeyError, ValueError):
        raise FormatVersionError(
            f"{path} has no readable format_version in its meta table; it is not an "
            "embedlab collection"
        ) from None
    if version > FORMAT_VERSION:
        raise FormatVersionError(
            f"collection {path} has format version {version}, newer than this embedlab "
            f"reads ({FORMAT_VERSION}); upgrade embedlab to open it"
        )
    if version == 1:
        migrate_v1(conn, path)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    elif version < FORMAT_VERSION:
        raise FormatVersionError(
            f"collection {path} has old format version {version} (expected "
            f"{FORMAT_VERSION}); rebuild it with this embedlab"
        )
    return meta


def vector_crc(blob: bytes) -> int:
    """The checksum stored in ``contents.crc``: crc32 of the vector blob's bytes."""
    return zlib.crc32(blob)


def migrate_v1(conn: sqlite3.Connection, path: Path) -> None:
    """Upgrade a format-1 file to format 2 in one transaction: add ``contents.crc`` and
    compute it for every existing row (logged). Another process doing the same first is
    fine: the version is re-read inside the transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()
        if int(row[0]) != 1:
            conn.execute("COMMIT")
            return
        columns = {r[1] for r in conn.execute("PRAGMA table_info(contents)")}
        if "crc" not in columns:
            conn.execute("ALTER TABLE contents ADD COLUMN crc INTEGER")
        conn.create_function("embedlab_crc32", 1, vector_crc, deterministic=True)
        cur = conn.execute("UPDATE contents SET crc = embedlab_crc32(vector) WHERE crc IS NULL")
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                         [("format_version", str(FORMAT_VERSION)), ("checksum", CHECKSUM)])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    logger.info("collection %s upgraded from format 1 to %d: %s checksums computed for %d "
                "vector rows", path, FORMAT_VERSION, CHECKSUM, cur.rowcount)


def counters(conn: sqlite3.Connection) -> tuple[int, int]:
    """``(generation, removals)``: writes so far, and writes that deleted or changed vectors."""
    rows = dict(conn.execute(
        "SELECT key, value FROM meta WHERE key IN ('generation', 'removals')").fetchall())
    return int(rows.get("generation", 0)), int(rows.get("removals", 0))
