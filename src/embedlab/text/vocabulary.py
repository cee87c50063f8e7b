"""A word vocabulary in scikit-learn style: ``fit`` on documents, then ``encode``/``decode``.

Words are counted over the documents given to :meth:`Vocabulary.fit`; those seen at least
``min_count`` times are kept (the ``max_size`` most frequent, when set) and numbered from 0,
most frequent first (ties in alphabetical order), or alphabetically with
``order="alphabetical"``.  What happens to a word outside the vocabulary is a policy:

* ``unknown="error"`` (default): :class:`UnknownTokenError`, naming the words;
* ``unknown="ignore"``: the word is dropped;
* ``unknown="unk"``: the word becomes ``unk_token``, which then has id 0.

>>> vocab = Vocabulary(unknown="unk").fit([["the", "cat", "sat"], ["the", "dog"]])
>>> vocab.words
('<unk>', 'the', 'cat', 'dog', 'sat')
>>> vocab.encode(["the", "bird", "sat"])
[1, 0, 4]
>>> vocab.decode([1, 2, 4])
['the', 'cat', 'sat']

A document is a list of tokens, used as they are, or a text, split into words by
:func:`tokenize` (runs of letters and digits, with inner apostrophes and hyphens kept).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from embedlab.errors import EmbedlabError, NotFittedError, check_positive
from embedlab.params import Params

UnknownPolicy = Literal["error", "ignore", "unk"]
Order = Literal["frequency", "alphabetical"]

_POLICIES = ("error", "ignore", "unk")
_ORDERS = ("frequency", "alphabetical")
_WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")
#: How many unknown words an error message lists before "and N more".
_SHOW = 10


class UnknownTokenError(EmbedlabError, ValueError):
    """Words outside the vocabulary met under the ``"error"`` policy; ``.words`` lists them."""

    def __init__(self, words: Sequence[str], what: str = "vocabulary",
                 fix: str | None = None) -> None:
        self.words = list(words)
        shown = ", ".join(repr(w) for w in self.words[:_SHOW])
        more = f" and {len(self.words) - _SHOW} more" if len(self.words) > _SHOW else ""
        fix = fix or ("choose unknown='ignore' (drop them) or unknown='unk' (map them to the "
                      "unknown token)")
        super().__init__(f"{len(self.words)} word(s) not in the {what}: {shown}{more}; fit on "
                         f"documents that contain them, or {fix}")


class EmptyInputError(EmbedlabError, ValueError):
    """``fit`` or ``transform`` was given no tokens at all."""


def tokenize(text: str, lowercase: bool = False) -> list[str]:
    """Words of ``text``: runs of letters and digits, keeping inner ``'`` and ``-``.

    >>> tokenize("Don't stop: the well-known cats ran!")
    ["Don't", 'stop', 'the', 'well-known', 'cats', 'ran']
    """
    words = _WORD.findall(text)
    return [w.lower() for w in words] if lowercase else words


def check_policy(value: str, name: str = "unknown") -> UnknownPolicy:
    """``value`` if it is a known unknown-word policy, else a ``ValueError`` naming the choices."""
    if value not in _POLICIES:
        raise ValueError(f"{name}={value!r} is not a policy; use one of {', '.join(_POLICIES)}")
    return value  # type: ignore[return-value]


def _as_tokens(doc: str | Iterable[str]) -> list[str]:
    """A document as a token list: a text is split by :func:`tokenize`."""
    if isinstance(doc, str):
        return tokenize(doc)
    tokens = list(doc)
    for token in tokens:
        if not isinstance(token, str):
            raise TypeError(f"a document must be a text or a list of str tokens; got a "
                            f"{type(token).__name__} token {token!r}")
    return tokens


class Vocabulary(Params):
    """Words numbered 0..V-1, learned from documents.

    Parameters
    ----------
    min_count:
        Keep only words seen at least this many times.
    max_size:
        Keep at most this many words (the most frequent; the unknown token not counted).
    unknown:
        Policy for words outside the vocabulary in :meth:`encode`: ``"error"``,
        ``"ignore"`` or ``"unk"`` (see the module documentation).
    unk_token:
        The unknown token, id 0 when ``unknown="unk"``.
    lowercase:
        Lower-case words when fitting and encoding.
    order:
        ``"frequency"`` (most frequent first, ties alphabetical) or ``"alphabetical"``.

    >>> v = Vocabulary(min_count=2).fit(["a rose is a rose", "a daisy"])
    >>> v.words, len(v), v.index["rose"]
    (('a', 'rose'), 2, 1)
    """

    def __init__(self, min_count: int = 1, max_size: int | None = None,
                 unknown: UnknownPolicy = "error", unk_token: str = "<unk>",
                 lowercase: bool = False, order: Order = "frequency") -> None:
        self.min_count = min_count
        self.max_size = max_size
        self.unknown: UnknownPolicy = unknown
        self.unk_token = unk_token
        self.lowercase = lowercase
        self.order: Order = order
        self._words: tuple[str, ...] | None = None
        self._index: dict[str, int] = {}
        self.counts_: Counter[str] = Counter()

    # -- building -------------------------------------------------------------------------
    def fit(self, docs: Iterable[str | Iterable[str]]) -> Vocabulary:
        """Count the words of ``docs`` (texts or token lists) and number them; returns self.

        A single text is taken as one document.  Raises :class:`EmptyInputError` when the
        documents hold no word.
        """
        self._check_params()
        if isinstance(docs, str):
            docs = [docs]
        counts: Counter[str] = Counter()
        for doc in docs:
            counts.update(self._normalize(_as_tokens(doc)))
        if not counts:
            raise EmptyInputError("the documents hold no words: fit needs at least one token")
        self.counts_ = counts
        kept = [w for w, c in counts.items() if c >= self.min_count and not self._is_unk(w)]
        if not kept:
            top = max(counts.values())
            raise ValueError(f"min_count={self.min_count} leaves no word (the most frequent is "
                             f"seen {top} time(s)); lower min_count")
        kept.sort(key=lambda w: (-counts[w], w))
        if self.max_size is not None:
            kept = kept[:self.max_size]
        if self.order == "alphabetical":
            kept.sort()
        self._set_words(kept)
        return self

    @classmethod
    def from_words(cls, words: Iterable[str], **kwargs: Any) -> Vocabulary:
        """A vocabulary of exactly ``words``, in that order (duplicates dropped).

        >>> Vocabulary.from_words(["red", "green", "blue"]).encode(["blue", "red"])
        [2, 0]
        """
        vocab = cls(**kwargs)
        vocab._check_params()
        seen = dict.fromkeys(vocab._normalize([w for w in words if not vocab._is_unk(w)]))
        if not seen:
            raise EmptyInputError("from_words needs at least one word")
        vocab.counts_ = Counter()
        vocab._set_words(list(seen))
        return vocab

    def _check_params(self) -> None:
        check_positive("min_count", self.min_count)
        check_positive("max_size", self.max_size, optional=True)
        if self.order not in _ORDERS:
            raise ValueError(f"order={self.order!r} is not known; use one of "
                             f"{', '.join(_ORDERS)}")
        check_policy(self.unknown)

    def _set_words(self, words: list[str]) -> None:
        if self.unknown == "unk":
            words = [self.unk_token, *words]
        self._words = tuple(words)
        self._index = {w: i for i, w in enumerate(words)}

    def _normalize(self, tokens: list[str]) -> list[str]:
        return [t.lower() for t in tokens] if self.lowercase else tokens

    def _is_unk(self, word: str) -> bool:
        return self.unknown == "unk" and word == self.unk_token

    # -- reading ------------------------------------------------------------------------
    def _fitted(self) -> tuple[str, ...]:
        if self._words is None:
            raise NotFittedError("this Vocabulary is not fitted yet: call fit(docs) first, or "
                                 "build one with Vocabulary.from_words(words)")
        return self._words

    @property
    def counts(self) -> Counter[str]:
        """Each word's count in the documents :meth:`fit` read (``counts_``; empty for
        :meth:`from_words`)."""
        return self.counts_

    @property
    def words(self) -> tuple[str, ...]:
        """The words by id (``words[i]`` has id ``i``)."""
        return self._fitted()

    @property
    def index(self) -> Mapping[str, int]:
        """Word → id, read-only."""
        self._fitted()
        return MappingProxyType(self._index)

    @property
    def unk_id(self) -> int | None:
        """The id of ``unk_token`` (0) when ``unknown="unk"``, else None."""
        return 0 if self.unknown == "unk" and self._words is not None else None

    def __len__(self) -> int:
        return len(self._fitted())

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str) or self._words is None:
            return False
        return (word.lower() if self.lowercase else word) in self._index

    def __iter__(self) -> Any:
        return iter(self._fitted())

    def __repr__(self) -> str:
        size = "not fitted" if self._words is None else f"{len(self._words)} words"
        return (f"Vocabulary({size}, min_count={self.min_count}, max_size={self.max_size}, "
                f"unknown={self.unknown!r}, lowercase={self.lowercase})")

    # -- encoding -----------------------------------------------------------------------
    def lookup(self, tokens: str | Iterable[str]) -> np.ndarray:
        """Ids of ``tokens`` as an int64 array, ``-1`` for a word outside the vocabulary.

        Applies ``lowercase`` but no unknown policy (``unk_token`` itself maps to 0).
        """
        self._fitted()
        get = self._index.get
        return np.fromiter((get(t, -1) for t in self._normalize(_as_tokens(tokens))),
                           dtype=np.int64)

    def unknown_words(self, tokens: str | Iterable[str]) -> list[str]:
        """The distinct words of ``tokens`` outside the vocabulary, in order of appearance."""
        self._fitted()
        normal = self._normalize(_as_tokens(tokens))
        return list(dict.fromkeys(t for t in normal if t not in self._index))

    def encode(self, tokens: str | Iterable[str]) -> list[int]:
        """Ids of ``tokens`` (a token list or a text), after the ``unknown`` policy.

        >>> v = Vocabulary().fit([["x", "y"]])
        >>> v.encode(["y", "x", "y"])
        [1, 0, 1]
        """
        ids = self.lookup(tokens)
        missing = ids < 0
        if missing.any():
            if self.unknown == "error":
                raise UnknownTokenError(self.unknown_words(tokens))
            if self.unknown == "ignore":
                ids = ids[~missing]
            else:
                ids[missing] = 0
        return [int(i) for i in ids]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Words of ``ids``; an id outside ``0..len-1`` is a ``ValueError`` naming it."""
        words = self._fitted()
        out = []
        for i in ids:
            j = int(i)
            if not 0 <= j < len(words):
                raise ValueError(f"id {j} is outside the vocabulary (ids 0..{len(words) - 1})")
            out.append(words[j])
        return out
