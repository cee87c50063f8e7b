"""Numba kernel of the BPE trainer: pair counts, the merge queue and in-place word merges.

The data layout: every distinct word is a run of symbol ids in one flat ``sym`` array
(``(total,) int32``), starting at ``wstart[w]`` with ``wlen[w]`` live symbols; ``wcount[w]`` is
how often the word occurred. A pair ``(a, b)`` is the key ``a << 32 | b``, so comparing keys
compares pairs lexicographically.

The merge queue follows HF ``tokenizers``' trainer: a max-heap of entries ``(count, pair,
positions)`` ordered by count, then by the smaller pair; an entry whose count went stale is
pushed back with the fresh count. ``positions`` is the set of words the entry was created for:
the initial entries list every word holding the pair, later ones only the words where a merge
created the pair. The pair count of a merged pair is left as it was (HF does the same), which
matters when a merge re-creates a token that already exists.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit, objmode, types
from numba.typed import Dict, List

# called with the vocabulary size every ``report_every`` merges (set by the trainer)
PROGRESS_HOOK: list[Callable[[int], None] | None] = [None]


def _report(size: int) -> None:
    hook = PROGRESS_HOOK[0]
    if hook is not None:
        hook(size)


@njit(cache=True)
def _grow_1d(a: np.ndarray, need: int) -> np.ndarray:
    if need <= a.shape[0]:
        return a
    b = np.empty(max(need, 2 * a.shape[0]), a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True)
def _first(h: np.ndarray, i: int, j: int) -> bool:
    """Whether heap row ``i`` pops before row ``j``: higher count, then smaller pair."""
    if h[i, 0] != h[j, 0]:
        return h[i, 0] > h[j, 0]
    return h[i, 1] < h[j, 1]


@njit(cache=True)
def _swap(h: np.ndarray, i: int, j: int) -> None:
    for c in range(4):
        t = h[i, c]
        h[i, c] = h[j, c]
        h[j, c] = t


@njit(cache=True)
def _push(h: np.ndarray, n: int, count: int, key: int, start: int, length: int
          ) -> tuple[np.ndarray, int]:
    if n == h.shape[0]:
        g = np.empty((2 * n + 16, 4), np.int64)
        g[:n] = h[:n]
        h = g
    h[n, 0], h[n, 1], h[n, 2], h[n, 3] = count, key, start, length
    i = n
    while i > 0:
        p = (i - 1) >> 1
        if not _first(h, i, p):
            break
        _swap(h, i, p)
        i = p
    return h, n + 1


@njit(cache=True)
def _pop(h: np.ndarray, n: int) -> tuple[int, int, int, int, int]:
    count, key, start, length = h[0, 0], h[0, 1], h[0, 2], h[0, 3]
    n -= 1
    if n > 0:
        h[0] = h[n]
        i = 0
        while True:
            lft = 2 * i + 1
            if lft >= n:
                break
            c = lft
            if lft + 1 < n and _first(h, lft + 1, lft):
                c = lft + 1
            if not _first(h, c, i):
                break
            _swap(h, i, c)
            i = c
    return n, count, key, start, length


@njit(cache=True)
def _group_into_heap(
    keys: np.ndarray, words: np.ndarray, n: int, wcount: np.ndarray, sum_counts: bool,
    pair_counts: Dict, posbuf: np.ndarray, npos: int, heap: np.ndarray, hn: int,
) -> tuple[np.ndarray, int, np.ndarray, int]:
    """Group ``(pair, word)`` records by pair into heap entries, each with its distinct words.

    ``sum_counts``: the records are every occurrence, so they also give the pair counts (the
    first count); otherwise the counts are already in ``pair_counts``.
    """
    order = np.argsort(keys[:n], kind="mergesort")  # stable: words stay ascending per pair
    posbuf = _grow_1d(posbuf, npos + n)
    i = 0
    while i < n:
        k = keys[order[i]]
        start = npos
        last = -1
        c = 0
        j = i
        while j < n and keys[order[j]] == k:
            w = words[order[j]]
            c += wcount[w]
            if w != last:
                posbuf[npos] = w
                npos += 1
                last = w
            j += 1
        if sum_counts:
            pair_counts[k] = c
        c = pair_counts[k]
        if c > 0:
            heap, hn = _push(heap, hn, c, k, start, npos - start)
        else:
            npos = start
        i = j
    return heap, hn, posbuf, npos


@njit(cache=True)
def _move_pair(pair_counts: Dict, old: int | np.integer, new: int | np.integer, c: int,
               counted: bool, tkeys: np.ndarray, twords: np.ndarray, nt: int, w: int) -> int:
    """A merge in word ``w`` (occurring ``c`` times) turned pair ``old`` into ``new``: move
    the count, and queue ``new`` for ``w`` unless ``max_length`` leaves it uncounted (then
    ``old`` may later go below zero and is never queued, as in HF). Returns the queue size."""
    pair_counts[old] = pair_counts.get(old, 0) - c
    if counted:
        pair_counts[new] = pair_counts.get(new, 0) + c
        tkeys[nt] = new
        twords[nt] = w
        nt += 1
    return nt


@njit(cache=True)
def bpe_merges(
    sym: np.ndarray,
    wstart: np.ndarray,
    wlen: np.ndarray,
    wcount: np.ndarray,
    tokens: List,
    prefix: str,
    vocab_size: int,
    min_frequency: int,
    report_every: int,
    max_length: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Learn merges until the vocabulary (``tokens``, id -> string, appended to in place)
    reaches ``vocab_size``; returns the merges in order as ``(left, right, new)`` id arrays.
    ``sym`` and ``wlen`` are rewritten in place.

    ``max_length`` follows HF's ``max_token_length``: a pair that a merge creates next to the
    new token is counted only when the two span fewer than ``max_length`` characters of the
    word (prefix and suffix not counted); the pairs of the initial spelling always count."""
    w2id = Dict.empty(types.unicode_type, types.int64)
    for i in range(len(tokens)):
        w2id[tokens[i]] = i
    nw = wstart.shape[0]

    # 1. every adjacent pair occurrence -> counts and the words holding each pair
    total = 0
    for w in range(nw):
        if wlen[w] > 1:
            total += wlen[w] - 1
    keys = np.empty(max(total, 1), np.int64)
    words = np.empty(max(total, 1), np.int64)
    n = 0
    for w in range(nw):
        s = wstart[w]
        for r in range(s, s + wlen[w] - 1):
            keys[n] = (np.int64(sym[r]) << 32) | np.int64(sym[r + 1])
            words[n] = w
            n += 1
    pair_counts = Dict.empty(types.int64, types.int64)
    heap = np.empty((1024, 4), np.int64)
    posbuf = np.empty(1024, np.int64)
    heap, hn, posbuf, npos = _group_into_heap(
        keys, words, n, wcount, True, pair_counts, posbuf, 0, heap, 0)

    # 2. merge the best pair, update the counts of its neighbours, queue the new pairs
    out_a = np.empty(1024, np.int64)
    out_b = np.empty(1024, np.int64)
    out_n = np.empty(1024, np.int64)
    nm = 0
    tkeys = np.empty(1024, np.int64)
    twords = np.empty(1024, np.int64)
    has_prefix = len(prefix) > 0
    span = np.ones(max(len(tokens), 1024), np.int64)  # characters of the word each id spans
    while len(w2id) < vocab_size and hn > 0:
        hn, count, key, pstart, plen = _pop(heap, hn)
        current = pair_counts[key]
        if count != current:  # stale entry: requeue with the fresh count
            heap, hn = _push(heap, hn, current, key, pstart, plen)
            continue
        if count < 1 or min_frequency > count:
            break
        a = key >> 32
        b = key & 0xFFFFFFFF
        right = tokens[b]
        if has_prefix and right.startswith(prefix):
            right = right[len(prefix):]
        new_token = tokens[a] + right
        if new_token in w2id:
            new_id = w2id[new_token]
        else:
            new_id = len(tokens)
            tokens.append(new_token)
            w2id[new_token] = new_id
        if new_id >= span.shape[0]:
            old_n = span.shape[0]
            span = _grow_1d(span, new_id + 1)
            span[old_n:] = 1
        span[new_id] = span[a] + span[b]
        if nm == out_a.shape[0]:
            out_a = _grow_1d(out_a, nm + 1)
            out_b = _grow_1d(out_b, nm + 1)
            out_n = _grow_1d(out_n, nm + 1)
        out_a[nm], out_b[nm], out_n[nm] = a, b, new_id
        nm += 1

        nt = 0
        for t in range(pstart, pstart + plen):
            w = posbuf[t]
            s = wstart[w]
            end = s + wlen[w]
            c = wcount[w]
            if nt + 2 * wlen[w] > tkeys.shape[0]:
                tkeys = _grow_1d(tkeys, nt + 2 * wlen[w])
                twords = _grow_1d(twords, nt + 2 * wlen[w])
            r = s
            o = s
            while r < end:
                if r + 1 < end and sym[r] == a and sym[r + 1] == b:
                    # left neighbour: the last symbol written (possibly a fresh merge)
                    if o > s:
                        p = np.int64(sym[o - 1])
                        nt = _move_pair(pair_counts, (p << 32) | a, (p << 32) | new_id, c,
                                        span[p] + span[new_id] < max_length, tkeys, twords,
                                        nt, w)
                    # right neighbour: the next symbol as it is before its own merge
                    if r + 2 < end:
                        q = np.int64(sym[r + 2])
                        nt = _move_pair(pair_counts, (b << 32) | q, (new_id << 32) | q, c,
                                        span[q] + span[new_id] < max_length, tkeys, twords,
                                        nt, w)
                    sym[o] = new_id
                    r += 2
                else:
                    sym[o] = sym[r]
                    r += 1
                o += 1
            wlen[w] = o - s
        if nt > 0:
            heap, hn, posbuf, npos = _group_into_heap(
                tkeys, twords, nt, wcount, False, pair_counts, posbuf, npos, heap, hn)
        if report_every > 0 and nm % report_every == 0:
            size = len(w2id)
            with objmode():
                _report(size)
    return out_a[:nm].copy(), out_b[:nm].copy(), out_n[:nm].copy()
