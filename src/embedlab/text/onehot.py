"""One-hot encoding of words, scikit-learn style, with sparse output by default.

:class:`OneHotEncoder` learns a :class:`~embedlab.text.Vocabulary` in ``fit`` and gives two
shapes of output, both ``scipy.sparse.csr_matrix`` unless ``sparse_output=False``:

* :meth:`OneHotEncoder.transform` — **one row per token**: ``(n_tokens, V)`` with a single
  1 in each row (a row of zeros for an unknown word under ``handle_unknown="ignore"``);
* :meth:`OneHotEncoder.transform_documents` — **one row per document**: ``(n_docs, V)``,
  multi-hot (1 where the word occurs) or, with ``binary=False``, word counts.

What ``docs`` may be, for every method: a text (one document, split into words by
:func:`~embedlab.text.vocabulary.tokenize`), or a list whose items are each a token list (one
document) or a single token (a document of one token, used as it is, not split).  For
``transform`` the rows of all documents follow each other in order, so
``transform([["a"], ["b"]])`` equals scikit-learn's ``OneHotEncoder`` on the column
``[["a"], ["b"]]`` with the same categories.

>>> enc = OneHotEncoder(order="alphabetical").fit([["red", "green"], ["blue", "red"]])
>>> list(enc.get_feature_names_out())
['blue', 'green', 'red']
>>> enc.transform(["red", "blue"]).toarray()
array([[0., 0., 1.],
       [1., 0., 0.]], dtype=float32)
>>> enc.transform_documents([["red", "green"], ["blue"]]).toarray()
array([[0., 1., 1.],
       [1., 0., 0.]], dtype=float32)
>>> enc.inverse_transform(enc.transform(["green", "red"]))
['green', 'red']

A one-hot matrix has V columns and one non-zero per row, so for a vocabulary of 50,000 words
a dense float32 row would take 200 kB against 12 bytes sparse: keep ``sparse_output=True``
unless V is small.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.params import Params
from embedlab.text.vocabulary import (
    EmptyInputError,
    NotFittedError,
    Order,
    UnknownPolicy,
    UnknownTokenError,
    Vocabulary,
    check_policy,
    tokenize,
)

if TYPE_CHECKING:
    import scipy.sparse as sp

Docs = str | Iterable[str | Iterable[str]]


def as_documents(docs: Docs) -> list[list[str]]:
    """``docs`` as token lists: a text → one document; a str item → a one-token document.

    >>> as_documents("the cat")
    [['the', 'cat']]
    >>> as_documents(["the", ["a", "cat"]])
    [['the'], ['a', 'cat']]
    """
    if isinstance(docs, str):
        return [tokenize(docs)]
    out: list[list[str]] = []
    for doc in docs:
        tokens = [doc] if isinstance(doc, str) else list(doc)
        for token in tokens:
            if not isinstance(token, str):
                raise TypeError(f"a document must be a token list or a single str token; "
                                f"got a {type(token).__name__} token {token!r}")
        out.append(tokens)
    return out


class OneHotEncoder(Params):
    """Words → one-hot rows over a learned or given vocabulary.

    Parameters
    ----------
    vocabulary:
        A fitted :class:`~embedlab.text.Vocabulary` or a list of words (kept in that order);
        None (default) learns one in :meth:`fit` with ``min_count``, ``max_size``,
        ``lowercase`` and ``order``.
    handle_unknown:
        ``"error"`` (default: :class:`~embedlab.text.UnknownTokenError` naming the words),
        ``"ignore"`` (a row of zeros in ``transform``, not counted in
        ``transform_documents``) or ``"unk"`` (the column of ``unk_token``, the first one).
    sparse_output:
        CSR matrices (default) or dense ``numpy`` arrays.
    dtype:
        Element type of the output (default ``float32``).

    Fitted attributes: ``vocabulary_`` (a Vocabulary), ``categories_`` (a list holding one
    array of the words, as in scikit-learn) and ``n_features_out_`` (V).
    """

    #: The remedy named in the message of an unknown-word error.
    unknown_fix = ("choose handle_unknown='ignore' (a row of zeros) or "
                   "handle_unknown='unk' (the unknown token's column)")

    def __init__(self, vocabulary: Vocabulary | Iterable[str] | None = None,
                 handle_unknown: UnknownPolicy = "error", sparse_output: bool = True,
                 dtype: Any = np.float32, min_count: int = 1, max_size: int | None = None,
                 lowercase: bool = False, unk_token: str = "<unk>",
                 order: Order = "frequency") -> None:
        self.vocabulary = vocabulary
        self.handle_unknown: UnknownPolicy = handle_unknown
        self.sparse_output = sparse_output
        self.dtype = dtype
        self.min_count = min_count
        self.max_size = max_size
        self.lowercase = lowercase
        self.unk_token = unk_token
        self.order: Order = order
        self.vocabulary_: Vocabulary | None = None

    # -- fitting ------------------------------------------------------------------------
    def fit(self, docs: Docs) -> OneHotEncoder:
        """Learn the vocabulary from ``docs`` (or adopt the given one); returns self."""
        check_policy(self.handle_unknown, "handle_unknown")
        try:
            self.dtype_ = np.dtype(self.dtype)
        except TypeError as exc:
            raise TypeError(f"dtype {self.dtype!r} is not a numpy dtype: {exc}") from None
        kwargs: dict[str, Any] = {"unknown": self.handle_unknown, "unk_token": self.unk_token,
                                  "lowercase": self.lowercase}
        given = self.vocabulary
        if isinstance(given, Vocabulary):
            given.words  # noqa: B018 - raises NotFittedError with its fix when not fitted
            if self.handle_unknown == "unk" and given.unk_token not in given.index:
                raise ValueError(
                    f"handle_unknown='unk' needs the unknown token {given.unk_token!r} in the "
                    "vocabulary: build it with Vocabulary(unknown='unk')")
            vocab = given
        elif given is not None:
            if isinstance(given, str):
                raise TypeError("vocabulary must be a Vocabulary or a list of words, not a str")
            vocab = Vocabulary.from_words(given, **kwargs)
        else:
            documents = as_documents(docs)
            if not any(documents):
                raise EmptyInputError("fit got no tokens: pass at least one document with "
                                      "one word")
            vocab = Vocabulary(min_count=self.min_count, max_size=self.max_size,
                               order=self.order, **kwargs).fit(documents)
        self.vocabulary_ = vocab
        return self

    def fit_transform(self, docs: Docs) -> Any:
        """``fit(docs).transform(docs)``: one row per token."""
        documents = as_documents(docs)
        return self.fit(documents).transform(documents)

    def _vocab(self) -> Vocabulary:
        if self.vocabulary_ is None:
            raise NotFittedError("this OneHotEncoder is not fitted yet: call fit(docs) first")
        return self.vocabulary_

    @property
    def categories_(self) -> list[np.ndarray]:
        """The words, as scikit-learn's ``categories_`` (one array, one input column)."""
        return [self.get_feature_names_out()]

    @property
    def n_features_out_(self) -> int:
        """V, the number of columns of the output."""
        return len(self._vocab())

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The word of each output column, as an object array (``input_features`` unused)."""
        return np.array(self._vocab().words, dtype=object)

    # -- encoding -----------------------------------------------------------------------
    def _ids(self, tokens: list[str]) -> np.ndarray:
        """Column of each token after the unknown policy: -1 marks an ignored word."""
        vocab = self._vocab()
        ids = vocab.lookup(tokens)
        missing = ids < 0
        if missing.any():
            if self.handle_unknown == "error":
                raise UnknownTokenError(vocab.unknown_words(tokens), "encoder's vocabulary",
                                        fix=self.unknown_fix)
            if self.handle_unknown == "unk":
                ids[missing] = vocab.index[vocab.unk_token]
        return ids

    def _output(self, matrix: sp.csr_matrix) -> Any:
        return matrix if self.sparse_output else matrix.toarray()

    def transform(self, docs: Docs) -> Any:
        """One row per token of ``docs`` (documents one after the other): ``(n_tokens, V)``.

        Raises :class:`~embedlab.text.vocabulary.EmptyInputError` when there is no token.
        """
        import scipy.sparse as sp

        tokens = [t for doc in as_documents(docs) for t in doc]
        if not tokens:
            raise EmptyInputError("transform got no tokens: pass a token, a token list or a "
                                  "non-empty text")
        ids = self._ids(tokens)
        known = ids >= 0
        indptr = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(known, out=indptr[1:])
        data = np.ones(int(known.sum()), dtype=self.dtype_)
        matrix = sp.csr_matrix((data, ids[known], indptr), shape=(len(ids), len(self._vocab())))
        return self._output(matrix)

    def transform_documents(self, docs: Docs, binary: bool = True) -> Any:
        """One row per document: ``(n_docs, V)``, multi-hot, or counts with ``binary=False``.

        >>> enc = OneHotEncoder(order="alphabetical").fit("to be or not to be")
        >>> enc.transform_documents("to be or not to be", binary=False).toarray()
        array([[2., 1., 1., 2.]], dtype=float32)
        """
        import scipy.sparse as sp

        documents = as_documents(docs)
        if not any(documents):
            raise EmptyInputError("transform_documents got no tokens: pass at least one "
                                  "document with one word")
        lengths = np.array([len(d) for d in documents], dtype=np.int64)
        ids = self._ids([t for d in documents for t in d])
        rows = np.repeat(np.arange(len(documents)), lengths)
        known = ids >= 0
        matrix = sp.csr_matrix(
            (np.ones(int(known.sum()), dtype=self.dtype_), (rows[known], ids[known])),
            shape=(len(documents), len(self._vocab())))
        matrix.sum_duplicates()
        if binary:
            matrix.data[:] = 1
        return self._output(matrix)

    # -- decoding -----------------------------------------------------------------------
    def _rows(self, matrix: Any) -> sp.csr_matrix:
        import scipy.sparse as sp

        csr = sp.csr_matrix(matrix)
        if csr.ndim != 2 or csr.shape[1] != len(self._vocab()):
            raise ValueError(f"expected a matrix with {len(self._vocab())} columns (the "
                             f"vocabulary size), got shape {csr.shape}")
        csr.eliminate_zeros()
        return csr

    def inverse_transform(self, matrix: Any) -> list[str | None]:
        """The word of each one-hot row; None for a row of zeros (an ignored unknown word).

        A row with more than one non-zero (a document row) is a ``ValueError``: use
        :meth:`inverse_transform_documents` for those.
        """
        csr = self._rows(matrix)
        per_row = np.diff(csr.indptr)
        if (per_row > 1).any():
            bad = int(np.flatnonzero(per_row > 1)[0])
            raise ValueError(f"row {bad} has {per_row[bad]} non-zeros, so it is not one-hot; "
                             "use inverse_transform_documents for multi-hot rows")
        words = self._vocab().words
        out: list[str | None] = [None] * csr.shape[0]
        for row in np.flatnonzero(per_row):
            out[row] = words[csr.indices[csr.indptr[row]]]
        return out

    def inverse_transform_documents(self, matrix: Any) -> list[list[str]]:
        """The words present (non-zero) in each row, in column order."""
        csr = self._rows(matrix)
        csr.sort_indices()
        words = self._vocab().words
        return [[words[j] for j in csr.indices[csr.indptr[r]:csr.indptr[r + 1]]]
                for r in range(csr.shape[0])]

    def __repr__(self) -> str:
        size = "not fitted" if self.vocabulary_ is None else f"{len(self.vocabulary_)} words"
        return (f"OneHotEncoder({size}, handle_unknown={self.handle_unknown!r}, "
                f"sparse_output={self.sparse_output}, dtype={np.dtype(self.dtype).name})")
