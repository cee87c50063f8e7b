"""``WordVectors``: a vocabulary and its matrix, with the classic word-vector queries.

Neighbours and analogies follow gensim's ``KeyedVectors`` step for step (the same float32 /
float64 arithmetic and the same partial sort), so results and scores match gensim's on the
same vectors.

>>> import numpy as np
>>> wv = WordVectors(["king", "queen", "man", "woman"],
...                  np.array([[1, 1], [1, -1], [2, 1.2], [2, -0.8]], np.float32))
>>> [(word, round(score, 3)) for word, score in wv.analogy("man", "king", "woman")]
[('queen', 0.847)]
>>> round(wv.similarity("king", "man"), 4)
0.9701
>>> wv["nope"]
Traceback (most recent call last):
    ...
embedlab.static.vectors.UnknownWordError: unknown word: 'nope' (4 words in the vocabulary)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.errors import EmbedlabError
from embedlab.similarity.metrics import unitvec_exact as _unitvec
from embedlab.static.formats import LoadReport, read_vectors, write_vectors

METRICS = ("cosine", "euclidean", "manhattan")
# A query term: a word, a vector, or either of them with a weight.
Term = str | np.ndarray | tuple[str | np.ndarray, float]


class UnknownWordError(EmbedlabError, KeyError):
    """Words missing from the vocabulary; ``.words`` lists every one of them."""

    def __init__(self, words: Sequence[str], vocab_size: int | None = None) -> None:
        self.words = list(dict.fromkeys(words))
        label = "unknown word" if len(self.words) == 1 else "unknown words"
        size = "" if vocab_size is None else f" ({vocab_size} words in the vocabulary)"
        super().__init__(f"{label}: {', '.join(repr(w) for w in self.words)}{size}")

    def __str__(self) -> str:  # KeyError would show the message quoted
        return str(self.args[0])


def _top_indices(x: np.ndarray, topn: int) -> np.ndarray:
    """Indices of the ``topn`` largest values, largest first (gensim's partial argsort)."""
    x = -x
    if topn >= x.size:
        return np.argsort(x)[:topn]
    most = np.argpartition(x, topn)[:topn]
    return most.take(np.argsort(x.take(most)))


class WordVectors:
    """Words in row order (usually most frequent first) and a ``(n, d) float32`` matrix.

    ``counts`` (optional, int64 per word) feeds frequency-based weighting such as SIF.
    Treat ``.vectors`` as read-only: norms are computed once, on first use.

    Example:
        >>> wv = WordVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> len(wv), "a" in wv, wv.vector_size, wv[["b", "a"]].tolist()
        (2, True, 2, [[0.0, 1.0], [1.0, 0.0]])
    """

    def __init__(self, words: list[str], vectors: np.ndarray,
                 counts: np.ndarray | None = None) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be a 2-d (words, dimensions) array, got shape "
                             f"{vectors.shape}")
        words = list(words)
        if len(words) != vectors.shape[0]:
            raise ValueError(f"{len(words)} words but {vectors.shape[0]} vectors; give one "
                             "row per word")
        index: dict[str, int] = {}
        for i, w in enumerate(words):
            if not isinstance(w, str):
                raise TypeError(f"words[{i}] is {type(w).__name__}, not str")
            if w in index:
                raise ValueError(f"word {w!r} appears twice (rows {index[w]} and {i}); words "
                                 "must be unique")
            index[w] = i
        if counts is not None:
            counts = np.asarray(counts, dtype=np.int64)
            if counts.shape != (len(words),):
                raise ValueError(f"counts must have one entry per word ({len(words)}), got "
                                 f"shape {counts.shape}")
        self.words = words
        self.vectors = vectors
        self.counts = counts
        self.index = index
        self.load_report: LoadReport | None = None
        self._norms: np.ndarray | None = None

    # ------------------------------------------------------------------ container protocol

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __iter__(self) -> Any:
        return iter(self.words)

    def __repr__(self) -> str:
        return f"WordVectors({len(self)} words x {self.vector_size} dimensions)"

    @property
    def vector_size(self) -> int:
        """Number of dimensions."""
        return int(self.vectors.shape[1])

    @property
    def norms(self) -> np.ndarray:
        """L2 norm of each row (float32), computed once."""
        if self._norms is None:
            self._norms = np.linalg.norm(self.vectors, axis=1)
        return self._norms

    def check_words(self, words: Iterable[str]) -> None:
        """Raise :class:`UnknownWordError` naming every word of ``words`` not in the vocabulary."""
        missing = [w for w in words if w not in self.index]
        if missing:
            raise UnknownWordError(missing, len(self))

    def get_index(self, word: str) -> int:
        """Row of ``word``; :class:`UnknownWordError` if it is not in the vocabulary."""
        try:
            return self.index[word]
        except (KeyError, TypeError):
            raise UnknownWordError([word], len(self)) from None

    def __getitem__(self, words: str | Sequence[str]) -> np.ndarray:
        """The vector of one word (a copy), or an ``(len(words), d)`` array for a list."""
        if isinstance(words, str):
            return self.vectors[self.get_index(words)].copy()
        words = list(words)
        self.check_words(words)
        return self.vectors[[self.index[w] for w in words]]

    def unit_vector(self, word: str) -> np.ndarray:
        """``word``'s vector divided by its norm."""
        row = self.get_index(word)
        return self.vectors[row] / self.norms[row]

    # ------------------------------------------------------------------ files

    @classmethod
    def load(cls, path_or_name: str | os.PathLike[str], limit: int | None = None) -> WordVectors:
        """Read word2vec text/binary, GloVe text, embedlab format, a folder or a registry name.

        The format is detected from the file's bytes.  ``limit`` keeps the first ``limit``
        words.  ``wv.load_report`` tells the format found and how many words held bytes
        that are not UTF-8 (replaced by U+FFFD) or were repeated (first vector kept).

        Example:
            >>> wv = WordVectors.load("glove-6b-50d")          # doctest: +SKIP
            >>> [w for w, _ in wv.most_similar("frog", topn=3)]  # doctest: +SKIP
            ['snake', 'ape', 'toad']
        """
        path = Path(path_or_name).expanduser()
        if not path.exists():
            text = str(path_or_name)
            looks_like_path = os.sep in text or text.startswith(".") or Path(text).suffix in (
                ".bin", ".txt", ".vec", ".npz", ".embedlab", ".gz")
            if looks_like_path:
                raise FileNotFoundError(f"word-vector file not found: {path}")
            from embedlab.models.store import model_path

            path = model_path(text)
        words, vectors, counts, report = read_vectors(path, limit=limit)
        wv = cls(words, vectors, counts)
        wv.load_report = report
        return wv

    def save(self, path: str | os.PathLike[str], format: str | None = None) -> None:
        """Write to ``path``: ``word2vec-binary`` (``.bin``), ``word2vec-text`` (``.txt``,
        ``.vec``), ``glove-text`` or ``embedlab`` (``.npz``, ``.embedlab``; keeps counts).

        The file appears only once complete (written beside it, then renamed).

        Example:
            >>> wv.save("vectors.bin")                          # doctest: +SKIP
        """
        write_vectors(path, self.words, self.vectors, self.counts, fmt=format)

    # ------------------------------------------------------------------ similarity

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words.

        Example:
            >>> wv = WordVectors(["a", "b"], np.array([[1, 0], [1, 1]], np.float32))
            >>> round(wv.similarity("a", "b"), 4)
            0.7071
        """
        self.check_words([w1, w2])
        return float(np.dot(_unitvec(self.vectors[self.index[w1]]),
                            _unitvec(self.vectors[self.index[w2]])))

    def distance(self, w1: str, w2: str, metric: str = "cosine") -> float:
        """``cosine`` (1 - similarity), ``euclidean`` or ``manhattan`` distance of two words.

        Example:
            >>> wv = WordVectors(["a", "b"], np.array([[0, 0], [3, 4]], np.float32))
            >>> wv.distance("a", "b", "euclidean"), wv.distance("a", "b", "manhattan")
            (5.0, 7.0)
        """
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(METRICS)}")
        self.check_words([w1, w2])
        if metric == "cosine":
            return 1.0 - self.similarity(w1, w2)
        diff = (self.vectors[self.index[w1]].astype(np.float64)
                - self.vectors[self.index[w2]].astype(np.float64))
        if metric == "euclidean":
            return float(np.sqrt(np.dot(diff, diff)))
        return float(np.abs(diff).sum())

    def _terms(self, positive: Any, negative: Any
               ) -> tuple[list[Any], np.ndarray, list[int]]:
        """Keys (words or vectors), weights and rows of the word keys; unknown words raise."""
        positive = [] if positive is None else positive
        negative = [] if negative is None else negative
        if isinstance(positive, str | np.ndarray):
            positive = [positive]
        if isinstance(negative, str | np.ndarray):
            negative = [negative]
        positive, negative = list(positive), list(negative)
        weights = np.concatenate((np.ones(len(positive)), -1.0 * np.ones(len(negative))))
        keys: list[Any] = []
        for i, item in enumerate(positive + negative):
            if isinstance(item, str | np.ndarray):
                keys.append(item)
            else:
                keys.append(item[0])
                weights[i] = item[1]
        if not keys:
            raise ValueError("cannot compute similarity with no input; give positive words")
        self.check_words([k for k in keys if isinstance(k, str)])
        rows = [self.index[k] for k in keys if isinstance(k, str)]
        return keys, weights, rows

    def _mean_unit(self, keys: list[Any], weights: np.ndarray, rows_of: dict[str, int]
                   ) -> np.ndarray:
        """Weighted mean of unit vectors, normalized (gensim's ``get_mean_vector``)."""
        mean = np.zeros(self.vector_size, np.float32)
        total = np.float64(0.0)
        for key, w in zip(keys, weights, strict=True):
            if isinstance(key, np.ndarray):
                vec = key
            else:
                row = rows_of[key]
                vec = self.vectors[row] / self.norms[row]
            mean += w * vec
            total += abs(w)
        result: np.ndarray = mean
        if total > 0:
            result = mean / total
        return _unitvec(result).astype(np.float32)

    def _add_scores(self, mean: np.ndarray, stop: int) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.dot(self.vectors[:stop], mean) / self.norms[:stop])

    def most_similar(self, positive: Term | Sequence[Term] | None = None,
                     negative: Term | Sequence[Term] | None = None, topn: int | None = 10,
                     restrict_vocab: int | None = None) -> Any:
        """Nearest words by cosine to the mean of unit vectors (3CosAdd for analogies).

        ``positive`` and ``negative`` take words, vectors or ``(word, weight)`` pairs; query
        words are never returned.  ``restrict_vocab=N`` searches the first N rows only.
        ``topn=None`` returns the similarity of every (searched) row as an array.

        Example:
            >>> wv = WordVectors(["a", "b", "c"],
            ...                  np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
            >>> [w for w, _ in wv.most_similar("a")]
            ['b', 'c']
        """
        if isinstance(topn, int) and topn < 1:
            return []
        keys, weights, rows = self._terms(positive, negative)
        mean = self._mean_unit(keys, weights, self.index)
        dists = self._add_scores(mean, restrict_vocab or len(self))
        if not topn:
            return dists
        return self._ranked(dists, topn, rows)

    def _ranked(self, dists: np.ndarray, topn: int, rows: list[int]) -> list[tuple[str, float]]:
        best = _top_indices(dists, topn + len(rows))
        result = [(self.words[i], float(dists[i])) for i in best if i not in rows]
        return result[:topn]

    def _mul_scores(self, positive: list[Any], negative: list[Any], stop: int) -> np.ndarray:
        vectors, norms = self.vectors[:stop], self.norms[:stop]
        with np.errstate(divide="ignore", invalid="ignore"):
            pos = [((1 + np.dot(vectors, t) / norms) / 2) for t in positive]
            neg = [((1 + np.dot(vectors, t) / norms) / 2) for t in negative]
            return np.asarray(np.prod(pos, axis=0) / (np.prod(neg, axis=0) + 0.000001))

    def most_similar_cosmul(self, positive: str | np.ndarray | Sequence[Any] | None = None,
                            negative: str | np.ndarray | Sequence[Any] | None = None,
                            topn: int | None = 10,
                            restrict_vocab: int | None = None) -> Any:
        """Nearest words by 3CosMul (Levy & Goldberg 2014), as gensim's ``most_similar_cosmul``.

        Cosines are shifted to [0, 1]; the score is the product over positive terms divided
        by the product over negative terms (+1e-6).

        Example:
            >>> wv = WordVectors(["a", "b", "c"],
            ...                  np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
            >>> wv.most_similar_cosmul(["a"], topn=1)[0][0]
            'b'
        """
        if isinstance(topn, int) and topn < 1:
            return []
        positive = [] if positive is None else positive
        negative = [] if negative is None else negative
        pos = [positive] if isinstance(positive, str | np.ndarray) else list(positive)
        neg = [negative] if isinstance(negative, str | np.ndarray) else list(negative)
        self.check_words([w for w in pos + neg if isinstance(w, str)])
        if not pos:
            raise ValueError("cannot compute similarity with no input; give positive words")
        rows = sorted({self.index[w] for w in pos + neg if isinstance(w, str)})
        pos_vecs = [self.unit_vector(w) if isinstance(w, str) else w for w in pos]
        neg_vecs = [self.unit_vector(w) if isinstance(w, str) else w for w in neg]
        dists = self._mul_scores(pos_vecs, neg_vecs, restrict_vocab or len(self))
        if not topn:
            return dists
        return self._ranked(dists, topn, rows)

    def analogy(self, a: str, b: str, c: str, topn: int = 1, method: str = "add",
                restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """``a`` is to ``b`` as ``c`` is to ...? ``(word, score)`` pairs, best first.

        ``method="add"`` is 3CosAdd (``b - a + c``), ``"mul"`` is 3CosMul.

        Example:
            >>> wv.analogy("man", "king", "woman", topn=1)      # doctest: +SKIP
            [('queen', 0.85...)]
        """
        if method == "add":
            return list(self.most_similar([b, c], [a], topn=topn, restrict_vocab=restrict_vocab))
        if method == "mul":
            return list(self.most_similar_cosmul([b, c], [a], topn=topn,
                                                 restrict_vocab=restrict_vocab))
        raise ValueError(f"unknown analogy method {method!r}; choose 'add' (3CosAdd) or "
                         "'mul' (3CosMul)")

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest from the mean of the (unit) vectors of ``words``.

        Example:
            >>> wv = WordVectors(["a", "b", "c"],
            ...                  np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
            >>> wv.doesnt_match(["a", "b", "c"])
            'c'
        """
        words = list(words)
        if not words:
            raise ValueError("cannot select a word from an empty list")
        self.check_words(words)
        vectors = np.vstack([self.unit_vector(w) for w in words]).astype(np.float32)
        mean = np.zeros(self.vector_size, np.float32)
        for vec in vectors:
            mean += np.float32(1.0) * vec
        mean = _unitvec(mean / np.float32(len(words))).astype(np.float32)
        dists = np.dot(vectors, mean)
        return sorted(zip(dists, words, strict=True), reverse=True)[-1][1]

    # ------------------------------------------------------------------ evaluation

    def evaluate_analogies(self, path: str | os.PathLike[str], restrict_vocab: int = 300000,
                           case_insensitive: bool = True, dummy4unknown: bool = False,
                           method: str = "add") -> Any:
        """Accuracy on an analogy file (``: section`` headers, then ``a b c d`` lines).

        Returns ``(score, sections)`` as gensim's ``evaluate_word_analogies`` does; the result
        also carries ``.oov``, ``.questions``, ``.oov_ratio`` (percent) and ``.invalid``.
        See :func:`embedlab.static.evaluate.evaluate_analogies`.

        Example:
            >>> score, sections = wv.evaluate_analogies("questions-words.txt",
            ...                                         restrict_vocab=30000)  # doctest: +SKIP
        """
        from embedlab.static.evaluate import evaluate_analogies

        return evaluate_analogies(self, path, restrict_vocab=restrict_vocab,
                                  case_insensitive=case_insensitive,
                                  dummy4unknown=dummy4unknown, method=method)

    def evaluate_word_pairs(self, path: str | os.PathLike[str], delimiter: str = "\t",
                            restrict_vocab: int = 300000, case_insensitive: bool = True,
                            dummy4unknown: bool = False, encoding: str = "utf-8") -> Any:
        """``(pearson, spearman, oov_ratio)`` against human word-pair scores, as gensim's.

        See :func:`embedlab.static.evaluate.evaluate_word_pairs`.

        Example:
            >>> pearson, spearman, oov = wv.evaluate_word_pairs("wordsim353.tsv")  # doctest: +SKIP
        """
        from embedlab.static.evaluate import evaluate_word_pairs

        return evaluate_word_pairs(self, path, delimiter=delimiter,
                                   restrict_vocab=restrict_vocab,
                                   case_insensitive=case_insensitive,
                                   dummy4unknown=dummy4unknown, encoding=encoding)
