"""word2vec: skip-gram and CBOW with negative sampling and/or hierarchical softmax.

The hyper-parameters and their defaults follow the word2vec C tool (and gensim, which
follows it): a shrinking window, the unigram^0.75 negative-sampling table, the C tool's
sub-sampling formula, the Huffman tree for hierarchical softmax, a learning rate that
decays linearly to ``min_alpha`` over the whole run.  The corpus is read once
(:func:`embedlab.static.vocab.scan`); every epoch then runs numba kernels over integer
arrays on ``workers`` threads.

Example:
    >>> from embedlab.static import Word2Vec
    >>> sentences = [["the", "cat", "sat"], ["the", "dog", "sat"]] * 50
    >>> model = Word2Vec(vector_size=8, min_count=1, epochs=2, seed=1).fit(sentences)
    >>> model.wv.vectors.shape
    (4, 8)
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from embedlab.errors import NotFittedError, check_positive
from embedlab.params import Params, learned
from embedlab.static.history import EpochStats, TrainingProgress
from embedlab.static.vocab import EncodedCorpus, Vocab, scan

log = logging.getLogger(__name__)

#: Sentences are trained in blocks of about this many words (one kernel call each).
BLOCK_WORDS = 10_000


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


def block_seed(seed: int, epoch: int, block: int) -> int:
    """The LCG seed of one block: a fixed function of (seed, epoch, block)."""
    x = (seed * 0x9E3779B97F4A7C15 + epoch * 0xBF58476D1CE4E5B9 + block * 0x94D049BB133111EB
         + 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 31
    return (x & 0x7FFFFFFFFFFFFFFF) or 1


def plan_blocks(starts: np.ndarray, block_words: int = BLOCK_WORDS) -> list[tuple[int, int, int]]:
    """``(first sentence, end sentence, words before)`` per block of about block_words."""
    blocks = []
    n = len(starts) - 1
    s = 0
    while s < n:
        target = starts[s] + block_words
        e = int(np.searchsorted(starts, target, side="left"))
        e = max(e, s + 1)
        e = min(e, n)
        blocks.append((s, e, int(starts[s])))
        s = e
    return blocks


class Trainer:
    """Runs blocks of a kernel on ``workers`` threads and reports progress once per block."""

    def __init__(self, workers: int, progress: Callable[[TrainingProgress], None] | None):
        check_positive("workers", workers)
        self.workers = workers
        self.progress = progress

    def run_epoch(self, n_blocks: int, run_block: Callable[[int], tuple[int, int, float]],
                  info: dict[str, Any]) -> tuple[int, int, float, float]:
        """Run blocks 0..n-1; returns (words, effective words, loss, seconds)."""
        lock = threading.Lock()
        state: dict[str, Any] = {"next": 0, "words": 0, "effective": 0, "loss": 0.0}
        t0 = time.perf_counter()

        def worker() -> None:
            while True:
                with lock:
                    b = state["next"]
                    if b >= n_blocks or state.get("stop"):
                        return
                    state["next"] = b + 1
                try:
                    words, effective, loss = run_block(b)
                except BaseException:  # the other threads take no further block
                    with lock:
                        state["stop"] = True
                    raise
                with lock:
                    state["words"] += words
                    state["effective"] += effective
                    state["loss"] += loss
                    if self.progress is not None:
                        elapsed = time.perf_counter() - t0
                        mean = (state["loss"] / max(state["effective"], 1)
                                if info.get("compute_loss") else math.nan)
                        self.progress(TrainingProgress(
                            "train", info["epoch"], info["epochs"], state["words"],
                            info["total_words"], elapsed, mean))

        if self.workers == 1:
            worker()
        else:
            with ThreadPoolExecutor(self.workers) as pool:
                futures = [pool.submit(worker) for _ in range(self.workers)]
                try:
                    for f in futures:
                        f.result()
                except BaseException:  # Ctrl-C here: the threads stop after their block
                    with lock:
                        state["stop"] = True
                    raise
        return (int(state["words"]), int(state["effective"]), float(state["loss"]),
                time.perf_counter() - t0)


@dataclass(frozen=True)
class _Settings:
    """The parameters as the kernels take them (validated, cast, defaults resolved)."""

    sg: int
    hs: int
    ns_exponent: float
    sample: float
    alpha: float
    min_alpha: float
    seed: int
    cbow_mean: int
    compute_loss: bool
    shared_negatives: bool


class Word2Vec(Params):
    """Train word vectors with skip-gram (``sg=1``) or CBOW (``sg=0``).

    Args:
        sg: 1 for skip-gram, 0 for CBOW.
        vector_size: dimensions of the word vectors.
        window: largest distance between centre and context word (shrunk at random per
            position, as the C tool does).
        min_count, max_vocab: vocabulary limits (see :func:`embedlab.static.vocab.scan`).
        negative: negative samples per prediction (0 disables negative sampling).
        ns_exponent: exponent of the unigram distribution negatives are drawn from.
        hs: 1 to use hierarchical softmax (with ``negative=0`` it is the only objective).
        sample: sub-sampling threshold for frequent words (0 disables it).
        alpha, min_alpha: learning rate at the start and end of training; ``alpha=None``
            is 0.025 for skip-gram and 0.05 for CBOW, as in the C tool.
        epochs: passes over the corpus.
        workers: training threads.  ``workers=1`` with a ``seed`` is bit-for-bit
            reproducible.
        seed: seeds the initial vectors and every random draw.
        cbow_mean: CBOW averages (1) or sums (0) the context vectors.
        compute_loss: record the mean loss per epoch (slightly slower).
        shared_negatives: skip-gram draws the negatives once per centre word and uses
            them for each of its context words (each pair still gets ``negative``
            samples; the output rows stay in cache, which makes training markedly faster
            at the same quality).  ``False`` draws fresh negatives per pair, as the C tool.
        progress: called with a :class:`~embedlab.static.history.TrainingProgress`
            (``stage="train"``, words done of the epoch's total) after each block of about
            10,000 words.

    After :meth:`fit`, ``wv`` holds the :class:`~embedlab.static.vectors.WordVectors`,
    ``history`` one :class:`EpochStats` per epoch.
    """

    def __init__(self, sg: int = 0, vector_size: int = 100, window: int = 5,
                 min_count: int = 5, max_vocab: int | None = None, negative: int = 5,
                 ns_exponent: float = 0.75, hs: int = 0, sample: float = 1e-3,
                 alpha: float | None = None, min_alpha: float = 0.0001, epochs: int = 5,
                 workers: int = 3, seed: int = 1, cbow_mean: int = 1,
                 compute_loss: bool = False, shared_negatives: bool = True,
                 progress: Callable[[TrainingProgress], None] | None = None,
                 **corpus_options: Any) -> None:
        self.sg = sg
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.hs = hs
        self.sample = sample
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.epochs = epochs
        self.workers = workers
        self.seed = seed
        self.cbow_mean = cbow_mean
        self.compute_loss = compute_loss
        self.shared_negatives = shared_negatives
        self.progress = progress
        self.corpus_options = corpus_options
        self.vocab_: Vocab | None = None
        self.syn0_: np.ndarray | None = None
        self.syn1neg_: np.ndarray | None = None
        self.syn1_: np.ndarray | None = None
        self.history_: list[EpochStats] = []
        self.corpus_stats_: Any = None
        self._wv: Any = None

    # -- learned state under its earlier names (read-only) --------------------
    vocab = learned("vocab", "The vocabulary learnt by :meth:`fit`.")
    syn0 = learned("syn0", "The input (word) weights, ``(V, vector_size)`` float32.")
    syn1neg = learned("syn1neg", "The output weights of negative sampling.")
    syn1 = learned("syn1", "The output weights of hierarchical softmax.")
    history = learned("history", "One :class:`~embedlab.static.history.EpochStats` per epoch.")
    corpus_stats = learned("corpus_stats", "What reading the corpus found.")

    def _check_params(self) -> _Settings:
        """Validate the parameters; their values as the kernels take them, with the
        defaults that depend on others (alpha) resolved."""
        check_positive("vector_size", self.vector_size)
        check_positive("window", self.window)
        check_positive("epochs", self.epochs)
        check_positive("workers", self.workers)
        check_positive("negative", self.negative, allow_zero=True)
        if self.sg not in (0, 1, True, False):
            raise ValueError(f"sg must be 0 (CBOW) or 1 (skip-gram), got {self.sg!r}")
        if self.hs not in (0, 1, True, False):
            raise ValueError(f"hs must be 0 or 1, got {self.hs!r}")
        if not self.hs and not self.negative:
            raise ValueError("no training objective: set negative > 0, or hs=1")
        sg = int(self.sg)
        alpha = float(self.alpha if self.alpha is not None else (0.025 if sg else 0.05))
        min_alpha = float(self.min_alpha)
        if not 0 <= min_alpha <= alpha:
            raise ValueError(f"need 0 <= min_alpha <= alpha, got alpha={alpha}, "
                             f"min_alpha={min_alpha}")
        return _Settings(sg=sg, hs=int(self.hs), ns_exponent=float(self.ns_exponent),
                         sample=float(self.sample), alpha=alpha, min_alpha=min_alpha,
                         seed=int(self.seed), cbow_mean=int(self.cbow_mean),
                         compute_loss=bool(self.compute_loss),
                         shared_negatives=bool(self.shared_negatives))

    # -- training ---------------------------------------------------------------------
    def fit(self, corpus: Any) -> Word2Vec:
        """Build the vocabulary from ``corpus`` and train; returns ``self``.

        ``corpus`` is a path (file or folder), a list of paths, or an iterable of
        sentences (token lists or strings); see :class:`embedlab.text.corpus.Corpus`.
        """
        self._settings = settings = self._check_params()
        self.alpha_ = settings.alpha
        vocab, data = scan(corpus, min_count=self.min_count, max_vocab=self.max_vocab,
                           **self.corpus_options)
        try:
            self.corpus_stats_ = data.stats
            self.vocab_ = vocab
            self._init_weights(len(vocab))
            self._train(data)
        finally:
            data.close()
        return self

    def _init_weights(self, v: int) -> None:
        rng = np.random.default_rng(self._settings.seed)
        size = self.vector_size
        self.syn0_ = ((rng.random((v, size), dtype=np.float32) - np.float32(0.5))
                     / np.float32(size))
        self.syn1neg_ = np.zeros((v if self.negative else 1, size), np.float32)
        self.syn1_ = np.zeros((max(v - 1, 1) if self.hs else 1, size), np.float32)

    def _train(self, data: EncodedCorpus) -> None:
        from embedlab.static import _w2v_kernels as k

        assert self.vocab_ is not None and self.syn0_ is not None
        p = self._settings
        counts = self.vocab_.counts
        if self.negative:
            alias_prob, alias_idx = negative_table(counts, p.ns_exponent)
        else:
            alias_prob, alias_idx = np.ones(1, np.int64), np.zeros(1, np.int32)
        sample_int = sample_thresholds(counts, p.sample)
        if self.hs:
            codes, points, lengths = huffman_tree(counts)
        else:
            codes, points, lengths = (np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32),
                                      np.zeros(1, np.int32))
        ids, starts = data.ids, data.starts
        blocks = plan_blocks(starts)
        per_epoch = len(ids)
        total = float(max(per_epoch * self.epochs, 1))
        trainer = Trainer(self.workers, self.progress)
        self.history_ = []
        for epoch in range(self.epochs):
            def run_block(b: int, epoch: int = epoch) -> tuple[int, int, float]:
                s_lo, s_hi, before = blocks[b]
                return k.train_words_block(
                    ids, starts, s_lo, s_hi, self.syn0_, self.syn1neg_, self.syn1_, alias_prob,
                    alias_idx, sample_int, codes, points, lengths, p.sg, p.hs, self.negative,
                    self.window, p.cbow_mean, p.alpha, p.min_alpha,
                    epoch * per_epoch + before, total, block_seed(p.seed, epoch, b),
                    p.compute_loss, p.shared_negatives)

            info = {"epoch": epoch + 1, "epochs": self.epochs, "total_words": per_epoch,
                    "compute_loss": p.compute_loss}
            words, effective, loss, seconds = trainer.run_epoch(len(blocks), run_block, info)
            predictions = max(effective, 1)
            progress = (epoch + 1) / self.epochs
            self.history_.append(EpochStats(
                epoch + 1, words, effective, seconds,
                loss / predictions if p.compute_loss else float("nan"),
                max(p.alpha - (p.alpha - p.min_alpha) * progress, p.min_alpha)))
            log.info("epoch %d/%d: %d words in %.2f s (%.0f words/s)", epoch + 1,
                     self.epochs, words, seconds, words / max(seconds, 1e-9))
        self._wv = None

    # -- results ----------------------------------------------------------------------
    @property
    def wv(self) -> Any:
        """The trained :class:`~embedlab.static.vectors.WordVectors`."""
        if self.syn0_ is None or self.vocab_ is None:
            raise NotFittedError("this Word2Vec is not fitted yet; call fit(corpus) first")
        if self._wv is None:
            from embedlab.static.vectors import WordVectors

            self._wv = WordVectors(list(self.vocab_.words), self.syn0_, self.vocab_.counts)
        return self._wv

    def save(self, path: Any, format: str | None = None) -> None:
        """Save the word vectors (format from the suffix; see ``WordVectors.save``)."""
        self.wv.save(path, format=format)
