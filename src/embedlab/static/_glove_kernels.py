"""Numba kernels behind :mod:`embedlab.static.cooccur` and :mod:`embedlab.static.glove`.

Counting accumulates ``(row * vocab_size + col) -> weight`` into an open-addressing hash
table (linear probing, Fibonacci hashing); a full table is dumped by the caller as a sorted
run, and :func:`merge_runs` merges the sorted runs (a k-way heap merge) adding equal keys.

Training follows the reference GloVe C tool (``glove.c``) update for one non-zero entry
``(i, j, x)``, with ``W`` holding word rows ``0..V-1`` and context rows ``V..2V-1``, each
``vector_size`` weights followed by one bias::

    diff  = w_i . c_j + b_i + b_j - log x
    fdiff = f(x) * diff                          f(x) = min(1, (x / x_max) ** alpha)
    cost += 0.5 * fdiff * diff
    g     = eta * fdiff
    u_w   = clip(g * c_j, -100, 100);  u_c = clip(g * w_i, -100, 100)
    w_i  -= u_w / sqrt(gsq_w);  c_j -= u_c / sqrt(gsq_c)   (gsq read before this update)
    gsq_w += u_w ** 2;  gsq_c += u_c ** 2
    b_i  -= g / sqrt(gsq_bi);  b_j -= g / sqrt(gsq_bj);  gsq_bi += g ** 2;  gsq_bj += g ** 2

As in the C tool the AdaGrad accumulators start at 1.0 and accumulate the squared,
learning-rate-scaled, clipped gradient; an entry whose vector update is not finite is
skipped.  Parameters are float32 (the C tool's ``real`` is double; float32 halves the
memory traffic and gives the same analogy scores), with the dot product and the loss
accumulated in float64.  No ``fastmath``: with one thread a run is bit-for-bit repeatable.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
EMPTY = np.int64(-1)
#: Re-association lets LLVM vectorise the dot product; no "nnan"/"ninf", so the
#: finiteness checks stay.  The compiled code is fixed, so runs still repeat exactly.
#: The training kernels also use ``error_model="numpy"``: Python's zero-division check
#: on every float division stops LLVM from vectorising the update loop (15x slower).
_FAST = {"reassoc", "contract", "nsz"}


@njit(cache=True, inline="always")
def _slot(key: np.int64, shift: np.uint64) -> np.int64:
    return np.int64((np.uint64(key) * _GOLDEN) >> shift)


@njit(cache=True, inline="always")
def _add(keys: np.ndarray, vals: np.ndarray, mask: np.int64, shift: np.uint64,
         key: np.int64, weight: float) -> int:
    """Add ``weight`` to ``key``'s value; 1 when a new key was inserted, else 0."""
    s = _slot(key, shift)
    while True:
        k = keys[s]
        if k == key:
            vals[s] += weight
            return 0
        if k == EMPTY:
            keys[s] = key
            vals[s] = weight
            return 1
        s = (s + 1) & mask


@njit(cache=True, nogil=True)
def count_window(ids: np.ndarray, starts: np.ndarray, first: int, last: int, window: int,
                 symmetric: bool, distance_weighting: bool, vocab_size: int,
                 keys: np.ndarray, vals: np.ndarray, fill: int,
                 max_fill: int) -> tuple[int, int]:
    """Count the window pairs of sentences ``first..last-1`` into the hash table.

    For each token ``w2`` and each earlier token ``w1`` at distance ``d <= window`` in the
    same sentence, ``(w1, w2)`` gets ``1/d`` (or 1), and with ``symmetric`` ``(w2, w1)``
    too (``cooccur.c``).  Stops before a sentence that could push the table past
    ``max_fill`` entries (unless the table is empty).  Returns ``(next sentence, fill)``.
    """
    cap = keys.shape[0]
    mask = np.int64(cap - 1)
    bits = 0
    while (1 << bits) < cap:
        bits += 1
    shift = np.uint64(64 - bits)
    per_token = window * (2 if symmetric else 1)
    s = first
    while s < last:
        a = starts[s]
        b = starts[s + 1]
        if fill > 0 and fill + (b - a) * per_token > max_fill:
            break
        for j in range(a, b):
            w2 = np.int64(ids[j])
            lo = max(a, j - window)
            for k in range(j - 1, lo - 1, -1):
                w1 = np.int64(ids[k])
                weight = 1.0 / (j - k) if distance_weighting else 1.0
                fill += _add(keys, vals, mask, shift, w1 * vocab_size + w2, weight)
                if symmetric:
                    fill += _add(keys, vals, mask, shift, w2 * vocab_size + w1, weight)
        s += 1
    return s, fill


