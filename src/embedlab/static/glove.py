"""GloVe word vectors: weighted least squares on the log co-occurrence table.

:class:`GloVe` follows the reference GloVe tool (``cooccur.c``, ``shuffle.c``,
``glove.c``): co-occurrences within a symmetric ``window`` weighted ``1/distance``
(:func:`~embedlab.static.cooccur.cooccurrence_matrix`), then for every non-zero entry
``x_ij`` the loss ``f(x_ij) (w_i . c_j + b_i + b_j - log x_ij)^2`` with
``f(x) = min(1, (x/x_max)^alpha)``, minimised by AdaGrad (accumulators starting at 1,
gradients clipped at 100) over the entries in a fresh seeded shuffle every epoch, on
``workers`` threads updating the shared parameters without locks.  The word vectors are
``w + c`` (the C tool's ``-model 2``).

``loss_history`` holds the C tool's reported cost per epoch: ``0.5 * sum f(x) diff^2``
divided by the number of non-zero entries.  With ``workers=1`` and a fixed ``seed`` two
runs are bit-for-bit identical; with more workers the lock-free updates make the result
depend on thread timing.

>>> model = GloVe(vector_size=8, window=2, min_count=1, epochs=3, workers=1)
>>> model = model.fit([["the", "cat", "sat"], ["the", "dog", "sat"]] * 10)
>>> model.word_vectors.shape, model.words[:2]
((4, 8), ['the', 'sat'])
>>> len(model.loss_history)
3
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from embedlab.errors import NotFittedError, check_positive
from embedlab.params import Params, learned
from embedlab.static import _glove_kernels as K
from embedlab.static.cooccur import MEMORY_LIMIT_MB, Cooccurrence, cooccurrence_matrix
from embedlab.static.history import EpochStats, TrainingProgress
from embedlab.text.corpus import CorpusError

__all__ = ["Cooccurrence", "GloVe", "cooccurrence_matrix"]

#: Gradient components are clipped to +-GRAD_CLIP, as the C tool's ``grad_clip_value``.
GRAD_CLIP = 100.0


class GloVe(Params):
    """Global Vectors (Pennington et al., 2014), trained with numba kernels.

    Args:
        vector_size: dimensions of the word vectors.
        window: words either side that count as context.
        min_count, max_vocab: words seen fewer times are dropped; keep at most
            ``max_vocab`` most frequent words.
        x_max, alpha: the weighting ``f(x) = min(1, (x/x_max)^alpha)``.
        learning_rate: AdaGrad's initial step (``eta``).
        epochs: passes over the non-zero entries.
        workers: threads for counting and training (training updates are lock-free, as
            the C tool's ``-threads``).
        seed: seeds the initial vectors and the per-epoch shuffles.
        symmetric, distance_weighting: co-occurrence counting options (see
            :func:`~embedlab.static.cooccur.cooccurrence_matrix`).
        progress: called with a :class:`~embedlab.static.history.TrainingProgress` after each
            epoch (``stage="train"``, pairs) and while counting (``stage="cooccur"``,
            sentences).
        memory_limit_mb: working-memory budget of the co-occurrence count.

    After :meth:`fit`: ``wv`` (:class:`~embedlab.static.vectors.WordVectors`),
    ``word_vectors`` (float32, ``w + c``), ``words``, ``counts``, ``cooccurrence``,
    ``loss_history``, ``epoch_times`` and ``cooccur_seconds``.
    """

    def __init__(self, vector_size: int = 100, window: int = 15, min_count: int = 5,
                 max_vocab: int | None = None, x_max: float = 100.0, alpha: float = 0.75,
                 learning_rate: float = 0.05, epochs: int = 25, workers: int = 2,
                 seed: int = 1, symmetric: bool = True, distance_weighting: bool = True,
                 progress: Callable[[TrainingProgress], None] | None = None,
                 memory_limit_mb: float = MEMORY_LIMIT_MB) -> None:
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.x_max = x_max
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.workers = workers
        self.seed = seed
        self.symmetric = symmetric
        self.distance_weighting = distance_weighting
        self.progress = progress
        self.memory_limit_mb = memory_limit_mb
        self.words_: list[str] = []
        self.counts_: np.ndarray | None = None
        self.word_vectors_: np.ndarray | None = None
        self.weights_: np.ndarray | None = None  # (2V, d+1): word rows, then context rows
        self.cooccurrence_: Cooccurrence | None = None
        self.history_: list[EpochStats] = []
        self.cooccur_seconds_ = 0.0
        self._wv: Any = None

    # -- training ------------------------------------------------------------------------
    @property
    def loss_history(self) -> list[float]:
        """The cost per epoch (``history``'s losses)."""
        return [h.loss for h in self.history_]

    # -- learned state under its earlier names (read-only) --------------------
    words = learned("words", "The vocabulary, most frequent first.")
    counts = learned("counts", "Each word's count, or None.")
    word_vectors = learned("word_vectors", "The trained vectors ``w + c``, float32.")
    weights = learned("weights", "The word and context rows with their biases, ``(2V, d + 1)``.")
    cooccurrence = learned("cooccurrence", "The co-occurrence table :meth:`fit` counted.")
    history = learned("history", "One :class:`~embedlab.static.history.EpochStats` per epoch.")
    cooccur_seconds = learned("cooccur_seconds", "Seconds spent counting co-occurrences.")

    @property
    def epoch_times(self) -> list[float]:
        """The seconds per epoch (``history``'s seconds)."""
        return [h.seconds for h in self.history_]

    def _check_params(self) -> None:
        for name in ("vector_size", "window", "min_count", "epochs", "workers"):
            check_positive(name, getattr(self, name))
        check_positive("max_vocab", self.max_vocab, optional=True)
        for name in ("x_max", "alpha", "learning_rate", "memory_limit_mb"):
            check_positive(name, getattr(self, name), integer=False)
        check_positive("seed", self.seed, allow_zero=True)

    def fit(self, corpus: Any) -> GloVe:
        """Count co-occurrences in ``corpus`` (a path, a list of paths or an iterable of
        token lists) and train on them.  Returns ``self``."""
        self._check_params()
        t0 = time.perf_counter()

        def counted(sentences: int) -> None:
            if self.progress is not None:
                self.progress(TrainingProgress("cooccur", done=sentences, unit="sentences"))

        cooc = cooccurrence_matrix(
            corpus, window=self.window, min_count=self.min_count, max_vocab=self.max_vocab,
            symmetric=self.symmetric, distance_weighting=self.distance_weighting,
            memory_limit_mb=self.memory_limit_mb, progress=counted, workers=self.workers)
        self.cooccur_seconds_ = time.perf_counter() - t0
        self.cooccurrence_ = cooc
        return self.fit_cooccurrence(cooc.matrix, cooc.words, cooc.counts)

    def fit_cooccurrence(self, matrix: Any, words: list[str] | None = None,
                         counts: np.ndarray | None = None) -> GloVe:
        """Train on a prebuilt co-occurrence table: a :class:`Cooccurrence` (``words``
        optional) or any scipy sparse (or dense) square matrix whose rows and columns are
        ``words``.  Returns ``self``.

        >>> c = cooccurrence_matrix([["a", "b", "c", "a"]], window=2)
        >>> GloVe(vector_size=4, epochs=1).fit_cooccurrence(c).words
        ['a', 'b', 'c']
        """
        self._check_params()
        if isinstance(matrix, Cooccurrence):
            counts = matrix.counts if counts is None else counts
            words = matrix.words if words is None else words
            matrix = matrix.matrix
        if words is None:
            raise ValueError("give the words labelling the matrix rows: "
                             "fit_cooccurrence(matrix, words)")
        coo = sp.coo_matrix(matrix)
        v = len(words)
        if coo.shape != (v, v):
            raise ValueError(f"the co-occurrence matrix is {coo.shape[0]}x{coo.shape[1]} but "
                             f"{v} words were given; give one word per row")
        keep = coo.data > 0
        if not keep.any():
            raise CorpusError("the co-occurrence table has no positive entry: no two "
                              "vocabulary words occur within the window; use a larger "
                              "corpus, a larger window or a lower min_count")
        rows = coo.row[keep].astype(np.int32)
        cols = coo.col[keep].astype(np.int32)
        fx, logx = K.entry_weights(coo.data[keep].astype(np.float64), float(self.x_max),
                                     float(self.alpha))
        del coo, keep
        self.words_ = list(words)
        self.counts_ = None if counts is None else np.asarray(counts)
        d = self.vector_size
        rng = np.random.default_rng(self.seed)
        # The C tool's initialisation: uniform in [-0.5, 0.5) / vector_size, biases too.
        W = ((rng.random((2 * v, d + 1)) - 0.5) / d).astype(np.float32)
        gradsq = np.ones_like(W)
        self.history_ = []
        self._wv = None
        for epoch in range(self.epochs):
            start = time.perf_counter()
            K.shuffle_entries(_epoch_seed(self.seed, epoch), rows, cols, fx, logx)
            if self.workers == 1:
                cost = K.train_entries(W, gradsq, rows, cols, fx, logx, v,
                                       float(self.learning_rate), GRAD_CLIP)
            else:
                cost = K.train_epoch(W, gradsq, rows, cols, fx, logx, v,
                                     float(self.learning_rate), GRAD_CLIP, self.workers)
            seconds = time.perf_counter() - start
            loss = float(cost) / len(rows)
            self.history_.append(EpochStats(epoch + 1, seconds=seconds, loss=loss,
                                           pairs=len(rows)))
            if self.progress is not None:
                self.progress(TrainingProgress("train", epoch + 1, self.epochs, len(rows),
                                               len(rows), seconds, loss, "pairs"))
        self.weights_ = W
        self.word_vectors_ = W[:v, :d] + W[v:, :d]
        return self

    # -- results -------------------------------------------------------------------------
    @property
    def wv(self) -> Any:
        """The trained :class:`~embedlab.static.vectors.WordVectors` (``w + c``)."""
        if self.word_vectors_ is None:
            raise NotFittedError("this GloVe is not fitted yet; call fit(corpus) first")
        if self._wv is None:
            from embedlab.static.vectors import WordVectors

            self._wv = WordVectors(list(self.words_), self.word_vectors_, self.counts_)
        return self._wv

    def save(self, path: Any, format: str | None = None) -> None:
        """Save the word vectors (format from the suffix; see ``WordVectors.save``).

        Only a trained model can be saved, and the file is written atomically, so an
        interrupted training or save never leaves a half-written file."""
        self.wv.save(path, format=format)


def _epoch_seed(seed: int, epoch: int) -> int:
    return (seed * 1_000_003 + epoch * 7919 + 1) % (1 << 63)
