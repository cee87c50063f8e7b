"""The sampling tables of word2vec and Doc2Vec training: sub-sampling of frequent words
(the C tool's keep probabilities) and the unigram^0.75 negative-sampling distribution
(a Walker alias table)."""

from __future__ import annotations

import numpy as np


def sample_thresholds(counts: np.ndarray, sample: float) -> np.ndarray:
    """Per-word keep probability x 2^32 for sub-sampling (the C tool's formula).

    A word seen ``c`` times in a corpus of ``T`` words is kept with probability
    ``(sqrt(c / (sample*T)) + 1) * (sample*T) / c``, capped at 1; ``sample=0`` keeps all.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample < 0:
        raise ValueError(f"sample must be >= 0, got {sample!r}")
    if not sample:
        return np.full(len(counts), 2**32, dtype=np.int64)
    total = counts.sum()
    threshold = sample * total if sample < 1.0 else sample * (3 + np.sqrt(5)) / 2
    prob = (np.sqrt(counts / threshold) + 1) * (threshold / counts)
    prob = np.minimum(prob, 1.0)
    return np.round(prob * 2**32).astype(np.int64)


def negative_table(counts: np.ndarray, ns_exponent: float = 0.75) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Walker alias table for drawing negatives from unigram^``ns_exponent`` in O(1).

    Returns ``(threshold, alias)``: draw ``i`` uniformly, then a 32-bit ``u``; the sample
    is ``i`` if ``u < threshold[i]`` else ``alias[i]``.  Each word's probability is
    ``count^e / sum(count^e)`` up to the 2^-32 resolution of the thresholds.
    """
    weights = np.asarray(counts, dtype=np.float64) ** ns_exponent
    v = len(weights)
    scaled = weights * (v / weights.sum())
    prob = np.ones(v, dtype=np.float64)
    alias = np.arange(v, dtype=np.int32)
    small = [i for i in range(v) if scaled[i] < 1.0]
    large = [i for i in range(v) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    threshold = np.minimum(np.round(prob * 2**32), 2**32).astype(np.int64)
    return threshold, alias
