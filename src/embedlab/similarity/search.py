"""Exact top-k search over a corpus with argpartition + sort, chunked over queries."""

from __future__ import annotations

import operator

import numpy as np
import numpy.typing as npt

from embedlab.similarity import metrics as _m

#: Upper bound, in bytes, of the per-chunk (queries, corpus) score and index buffers.
TOPK_CHUNK_BYTES = 64 * 1024**2


def _select(keys: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k smallest keys per row, ascending, ties broken by lower index.

    keys: (c, m) float32/float64/int64 with NaN already mapped to +inf. Returns (c, k) int64.
    """
    c, m = keys.shape
    if k == 0 or c == 0:
        return np.zeros((c, k), dtype=np.int64)
    if k >= m:
        return np.argsort(keys, axis=1, kind="stable").astype(np.int64, copy=False)
    part = np.argpartition(keys, k - 1, axis=1)
    rows = np.arange(c)
    kth = keys[rows, part[:, k - 1]][:, None]
    n_le = np.count_nonzero(keys <= kth, axis=1)
    out = np.empty((c, k), dtype=np.int64)
    simple = n_le == k  # the k candidates are unambiguous; only their order is left
    if simple.any():
        cand = np.sort(part[simple, :k], axis=1)  # ascending index -> stable sort breaks ties
        order = np.argsort(np.take_along_axis(keys[simple], cand, axis=1), axis=1, kind="stable")
        out[simple] = np.take_along_axis(cand, order, axis=1)
    for r in np.flatnonzero(~simple):  # ties straddle the k-th place: resolve by lower index
        cand = np.flatnonzero(keys[r] <= kth[r, 0])
        out[r] = cand[np.argsort(keys[r, cand], kind="stable")[:k]]
    return out


def topk(
    queries: npt.ArrayLike,
    corpus: npt.ArrayLike,
    k: int,
    metric: str = "cosine",
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest corpus rows for every query row, best first.

    Best means highest similarity for ``cosine``/``dot`` and smallest distance for
    ``euclidean``/``manhattan``/``hamming``. Equal scores are ordered by lower corpus index;
    NaN scores rank last. ``k`` larger than the corpus is clamped to the corpus size.

    Args:
        queries: (n, d) vectors (1-D = one query); packed binary codes for ``hamming``.
        corpus: (m, d) vectors.
        k: number of results per query, >= 0.
        metric: one of :data:`embedlab.similarity.METRICS`.

    Returns:
        ``(indices, scores)``: (n, min(k, m)) int64 corpus indices and (n, min(k, m))
        float32 scores (the metric value itself, e.g. a distance for ``euclidean``).

    >>> idx, sc = topk([[1.0, 0.0]], [[0.0, 1.0], [1.0, 0.1], [1.0, 0.0]], k=2)
    >>> idx.tolist(), [round(float(x), 3) for x in sc[0]]
    ([[2, 1]], [1.0, 0.995])
    """
    name = _m.normalize_metric(metric)
    if isinstance(k, bool):
        raise TypeError("k must be an int, got bool")
    try:
        k = operator.index(k)
    except TypeError:
        raise TypeError(f"k must be an int, got {type(k).__name__}") from None
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")

    if name == "hamming":
        q, c = _m.as_packed_bits(queries, "queries"), _m.as_packed_bits(corpus, "corpus")
        _m.check_dims(q, c, unit=" bytes")
    else:
        q, c = _m.as_matrix(queries, "queries"), _m.as_matrix(corpus, "corpus")
        _m.check_dims(q, c)
    n, m = q.shape[0], c.shape[0]
    k_eff = min(k, m)
    indices = np.zeros((n, k_eff), dtype=np.int64)
    scores = np.zeros((n, k_eff), dtype=np.float32)
    if n == 0 or k_eff == 0:
        return indices, scores

    if name == "cosine":  # normalize the corpus once rather than per chunk
        c_unit = _m._unit_rows(c)
        q_unit = _m._unit_rows(q).astype(c_unit.dtype, copy=False)

    # keys (float32/int64), argpartition indices (int64), a comparison mask and a sort copy
    rows_per_chunk = max(1, TOPK_CHUNK_BYTES // (m * 32))
    for start in range(0, n, rows_per_chunk):
        stop = min(n, start + rows_per_chunk)
        if name == "cosine":
            chunk_scores = _m.cosine_from_unit(q_unit[start:stop], c_unit)
        else:
            chunk_scores = _m.pairwise(q[start:stop], c, name)
        keys = -chunk_scores if name in _m.SIMILARITY_METRICS else chunk_scores
        if keys.dtype.kind == "f":
            keys = np.where(np.isnan(keys), np.inf, keys)
        sel = _select(keys, k_eff)
        indices[start:stop] = sel
        scores[start:stop] = np.take_along_axis(chunk_scores, sel, axis=1)
    return indices, scores
