# numba types these kernels at compile time; mypy's numpy stubs tell Python ints from
# np.int64/np.bool_ scalars, which the kernels pass on purpose (one specialization each).
# mypy: disable-error-code="arg-type,assignment,return-value"
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

No typed containers: the pair counts are an open-addressing hash table in two arrays (typed
dicts and lists cost seconds of compilation on first use), and the token strings stay in
Python, where :class:`MergeVocab` names each new token (one object-mode call per merge).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
from numba import njit, objmode

# called with the vocabulary size every ``report_every`` merges (set by the trainer)
PROGRESS_HOOK: list[Callable[[int], None] | None] = [None]
# the vocabulary of the run in progress (set by :func:`bpe_merges`, under its lock)
VOCAB: list[MergeVocab | None] = [None]
_RUN_LOCK = threading.Lock()


def _report(size: int) -> None:
    hook = PROGRESS_HOOK[0]
    if hook is not None:
        hook(size)


class MergeVocab:
    """The token strings of a BPE run: id -> string, and the id of a merged pair's token."""

    def __init__(self, tokens: list[str], prefix: str) -> None:
        self.tokens = tokens
        self.prefix = prefix
        self.ids = {t: i for i, t in enumerate(tokens)}

    def merge(self, a: int, b: int) -> tuple[int, int]:
        """The id of ``tokens[a] + tokens[b]`` (its continuing prefix removed), added when
        new, and the vocabulary size after it."""
        right = self.tokens[b]
        if self.prefix and right.startswith(self.prefix):
            right = right[len(self.prefix):]
        token = self.tokens[a] + right
        new_id = self.ids.get(token)
        if new_id is None:
            new_id = len(self.tokens)
            self.tokens.append(token)
            self.ids[token] = new_id
        return new_id, len(self.ids)


def _merge(a: int, b: int, done: int, report_every: int) -> tuple[int, int]:
    """The kernel's one call into Python per merge: the new token's id and the vocabulary
    size, and a progress report every ``report_every`` merges (``done`` so far)."""
    vocab = VOCAB[0]
    assert vocab is not None
    new_id, size = vocab.merge(a, b)
    if report_every > 0 and (done + 1) % report_every == 0:
        _report(size)
    return new_id, size


