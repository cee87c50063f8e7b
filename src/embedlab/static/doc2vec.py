"""Doc2Vec (paragraph vectors): PV-DBOW and PV-DM, sharing the word2vec kernels.

Documents come as a file or folder (one document per line), or as an iterable whose items
are token lists, strings, or objects with ``words`` and ``tags`` (such as gensim's
``TaggedDocument``; the first tag names the document).  Untagged documents are named by
their position, 0, 1, 2, ...

Example:
    >>> from embedlab.static import Doc2Vec
    >>> docs = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "ran"]] * 20
    >>> model = Doc2Vec(dm=0, vector_size=8, min_count=1, epochs=5, seed=1).fit(docs)
    >>> model.dv.vectors.shape
    (60, 8)
    >>> model.infer_vector(["the", "cat"]).shape
    (8,)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from embedlab.errors import NotFittedError
from embedlab.params import Params, learned
from embedlab.static.blocks import BlockRunner, block_seed, plan_blocks
from embedlab.static.history import TrainingProgress
from embedlab.static.huffman import huffman_tree
from embedlab.static.sampling import negative_table, sample_thresholds
from embedlab.static.vocab import Vocab, scan
from embedlab.static.word2vec import Word2Vec
from embedlab.text.corpus import Corpus, CorpusError, tokenize


class DocVectors:
    """Trained document vectors, looked up by tag or position."""

    def __init__(self, tags: list[Hashable], vectors: np.ndarray) -> None:
        self.tags = tags
        self.vectors = vectors
        self.index = {t: i for i, t in enumerate(tags)}

    def __len__(self) -> int:
        return len(self.tags)

    def __contains__(self, tag: object) -> bool:
        return tag in self.index

    def __getitem__(self, tag: Hashable) -> np.ndarray:
        if tag not in self.index:
            raise KeyError(f"no document tagged {tag!r}; tags are e.g. {self.tags[:5]!r}")
        return self.vectors[self.index[tag]]

    def most_similar(self, vector_or_tag: Any, topn: int = 10) -> list[tuple[Hashable, float]]:
        """The ``topn`` documents most cosine-similar to a vector or to a tagged document."""
        exclude = None
        if isinstance(vector_or_tag, np.ndarray):
            query = vector_or_tag.astype(np.float32)
        else:
            exclude = self.index.get(vector_or_tag)
            query = self[vector_or_tag]
        norms = np.linalg.norm(self.vectors, axis=1) * max(float(np.linalg.norm(query)), 1e-12)
        sims = self.vectors @ query / np.maximum(norms, 1e-12)
        if exclude is not None:
            sims[exclude] = -np.inf
        order = np.argsort(-sims, kind="stable")[:topn]
        return [(self.tags[i], float(sims[i])) for i in order if np.isfinite(sims[i])]


def _split_tagged(corpus: Any) -> tuple[Any, list[Hashable] | None]:
    """Token lists (or a path) and the tags of tagged items, if any."""
    if isinstance(corpus, str | os.PathLike):
        return corpus, None
    if isinstance(corpus, list | tuple) and corpus and all(
            isinstance(c, os.PathLike) or (isinstance(c, str) and os.path.exists(c))
            for c in corpus):
        return corpus, None
    items = list(corpus)
    if items and all(hasattr(it, "words") and hasattr(it, "tags") for it in items):
        tags: list[Hashable] = []
        for i, it in enumerate(items):
            if not it.tags:
                raise CorpusError(f"document {i} has no tags; give each document a tag")
            tags.append(it.tags[0])
        return [list(it.words) for it in items], tags
    return items, None


class Doc2Vec(Params):
    """Paragraph vectors (Le & Mikolov 2014) with the defaults of gensim's ``Doc2Vec``.

    Args:
        dm: 1 for PV-DM (document + context words predict the centre word), 0 for PV-DBOW
            (the document vector predicts each of its words).
        dbow_words: with ``dm=0``, also train word vectors by skip-gram in the same pass.
        dm_mean: PV-DM averages (1) or sums (0) the document and context vectors.
        vector_size, window, min_count, max_vocab, negative, ns_exponent, hs, sample,
        alpha, min_alpha, epochs, workers, seed: as in :class:`Word2Vec` (``alpha``
        defaults to 0.025 for both modes, ``epochs`` to 10).
    """

    def __init__(self, dm: int = 1, vector_size: int = 100, window: int = 5,
                 min_count: int = 5, max_vocab: int | None = None, negative: int = 5,
                 ns_exponent: float = 0.75, hs: int = 0, sample: float = 1e-3,
                 alpha: float = 0.025, min_alpha: float = 0.0001, epochs: int = 10,
                 workers: int = 3, seed: int = 1, dm_mean: int = 1, dbow_words: int = 0,
                 compute_loss: bool = False,
                 progress: Callable[[TrainingProgress], None] | None = None,
                 **corpus_options: Any) -> None:
        self.dm = dm
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
        self.dm_mean = dm_mean
        self.dbow_words = dbow_words
        self.compute_loss = compute_loss
        self.progress = progress
        self.corpus_options = corpus_options
        self.vocab_: Vocab | None = None
        self.syn0_: np.ndarray | None = None
        self.docvecs_: np.ndarray | None = None
        self.dv_: DocVectors | None = None
        self.history_: list[Any] = []
        self._tables: tuple[Any, ...] | None = None

    # -- learned state under its earlier names (read-only) --------------------
    vocab = learned("vocab", "The vocabulary learnt by :meth:`fit`.")
    syn0 = learned("syn0", "The input (word) weights, ``(V, vector_size)`` float32.")
    docvecs = learned("docvecs", "The document vectors, ``(documents, vector_size)`` float32.")
    dv = learned("dv", "The document vectors by tag.")
    history = learned("history", "One :class:`~embedlab.static.history.EpochStats` per epoch.")

    def _check_params(self) -> None:
        """Validate the parameters (Word2Vec checks the ones they share) and keep their
        values as the kernels take them."""
        if self.dm not in (0, 1, True, False):
            raise ValueError(f"dm must be 1 (PV-DM) or 0 (PV-DBOW), got {self.dm!r}")
        self._w2v = Word2Vec(sg=1, vector_size=self.vector_size, window=self.window,
                             min_count=self.min_count, max_vocab=self.max_vocab,
                             negative=self.negative, ns_exponent=self.ns_exponent, hs=self.hs,
                             sample=self.sample, alpha=self.alpha, min_alpha=self.min_alpha,
                             epochs=self.epochs, workers=self.workers, seed=self.seed)
        self._w2v._settings = shared = self._w2v._check_params()
        self._dm, self._dm_mean = int(self.dm), int(self.dm_mean)
        self._dbow_words, self._compute_loss = int(self.dbow_words), bool(self.compute_loss)
        self._shared = shared

    def fit(self, corpus: Any) -> Doc2Vec:
        """Build the vocabulary, then train word, document and output vectors."""
        self._check_params()
        p = self._shared
        docs, tags = _split_tagged(corpus)
        stream = Corpus(docs, **{"max_sentence_length": None, "by_line": True,
                                 "split_sentences": False, **self.corpus_options})
        vocab, data = scan(stream, min_count=self.min_count, max_vocab=self.max_vocab)
        try:
            n_docs = data.sentences
            if tags is None:
                tags = list(range(n_docs))
            elif len(tags) != n_docs:
                raise CorpusError(f"{len(tags)} tags for {n_docs} documents")
            unique = list(dict.fromkeys(tags))
            row_of = {t: i for i, t in enumerate(unique)}
            doc_rows = np.array([row_of[t] for t in tags], dtype=np.int64)
            self.vocab_ = vocab
            w2v = self._w2v
            w2v.vocab_ = vocab
            w2v._init_weights(len(vocab))
            self.syn0_ = w2v.syn0_
            rng = np.random.default_rng([p.seed, 1])
            self.docvecs_ = ((rng.random((len(unique), self.vector_size), dtype=np.float32)
                             - np.float32(0.5)) / np.float32(self.vector_size))
            self._tables = self._make_tables(vocab)
            self.history_ = self._run(data.ids, data.starts, doc_rows, self.docvecs_,
                                     self.epochs, p.alpha, p.min_alpha, p.seed,
                                     learn_words=bool(self._dm or self._dbow_words),
                                     learn_docs=True, learn_hidden=True)
            self.dv_ = DocVectors(unique, self.docvecs_)
        finally:
            data.close()
        return self

    def _make_tables(self, vocab: Vocab) -> tuple[Any, ...]:
        counts = vocab.counts
        if self.negative:
            alias_prob, alias_idx = negative_table(counts, self._shared.ns_exponent)
        else:
            alias_prob, alias_idx = np.ones(1, np.int64), np.zeros(1, np.int32)
        if self.hs:
            codes, points, lengths = huffman_tree(counts)
        else:
            codes, points, lengths = (np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32),
                                      np.zeros(1, np.int32))
        sample_int = sample_thresholds(counts, self._shared.sample)
        return alias_prob, alias_idx, sample_int, codes, points, lengths

    def _run(self, ids: np.ndarray, starts: np.ndarray, doc_rows: np.ndarray,
             docvecs: np.ndarray, epochs: int, alpha: float, min_alpha: float, seed: int,
             learn_words: bool, learn_docs: bool, learn_hidden: bool,
             workers: int | None = None) -> list[Any]:
        from embedlab.static import _w2v_kernels as k
        from embedlab.static.history import EpochStats

        assert self._tables is not None
        alias_prob, alias_idx, sample_int, codes, points, lengths = self._tables
        w2v = self._w2v
        blocks = plan_blocks(starts)
        per_epoch = len(ids)
        total = float(max(per_epoch * epochs, 1))
        trainer = BlockRunner(workers or self.workers, self.progress if learn_hidden else None)
        history = []
        for epoch in range(epochs):
            def run_block(b: int, epoch: int = epoch) -> tuple[int, int, float]:
                s_lo, s_hi, before = blocks[b]
                return k.train_docs_block(
                    ids, starts, doc_rows, s_lo, s_hi, w2v.syn0_, docvecs, w2v.syn1neg_,
                    w2v.syn1_, alias_prob, alias_idx, sample_int, codes, points, lengths,
                    self._dm, self._dbow_words, self._shared.hs, self.negative, self.window,
                    self._dm_mean, alpha, min_alpha, epoch * per_epoch + before, total,
                    block_seed(seed, epoch, b), learn_words, learn_docs, learn_hidden,
                    self._compute_loss)

            info = {"epoch": epoch + 1, "epochs": epochs, "total_words": per_epoch,
                    "compute_loss": self._compute_loss}
            words, effective, loss, seconds = trainer.run_epoch(len(blocks), run_block, info)
            history.append(EpochStats(epoch + 1, words, effective, seconds,
                                      loss / max(effective, 1) if self._compute_loss
                                      else float("nan"), alpha))
        return history

    def infer_vector(self, doc_words: Sequence[str] | str, epochs: int | None = None,
                     alpha: float | None = None, min_alpha: float | None = None) -> np.ndarray:
        """A vector for a new document, trained with the word and output weights frozen.

        ``doc_words`` is a token list or a string (tokenized as the training corpus).
        Deterministic: the starting vector is seeded by the model seed and the words.
        """
        if self.vocab_ is None or self._tables is None:
            raise NotFittedError("this Doc2Vec is not fitted yet; call fit(corpus) first")
        if isinstance(doc_words, str):
            doc_words = tokenize(doc_words)
        words = list(doc_words)
        for i, w in enumerate(words):
            if not isinstance(w, str):
                raise TypeError(f"doc_words[{i}] is {type(w).__name__}, not str")
        ids = np.array([self.vocab_.index[w] for w in words if w in self.vocab_.index],
                       dtype=np.int32)
        digest = hashlib.blake2b("\x1f".join(words).encode(), digest_size=8).digest()
        rng = np.random.default_rng([self._shared.seed, int.from_bytes(digest, "little")])
        vec = ((rng.random((1, self.vector_size), dtype=np.float32) - np.float32(0.5))
               / np.float32(self.vector_size))
        if len(ids):
            self._run(ids, np.array([0, len(ids)], np.int64), np.zeros(1, np.int64), vec,
                      epochs or self.epochs,
                      self._shared.alpha if alpha is None else float(alpha),
                      self._shared.min_alpha if min_alpha is None else float(min_alpha),
                      int.from_bytes(digest, "little") & 0x7FFFFFFF, learn_words=False,
                      learn_docs=True, learn_hidden=False, workers=1)
        return vec[0]

    @property
    def wv(self) -> Any:
        """The word vectors (trained with ``dm=1`` or ``dbow_words=1``)."""
        if self.vocab_ is None:
            raise NotFittedError("this Doc2Vec is not fitted yet; call fit(corpus) first")
        return self._w2v.wv
