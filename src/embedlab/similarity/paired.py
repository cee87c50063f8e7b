"""Row-by-row scores of two equally long sets of vectors, and row normalization.

``paired_*`` score row ``i`` of ``a`` against row ``i`` of ``b`` in float64 (as MTEB's STS
and pair-classification scores do); :func:`normalize_rows` scales rows to unit length, the
normalization every encoder applies.

>>> paired_cosine(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[2.0, 0.0], [1.0, 1.0]]))
array([1., 0.])
"""

from __future__ import annotations

import numpy as np


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows stay zero.  ``(n, d) float32``."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def paired_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of ``a`` with the same row of ``b`` (0 for a zero row)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na = np.linalg.norm(a, axis=1)
    nb = np.linalg.norm(b, axis=1)
    na[na == 0] = 1.0
    nb[nb == 0] = 1.0
    return np.asarray(np.einsum("ij,ij->i", a / na[:, None], b / nb[:, None]))


def paired_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.einsum("ij,ij->i", np.asarray(a, np.float64),
                                np.asarray(b, np.float64)))


def paired_euclidean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64),
                                     axis=1))


def paired_manhattan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).sum(axis=1))


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(len(a), len(b))`` cosine similarities (float32, zero rows give 0)."""
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    na[na == 0] = 1.0
    nb[nb == 0] = 1.0
    return np.asarray((a / na) @ (b / nb).T)
