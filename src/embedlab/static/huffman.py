"""The Huffman tree of hierarchical softmax, built as the word2vec C tool builds it."""

from __future__ import annotations

import numpy as np


def huffman_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Huffman codes and inner-node paths for counts sorted in descending order.

    Built as the word2vec C tool builds it (two pointers over the sorted counts; the
    second-smallest node gets bit 1).  Returns ``(codes, points, lengths)``: word ``w``'s
    code is ``codes[w, :lengths[w]]`` read from the root, and ``points[w, :lengths[w]]``
    are the inner nodes on its path (root = ``len(counts) - 2``), the rows of the
    hierarchical-softmax output matrix.
    """
    counts = np.asarray(counts, dtype=np.int64)
    v = len(counts)
    if v < 2:
        return (np.zeros((v, 1), np.uint8), np.zeros((v, 1), np.int32),
                np.zeros(v, np.int32))
    if np.any(counts[:-1] < counts[1:]):
        raise ValueError("huffman_tree needs counts sorted in descending order")
    count = np.empty(2 * v - 1, dtype=np.int64)
    count[:v] = counts
    count[v:] = np.iinfo(np.int64).max // 4
    parent = np.zeros(2 * v - 1, dtype=np.int64)
    binary = np.zeros(2 * v - 1, dtype=np.uint8)
    pos1, pos2 = v - 1, v
    for a in range(v - 1):
        mins = []
        for _ in range(2):
            if pos1 >= 0 and count[pos1] < count[pos2]:
                mins.append(pos1)
                pos1 -= 1
            else:
                mins.append(pos2)
                pos2 += 1
        count[v + a] = count[mins[0]] + count[mins[1]]
        parent[mins[0]] = parent[mins[1]] = v + a
        binary[mins[1]] = 1
    root = 2 * v - 2
    paths = []
    for w in range(v):
        code, point = [], []
        b = w
        while b != root:
            code.append(binary[b])
            b = int(parent[b])
            point.append(b - v)
        paths.append((code[::-1], point[::-1]))
    depth = max(len(c) for c, _ in paths)
    codes = np.zeros((v, depth), np.uint8)
    points = np.zeros((v, depth), np.int32)
    lengths = np.zeros(v, np.int32)
    for w, (code, point) in enumerate(paths):
        codes[w, :len(code)] = code
        points[w, :len(point)] = point
        lengths[w] = len(code)
    return codes, points, lengths
