"""Persistent SQLite cache of float32 embedding vectors, shared safely between processes.

Rows are keyed by (model fingerprint, settings string, sha256 of the text). The database runs
in WAL mode with a busy timeout plus retries on "database is locked"; total vector bytes are
kept by triggers, and least-recently-used rows are evicted down to 90% of ``max_bytes``.
A file that is not a healthy cache of a known format is moved aside to
``<name>.corrupt-<timestamp>`` (never deleted) and a new empty cache takes its place.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from embedlab.errors import CacheError

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: On-disk format version stored in the ``meta`` table.
#: Format 2 adds ``embeddings.crc``: ``zlib.crc32`` of the vector blob, checked on every read
#: (a mismatching row is a miss, deleted and recomputed by the caller).
FORMAT_VERSION = 2
_CHUNK = 500  # keys per SQL statement
_V1_COLUMNS = {"id", "space", "text_hash", "dim", "vector", "last_access"}
_EXPECTED_COLUMNS = _V1_COLUMNS | {"crc"}
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE spaces (id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, settings TEXT NOT NULL,
    UNIQUE (fingerprint, settings));
CREATE TABLE embeddings (id INTEGER PRIMARY KEY, space INTEGER NOT NULL, text_hash BLOB NOT NULL,
    dim INTEGER NOT NULL, vector BLOB NOT NULL, last_access REAL NOT NULL, crc INTEGER,
    UNIQUE (space, text_hash));
CREATE INDEX embeddings_lru ON embeddings (last_access);
CREATE TABLE totals (id INTEGER PRIMARY KEY CHECK (id = 0), nrows INTEGER NOT NULL,
    nbytes INTEGER NOT NULL);
INSERT INTO totals VALUES (0, 0, 0);
CREATE TRIGGER embeddings_ins AFTER INSERT ON embeddings BEGIN UPDATE totals
    SET nrows = nrows + 1, nbytes = nbytes + length(NEW.vector) WHERE id = 0; END;
CREATE TRIGGER embeddings_del AFTER DELETE ON embeddings BEGIN UPDATE totals
    SET nrows = nrows - 1, nbytes = nbytes - length(OLD.vector) WHERE id = 0; END;
CREATE TRIGGER embeddings_upd AFTER UPDATE OF vector ON embeddings BEGIN UPDATE totals
    SET nbytes = nbytes - length(OLD.vector) + length(NEW.vector) WHERE id = 0; END;
"""


class CacheStats(NamedTuple):
    """Row count and stored vector bytes of a cache."""

    rows: int
    bytes: int


class _CorruptCache(Exception):
    """Internal: the file must be moved aside; the message says why."""


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return True
    return "locked" in str(exc) or "busy" in str(exc)


