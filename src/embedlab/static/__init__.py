"""Static word embeddings: word vectors, their files and benchmarks, sentence pooling.

``WordVectors`` holds a vocabulary and its matrix (word2vec, GloVe or embedlab files, or a
pulled registry model such as ``glove-6b-50d``); ``StaticEncoder`` turns it into a sentence
encoder with the same interface as the transformer encoders.

Names are imported on first use, so ``import embedlab.static`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embedlab.static.encoder import StaticEncoder
    from embedlab.static.formats import VectorFileError
    from embedlab.static.vectors import UnknownWordError, WordVectors

_LAZY = {
    "WordVectors": "embedlab.static.vectors",
    "UnknownWordError": "embedlab.static.vectors",
    "StaticEncoder": "embedlab.static.encoder",
    "VectorFileError": "embedlab.static.formats",
}

__all__ = ["StaticEncoder", "UnknownWordError", "VectorFileError", "WordVectors"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'embedlab.static' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
