"""numba kernels for word2vec and Doc2Vec training (skip-gram, CBOW, PV-DBOW, PV-DM).

One call trains one block of sentences.  Randomness is the word2vec C tool's linear
congruential generator, seeded per block from (seed, epoch, block), so a block trains the
same way whichever thread runs it: with one worker a run is bit-for-bit reproducible; with
several, threads update the shared matrices without locks (as the C tool and gensim do).

Conventions (the C tool's): in skip-gram the vector of the context word predicts the centre
word; the window is shrunk by a random ``b`` in ``[0, window)`` per position; negative
samples come from the unigram^``ns_exponent`` distribution (drawn in O(1) with Walker's
alias method, exact up to 32-bit probabilities) and a sample equal to the target is skipped; hierarchical softmax walks the
Huffman path of the predicted word with label ``1 - code``.  The sigmoid is computed
exactly (no lookup table, no clipping).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_MUL = np.uint64(25214903917)
_ADD = np.uint64(11)
_SHIFT = np.uint64(16)
_MASK32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def _next(state: np.uint64) -> np.uint64:
    return state * _MUL + _ADD


@njit(cache=True, nogil=True, inline="always")
def _bits(state: np.uint64) -> np.int64:
    """32 random bits from the LCG state (the C tool uses the bits above 16)."""
    return np.int64((state >> _SHIFT) & _MASK32)


@njit(cache=True, nogil=True, fastmath=True)
def _log_loss(p: float) -> float:
    """``-log p`` (floored); callers pass float64 so that it compiles once."""
    return -np.log(max(p, 1e-7))


@njit(cache=True, nogil=True, fastmath=True)
def _draw_negatives(word, alias_prob, alias_idx, negative, negs, state):
    """Draw ``negative`` samples into ``negs`` (those equal to ``word`` are dropped)."""
    vocab = alias_prob.shape[0]
    n = 0
    for _ in range(negative):
        state = _next(state)
        target = _bits(state) % vocab
        state = _next(state)
        if _bits(state) >= alias_prob[target]:
            target = alias_idx[target]
        if target != word:
            negs[n] = target
            n += 1
    return n, state


@njit(cache=True, nogil=True, fastmath=True)
def _neg_fixed(l1, word, negs, n_negs, syn1neg, alpha, work, want_loss, fs, distinct,
               learn_hidden):
    """Negative sampling with negatives drawn beforehand (shared across a window).

    When the targets are distinct rows (``distinct``), all dot products are taken first and
    the rows updated after, which gives the same result as one-by-one updates (no target
    reads a row another one writes) with more work in flight.
    """
    size = l1.shape[0]
    loss = 0.0
    if not distinct:
        for d in range(n_negs + 1):
            target = word if d == 0 else negs[d - 1]
            label = np.float32(1.0) if d == 0 else np.float32(0.0)
            out = syn1neg[target]
            f = np.float32(0.0)
            for k in range(size):
                f += l1[k] * out[k]
            p = np.float32(1.0) / (np.float32(1.0) + np.exp(-f))
            g = (label - p) * alpha
            if want_loss:
                loss += _log_loss(np.float64(p)) if d == 0 else _log_loss(1.0 - p)
            if learn_hidden:
                for k in range(size):
                    o = out[k]
                    work[k] += g * o
                    out[k] = o + g * l1[k]
            else:
                for k in range(size):
                    work[k] += g * out[k]
        return loss
    for d in range(n_negs + 1):
        out = syn1neg[word if d == 0 else negs[d - 1]]
        f = np.float32(0.0)
        for k in range(size):
            f += l1[k] * out[k]
        fs[d] = f
    for d in range(n_negs + 1):
        p = np.float32(1.0) / (np.float32(1.0) + np.exp(-fs[d]))
        if want_loss:
            loss += _log_loss(np.float64(p)) if d == 0 else _log_loss(1.0 - p)
        fs[d] = ((np.float32(1.0) if d == 0 else np.float32(0.0)) - p) * alpha
    for d in range(n_negs + 1):
        out = syn1neg[word if d == 0 else negs[d - 1]]
        g = fs[d]
        if learn_hidden:
            for k in range(size):
                o = out[k]
                work[k] += g * o
                out[k] = o + g * l1[k]
        else:
            for k in range(size):
                work[k] += g * out[k]
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def _hs(l1, word, syn1, codes, points, code_lens, alpha, work, learn_hidden, want_loss):
    """Hierarchical softmax along ``word``'s Huffman path; adds into ``work``."""
    size = l1.shape[0]
    loss = 0.0
    for b in range(code_lens[word]):
        out = syn1[points[word, b]]
        f = np.float32(0.0)
        for k in range(size):
            f += l1[k] * out[k]
        p = np.float32(1.0) / (np.float32(1.0) + np.exp(-f))
        label = np.float32(1.0 - codes[word, b])
        g = (label - p) * alpha
        if want_loss:
            loss += _log_loss(np.float64(p)) if label > 0.5 else _log_loss(1.0 - p)
        if learn_hidden:
            for k in range(size):
                o = out[k]
                work[k] += g * o
                out[k] = o + g * l1[k]
        else:
            for k in range(size):
                work[k] += g * out[k]
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def _distinct(negs, n):
    for a in range(n):
        for c in range(a):
            if negs[a] == negs[c]:
                return False
    return True


