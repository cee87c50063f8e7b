"""Static word embeddings: word vectors, their files and benchmarks, sentence pooling.

``WordVectors`` holds a vocabulary and its matrix (word2vec, GloVe or embedlab files, or a
pulled registry model such as ``glove-6b-50d``); ``embedlab.encoders.StaticEncoder`` turns it
into a sentence encoder with the same interface as the transformer encoders
(``embedlab.static.StaticEncoder`` still works in this release, deprecated).

Names are imported on first use, so ``import embedlab.static`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embedlab.static.doc2vec import Doc2Vec
    from embedlab.static.formats import VectorFileError
    from embedlab.static.glove import GloVe, cooccurrence_matrix
    from embedlab.static.vectors import UnknownWordError, WordVectors
    from embedlab.static.word2vec import Word2Vec

_LAZY = {
    "WordVectors": "embedlab.static.vectors",
    "UnknownWordError": "embedlab.static.vectors",
    "VectorFileError": "embedlab.static.formats",
    "Word2Vec": "embedlab.static.word2vec",
    "Doc2Vec": "embedlab.static.doc2vec",
    "GloVe": "embedlab.static.glove",
    "cooccurrence_matrix": "embedlab.static.glove",
}

__all__ = ["Doc2Vec", "GloVe", "UnknownWordError", "VectorFileError",
           "Word2Vec", "WordVectors", "cooccurrence_matrix"]


def __getattr__(name: str) -> Any:
    if name == "StaticEncoder":  # deprecated: moved to embedlab.encoders (its layer)
        import warnings

        from embedlab.encoders.static import StaticEncoder

        warnings.warn("embedlab.static.StaticEncoder moved to embedlab.encoders.StaticEncoder; "
                      "the old name goes in the next release", DeprecationWarning, stacklevel=2)
        return StaticEncoder
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'embedlab.static' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
