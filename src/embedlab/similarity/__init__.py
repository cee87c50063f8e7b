"""Similarity and distance matrices, paired scores, row normalization and exact top-k search.

>>> from embedlab.similarity import pairwise, topk
>>> pairwise([[1.0, 0.0]], [[1.0, 0.0]], "cosine")
array([[1.]], dtype=float32)
"""

from __future__ import annotations

from embedlab.similarity.metrics import (
    METRICS,
    SIMILARITY_METRICS,
    cosine_similarity,
    dot_product,
    euclidean_distance,
    hamming_distance,
    manhattan_distance,
    pairwise,
)
from embedlab.similarity.paired import (
    cosine_matrix,
    normalize_rows,
    paired_cosine,
    paired_dot,
    paired_euclidean,
    paired_manhattan,
)
from embedlab.similarity.search import topk

__all__ = [
    "METRICS",
    "SIMILARITY_METRICS",
    "cosine_matrix",
    "cosine_similarity",
    "dot_product",
    "euclidean_distance",
    "hamming_distance",
    "manhattan_distance",
    "normalize_rows",
    "paired_cosine",
    "paired_dot",
    "paired_euclidean",
    "paired_manhattan",
    "pairwise",
    "topk",
]