def bpe_merges(sym: np.ndarray, wstart: np.ndarray, wlen: np.ndarray, wcount: np.ndarray,
               tokens: list[str], prefix: str, vocab_size: int, min_frequency: int,
               report_every: int, max_length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Learn merges until the vocabulary (``tokens``, id -> string, appended to in place)
    reaches ``vocab_size``; returns the merges in order as ``(left, right, new)`` id arrays.
    ``sym`` and ``wlen`` are rewritten in place.

    ``max_length`` follows HF's ``max_token_length``: a pair that a merge creates next to the
    new token is counted only when the two span fewer than ``max_length`` characters of the
    word (prefix and suffix not counted); the pairs of the initial spelling always count."""
    vocab = MergeVocab(tokens, prefix)
    with _RUN_LOCK:
        VOCAB[0] = vocab
        try:
            return _bpe_merges(sym, wstart, wlen, wcount, len(vocab.ids), len(tokens),
                               vocab_size, min_frequency, report_every, max_length)
        finally:
            VOCAB[0] = None


# Every kernel is called with one set of argument types, so numba compiles it once: a
# constant argument (``0``, ``True``) has a literal type of its own and would make a second
# specialization, so the callers pass ``np.int64``/``np.bool_`` values instead. (Explicit
# signatures do not help: loading a cached caller then recompiles its eager callees.)

# -- the pair-count table: keys ``a << 32 | b`` (>= 0), -1 marks an empty slot --------------
@njit(cache=True)
def _slot(key: np.int64, mask: np.int64) -> np.int64:
    h = np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)
    return np.int64((h ^ (h >> np.uint64(29))) & np.uint64(mask))


@njit(cache=True)
def _find(keys: np.ndarray, key: np.int64) -> np.int64:
    """The slot holding ``key``, or the empty slot where it would go."""
    mask = keys.shape[0] - 1
    i = _slot(key, mask)
    while keys[i] != key and keys[i] != -1:
        i = (i + 1) & mask
    return i


@njit(cache=True)
def _get(keys: np.ndarray, vals: np.ndarray, key: np.int64) -> np.int64:
    i = _find(keys, key)
    return vals[i] if keys[i] == key else 0


@njit(cache=True)
def _table(capacity: int) -> tuple[np.ndarray, np.ndarray]:
    size = 1024
    while size < 2 * capacity:
        size *= 2
    return np.full(size, -1, np.int64), np.zeros(size, np.int64)


@njit(cache=True)
def _rehash(keys: np.ndarray, vals: np.ndarray, used: int) -> tuple[np.ndarray, np.ndarray]:
    """The entries in a table sized for ``used``."""
    nk, nv = _table(used)
    for j in range(keys.shape[0]):
        if keys[j] != -1:
            t = _find(nk, keys[j])
            nk[t] = keys[j]
            nv[t] = vals[j]
    return nk, nv


@njit(cache=True)
def _add(keys: np.ndarray, vals: np.ndarray, used: int, key: np.int64, delta: np.int64
         ) -> tuple[np.ndarray, np.ndarray, int]:
    """``counts[key] += delta`` (a missing key counts 0); the table doubles at half full."""
    i = _find(keys, key)
    if keys[i] == key:
        vals[i] += delta
        return keys, vals, used
    if 2 * (used + 1) > keys.shape[0]:
        keys, vals = _rehash(keys, vals, used + 1)
        i = _find(keys, key)
    keys[i] = key
    vals[i] = delta
    return keys, vals, used + 1


@njit(cache=True)
def _grow_1d(a: np.ndarray, need: int) -> np.ndarray:
    if need <= a.shape[0]:
        return a
    b = np.empty(max(need, 2 * a.shape[0]), np.int64)
    for i in range(a.shape[0]):  # loops, not slices: far less code to compile
        b[i] = a[i]
    return b


@njit(cache=True)
def _head(a: np.ndarray, n: int) -> np.ndarray:
    """A copy of ``a[:n]``."""
    b = np.empty(n, np.int64)
    for i in range(n):
        b[i] = a[i]
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
        for r in range(n):
            for c in range(4):
                g[r, c] = h[r, c]
        h = g
    h[n, 0] = count
    h[n, 1] = key
    h[n, 2] = start
    h[n, 3] = length
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
    count = h[0, 0]
    key = h[0, 1]
    start = h[0, 2]
    length = h[0, 3]
    n -= 1
    if n > 0:
        for c in range(4):
            h[0, c] = h[n, c]
        i = np.int64(0)
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
def _move_pair(pkeys: np.ndarray, pvals: np.ndarray, pused: int, old: int, new: int, c: int,
               counted: bool, tkeys: np.ndarray, twords: np.ndarray, nt: int, w: int
               ) -> tuple[np.ndarray, np.ndarray, int, int]:
    """A merge in word ``w`` (occurring ``c`` times) turned pair ``old`` into ``new``: move
    the count, and queue ``new`` for ``w`` unless ``max_length`` leaves it uncounted (then
    ``old`` may later go below zero and is never queued, as in HF)."""
    pkeys, pvals, pused = _add(pkeys, pvals, pused, old, -c)
    if counted:
        pkeys, pvals, pused = _add(pkeys, pvals, pused, new, c)
        tkeys[nt] = new
        twords[nt] = w
        nt += 1
    return pkeys, pvals, pused, nt


@njit(cache=True)
def _stable_order(keys: np.ndarray, n: int) -> np.ndarray:
    """The stable ascending order of ``keys[:n]`` (a bottom-up merge sort; numpy's
    ``argsort(kind="mergesort")`` costs seconds to compile)."""
    order = np.empty(n, np.int64)
    for i in range(n):
        order[i] = i
    tmp = np.empty(n, np.int64)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, o = lo, mid, lo
            while i < mid and j < hi:
                if keys[order[j]] < keys[order[i]]:
                    tmp[o] = order[j]
                    j += 1
                else:
                    tmp[o] = order[i]
                    i += 1
                o += 1
            while i < mid:
                tmp[o] = order[i]
                i += 1
                o += 1
            while j < hi:
                tmp[o] = order[j]
                j += 1
                o += 1
        order, tmp = tmp, order
        width *= 2
    return order


@njit(cache=True)
def _group_into_heap(
    keys: np.ndarray, words: np.ndarray, n: int, wcount: np.ndarray, sum_counts: bool,
    pkeys: np.ndarray, pvals: np.ndarray, pused: int, posbuf: np.ndarray, npos: int,
    heap: np.ndarray, hn: int,
) -> tuple[np.ndarray, int, np.ndarray, int, np.ndarray, np.ndarray, int]:
    """Group ``(pair, word)`` records by pair into heap entries, each with its distinct words.

    ``sum_counts``: the records are every occurrence, so they also give the pair counts (the
    first count); otherwise the counts are already in the table ``pkeys``/``pvals``.
    """
    order = _stable_order(keys, n)  # stable: words stay ascending per pair
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
            pkeys, pvals, pused = _add(pkeys, pvals, pused, k, c)
        c = _get(pkeys, pvals, k)
        if c > 0:
            heap, hn = _push(heap, hn, c, k, start, npos - start)
        else:
            npos = start
        i = j
    return heap, hn, posbuf, npos, pkeys, pvals, pused


@njit(cache=True)
def _bpe_merges(
    sym: np.ndarray,
    wstart: np.ndarray,
    wlen: np.ndarray,
    wcount: np.ndarray,
    size: int,
    n_tokens: int,
    vocab_size: int,
    min_frequency: int,
    report_every: int,
    max_length: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The merge loop of :func:`bpe_merges`; ``size`` distinct tokens, ``n_tokens`` ids."""
    nw = wstart.shape[0]

    # 1. every adjacent pair occurrence -> counts and the words holding each pair
    total = 0
    for w in range(nw):
        if wlen[w] > 1:
            total += wlen[w] - 1
    keys = np.empty(max(total, 1), np.int64)
    words = np.empty(max(total, 1), np.int64)
    n = np.int64(0)
    for w in range(nw):
        s = wstart[w]
        for r in range(s, s + wlen[w] - 1):
            keys[n] = (np.int64(sym[r]) << 32) | np.int64(sym[r + 1])
            words[n] = w
            n += 1
    pkeys, pvals = _table(min(n, 1 << 20))
    pused = np.int64(0)
    heap = np.empty((1024, 4), np.int64)
    posbuf = np.empty(1024, np.int64)
    heap, hn, posbuf, npos, pkeys, pvals, pused = _group_into_heap(
        keys, words, n, wcount, np.bool_(True), pkeys, pvals, pused, posbuf, np.int64(0), heap,
        np.int64(0))

    # 2. merge the best pair, update the counts of its neighbours, queue the new pairs
    out_a = np.empty(1024, np.int64)
    out_b = np.empty(1024, np.int64)
    out_n = np.empty(1024, np.int64)
    nm = 0
    tkeys = np.empty(1024, np.int64)
    twords = np.empty(1024, np.int64)
    span = np.ones(max(n_tokens, 1024), np.int64)  # characters of the word each id spans
    while size < vocab_size and hn > 0:
        hn, count, key, pstart, plen = _pop(heap, hn)
        current = _get(pkeys, pvals, key)
        if count != current:  # stale entry: requeue with the fresh count
            heap, hn = _push(heap, hn, current, key, pstart, plen)
            continue
        if count < 1 or min_frequency > count:
            break
        a = key >> 32
        b = key & 0xFFFFFFFF
        with objmode(new_id="int64", size="int64"):
            new_id, size = _merge(a, b, nm, report_every)
        if new_id >= span.shape[0]:
            old_n = span.shape[0]
            span = _grow_1d(span, new_id + 1)
            for t in range(old_n, span.shape[0]):
                span[t] = 1
        span[new_id] = span[a] + span[b]
        if nm == out_a.shape[0]:
            out_a = _grow_1d(out_a, nm + 1)
            out_b = _grow_1d(out_b, nm + 1)
            out_n = _grow_1d(out_n, nm + 1)
        out_a[nm], out_b[nm], out_n[nm] = a, b, new_id
        nm += 1

        nt = np.int64(0)
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
                        pkeys, pvals, pused, nt = _move_pair(
                            pkeys, pvals, pused, (p << 32) | a, (p << 32) | new_id, c,
                            span[p] + span[new_id] < max_length, tkeys, twords, nt, w)
                    # right neighbour: the next symbol as it is before its own merge
                    if r + 2 < end:
                        q = np.int64(sym[r + 2])
                        pkeys, pvals, pused, nt = _move_pair(
                            pkeys, pvals, pused, (b << 32) | q, (new_id << 32) | q, c,
                            span[q] + span[new_id] < max_length, tkeys, twords, nt, w)
                    sym[o] = new_id
                    r += 2
                else:
                    sym[o] = sym[r]
                    r += 1
                o += 1
            wlen[w] = o - s
        if nt > 0:
            heap, hn, posbuf, npos, pkeys, pvals, pused = _group_into_heap(
                tkeys, twords, nt, wcount, np.bool_(False), pkeys, pvals, pused, posbuf, npos, heap, hn)
    return _head(out_a, nm), _head(out_b, nm), _head(out_n, nm)
