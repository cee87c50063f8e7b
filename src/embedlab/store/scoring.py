"""Exact scoring of one query against a matrix: numpy matmul + argpartition, float64 rescoring.

Candidates are chosen in float32 (fast), then the best ``k + RESCORE_MARGIN`` are rescored in
float64 and sorted, so the returned ids and scores equal a float64 brute-force computation.
Scores are similarities for ``cosine``/``dot`` (higher is better) and distances for
``euclidean``/``manhattan`` (lower is better).

>>> import numpy as np
>>> m = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], np.float32)
>>> rows, scores = exact_topk(m, np.array([1.0, 0.0], np.float32), 2, "cosine")
>>> rows.tolist(), scores.round(3).tolist()
([0, 2], [1.0, 0.6])
"""

from __future__ import annotations

import numpy as np

from embedlab.similarity.metrics import SIMILARITY_METRICS

#: Extra float32 candidates rescored in float64 so that rounding never changes the top k.
RESCORE_MARGIN = 32
#: Metrics a collection can search with (Hamming is only the binary mode's first stage).
SEARCH_METRICS = ("cosine", "dot", "euclidean", "manhattan")


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, 1)


def score_rows(matrix: np.ndarray, query: np.ndarray, metric: str,
               dtype: type[np.floating] = np.float32) -> np.ndarray:
    """Scores of ``query`` (d,) against every row of ``matrix`` (n, d): (n,) of ``dtype``."""
    m = matrix.astype(dtype, copy=False)
    q = query.astype(dtype, copy=False)
    if metric == "cosine":
        if dtype == np.float64:  # rescoring: (m . q) / sqrt(|m|^2 |q|^2), 0 for a zero vector
            # einsum sums each row alike however many rows there are (a matrix product may
            # not), so a document's score never depends on which candidates came with it
            dots = np.einsum("ij,j->i", m, q)
            denominators = np.sqrt(np.einsum("ij,ij->i", m, m) * float(q @ q))
            if denominators.all():
                return dots / denominators
            return np.divide(dots, denominators, out=np.zeros_like(dots),
                             where=denominators > 0)
        return _unit(m) @ _unit(q)
    if metric == "dot":
        return m @ q
    if metric == "euclidean":
        if dtype == np.float64:
            return np.sqrt(((m - q) ** 2).sum(axis=1))
        sq = np.einsum("ij,ij->i", m, m) - 2 * (m @ q) + q @ q
        return np.sqrt(np.maximum(sq, 0))
    if metric == "manhattan":
        return np.abs(m - q).sum(axis=1)
    raise ValueError(f"unknown metric {metric!r}; valid: {', '.join(SEARCH_METRICS)}")


def best_first(scores: np.ndarray, metric: str) -> np.ndarray:
    """Sort keys where smaller is better (negated similarities; NaN last)."""
    keys = -scores if metric in SIMILARITY_METRICS else scores
    return np.where(np.isnan(keys), np.inf, keys)


def row_statistic(matrix: np.ndarray, metric: str) -> np.ndarray | None:
    """What the float32 stage reuses across queries: unit rows (cosine), squared norms
    (euclidean), or None."""
    if metric == "cosine":
        return _unit(matrix).astype(np.float32)
    if metric == "euclidean":
        return np.einsum("ij,ij->i", matrix, matrix)
    return None


def fast_scores(matrix: np.ndarray, query: np.ndarray, metric: str,
                stat: np.ndarray | None) -> np.ndarray:
    """float32 scores of every row, using :func:`row_statistic` output when given."""
    if stat is None:
        return score_rows(matrix, query, metric)
    q = query.astype(np.float32)
    if metric == "cosine":
        return stat @ _unit(q)
    return np.sqrt(np.maximum(stat - 2 * (matrix @ q) + q @ q, 0))


def exact_topk(matrix: np.ndarray, query: np.ndarray, k: int, metric: str,
               stat: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers (int64) and float64 scores of the ``k`` best rows, best first.

    ``stat`` is :func:`row_statistic` of ``matrix`` (optional, saves work per query).
    Ties are ordered by lower row number.
    """
    n = matrix.shape[0]
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    keys = best_first(fast_scores(matrix, query, metric, stat), metric)
    wide = min(n, k + RESCORE_MARGIN)
    cand = np.arange(n) if wide >= n else np.argpartition(keys, wide - 1)[:wide]
    cand = np.sort(cand)
    return rescore(matrix[cand], query, cand, k, metric)


#: Queries scored together by :func:`exact_topk_many` (bounds its (n, block) score matrix).
QUERY_BLOCK = 64


def exact_topk_many(matrix: np.ndarray, queries: np.ndarray, k: int, metric: str,
                    stat: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`exact_topk` for each row of ``queries`` (q, d), the float32 stage of a block
    of queries in one matrix product; the results equal :func:`exact_topk` query by query
    (the float64 rescoring decides the order and the scores)."""
    out: list[tuple[np.ndarray, np.ndarray]] = []
    n = matrix.shape[0]
    k = min(k, n)
    if k <= 0 or metric == "manhattan":  # no matrix-product form
        return [exact_topk(matrix, q, k, metric, stat) for q in queries]
    wide = min(n, k + RESCORE_MARGIN)
    for start in range(0, len(queries), QUERY_BLOCK):
        block = queries[start:start + QUERY_BLOCK].astype(np.float32)
        if metric == "cosine":
            units = stat if stat is not None else _unit(matrix).astype(np.float32)
            scores = _unit(block) @ units.T  # (queries, rows)
        elif metric == "dot":
            scores = block @ matrix.T
        else:  # euclidean
            norms = stat if stat is not None else np.einsum("ij,ij->i", matrix, matrix)
            sq = (norms[None, :] - 2 * (block @ matrix.T)
                  + np.einsum("ij,ij->i", block, block)[:, None])
            scores = np.sqrt(np.maximum(sq, 0))
        keys = best_first(scores, metric)
        for row, query in zip(keys, queries[start:start + QUERY_BLOCK], strict=True):
            cand = np.arange(n) if wide >= n else np.sort(np.argpartition(row, wide - 1)[:wide])
            out.append(rescore(matrix[cand], query, cand, k, metric))
    return out


def rescore(vectors: np.ndarray, query: np.ndarray, labels: np.ndarray, k: int,
            metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Exact float64 scores of candidate ``vectors`` (c, d); the ``k`` best labels first
    (ties in candidate order; NaN scores last, where numpy's sort puts NaN)."""
    exact = score_rows(vectors, query, metric, np.float64)
    order = np.argsort(-exact if metric in SIMILARITY_METRICS else exact, kind="stable")[:k]
    return labels[order].astype(np.int64, copy=False), exact[order]


def hamming_topk(bits: np.ndarray, query_bits: np.ndarray, k: int) -> np.ndarray:
    """Row numbers of the ``k`` rows of packed ``bits`` (n, B) nearest in Hamming distance."""
    from embedlab.similarity import topk

    idx, _ = topk(query_bits[None, :], bits, k, "hamming")
    return idx[0]


def reciprocal_rank_fusion(rankings: list[list[int]], k: int = 60) -> list[tuple[int, float]]:
    """Fuse ranked lists of labels: score = sum over lists of ``1 / (k + rank)``, rank from 1.

    >>> reciprocal_rank_fusion([[1, 2], [2, 3]])[0][0]
    2
    """
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, label in enumerate(ranking, start=1):
            fused[label] = fused.get(label, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
