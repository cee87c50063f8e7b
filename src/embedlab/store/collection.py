"""``Collection``: a folder holding documents, their vectors and a search index.

>>> import tempfile, numpy as np
>>> col = Collection.create(Path(tempfile.mkdtemp()) / "notes", metric="cosine")
>>> col.add(texts=["red apple", "green pear"], ids=["a", "b"],
...         vectors=np.array([[1, 0], [0, 1]], np.float32), metadatas=[{"n": 1}, {"n": 2}])
['a', 'b']
>>> [h.id for h in col.search(np.array([0.9, 0.1], np.float32), k=1)]
['a']
>>> col.count(where={"n": {"$gt": 1}})
1
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np

from embedlab.store import writes
from embedlab.store.binding import (
    DEFAULT_PRECISION,
    Binding,
    EncoderIdentity,
    check_binding,
    vector_precision,
)
from embedlab.store.errors import (
    CollectionError,
    CollectionExistsError,
    CollectionNotFoundError,
    CorruptCollectionError,
    ModelMismatchError,
)
from embedlab.store.filters import compile_where
from embedlab.store.hnsw import STORAGES as HNSW_STORAGES
from embedlab.store.hnsw import HnswIndex
from embedlab.store.locking import write_lock
from embedlab.store.schema import DB_NAME, connect, create_schema, read_meta, vector_crc
from embedlab.store.scoring import SEARCH_METRICS
from embedlab.store.search import MODES, Hit, Searcher

LOCK_NAME = "collection.lock"
#: Precision of a model run without quantization (and of collections that predate the field).
F = TypeVar("F", bound=Callable[..., Any])
#: Index settings stored with a collection; ``Collection.create`` keywords override them.
DEFAULT_CONFIG: dict[str, Any] = {"hnsw_threshold": 50_000, "hnsw_m": 32,
                                  "hnsw_ef_construction": 200, "hnsw_ef_search": 128,
                                  "binary_oversample": 10, "hnsw_storage": "float16"}


@dataclass
class Document:
    """A stored document as returned by :meth:`Collection.get`."""

    id: str
    text: str | None
    metadata: dict[str, Any]
    source: str | None
    start: int | None
    end: int | None


def _pack(vector: np.ndarray) -> np.ndarray:
    from embedlab.encoders.quantize import quantize_embeddings

    return quantize_embeddings(vector[None, :].astype(np.float32), "ubinary")[0]


#: What reading a collection's files can raise when they vanish or are damaged (SQLite
#: decodes stored text as UTF-8 as it reads it: a damaged text raises UnicodeDecodeError;
#: damaged metadata fails to parse as JSON, in SQLite's json_extract or in json.loads).
_FILE_ERRORS = (sqlite3.DatabaseError, OSError, UnicodeDecodeError, json.JSONDecodeError)


#: OperationalError messages that mean damaged content, not a busy or full disk: JSON that
#: SQLite's json functions cannot parse (a filter), text that Python cannot decode (a row).
_DAMAGE_SIGNS = ("malformed JSON", "Could not decode to UTF-8")


def _is_corruption(exc: BaseException) -> bool:
    """A malformed file, not a database, undecodable text or stored JSON: not a busy or
    full disk. (Every JSON value in the database was written by embedlab as valid JSON, so
    one that does not parse is damage.)"""
    if isinstance(exc, sqlite3.OperationalError):  # damage SQLite meets while it reads
        return any(sign in str(exc) for sign in _DAMAGE_SIGNS)
    return type(exc) is sqlite3.DatabaseError or isinstance(
        exc, (UnicodeDecodeError, json.JSONDecodeError))


def _locked(method: F) -> F:
    """Serialize a method on the collection's thread lock (the SQLite connection is shared),
    and report the database and index files' failures as what they mean: a collection
    dropped (or replaced) while in use is :class:`CollectionNotFoundError`, an unreadable
    database :class:`CorruptCollectionError`; other errors pass through unchanged."""
    @functools.wraps(method)
    def wrapper(self: Collection, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            try:
                return method(self, *args, **kwargs)
            except _FILE_ERRORS as exc:
                if not self._present():
                    raise self._dropped() from exc
                if _is_corruption(exc):
                    raise _corrupt(self.path, exc) from exc
                raise
    return cast(F, wrapper)


class Collection:
    """A persistent, searchable set of documents in one folder (``collection.sqlite`` + index).

    Create with :meth:`create`, reopen with :meth:`open`. Writes (:meth:`add`,
    :meth:`upsert`, :meth:`replace_source`, :meth:`delete`) are single transactions under an inter-process lock;
    any number of processes may read and search at the same time.

    Example:
        >>> col = Collection.create("docs", encoder="all-MiniLM-L6-v2")   # doctest: +SKIP
        >>> col.add(["The cat sat.", "Stocks fell."], metadatas=[{"t": "pets"}, {}])  # doctest: +SKIP
        >>> col.search("kitten", k=1)[0].text                             # doctest: +SKIP
        'The cat sat.'
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, meta: dict[str, str],
                 encoder: Any = None):
        self.path = path
        self._conn = conn
        self.metric = meta["metric"]
        self.model_name = meta.get("model_name", "")
        self.fingerprint = meta.get("fingerprint", "")
        # collections written before the precision was recorded were float32 models
        self.precision = meta.get("precision") or DEFAULT_PRECISION
        self.dimension = int(meta.get("dimension", "0"))
        self.config: dict[str, Any] = {**DEFAULT_CONFIG, **json.loads(meta.get("config", "{}"))}
        self._encoder = encoder
        self._searcher: Searcher | None = None
        self._lock = threading.RLock()
        #: (device, inode) of the database file this connection opened (set by open)
        self._identity: tuple[int, int] | None = None

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def create(cls, path: str | Path, encoder: Any = None, metric: str = "cosine",
               dimension: int | None = None, **config: Any) -> Collection:
        """Create a new collection folder at ``path`` (which must not exist or be empty).

        ``encoder`` is None (vectors are given to :meth:`add`), a model name or folder for
        :func:`embedlab.load_encoder`, or an Encoder. ``config`` overrides DEFAULT_CONFIG
        (``hnsw_threshold``, ``hnsw_m``, ``hnsw_ef_construction``, ``hnsw_ef_search``,
        ``binary_oversample``; ``hnsw_storage``: ``"float16"``, the default, or ``"float32"``
        for the vectors inside the HNSW graph, whose hits are rescored from float32 either way).
        """
        path = Path(path)
        if metric not in SEARCH_METRICS:
            raise CollectionError(f"unknown metric {metric!r}; valid: {', '.join(SEARCH_METRICS)}")
        unknown = set(config) - set(DEFAULT_CONFIG)
        if unknown:
            raise CollectionError(f"unknown settings {sorted(unknown)}; valid: {sorted(DEFAULT_CONFIG)}")
        storage = config.get("hnsw_storage", DEFAULT_CONFIG["hnsw_storage"])
        if storage not in HNSW_STORAGES:
            raise CollectionError(f"hnsw_storage must be one of {', '.join(HNSW_STORAGES)}, "
                                  f"got {storage!r}")
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise CollectionExistsError(f"{path} already exists; use Collection.open({str(path)!r})")
        enc = _load(encoder)
        dim = enc.dimension if enc is not None else (dimension or 0)
        if enc is not None and dimension not in (None, enc.dimension):
            raise CollectionError(f"dimension={dimension} but encoder {enc.name} gives {dim}")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.creating-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            conn = connect(tmp / DB_NAME, create=True)
            meta = {"metric": metric, "dimension": str(dim),
                    "model_name": enc.name if enc is not None else "",
                    "fingerprint": enc.fingerprint if enc is not None else "",
                    "precision": vector_precision(enc) if enc is not None else "",
                    "config": json.dumps({**DEFAULT_CONFIG, **config})}
            create_schema(conn, meta)
            conn.close()
            try:
                if path.exists():
                    path.rmdir()
                os.replace(tmp, path)  # the folder appears complete or not at all
            except OSError as exc:  # another process created it meanwhile
                if not path.exists():
                    raise
                raise CollectionExistsError(
                    f"{path} already exists; use Collection.open({str(path)!r})") from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return cls.open(path, encoder=enc)

    @classmethod
    def open(cls, path: str | Path, encoder: Any = None) -> Collection:
        """Open an existing collection; ``encoder`` must have the fingerprint and precision it
        was built with (a model name or folder is loaded at the collection's precision)."""
        path = Path(path)
        if not (path / DB_NAME).is_file():
            raise CollectionNotFoundError(
                f"no collection at {path} (no {DB_NAME}); create it with Collection.create")
        try:
            identity = _identity(path)
            conn = connect(path / DB_NAME)
        except _FILE_ERRORS as exc:
            raise _open_failed(path, exc) from None
        try:
            meta = read_meta(conn, path)
        except _FILE_ERRORS as exc:
            conn.close()
            raise _open_failed(path, exc) from None
        except BaseException:
            conn.close()
            raise
        col = cls(path, conn, meta)
        col._identity = identity
        # a model given by name runs at the precision the collection was built with
        col._encoder = (col._check_encoder(_load(encoder, col.precision))
                        if encoder is not None else None)
        return col

    def close(self) -> None:
        self._conn.close()

    def _present(self) -> bool:
        """Whether the database file this collection opened is still at its path (not
        dropped, nor replaced by another collection of the same name)."""
        try:
            return self._identity is None or _identity(self.path) == self._identity
        except OSError:
            return False

    def _dropped(self) -> CollectionNotFoundError:
        return CollectionNotFoundError(
            f"collection {self.path.name} was dropped (or replaced) while in use; "
            "open it again")

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """The inter-process write lock and a transaction, on a collection still present
        (a drop holds the same lock while it moves the folder away)."""
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(write_lock(self.path / LOCK_NAME))
            except FileNotFoundError:  # the folder is gone
                raise self._dropped() from None
            if not self._present():
                raise self._dropped()
            stack.enter_context(writes.transaction(self._conn))
            yield

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"Collection({str(self.path)!r}, model={self.model_name or None!r}, "
                f"metric={self.metric!r}, dimension={self.dimension})")

    # ------------------------------------------------------------------ encoder

    def binding(self) -> Binding:
        """What this collection records of its model, for :func:`check_binding`."""
        return Binding(str(self.path), self.model_name, self.fingerprint, self.precision,
                       self.dimension, self.count())

    def _check_encoder(self, enc: Any) -> Any:
        if check_binding(self.binding(), EncoderIdentity.of(enc)):
            precision = vector_precision(enc)
            with self._writing():
                if self._conn.execute("SELECT count(*) FROM documents").fetchone()[0]:
                    raise ModelMismatchError(
                        f"collection {self.path} gained documents given as vectors meanwhile; "
                        "add to it and search it with vectors, not texts")
                self._conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                    ("model_name", enc.name), ("fingerprint", enc.fingerprint),
                    ("dimension", str(enc.dimension)), ("precision", precision)])
            self.model_name, self.fingerprint = enc.name, enc.fingerprint
            self.dimension, self.precision = enc.dimension, precision
        return enc

    @property
    def encoder(self) -> Any:
        """The collection's encoder, loaded by model name on first use."""
        if self._encoder is None:
            if not self.model_name:
                raise CollectionError(
                    f"collection {self.path} has no model; pass vectors, or create the "
                    "collection with encoder='all-MiniLM-L6-v2'")
            self._encoder = self._check_encoder(_load(self.model_name, self.precision))
        return self._encoder

    def _embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.encoder.encode(texts), dtype=np.float32)

    # ------------------------------------------------------------------ writes

    def add(self, texts: Any = None, ids: Any = None, metadatas: Any = None,
            vectors: Any = None, sources: Any = None, offsets: Any = None) -> list[str]:
        """Add documents; an id that exists already is an error (see :meth:`upsert`).

        ``texts`` (n strings) and/or ``vectors`` ((n, dim) float32); ``ids`` default to random
        hex ids; ``offsets`` are ``(start, end)`` character offsets within ``sources``.
        Returns the ids. Texts equal to a stored text reuse its vector and are not encoded.
        """
        return self._write(texts, ids, metadatas, vectors, sources, offsets, replace=False)[0]

    def upsert(self, texts: Any = None, ids: Any = None, metadatas: Any = None,
               vectors: Any = None, sources: Any = None, offsets: Any = None) -> list[str]:
        """Like :meth:`add`, but documents whose id exists are replaced."""
        return self._write(texts, ids, metadatas, vectors, sources, offsets, replace=True)[0]

    def replace_source(self, source: str, texts: Any = None, ids: Any = None,
                       metadatas: Any = None, vectors: Any = None,
                       offsets: Any = None) -> int:
        """Replace every document whose ``source`` is ``source`` by the given documents (all
        stored with that source), in one transaction: readers and a crash see either all
        the old documents or all the new ones, never a mix.

        Arguments are as for :meth:`upsert` (``texts=[]`` removes the source's documents);
        ids stored under another source are replaced too. Texts already stored (e.g.
        unchanged passages of an edited file) are not encoded again. Returns the number of
        old documents removed, i.e. those whose id is not among the new ``ids``.
        """
        if not isinstance(source, str) or not source:
            raise CollectionError(f"source must be a non-empty str, got {source!r}")
        n = len(list(texts if texts is not None else vectors if vectors is not None else []))
        return self._write(texts, ids, metadatas, vectors, [source] * n, offsets,
                           replace=True, source=source)[1]

    @_locked
    def _write(self, texts: Any, ids: Any, metadatas: Any, vectors: Any, sources: Any,
               offsets: Any, replace: bool, source: str | None = None) -> tuple[list[str], int]:
        """Write documents: ``(ids, removed)``; ``source`` makes it :meth:`replace_source`."""
        self._refresh_dimension()
        docs = writes.prepare_documents(texts, ids, metadatas, vectors, sources, offsets,
                                        self.dimension)
        for _ in range(3):
            if vectors is None:
                self._encode_missing(docs)
            removed = 0
            try:
                with self._writing():
                    self.dimension = writes.settle_dimension(self._conn, docs)
                    if source is None:
                        missing = writes.insert_documents(self._conn, docs, replace, _pack)
                    else:
                        missing, removed = writes.replace_source(self._conn, source, docs,
                                                                 _pack)
                    if missing:
                        raise _Retry
            except _Retry:
                continue
            return [d.id for d in docs], removed
        raise CollectionError("documents kept being deleted concurrently; try again")

    def _refresh_dimension(self) -> None:
        """Pick up the dimension another process fixed with the first vectors it added."""
        if not self.dimension:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'dimension'").fetchone()
            self.dimension = int(row[0])

    def _encode_missing(self, docs: list[writes.NewDocument]) -> None:
        """Encode texts that have no content row yet (each distinct text once)."""
        present = writes.existing_hashes(self._conn, [d.hash for d in docs])
        todo = {d.hash: d.text for d in docs if d.hash not in present and d.vector is None}
        if not todo:
            return
        texts = [t if t is not None else "" for t in todo.values()]
        encoded = dict(zip(todo, self._embed(texts), strict=True))
        for d in docs:
            if d.hash in encoded:
                d.vector = encoded[d.hash]

    @_locked
    def delete(self, ids: Any = None, where: dict[str, Any] | None = None) -> int:
        """Delete documents by ids and/or metadata filter (both: their intersection).

        Returns the number deleted; unknown ids are ignored.
        """
        if ids is None and where is None:
            raise CollectionError("delete() needs ids=[...] or where={...}; to remove all, "
                                  "use where={} or drop() the collection")
        with self._writing():
            seqs = [r[0] for r in self._select("d.seq", ids, where, None)]
            return writes.delete_seqs(self._conn, seqs)

    # ------------------------------------------------------------------ reads

    @_locked
    def _select(self, columns: str, ids: Any, where: dict[str, Any] | None,
                limit: int | None) -> list[tuple[Any, ...]]:
        sql, params = compile_where(where)
        query = (f"SELECT {columns} FROM documents d JOIN contents c ON c.id = d.content "
                 f"WHERE {sql}")
        if ids is not None:
            id_list = writes.lookup_ids(ids)
            rows: list[tuple[Any, ...]] = []
            own = not self._conn.in_transaction
            if own:  # one snapshot across the chunked statements
                self._conn.execute("BEGIN")
            try:
                for part in writes.chunks(id_list):
                    rows += self._conn.execute(
                        f"{query} AND d.id IN ({','.join('?' * len(part))})",
                        [*params, *part]).fetchall()
            finally:
                if own:
                    self._conn.execute("COMMIT")
            return rows[:limit] if limit is not None else rows
        query += " ORDER BY d.seq"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return self._conn.execute(query, params).fetchall()

    @_locked
    def get(self, ids: Any = None, where: dict[str, Any] | None = None,
            limit: int | None = None) -> list[Document]:
        """Documents by ids (in the given order; unknown ids are skipped) and/or filter."""
        ids = None if ids is None else writes.lookup_ids(ids)
        rows = self._select('d.id, c.text, d.metadata, d.source, d.start, d."end"', ids,
                            where, None if ids is not None else limit)
        docs = [Document(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5]) for r in rows]
        if ids is not None:
            order = {x: i for i, x in enumerate(ids)}
            docs.sort(key=lambda d: order[d.id])
            docs = docs[:limit] if limit is not None else docs
        return docs

    def get_vectors(self, ids: Any) -> np.ndarray:
        """Stored float32 vectors, (len(ids), dim), in the order of ``ids`` (all must exist)."""
        ids = writes.lookup_ids(ids)
        found = self._select("d.id, c.vector, c.crc", ids, None, None)
        bad = [r[0] for r in found if r[2] is not None and vector_crc(r[1]) != r[2]]
        if bad:
            raise CollectionError(
                f"{len(bad)} stored vector(s) are corrupt (checksum mismatch), e.g. id "
                f"{bad[0]!r}; run `embedlab collections check {self.path} --repair`")
        rows = {r[0]: r[1] for r in found}
        lost = [i for i in ids if i not in rows]
        if lost:
            raise CollectionError(f"{len(lost)} id(s) not found, e.g. {lost[0]!r}")
        return np.stack([np.frombuffer(rows[i], "<f4") for i in ids]).astype(np.float32)

    @_locked
    def count(self, where: dict[str, Any] | None = None) -> int:
        """Number of documents (matching ``where``)."""
        sql, params = compile_where(where)
        return int(self._conn.execute(f"SELECT count(*) FROM documents d WHERE {sql}",
                                      params).fetchone()[0])

    @_locked
    def stats(self) -> dict[str, int]:
        """Counts of documents and of distinct stored contents (deduplicated texts)."""
        docs = self._conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        contents = self._conn.execute("SELECT count(*) FROM contents").fetchone()[0]
        return {"documents": int(docs), "contents": int(contents)}

    def search(self, query: Any, k: int = 10, where: dict[str, Any] | None = None,
               metric: str | None = None, mode: str = "auto", hybrid: bool = False) -> list[Hit]:
        """The ``k`` best documents for a text or a (dim,) vector, best first.

        ``mode``: ``"exact"`` (brute force), ``"hnsw"`` (FAISS HNSW, rescored exactly),
        ``"binary"`` (Hamming over sign bits, then float rescoring of k*oversample
        candidates) or ``"auto"`` (HNSW from ``hnsw_threshold`` documents, else exact).
        ``hybrid=True`` fuses the vector ranking with BM25 keyword ranking (reciprocal rank
        fusion, k=60); ``score`` is then the fused score. ``where`` applies in every mode.
        For many queries at once, :meth:`search_many` is faster.
        """
        if isinstance(query, str):
            return self.search_many([query], k, where, metric, mode, hybrid)[0]
        vec = np.asarray(query, np.float32)
        if hybrid:
            raise CollectionError("hybrid=True needs the query as text (for BM25), not a vector")
        self._refresh_dimension()
        if vec.ndim != 1 or (self.dimension and vec.shape != (self.dimension,)):
            raise CollectionError(
                f"query vector has shape {vec.shape}; this collection needs ({self.dimension},)")
        return self.search_many(vec[None, :], k, where, metric, mode, hybrid)[0]

    @_locked
    def search_many(self, queries: Any, k: int = 10, where: dict[str, Any] | None = None,
                    metric: str | None = None, mode: str = "auto",
                    hybrid: bool = False) -> list[list[Hit]]:
        """:meth:`search` for each of ``queries`` (a list of texts, or a (q, dim) array of
        vectors): one list of hits per query, each equal to what :meth:`search` returns.

        Texts are encoded in one encoder call, the HNSW index is searched in one FAISS
        call, and every query sees the same snapshot of the collection.
        """
        if mode not in MODES:
            raise CollectionError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
        metric = metric or self.metric
        if metric not in SEARCH_METRICS:
            raise CollectionError(f"unknown metric {metric!r}; valid: {', '.join(SEARCH_METRICS)}")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise CollectionError(f"k must be a positive int, got {k!r}")
        if isinstance(queries, str):
            raise CollectionError("queries must be a list of texts or a (q, dim) array, got "
                                  "one str; wrap it: [query], or use search()")
        texts: list[str] | None = None
        vecs: np.ndarray | None = None
        if isinstance(queries, np.ndarray):
            vecs = np.asarray(queries, np.float32)
        else:
            items = list(queries)
            if items and all(isinstance(q, str) for q in items):
                texts = items
            elif any(isinstance(q, str) for q in items):
                raise CollectionError("queries mix texts and vectors; pass only texts or "
                                      "only vectors")
            vecs = (np.zeros((0, self.dimension), np.float32) if not items
                    else np.asarray(items, np.float32) if texts is None else None)
        if hybrid and texts is None:
            raise CollectionError("hybrid=True needs the query as text (for BM25), not a vector")
        if texts is not None:
            vecs = self._embed(texts)  # every query text in one encoder call
        assert vecs is not None
        self._refresh_dimension()
        if not self.dimension or not len(vecs):
            return [[] for _ in range(len(vecs))]
        if vecs.ndim != 2 or vecs.shape[1] != self.dimension:
            raise CollectionError(
                f"query vectors have shape {vecs.shape}; this collection needs "
                f"(q, {self.dimension})")
        if not np.isfinite(vecs).all():
            raise CollectionError("query vector contains NaN or infinite values")
        return self._get_searcher().search(vecs, texts, k, where, metric, mode, hybrid,
                                           self.metric)

    @_locked
    def build_index(self) -> None:
        """Bring the HNSW index file up to date now (e.g. after a large ingest) rather than
        on the first HNSW search."""
        self._refresh_dimension()
        if self.dimension:
            self._get_searcher().ensure_index()

    def _get_searcher(self) -> Searcher:
        if self._searcher is None or self._searcher.dimension != self.dimension:
            index = HnswIndex(self.path, self.metric, self.dimension, self.config)
            self._searcher = Searcher(self._conn, index, self.dimension, self.config)
        return self._searcher


