"""Encoders: one interface over everything that turns text into vectors.

``load_encoder`` gives a ready encoder; :class:`Encoder` is the interface to implement.
"""

from __future__ import annotations

from embedlab.encoders.base import PRECISIONS, Encoder, l2_normalize
from embedlab.encoders.loading import load_encoder

__all__ = ["PRECISIONS", "Encoder", "l2_normalize", "load_encoder"]
