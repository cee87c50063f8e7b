"""Query side of a collection: cached vectors, exact / HNSW / binary search and hybrid fusion.

Every query runs inside one SQLite read transaction, so it sees one committed generation:
never a partial write. Vectors are loaded into memory once per generation (float32 for the
exact and HNSW modes; only the packed sign bits for the binary mode).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embedlab.store import scoring
from embedlab.store.errors import CollectionError
from embedlab.store.filters import compile_where
from embedlab.store.hnsw import HnswIndex
from embedlab.store.schema import counters, vector_crc

logger = logging.getLogger(__name__)

MODES = ("auto", "exact", "hnsw", "binary")
RRF_K = 60
#: Filtered HNSW searches whose filter keeps fewer rows than this are answered exactly.
EXACT_FILTER_ROWS = 20_000


@dataclass(slots=True)
class Hit:
    """One search result. ``score`` is a similarity for cosine/dot (higher is better), a
    distance for euclidean/manhattan (lower is better), and the fused RRF score for hybrid."""

    id: str
    score: float
    text: str | None
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass
class _Cache:
    generation: int = -1
    seqs: np.ndarray | None = None      # (n,) int64 document seq numbers, ascending
    row_of: np.ndarray | None = None    # seq -> row in ``seqs`` (-1: none), when dense enough
    vectors: np.ndarray | None = None   # (n, dim) float32
    bits_generation: int = -1
    bits_seqs: np.ndarray | None = None
    bits: np.ndarray | None = None      # (n, ceil(dim/8)) uint8
    stats: dict[str, np.ndarray | None] = field(default_factory=dict)  # per metric
    hits_generation: int = -1
    hit_queries: int = 0                # queries served in hits_generation
    hit_rows: dict[int, tuple[Any, ...]] | None = None  # seq -> row, once it pays off


def _rows(conn: sqlite3.Connection, column: str, width: int,
          dtype: type[np.generic]) -> tuple[np.ndarray, np.ndarray]:
    rows = conn.execute(f"SELECT d.seq, c.{column} FROM documents d JOIN contents c "
                        "ON c.id = d.content ORDER BY d.seq").fetchall()
    seqs = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    data = np.frombuffer(b"".join(r[1] for r in rows), dtype=dtype).reshape(len(rows), width)
    return seqs, data


def _checked_vectors(conn: sqlite3.Connection, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Every document's seq and float32 vector, each blob checked against its stored crc32
    (once per write generation, not per query); rows that fail are left out with a warning
    naming their document ids (``embedlab collections check DIR --repair`` re-embeds them)."""
    rows = conn.execute("SELECT d.seq, c.vector, c.crc FROM documents d JOIN contents c "
                        "ON c.id = d.content ORDER BY d.seq").fetchall()
    size = 4 * width
    bad = [r[0] for r in rows
           if len(r[1]) != size or (r[2] is not None and vector_crc(r[1]) != r[2])]
    if bad:
        warn_bad_rows(conn, bad)
        skip = set(bad)
        rows = [r for r in rows if r[0] not in skip]
    seqs = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    data = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), width)
    return seqs, data


def warn_bad_rows(conn: sqlite3.Connection, seqs: list[int]) -> None:
    """Log a warning naming the documents (by id) whose stored vector failed its checksum."""
    part = seqs[:500]
    ids = [r[0] for r in conn.execute(
        f"SELECT id FROM documents WHERE seq IN ({','.join('?' * len(part))})", part)]
    logger.warning("%d document(s) have a corrupt stored vector (checksum mismatch) and are "
                   "left out of search results: %s; run `embedlab collections check DIR "
                   "--repair` to re-embed them", len(seqs), ", ".join(map(repr, ids[:20])))


#: Least bound used for |FAISS cosine - exact float64 cosine| (see :func:`cosine_slack`).
COSINE_SLACK = 1e-3