class _Retry(Exception):
    """Internal: roll back and retry a write whose content rows vanished meanwhile."""


def _identity(path: Path) -> tuple[int, int]:
    st = os.stat(path / DB_NAME)
    return st.st_dev, st.st_ino


def _open_failed(path: Path, exc: Exception) -> CollectionError:
    """Why opening failed: the collection vanished meanwhile, or its database is unreadable."""
    if not (path / DB_NAME).is_file():
        return CollectionNotFoundError(
            f"no collection at {path} (it was dropped while being opened)")
    if _is_corruption(exc):
        return _corrupt(path, exc)
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
    return CollectionError(f"collection {path.name}: {DB_NAME} cannot be opened ({why})")


def _corrupt(path: Path, exc: Exception) -> CorruptCollectionError:
    return CorruptCollectionError(
        f"collection {path.name}: {DB_NAME} is unreadable ({exc}); restore it from a backup, "
        "or drop it (embedlab collections drop DIR --yes) and index again")


def _load(encoder: Any, precision: str = DEFAULT_PRECISION) -> Any:
    if encoder is None or not isinstance(encoder, str | os.PathLike):
        return encoder
    from embedlab.encoders import load_encoder

    quantize = None if precision in ("", DEFAULT_PRECISION) else precision
    return load_encoder(encoder if isinstance(encoder, str) else Path(encoder),
                        quantize=quantize)
