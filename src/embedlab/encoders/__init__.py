"""Encoders: one interface over everything that turns text into vectors.

``load_encoder`` gives a ready encoder; :class:`Encoder` is the interface to implement;
``StaticEncoder`` pools word vectors (word2vec, GloVe) into sentence vectors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from embedlab.encoders.base import PRECISIONS, Encoder, l2_normalize
from embedlab.encoders.loading import load_encoder

if TYPE_CHECKING:
    from embedlab.encoders.static import StaticEncoder

__all__ = ["PRECISIONS", "Encoder", "StaticEncoder", "l2_normalize", "load_encoder"]


def __getattr__(name: str) -> Any:
    # StaticEncoder on first use: it brings the word-vector files with it
    if name == "StaticEncoder":
        from embedlab.encoders.static import StaticEncoder

        return StaticEncoder
    raise AttributeError(f"module 'embedlab.encoders' has no attribute {name!r}")