def _text_hash(text: str) -> bytes:
    if not isinstance(text, str):
        raise TypeError(f"texts must be str, got {type(text).__name__}")
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Exclusive advisory lock on ``<path>.lock`` (POSIX only; a no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class EmbeddingCache:
    """Persistent, process-safe cache of float32 embeddings in one SQLite file.

    Args:
        path: database file; parent folders are created.
        max_bytes: limit on stored vector bytes (None: unlimited). When exceeded after a
            write, least-recently-used rows are evicted down to 90% of the limit.
        busy_timeout_s: how long to wait for another process's lock, per attempt.
        touch_interval_s: a hit refreshes its last-access time only when that time is older
            than this, so reads rarely write.
        clock: source of timestamps in seconds (for tests).

    >>> import tempfile, numpy as np
    >>> with EmbeddingCache(Path(tempfile.mkdtemp()) / "c.sqlite") as cache:
    ...     cache.put_many("model@sha", "mean,norm", ["hi"], np.ones((1, 3), np.float32))
    ...     [v.tolist() if v is not None else None for v in cache.get_many("model@sha", "mean,norm", ["hi", "x"])]
    [[1.0, 1.0, 1.0], None]
    """

    def __init__(
        self,
        path: str | Path,
        max_bytes: int | None = 2 * 1024**3,
        *,
        busy_timeout_s: float = 10.0,
        touch_interval_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_bytes is not None and (isinstance(max_bytes, bool) or max_bytes <= 0):
            raise ValueError(f"max_bytes must be a positive int or None, got {max_bytes!r}")
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._timeout = busy_timeout_s
        self._touch = touch_interval_s
        self._clock = clock
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.path):
            self._conn = self._retry(self._open)

    # ------------------------------------------------------------------ opening and recovery

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            conn = self._connect()
        except sqlite3.OperationalError as exc:
            raise CacheError(f"cannot open embedding cache {self.path}: {exc}") from exc
        try:
            self._validate(conn)
            return conn
        except _CorruptCache as exc:
            conn.close()
            self._move_aside(str(exc))
        except sqlite3.OperationalError as exc:
            conn.close()
            if _is_busy(exc):
                raise
            raise CacheError(f"cannot open embedding cache {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:  # not a database, malformed image, ...
            conn.close()
            self._move_aside(f"not a valid SQLite database ({exc})")
        conn = self._connect()
        self._validate(conn)
        return conn

    def _validate(self, conn: sqlite3.Connection) -> None:
        """Check integrity, format version and schema; create the schema in an empty file."""
        check = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        if check != ["ok"]:
            raise _CorruptCache(f"integrity check failed: {'; '.join(map(str, check[:3]))}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            self._use_wal(conn)
            version_row = f"INSERT INTO meta VALUES ('format_version', '{FORMAT_VERSION}');"
            try:  # executescript would COMMIT a transaction begun outside it, so begin inside
                conn.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}{version_row}COMMIT;")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return
        if "meta" not in tables:
            raise _CorruptCache("not an embedlab cache (no meta table)")
        row = conn.execute("SELECT value FROM meta WHERE key='format_version'").fetchone()
        try:
            version = int(row[0])
        except (TypeError, ValueError):
            raise _CorruptCache(f"missing or unreadable format version {row!r}") from None
        if version > FORMAT_VERSION:
            raise _CorruptCache(
                f"format version {version} is newer than this embedlab supports "
                f"({FORMAT_VERSION}); it was kept for the newer version"
            )
        if version == 1 and {r[1] for r in conn.execute("PRAGMA table_info(embeddings)")
                             } == _V1_COLUMNS:
            self._migrate_v1(conn)
        elif version != FORMAT_VERSION:
            raise _CorruptCache(f"unsupported format version {version} (expected {FORMAT_VERSION})")
        columns = {r[1] for r in conn.execute("PRAGMA table_info(embeddings)")}
        if columns != _EXPECTED_COLUMNS or not {"spaces", "totals"} <= tables:
            raise _CorruptCache(f"unexpected schema (embeddings columns {sorted(columns)})")
        self._use_wal(conn)  # only now: a file we move aside is left exactly as it was

    def _migrate_v1(self, conn: sqlite3.Connection) -> None:
        """Format 1 to 2 in one transaction: add ``embeddings.crc`` and fill it (logged)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("SELECT value FROM meta WHERE key='format_version'").fetchone()
            if version is not None and version[0] == "1":
                conn.execute("ALTER TABLE embeddings ADD COLUMN crc INTEGER")
                conn.create_function("embedlab_crc32", 1, zlib.crc32, deterministic=True)
                cur = conn.execute("UPDATE embeddings SET crc = embedlab_crc32(vector)")
                conn.execute("UPDATE meta SET value = ? WHERE key = 'format_version'",
                             (str(FORMAT_VERSION),))
                logger.info("embedding cache %s upgraded from format 1 to %d: crc32 computed "
                            "for %d rows", self.path, FORMAT_VERSION, cur.rowcount)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _use_wal(conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")

    def _move_aside(self, reason: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        try:
            for suffix in ("", "-wal", "-shm"):  # keep the WAL with its database
                side = Path(str(self.path) + suffix)
                if side.exists():
                    side.replace(str(target) + suffix)
        except OSError as exc:
            raise CacheError(f"cannot move bad embedding cache {self.path} aside: {exc}") from exc
        logger.warning(
            "embedding cache %s is unusable (%s); moved it to %s and started a new empty cache",
            self.path,
            reason,
            target,
        )

    # ------------------------------------------------------------------ plumbing

    def _retry(self, fn: Callable[[], T]) -> T:
        delay, deadline = 0.01, time.monotonic() + max(30.0, 3 * self._timeout)
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise CacheError(f"embedding cache {self.path}: {exc}") from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except sqlite3.DatabaseError as exc:
                raise CacheError(f"embedding cache {self.path} is damaged: {exc}") from exc

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise CacheError(f"embedding cache {self.path} is closed")
        if os.getpid() != self._pid:  # forked child: never share the parent's connection
            self._pid, self._conn = os.getpid(), self._retry(self._connect)
        return self._conn

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one IMMEDIATE transaction, retrying when the database is busy."""

        def attempt() -> T:
            conn = self._db()
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
                return result
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        with self._lock:
            return self._retry(attempt)

    # ------------------------------------------------------------------ public API

    def get_many(
        self, fingerprint: str, settings: str, texts: Sequence[str]
    ) -> list[np.ndarray | None]:
        """Cached vectors for ``texts`` (each (d,) float32, a fresh array) or None for misses.

        >>> cache.get_many("model@sha", "mean", ["a", "b"])  # doctest: +SKIP
        [array([...], dtype=float32), None]
        """
        hashes = [_text_hash(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        stale: list[int] = []
        bad: list[int] = []
        now = self._clock()
        sql = (
            "SELECT e.id, e.text_hash, e.dim, e.vector, e.last_access, e.crc FROM embeddings e "
            "JOIN spaces s ON s.id = e.space WHERE s.fingerprint = ? AND s.settings = ? "
            "AND e.text_hash IN ({})"
        )
        unique = list(dict.fromkeys(hashes))
        with self._lock:
            for i in range(0, len(unique), _CHUNK):
                part = unique[i : i + _CHUNK]
                query = sql.format(",".join("?" * len(part)))
                args: list[object] = [fingerprint, settings, *part]
                rows = self._retry(partial(self._fetch, query, args))
                for row_id, h, dim, blob, last, crc in rows:
                    if (not isinstance(blob, bytes) or dim <= 0 or len(blob) != dim * 4
                            or crc != zlib.crc32(blob)):
                        bad.append(row_id)
                        continue
                    found[h] = np.frombuffer(blob, dtype="<f4").astype(np.float32)
                    if now - last > self._touch:
                        stale.append(row_id)
        if bad:
            logger.warning("embedding cache %s: dropping %d malformed or corrupt rows (checksum "
                           "mismatch); they are recomputed", self.path, len(bad))
            self._write(lambda c: self._delete_ids(c, bad))
        if stale:
            try:
                self._write(lambda c: self._touch_ids(c, stale, now))
            except CacheError as exc:  # bookkeeping only: a miss here costs nothing
                logger.debug("could not refresh access times: %s", exc)
        return [found[h].copy() if h in found else None for h in hashes]

    def put_many(
        self, fingerprint: str, settings: str, texts: Sequence[str], vectors: npt.ArrayLike
    ) -> None:
        """Store ``vectors`` (n, d) float32 for ``texts`` in one transaction, then evict if needed.

        >>> cache.put_many("model@sha", "mean", ["a"], np.zeros((1, 4), np.float32))  # doctest: +SKIP
        """
        for name, value in (("fingerprint", fingerprint), ("settings", settings)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got {type(value).__name__}")
        vecs = np.asarray(vectors)
        if vecs.dtype.kind != "f":
            raise TypeError(f"vectors must be float (float32), got dtype {vecs.dtype}")
        if vecs.ndim != 2 or vecs.shape[1] == 0 or vecs.shape[0] != len(texts):
            raise ValueError(
                f"vectors must have shape ({len(texts)}, d>0) for {len(texts)} texts, got {vecs.shape}"
            )
        if not np.isfinite(vecs).all():
            raise ValueError("vectors contain NaN or inf; refusing to cache them")
        blobs = np.ascontiguousarray(vecs, dtype="<f4")
        dim = vecs.shape[1]
        now = self._clock()
        rows = [(_text_hash(t), dim, b, now, zlib.crc32(b))
                for t, b in zip(texts, (blobs[i].tobytes() for i in range(len(texts))),
                                strict=True)]
        if not rows:
            return

        def txn(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR IGNORE INTO spaces (fingerprint, settings) VALUES (?, ?)",
                (fingerprint, settings),
            )
            (space,) = conn.execute(
                "SELECT id FROM spaces WHERE fingerprint = ? AND settings = ?",
                (fingerprint, settings),
            ).fetchone()
            conn.executemany(
                "INSERT INTO embeddings (space, text_hash, dim, vector, last_access, crc) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (space, text_hash) DO UPDATE SET "
                "dim = excluded.dim, vector = excluded.vector, "
                "last_access = excluded.last_access, crc = excluded.crc",
                [(space, *r) for r in rows],
            )
            self._evict(conn)

        self._write(txn)

    def _evict(self, conn: sqlite3.Connection) -> None:
        if self.max_bytes is None:
            return
        (total,) = conn.execute("SELECT nbytes FROM totals WHERE id = 0").fetchone()
        if total <= self.max_bytes:
            return
        excess, freed, victims = total - int(self.max_bytes * 0.9), 0, []
        cursor = conn.execute("SELECT id, length(vector) FROM embeddings ORDER BY last_access, id")
        for row_id, size in cursor:
            victims.append(row_id)
            freed += size
            if freed >= excess:
                break
        cursor.close()
        self._delete_ids(conn, victims)
        logger.info(
            "embedding cache %s: evicted %d rows (%d bytes)", self.path, len(victims), freed
        )

    def _fetch(self, query: str, args: Sequence[object]) -> list[Any]:
        return self._db().execute(query, args).fetchall()

    @staticmethod
    def _delete_ids(conn: sqlite3.Connection, ids: list[int]) -> None:
        for i in range(0, len(ids), _CHUNK):
            part = ids[i : i + _CHUNK]
            conn.execute(f"DELETE FROM embeddings WHERE id IN ({','.join('?' * len(part))})", part)

    @staticmethod
    def _touch_ids(conn: sqlite3.Connection, ids: list[int], now: float) -> None:
        for i in range(0, len(ids), _CHUNK):
            part = ids[i : i + _CHUNK]
            marks = ",".join("?" * len(part))
            conn.execute(
                f"UPDATE embeddings SET last_access = ? WHERE id IN ({marks})", [now, *part]
            )

    def stats(self) -> CacheStats:
        """``CacheStats(rows, bytes)``: row count and total stored vector bytes.

        >>> cache.stats()  # doctest: +SKIP
        CacheStats(rows=1, bytes=16)
        """
        with self._lock:
            rows, nbytes = self._retry(
                lambda: (
                    self._db().execute("SELECT nrows, nbytes FROM totals WHERE id = 0").fetchone()
                )
            )
        return CacheStats(int(rows), int(nbytes))

    def clear(self, fingerprint: str | None = None) -> None:
        """Delete every row, or only the rows of one model fingerprint.

        >>> cache.clear("model@sha")  # doctest: +SKIP
        """

        def txn(conn: sqlite3.Connection) -> None:
            where, args = (
                ("", ()) if fingerprint is None else (" WHERE fingerprint = ?", (fingerprint,))
            )
            conn.execute(
                f"DELETE FROM embeddings WHERE space IN (SELECT id FROM spaces{where})", args
            )
            conn.execute(f"DELETE FROM spaces{where}", args)

        self._write(txn)

    def close(self) -> None:
        """Close the connection; later calls raise CacheError. Closing twice is fine.

        >>> cache.close()  # doctest: +SKIP
        """
        with self._lock:
            if self._conn is not None and os.getpid() == self._pid:
                self._conn.close()
            self._conn = None

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
