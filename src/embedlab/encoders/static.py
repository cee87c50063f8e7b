"""``StaticEncoder``: sentence vectors from word vectors, behind the ``Encoder`` interface.

Texts are lower-cased (by default) and split into words with a regular expression
(``\\w+`` by default); words missing from the vocabulary are skipped, and a text without
any known word gets a zero vector (which stays zero after normalization).

Pooling:

* ``mean``: the average of the word vectors;
* ``sif``: smooth inverse frequency (Arora, Liang and Ma, 2017): each word weighted by
  ``a / (a + p(w))``, ``p`` its unigram probability from ``wv.counts``, averaged, then the
  projection on the first principal component removed.  The component comes from
  :meth:`StaticEncoder.fit` on a reference set of texts, so a text's vector never depends on
  which other texts are encoded with it.  Before ``fit`` only the weighting is applied.
  Without counts (GloVe files carry none) ``p`` follows Zipf's law over the row order,
  ``p(rank r) = 1 / (r * H_n)``, which assumes rows sorted by descending frequency.

>>> import numpy as np
>>> from embedlab.static import WordVectors
>>> wv = WordVectors(["the", "cat", "sat"], np.array([[1, 0], [0, 2], [2, 2]], np.float32))
>>> enc = StaticEncoder(wv, normalize=False)
>>> enc.encode(["The cat!", "unknown words"]).tolist()
[[0.5, 1.0], [0.0, 0.0]]
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from embedlab.encoders.base import Encoder
from embedlab.params import Params
from embedlab.static.vectors import WordVectors

POOLINGS = ("mean", "sif")
TOKEN_PATTERN = r"\w+"


class StaticEncoder(Params, Encoder):
    """Sentence encoder over :class:`WordVectors`; ``encode`` works as for transformers.

    ``normalize`` (default True) L2-normalizes the output, so dot product is cosine as with
    sentence-transformer models; ``remove_components`` is how many principal components
    SIF removes after :meth:`fit`.

    Example:
        >>> enc = StaticEncoder(WordVectors.load("glove-6b-50d"), pooling="sif")  # doctest: +SKIP
        >>> enc.fit(reference_texts).encode(["a small frog"]).shape              # doctest: +SKIP
        (50,)
    """

    def __init__(self, wv: WordVectors, pooling: str = "mean", sif_a: float = 1e-3,
                 lowercase: bool = True, token_pattern: str = TOKEN_PATTERN,
                 normalize: bool = True, remove_components: int = 1,
                 name: str = "static") -> None:
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r} for word vectors; choose from "
                             f"{', '.join(POOLINGS)}")
        if not sif_a > 0:
            raise ValueError(f"sif_a must be positive, got {sif_a!r}")
        if remove_components < 0:
            raise ValueError(f"remove_components must be 0 or more, got {remove_components}")
        self.wv = wv
        self.pooling = pooling
        self.sif_a = sif_a
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self._token_re = re.compile(token_pattern)
        self.normalize = normalize
        self.normalize_default = normalize
        self.remove_components = remove_components
        self.name = name
        self.dimension = wv.vector_size
        self.components_: np.ndarray | None = None  # (k, d) unit rows once fitted
        self.weights = self._word_weights() if pooling == "sif" else None
        self._vectors_digest = _digest(wv)
        self._update_fingerprint()

    @property
    def components(self) -> np.ndarray | None:
        """The principal components SIF removes, ``(k, d)`` unit rows, once fitted (None
        before :meth:`fit`); the same as ``components_``."""
        return self.components_

    def _word_weights(self) -> np.ndarray:
        n = len(self.wv)
        if self.wv.counts is not None:
            counts = self.wv.counts.astype(np.float64)
            p = counts / max(counts.sum(), 1.0)
        else:
            ranks = np.arange(1, n + 1, dtype=np.float64)
            p = 1.0 / (ranks * np.sum(1.0 / ranks))
        a = float(self.sif_a)
        return (a / (a + p)).astype(np.float32)

    def _update_fingerprint(self) -> None:
        parts = [self._vectors_digest, self.pooling, repr(float(self.sif_a)),
                 str(self.lowercase), self.token_pattern, str(self.remove_components)]
        if self.components_ is not None:
            parts.append(hashlib.sha256(self.components_.tobytes()).hexdigest())
        self.fingerprint = "static:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]

    def tokenize(self, text: str) -> list[str]:
        """The words of ``text`` (lower-cased when ``lowercase``), known or not."""
        return self._token_re.findall(text.lower() if self.lowercase else text)

    def _rows(self, text: str) -> list[int]:
        index = self.wv.index
        return [index[w] for w in self.tokenize(text) if w in index]

    def _pooled(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), np.float32)
        for i, text in enumerate(texts):
            rows = self._rows(text)
            if not rows:
                continue
            vecs = self.wv.vectors[rows]
            if self.weights is not None:
                out[i] = (self.weights[rows, None] * vecs).mean(axis=0)
            else:
                out[i] = vecs.mean(axis=0)
        return out

    def fit(self, texts: list[str]) -> StaticEncoder:
        """Fit the principal component(s) SIF removes, on a reference set of texts.

        For ``pooling="mean"`` this enables the same removal on mean vectors.  Returns
        ``self``.  Texts without known words are left out of the fit.
        """
        pooled = self._pooled(list(texts))
        pooled = pooled[np.any(pooled != 0, axis=1)]
        k = self.remove_components
        if k == 0:
            self.components_ = None
        else:
            if pooled.shape[0] < k:
                raise ValueError(f"fit needs at least {k} texts with known words, got "
                                 f"{pooled.shape[0]}")
            _, _, vt = np.linalg.svd(pooled.astype(np.float64), full_matrices=False)
            self.components_ = vt[:k].astype(np.float32)
        self._update_fingerprint()
        return self

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self._pooled(texts)
        if self.components_ is not None:
            nonzero = np.any(vectors != 0, axis=1, keepdims=True)
            vectors = vectors - (vectors @ self.components_.T) @ self.components_
            vectors = np.where(nonzero, vectors, 0).astype(np.float32)
        return vectors


def _digest(wv: WordVectors) -> str:
    h = hashlib.sha256()
    h.update("\n".join(wv.words).encode("utf-8", errors="surrogatepass"))
    h.update(np.ascontiguousarray(wv.vectors).tobytes())
    if wv.counts is not None:
        h.update(wv.counts.tobytes())
    return h.hexdigest()