@njit(cache=True, nogil=True, fastmath=True)
def _predict(l1, word, syn1neg, syn1, alias_prob, alias_idx, codes, points, code_lens, hs,
             negative, alpha, work, state, learn_hidden, want_loss, negs, fs):
    """Hierarchical softmax and/or negative sampling for one prediction (fresh negatives)."""
    loss = 0.0
    if hs:
        loss += _hs(l1, word, syn1, codes, points, code_lens, alpha, work, learn_hidden,
                    want_loss)
    if negative > 0:
        n_negs, state = _draw_negatives(word, alias_prob, alias_idx, negative, negs, state)
        loss += _neg_fixed(l1, word, negs, n_negs, syn1neg, alpha, work, want_loss, fs,
                           _distinct(negs, n_negs), learn_hidden)
    return state, loss


@njit(cache=True, nogil=True, fastmath=True)
def _subsample(ids, lo, hi, sample_int, sent, state):
    """Copy ids[lo:hi] into ``sent``, dropping frequent words by the C tool's rule."""
    n = 0
    for pos in range(lo, hi):
        w = ids[pos]
        if sample_int[w] < 4294967296:
            state = _next(state)
            if sample_int[w] < _bits(state):
                continue
        sent[n] = w
        n += 1
    return n, state


@njit(cache=True, nogil=True, inline="always")
def _alpha_at(done: float, total: float, alpha_start: float, alpha_end: float) -> float:
    """The learning rate after ``done`` of ``total`` words: linear decay, floored at the end."""
    alpha = alpha_start - (alpha_start - alpha_end) * (done / total)
    return alpha if alpha > alpha_end else alpha_end


@njit(cache=True, nogil=True, inline="always")
def _window(i, n, window, state):
    """The context span ``[j0, j1)`` of position ``i`` in a sentence of ``n``, the window
    shrunk by a random ``b`` in ``[0, window)``; returns ``(j0, j1, state)``."""
    state = _next(state)
    b = _bits(state) % window
    return max(0, i - window + b), min(n, i + window + 1 - b), state


@njit(cache=True, nogil=True)
def _buffers(starts, s_lo, s_hi, size, negative):
    """The scratch arrays of one block: two vectors, the longest sentence, the negatives and
    their dot products."""
    longest = 0
    for s in range(s_lo, s_hi):
        longest = max(longest, starts[s + 1] - starts[s])
    return (np.zeros(size, dtype=np.float32), np.zeros(size, dtype=np.float32),
            np.empty(max(longest, 1), dtype=np.int32), np.empty(max(negative, 1), dtype=np.int64),
            np.empty(negative + 1, dtype=np.float32))


@njit(cache=True, nogil=True, fastmath=True)
def train_words_block(ids, starts, s_lo, s_hi, syn0, syn1neg, syn1, alias_prob, alias_idx, sample_int,
                      codes, points, code_lens, sg, hs, negative, window, cbow_mean,
                      alpha_start, alpha_end, done_before, total, seed, want_loss,
                      shared_negatives):
    """Train word2vec on sentences ``s_lo..s_hi``; returns (words, effective words, loss).

    ``done_before``/``total`` place the block in the whole run (corpus words x epochs) for
    the linear learning-rate decay, updated per sentence.  With ``shared_negatives`` the
    skip-gram negatives are drawn once per centre word and used for each of its context
    words (the output rows then stay in cache for the whole window).
    """
    size = syn0.shape[1]
    work, neu1, sent, negs, fs = _buffers(starts, s_lo, s_hi, size, negative)
    state = np.uint64(seed)
    words = 0
    effective = 0
    loss = 0.0
    for s in range(s_lo, s_hi):
        alpha = _alpha_at(done_before + words, total, alpha_start, alpha_end)
        lo = starts[s]
        hi = starts[s + 1]
        words += hi - lo
        n, state = _subsample(ids, lo, hi, sample_int, sent, state)
        effective += n
        for i in range(n):
            word = sent[i]
            j0, j1, state = _window(i, n, window, state)
            if sg and shared_negatives:
                n_negs = 0
                distinct = True
                if negative > 0:
                    n_negs, state = _draw_negatives(word, alias_prob, alias_idx, negative,
                                                    negs, state)
                    distinct = _distinct(negs, n_negs)
                for j in range(j0, j1):
                    if j == i:
                        continue
                    l1 = syn0[sent[j]]
                    work[:] = 0.0
                    if hs:
                        loss += _hs(l1, word, syn1, codes, points, code_lens, alpha, work,
                                    True, want_loss)
                    if negative > 0:
                        loss += _neg_fixed(l1, word, negs, n_negs, syn1neg, alpha, work,
                                           want_loss, fs, distinct, True)
                    for k in range(size):
                        l1[k] += work[k]
            elif sg:
                for j in range(j0, j1):
                    if j == i:
                        continue
                    l1 = syn0[sent[j]]
                    work[:] = 0.0
                    state, pl = _predict(l1, word, syn1neg, syn1, alias_prob, alias_idx, codes, points,
                                         code_lens, hs, negative, alpha, work, state, True,
                                         want_loss, negs, fs)
                    loss += pl
                    for k in range(size):
                        l1[k] += work[k]
            else:
                neu1[:] = 0.0
                count = 0
                for j in range(j0, j1):
                    if j == i:
                        continue
                    row = syn0[sent[j]]
                    for k in range(size):
                        neu1[k] += row[k]
                    count += 1
                if count == 0:
                    continue
                if cbow_mean:
                    inv = np.float32(1.0 / count)
                    for k in range(size):
                        neu1[k] *= inv
                work[:] = 0.0
                state, pl = _predict(neu1, word, syn1neg, syn1, alias_prob, alias_idx, codes, points,
                                     code_lens, hs, negative, alpha, work, state, True,
                                     want_loss, negs, fs)
                loss += pl
                for j in range(j0, j1):
                    if j == i:
                        continue
                    row = syn0[sent[j]]
                    for k in range(size):
                        row[k] += work[k]
    return words, effective, loss


