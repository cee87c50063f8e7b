"""Text utilities: chunking, vocabularies, one-hot encoding, stemming and lemmatization.

The stemming and lemmatization libraries (snowballstemmer, nltk, spaCy, LemmInflect) are
imported only when first used; a missing one raises
:class:`~embedlab.errors.MissingDependencyError` with the pip command.

>>> from embedlab.text import OneHotEncoder, Vocabulary, stem
>>> Vocabulary().fit(["to be or not to be"]).words
('be', 'to', 'not', 'or')
>>> OneHotEncoder().fit_transform(["be", "to", "be"]).shape
(3, 2)
>>> stem(["running", "caresses"])
['run', 'caress']
"""

from __future__ import annotations

from embedlab.errors import MissingDependencyError
from embedlab.text.chunking import Chunk, chunk_text, paragraph_spans, sentence_spans, word_count
from embedlab.text.lemmatize import TokenLemma, analyze, lemmatize, lemmatize_word
from embedlab.text.onehot import OneHotEncoder
from embedlab.text.stemming import stem, stem_word
from embedlab.text.vocabulary import (
    EmptyInputError,
    NotFittedError,
    UnknownTokenError,
    Vocabulary,
    tokenize,
)

__all__ = [
    "Chunk",
    "EmptyInputError",
    "MissingDependencyError",
    "NotFittedError",
    "OneHotEncoder",
    "TokenLemma",
    "UnknownTokenError",
    "Vocabulary",
    "analyze",
    "chunk_text",
    "lemmatize",
    "lemmatize_word",
    "paragraph_spans",
    "sentence_spans",
    "stem",
    "stem_word",
    "tokenize",
    "word_count",
]