def _on_threads(calls: list, threads: int) -> list:
    """Run zero-argument calls of GIL-free kernels on ``threads`` threads; results in order.
    (Python threads rather than numba's ``prange``: a parallel kernel costs seconds more to
    compile on first use, and these loops have a handful of large iterations.)"""
    if threads <= 1 or len(calls) <= 1:
        return [c() for c in calls]
    with ThreadPoolExecutor(min(threads, len(calls))) as pool:
        futures = [pool.submit(c) for c in calls]
        return [f.result() for f in futures]


def count_tables(ids: np.ndarray, starts: np.ndarray, pos: np.ndarray, ends: np.ndarray,
                 window: int, symmetric: bool, distance_weighting: bool, vocab_size: int,
                 keys: np.ndarray, vals: np.ndarray, fills: np.ndarray,
                 max_fill: int) -> None:
    """:func:`count_window` on several sentence ranges at once, one hash table each
    (row ``t`` of ``keys``/``vals``), one thread each; advances ``pos`` and ``fills``."""
    todo = [t for t in range(pos.shape[0]) if pos[t] < ends[t]]
    calls = [partial(count_window, ids, starts, int(pos[t]), int(ends[t]), window,
                     bool(symmetric), bool(distance_weighting), int(vocab_size), keys[t],
                     vals[t], int(fills[t]), int(max_fill)) for t in todo]
    for t, (p, fill) in zip(todo, _on_threads(calls, len(todo)), strict=True):
        pos[t], fills[t] = p, fill


@njit(cache=True)
def merge_runs(keys: np.ndarray, vals: np.ndarray, offsets: np.ndarray,
               out_keys: np.ndarray, out_vals: np.ndarray) -> int:
    """Merge the sorted runs ``keys[offsets[r]:offsets[r+1]]``, adding equal keys.

    Writes the merged unique keys and summed values to ``out_*``; returns their count.
    """
    runs = offsets.shape[0] - 1
    pos = offsets[:-1].copy()
    heap = np.empty(runs, np.int64)  # run numbers, ordered by their head key
    size = 0
    for r in range(runs):
        if pos[r] < offsets[r + 1]:
            heap[size] = r
            size += 1
            i = size - 1
            while i > 0:  # sift up
                p = (i - 1) // 2
                if keys[pos[heap[p]]] <= keys[pos[heap[i]]]:
                    break
                heap[p], heap[i] = heap[i], heap[p]
                i = p
    n = 0
    while size > 0:
        r = heap[0]
        key = keys[pos[r]]
        if n > 0 and out_keys[n - 1] == key:
            out_vals[n - 1] += vals[pos[r]]
        else:
            out_keys[n] = key
            out_vals[n] = vals[pos[r]]
            n += 1
        pos[r] += 1
        if pos[r] >= offsets[r + 1]:
            size -= 1
            heap[0] = heap[size]
        i = 0
        while True:  # sift down
            left = 2 * i + 1
            if left >= size:
                break
            c = left
            if left + 1 < size and keys[pos[heap[left + 1]]] < keys[pos[heap[left]]]:
                c = left + 1
            if keys[pos[heap[i]]] <= keys[pos[heap[c]]]:
                break
            heap[i], heap[c] = heap[c], heap[i]
            i = c
    return n