def cosine_slack(dimension: int, storage: str) -> float:
    """A bound on |FAISS cosine - exact cosine| for unit vectors of ``dimension``: a float32
    dot product errs by at most about d * 2**-24 (2.3e-5 at d=384); a vector stored as float16
    has each component within 2**-11 of it relatively, which moves its dot product with a unit
    query by at most 2**-11 (Cauchy-Schwarz). Never below :data:`COSINE_SLACK`."""
    bound = dimension * 2.0 ** -24 + (2.0 ** -11 if storage == "float16" else 0.0)
    return max(COSINE_SLACK, bound)


def _cosine_cut(approx: np.ndarray, labels: np.ndarray, k: int, slack: float) -> int:
    """How many of the HNSW candidates (valid ``labels``, FAISS cosine values ``approx``, best
    first) can be in the exact top ``k``: a candidate more than twice the error bound ``slack``
    below the ``k``-th best value has at least ``k`` candidates above it in exact arithmetic
    too, so only the first n need rescoring; returns n."""
    n = len(labels)
    if n <= k:
        return n
    return k + int(np.count_nonzero(approx[k:] >= approx[k - 1] - 2 * slack))


def _row_map(seqs: np.ndarray) -> np.ndarray | None:
    """``row_of[seq]`` = the row of ``seq`` in ``seqs`` (ascending), -1 for seqs not present,
    with one more -1 at the end (for ``take(..., mode="clip")`` of labels past the last seq);
    None when deletions left the seqs too sparse for a dense array to pay off."""
    top = int(seqs[-1]) + 1 if len(seqs) else 0
    if top > 4 * len(seqs) + 65_536:
        return None
    row_of = np.full(top + 1, -1, dtype=np.int64)
    row_of[seqs] = np.arange(len(seqs))
    return row_of


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression: every word of ``text`` quoted, joined by OR.

    >>> fts_query('what is "BM25"?')
    '"what" OR "is" OR "BM25"'
    """
    return " OR ".join(f'"{w}"' for w in re.findall(r"\w+", text))


class Searcher:
    """Runs searches for one :class:`~embedlab.store.Collection` connection."""

    def __init__(self, conn: sqlite3.Connection, index: HnswIndex, dimension: int,
                 config: dict[str, Any]):
        self.conn = conn
        self.index = index
        self.dimension = dimension
        self.config = config
        self._cache = _Cache()
        self._count: tuple[int, int] = (-1, 0)  # (generation, documents) of the last count
        self._counters_key: tuple[int, int] | None = None
        self._counters_value: tuple[int, int] = (0, 0)

    def _counters(self) -> tuple[int, int]:
        """:func:`counters` of the current snapshot (call inside a read transaction), re-read
        only when a commit happened since: ``PRAGMA data_version`` changes with every commit
        of another connection, ``total_changes`` with every write of this one."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        key = (version, self.conn.total_changes)
        if self._counters_key != key:
            self._counters_value = counters(self.conn)
            self._counters_key = key
        return self._counters_value

    def _document_count(self, generation: int) -> int:
        # count(*) scans every row: count once per write generation, not once per query.
        if self._count[0] != generation:
            rows = self.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            self._count = (generation, int(rows))
        return self._count[1]

    def _vectors(self, generation: int) -> tuple[np.ndarray, np.ndarray]:
        c = self._cache
        if c.generation != generation or c.seqs is None or c.vectors is None:
            c.seqs, c.vectors = _checked_vectors(self.conn, self.dimension)
            c.row_of = _row_map(c.seqs)
            c.generation = generation
            c.stats = {}
        return c.seqs, c.vectors

    def _stat(self, metric: str) -> np.ndarray | None:
        c = self._cache
        if metric not in c.stats and c.vectors is not None:
            c.stats[metric] = scoring.row_statistic(c.vectors, metric)
        return c.stats.get(metric)

    def _bits(self, generation: int) -> tuple[np.ndarray, np.ndarray]:
        c = self._cache
        if c.bits_generation != generation or c.bits_seqs is None or c.bits is None:
            c.bits_seqs, c.bits = _rows(self.conn, "bits", -(-self.dimension // 8), np.uint8)
            c.bits_generation = generation
        return c.bits_seqs, c.bits

    def _allowed(self, where: dict[str, Any] | None) -> np.ndarray | None:
        if where is None:
            return None
        sql, params = compile_where(where)
        rows = self.conn.execute(f"SELECT seq FROM documents d WHERE {sql} ORDER BY seq", params)
        return np.fromiter((r[0] for r in rows), dtype=np.int64)

    def search(self, queries: np.ndarray, texts: list[str] | None, k: int,
               where: dict[str, Any] | None, metric: str, mode: str, hybrid: bool,
               index_metric: str) -> list[list[Hit]]:
        """The hits of each query row of ``queries`` (q, dim), all in one read snapshot:
        one filter evaluation, one FAISS call for every query, one read of the hits' rows."""
        if where is None and not hybrid and mode != "binary":
            warm = self._search_warm(queries, k, metric, mode, index_metric)
            if warm is not None:
                return warm
        self.conn.execute("BEGIN")  # one snapshot for the whole batch
        try:
            generation, removals = self._counters()
            count = self._document_count(generation)
            if count == 0:
                return [[] for _ in range(len(queries))]
            mode = self._resolve_mode(mode, count, metric, index_metric)
            allowed = self._allowed(where)
            depth = max(k, 50) * 2 if hybrid else k
            rankings = self._ranked(queries, depth, allowed, metric, mode,
                                    (generation, removals))
            if hybrid:
                for i, ranked in enumerate(rankings):
                    keyword = self._bm25(texts[i] if texts else "", depth, where)
                    fused = scoring.reciprocal_rank_fusion([[s for s, _ in ranked], keyword],
                                                           RRF_K)
                    rankings[i] = fused[:k]
            return self._hits([ranked[:k] for ranked in rankings], generation, count)
        finally:
            self.conn.execute("COMMIT")

    def _resolve_mode(self, mode: str, count: int, metric: str, index_metric: str) -> str:
        """``"auto"`` made concrete (HNSW from ``hnsw_threshold`` documents when the metric is
        the index's); an error for HNSW with another metric than the index's."""
        if mode == "auto":
            use_hnsw = count >= int(self.config["hnsw_threshold"]) and metric == index_metric
            mode = "hnsw" if use_hnsw else "exact"
        if mode == "hnsw" and metric != index_metric:
            raise CollectionError(
                f"the HNSW index of this collection is built for metric {index_metric!r}, "
                f"not {metric!r}; use mode='exact' or metric={index_metric!r}")
        return mode

    def _search_warm(self, queries: np.ndarray, k: int, metric: str, mode: str,
                     index_metric: str) -> list[list[Hit]] | None:
        """Search answered from memory alone, or None when something must be read first.

        When nothing was committed since the counters were last read (``PRAGMA
        data_version`` and this connection's ``total_changes`` unchanged) and the vectors,
        the HNSW index and every hit row of that generation are in memory, no other SQLite
        read is needed: the result is the state as of the ``data_version`` read, one
        committed generation, without the cost of a read transaction."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if (version, self.conn.total_changes) != self._counters_key:
            return None
        generation, removals = self._counters_value
        c = self._cache
        if (c.generation != generation or c.hits_generation != generation
                or c.hit_rows is None or self._count[0] != generation or not self._count[1]):
            return None
        mode = self._resolve_mode(mode, self._count[1], metric, index_metric)
        if mode == "hnsw" and not self.index.holds(generation):
            return None  # the slow path loads the index
        rankings = self._ranked(queries, k, None, metric, mode, (generation, removals))
        return self._hits([ranked[:k] for ranked in rankings], generation, self._count[1])

    def ensure_index(self) -> None:
        """Load, extend or build the HNSW index for the current generation."""
        self.conn.execute("BEGIN")
        try:
            generation, removals = counters(self.conn)
            seqs, vectors = self._vectors(generation)
            self.index.ensure(generation, removals, seqs, vectors)
        finally:
            self.conn.execute("COMMIT")

    def _ranked(self, queries: np.ndarray, k: int, allowed: np.ndarray | None, metric: str,
                mode: str, counter: tuple[int, int]) -> list[list[tuple[int, float]]]:
        generation, removals = counter
        if mode == "binary":
            return [self._binary(q, k, allowed, metric, generation) for q in queries]
        seqs, vectors = self._vectors(generation)
        if mode == "exact" or (allowed is not None and len(allowed) < EXACT_FILTER_ROWS):
            stat = self._stat(metric)
            if allowed is not None:
                rows = np.searchsorted(seqs, allowed)
                seqs, vectors = seqs[rows], vectors[rows]
                stat = None if stat is None else stat[rows]
            return [list(zip(seqs[rows_].tolist(), scores.tolist(), strict=True))
                    for rows_, scores in scoring.exact_topk_many(vectors, queries, k, metric,
                                                                 stat)]
        self.index.ensure(generation, removals, seqs, vectors)
        ef = int(self.config["hnsw_ef_search"])
        wide = k + scoring.RESCORE_MARGIN
        if metric == "cosine":
            slack = cosine_slack(self.dimension, self.index.stored_as)
            candidates = self._cosine_candidates(queries, k, wide, ef, allowed, slack)
        else:
            _, found = self.index.search_many(queries, wide, ef, allowed)
            candidates = [labels[labels >= 0] for labels in found]
        out = []
        row_of = self._cache.row_of
        for query, labels in zip(queries, candidates, strict=True):
            if row_of is not None:  # one lookup per label rather than a binary search
                rows = row_of.take(labels, mode="clip")  # labels past the end: -1
                if rows.min(initial=0) < 0:  # never trust a label this snapshot does not hold
                    labels, rows = labels[rows >= 0], rows[rows >= 0]
            else:
                rows = np.minimum(np.searchsorted(seqs, labels), len(seqs) - 1)
                known = seqs[rows] == labels
                labels, rows = labels[known], rows[known]
            top, scores = scoring.rescore(vectors.take(rows, axis=0), query, labels, k, metric)
            out.append(list(zip(top.tolist(), scores.tolist(), strict=True)))
        return out

    def _cosine_candidates(self, queries: np.ndarray, k: int, wide: int, ef: int,
                           allowed: np.ndarray | None, slack: float) -> list[np.ndarray]:
        """The labels worth rescoring for each query: of the best ``wide`` HNSW results,
        those that can reach the exact top ``k`` (:func:`_cosine_cut`).

        With ``ef >= wide`` the graph walk does not depend on how many results are asked
        for, and asking for ``wide`` costs no more than asking for fewer (measured), so one
        FAISS call per batch gives every query's contenders."""
        distances, found = self.index.search_many(queries, wide, max(ef, wide), allowed)
        out = []
        for approx, labels in zip(distances, found, strict=True):
            if labels[-1] < 0:  # fewer found than asked for: -1 pads the end
                labels = labels[labels >= 0]
                approx = approx[:len(labels)]
            out.append(labels[:_cosine_cut(approx, labels, k, slack)])
        return out

    def _binary(self, query: np.ndarray, k: int, allowed: np.ndarray | None, metric: str,
                generation: int) -> list[tuple[int, float]]:
        from embedlab.encoders.quantize import quantize_embeddings

        seqs, bits = self._bits(generation)
        if allowed is not None:
            rows = np.searchsorted(seqs, allowed)
            seqs, bits = seqs[rows], bits[rows]
        qbits = quantize_embeddings(query[None, :].astype(np.float32), "ubinary")[0]
        wide = k * int(self.config["binary_oversample"])
        cand = seqs[scoring.hamming_topk(bits, qbits, wide)]
        cand, vectors = self._fetch_vectors(cand)  # float vectors of the candidates only
        top, scores = scoring.rescore(vectors, query, cand, k, metric)
        return list(zip(top.tolist(), scores.tolist(), strict=True))

    def _fetch_vectors(self, seqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The candidates' seqs and float32 vectors, less those failing their checksum."""
        found: dict[int, bytes] = {}
        bad: list[int] = []
        ids = seqs.tolist()
        size = 4 * self.dimension
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            rows = self.conn.execute(
                "SELECT d.seq, c.vector, c.crc FROM documents d JOIN contents c "
                f"ON c.id = d.content WHERE d.seq IN ({','.join('?' * len(part))})", part)
            for seq, blob, crc in rows:
                if len(blob) != size or (crc is not None and vector_crc(blob) != crc):
                    bad.append(seq)
                else:
                    found[seq] = blob
        if bad:
            warn_bad_rows(self.conn, bad)
            ids = [s for s in ids if s in found]
        data = b"".join(found[s] for s in ids)
        return (np.asarray(ids, dtype=np.int64),
                np.frombuffer(data, dtype="<f4").reshape(len(ids), self.dimension))

    def _bm25(self, text: str, depth: int, where: dict[str, Any] | None) -> list[int]:
        match = fts_query(text)
        if not match:
            return []
        sql, params = compile_where(where)
        rows = self.conn.execute(
            "SELECT f.rowid FROM documents_fts f JOIN documents d ON d.seq = f.rowid "
            f"WHERE documents_fts MATCH ? AND {sql} ORDER BY f.rank LIMIT ?",
            [match, *params, depth])
        return [r[0] for r in rows]

    def _hit_rows(self, generation: int, count: int,
                  queries: int) -> dict[int, tuple[Any, ...]] | None:
        """Every document's hit columns, kept in memory once a generation has served
        :data:`HIT_CACHE_AFTER` queries (collections up to :data:`HIT_CACHE_ROWS`)."""
        c = self._cache
        if c.hits_generation != generation:
            c.hits_generation, c.hit_queries, c.hit_rows = generation, 0, None
        c.hit_queries += queries
        if c.hit_rows is None and c.hit_queries > HIT_CACHE_AFTER and count <= HIT_CACHE_ROWS:
            c.hit_rows = {r[0]: r for r in self.conn.execute(_HIT_SQL)}
        return c.hit_rows

    def _hits(self, rankings: list[list[tuple[int, float]]], generation: int = -1,
              count: int = 0) -> list[list[Hit]]:
        """The hits of each ranking: from the in-memory rows of a busy generation, else read
        with one statement per 500 documents."""
        by_seq = self._hit_rows(generation, count, len(rankings)) if generation >= 0 else None
        if by_seq is None:
            seqs = list(dict.fromkeys(seq for ranked in rankings for seq, _ in ranked))
            by_seq = {}
            for i in range(0, len(seqs), 500):
                part = seqs[i:i + 500]
                by_seq.update((r[0], r) for r in self.conn.execute(
                    f"{_HIT_SQL} WHERE d.seq IN ({','.join('?' * len(part))})", part))
        return [[Hit(r[1], score, r[2], _metadata(r[3]), r[4], r[5], r[6])
                 for seq, score in ranked if (r := by_seq.get(seq)) is not None]
                for ranked in rankings]


_HIT_SQL = ('SELECT d.seq, d.id, c.text, d.metadata, d.source, d.start, d."end" '
            "FROM documents d JOIN contents c ON c.id = d.content")
#: A write generation keeps its hits' rows in memory after this many queries ...
HIT_CACHE_AFTER = 64
#: ... when the collection has at most this many documents.
HIT_CACHE_ROWS = 2_000_000


def _metadata(raw: str) -> dict[str, Any]:
    if raw == "{}":  # most documents: no need to run the JSON decoder
        return {}
    value: dict[str, Any] = json.loads(raw)
    return value