@njit(cache=True, nogil=True, fastmath=True)
def train_docs_block(ids, starts, doc_rows, s_lo, s_hi, syn0, docvecs, syn1neg, syn1, alias_prob, alias_idx,
                     sample_int, codes, points, code_lens, dm, dbow_words, hs, negative,
                     window, dm_mean, alpha_start, alpha_end, done_before, total, seed,
                     learn_words, learn_docs, learn_hidden, want_loss):
    """Train Doc2Vec on documents ``s_lo..s_hi`` (document ``s`` uses ``docvecs[doc_rows[s]]``).

    PV-DBOW (``dm=0``): the document vector predicts each of its words (and with
    ``dbow_words`` skip-gram also trains the word vectors).  PV-DM (``dm=1``): the document
    vector plus the context words (mean or sum) predict the centre word.  ``learn_*`` freeze
    parts for ``infer_vector``.  Returns (words, effective words, loss).
    """
    size = syn0.shape[1]
    work, neu1, sent, negs, fs = _buffers(starts, s_lo, s_hi, size, negative)
    state = np.uint64(seed)
    words = 0
    effective = 0
    loss = 0.0
    for s in range(s_lo, s_hi):
        alpha = _alpha_at(done_before + words, total, alpha_start, alpha_end)
        lo = starts[s]
        hi = starts[s + 1]
        words += hi - lo
        n, state = _subsample(ids, lo, hi, sample_int, sent, state)
        effective += n
        doc = docvecs[doc_rows[s]]
        for i in range(n):
            word = sent[i]
            j0, j1, state = _window(i, n, window, state)
            if not dm:
                work[:] = 0.0
                state, pl = _predict(doc, word, syn1neg, syn1, alias_prob, alias_idx, codes, points, code_lens,
                                     hs, negative, alpha, work, state, learn_hidden, want_loss,
                                     negs, fs)
                loss += pl
                if learn_docs:
                    for k in range(size):
                        doc[k] += work[k]
                if dbow_words:
                    for j in range(j0, j1):
                        if j == i:
                            continue
                        l1 = syn0[sent[j]]
                        work[:] = 0.0
                        state, pl = _predict(l1, word, syn1neg, syn1, alias_prob, alias_idx, codes, points,
                                             code_lens, hs, negative, alpha, work, state,
                                             learn_hidden, want_loss, negs, fs)
                        loss += pl
                        if learn_words:
                            for k in range(size):
                                l1[k] += work[k]
            else:
                for k in range(size):
                    neu1[k] = doc[k]
                count = 1
                for j in range(j0, j1):
                    if j == i:
                        continue
                    row = syn0[sent[j]]
                    for k in range(size):
                        neu1[k] += row[k]
                    count += 1
                if dm_mean:
                    inv = np.float32(1.0 / count)
                    for k in range(size):
                        neu1[k] *= inv
                work[:] = 0.0
                state, pl = _predict(neu1, word, syn1neg, syn1, alias_prob, alias_idx, codes, points,
                                     code_lens, hs, negative, alpha, work, state, learn_hidden,
                                     want_loss, negs, fs)
                loss += pl
                if learn_docs:
                    for k in range(size):
                        doc[k] += work[k]
                if learn_words:
                    for j in range(j0, j1):
                        if j == i:
                            continue
                        row = syn0[sent[j]]
                        for k in range(size):
                            row[k] += work[k]
    return words, effective, loss
