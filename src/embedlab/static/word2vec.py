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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from embedlab.errors import NotFittedError, check_positive
from embedlab.params import Params, learned
from embedlab.static.blocks import BLOCK_WORDS, BlockRunner, block_seed, plan_blocks
from embedlab.static.history import EpochStats, TrainingProgress
from embedlab.static.huffman import huffman_tree
from embedlab.static.sampling import negative_table, sample_thresholds
from embedlab.static.vocab import EncodedCorpus, Vocab, scan

log = logging.getLogger(__name__)

#: The helpers of training, imported here at their earlier home.
__all__ = ["BLOCK_WORDS", "BlockRunner", "Word2Vec", "block_seed", "huffman_tree",
           "negative_table", "plan_blocks", "sample_thresholds"]

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
        trainer = BlockRunner(self.workers, self.progress)
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


def __getattr__(name: str) -> Any:
    if name == "Trainer":  # deprecated: the block runner has its own module
        import warnings

        warnings.warn("embedlab.static.word2vec.Trainer moved to "
                      "embedlab.static.blocks.BlockRunner; the old name goes in the next "
                      "release", DeprecationWarning, stacklevel=2)
        return BlockRunner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