@njit(cache=True)
def _splitmix(state: np.uint64) -> tuple[np.uint64, np.uint64]:
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@njit(cache=True)
def shuffle_entries(seed: int, rows: np.ndarray, cols: np.ndarray, fx: np.ndarray,
                    logx: np.ndarray) -> None:
    """Fisher-Yates shuffle of the four entry arrays together, in place, from ``seed``."""
    state = np.uint64(seed)
    for i in range(rows.shape[0] - 1, 0, -1):
        state, z = _splitmix(state)
        j = np.int64(z % np.uint64(i + 1))
        rows[i], rows[j] = rows[j], rows[i]
        cols[i], cols[j] = cols[j], cols[i]
        fx[i], fx[j] = fx[j], fx[i]
        logx[i], logx[j] = logx[j], logx[i]


@njit(cache=True)
def entry_weights(x: np.ndarray, x_max: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """``f(x) = min(1, (x/x_max)**alpha)`` and ``log x`` per entry, as float32."""
    n = x.shape[0]
    fx = np.empty(n, np.float32)
    logx = np.empty(n, np.float32)
    for i in range(n):
        v = x[i]
        fx[i] = 1.0 if v > x_max else (v / x_max) ** alpha
        logx[i] = np.log(v)
    return fx, logx


@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def _train_range(W: np.ndarray, gradsq: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                 fx: np.ndarray, logx: np.ndarray, lo: int, hi: int, vocab_size: int,
                 eta: float, grad_clip: float) -> float:
    d = W.shape[1] - 1
    cost = 0.0
    eta32 = np.float32(eta)
    clip = np.float32(grad_clip)
    for e in range(lo, hi):
        l1 = rows[e]
        l2 = cols[e] + vocab_size
        w = W[l1]
        c = W[l2]
        gw = gradsq[l1]
        gc = gradsq[l2]
        dot = np.float32(0.0)
        for b in range(d):
            dot += w[b] * c[b]
        diff = np.float64(dot) + np.float64(w[d]) + np.float64(c[d]) - np.float64(logx[e])
        fdiff = np.float64(fx[e]) * diff
        if not (np.isfinite(diff) and np.isfinite(fdiff)):
            continue
        cost += 0.5 * fdiff * diff
        g = np.float32(fdiff) * eta32
        # A finite diff means finite vectors, so the clipped updates are finite too: the
        # C tool's check of the update sums can never fail here and is left out.
        for b in range(d):
            t1 = min(max(g * c[b], -clip), clip)
            t2 = min(max(g * w[b], -clip), clip)
            w[b] -= t1 / np.sqrt(gw[b])
            c[b] -= t2 / np.sqrt(gc[b])
            gw[b] += t1 * t1
            gc[b] += t2 * t2
        u = g / np.sqrt(gw[d])
        if np.isfinite(u):
            w[d] -= u
        u = g / np.sqrt(gc[d])
        if np.isfinite(u):
            c[d] -= u
        gw[d] += g * g
        gc[d] += g * g
    return cost


def train_epoch(W: np.ndarray, gradsq: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                fx: np.ndarray, logx: np.ndarray, vocab_size: int, eta: float,
                grad_clip: float, blocks: int) -> float:
    """One pass over the (already shuffled) entries, ``blocks`` contiguous slices on as many
    threads without locks (as the C tool's threads); returns the summed
    ``0.5 * f(x) * diff**2``."""
    n = rows.shape[0]
    calls = [partial(_train_range, W, gradsq, rows, cols, fx, logx, n * t // blocks,
                     n * (t + 1) // blocks, int(vocab_size), float(eta), float(grad_clip))
             for t in range(blocks)]
    return float(sum(_on_threads(calls, blocks)))


def train_entries(W: np.ndarray, gradsq: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                  fx: np.ndarray, logx: np.ndarray, vocab_size: int, eta: float,
                  grad_clip: float) -> float:
    """The same update as :func:`train_epoch`, in order on one thread."""
    return float(_train_range(W, gradsq, rows, cols, fx, logx, 0, int(rows.shape[0]),
                              int(vocab_size), float(eta), float(grad_clip)))
