"""Whether an encoder belongs to a collection: the one check, for the Python API and the server.

A collection records the model that embedded it (name, fingerprint, dimension, and the
precision its vectors were computed at). An encoder may write to or search a collection
only when its fingerprint and precision are the recorded ones; an empty collection without
a model adopts the first encoder it is given; a collection whose vectors were given directly
(no model) takes no encoder at all. Every refusal is a :class:`ModelMismatchError` whose
message names both sides and what to do, in words that hold for Python, the command line and
HTTP alike (callers pass it through unchanged).

Example:
    >>> stored = Binding("docs", "all-MiniLM-L6-v2", "ab" * 32, "float32", 384, count=10)
    >>> check_binding(stored, EncoderIdentity("all-MiniLM-L6-v2", "ab" * 32, "float32", 384))
    False
"""

from __future__ import annotations

from dataclasses import dataclass

from embedlab.encoders.base import Encoder
from embedlab.store.errors import ModelMismatchError

#: The precision of vectors computed without quantization.
DEFAULT_PRECISION = "float32"


@dataclass(frozen=True)
class Binding:
    """What a collection records of its model: ``name`` is the collection as the caller
    shows it (a path in Python, a name over HTTP); ``count`` its documents."""

    name: str
    model_name: str
    fingerprint: str
    precision: str
    dimension: int
    count: int


@dataclass(frozen=True)
class EncoderIdentity:
    """What identifies an encoder's vectors: its name, fingerprint, precision, dimension."""

    name: str
    fingerprint: str
    precision: str
    dimension: int

    @classmethod
    def of(cls, encoder: Encoder) -> EncoderIdentity:
        return cls(encoder.name, encoder.fingerprint, vector_precision(encoder),
                   int(encoder.dimension))


def vector_precision(encoder: Encoder) -> str:
    """The precision an encoder computes its vectors at: ``"float32"``, or its quantization
    (``"int8"`` for ``load_encoder(..., quantize="int8")``). Encoders may state it as a
    ``precision`` attribute; otherwise it is read from their runner's ``quantize``."""
    stated = getattr(encoder, "precision", None)
    if isinstance(stated, str) and stated:
        return stated
    quantize = getattr(getattr(encoder, "runner", None), "quantize", None)
    return str(quantize) if quantize else DEFAULT_PRECISION


def precision_hint(precision: str) -> str:
    """How to load a model at ``precision``, for Python, the command line and the server."""
    if precision == DEFAULT_PRECISION:
        return "the model without quantization (no quantize=, no --quantize)"
    return f"the model with quantize={precision!r} (--quantize {precision})"


def check_binding(stored: Binding, encoder: EncoderIdentity) -> bool:
    """Raise :class:`ModelMismatchError` unless ``encoder`` may embed for the collection;
    True when the collection has no model yet and adopts this one (the caller records it)."""
    if stored.fingerprint and encoder.fingerprint != stored.fingerprint:
        raise ModelMismatchError(
            f"collection {stored.name} was built with model {stored.model_name!r} "
            f"(fingerprint {stored.fingerprint[:16]}…); encoder {encoder.name!r} has "
            f"fingerprint {encoder.fingerprint[:16]}…; use {stored.model_name!r} with it, or "
            "build a new collection")
    if stored.fingerprint and encoder.precision != stored.precision:
        raise ModelMismatchError(
            f"collection {stored.name} was built with model {stored.model_name!r} at "
            f"{stored.precision} precision; encoder {encoder.name!r} runs at "
            f"{encoder.precision} precision, whose vectors differ; use "
            f"{precision_hint(stored.precision)}, or build a new collection")
    if not stored.fingerprint and stored.count > 0:
        raise ModelMismatchError(
            f"collection {stored.name} holds vectors given directly (no model); add to it "
            "and search it with vectors (the Python API's vectors=), not texts")
    if stored.dimension and encoder.dimension != stored.dimension:
        raise ModelMismatchError(
            f"encoder {encoder.name!r} gives {encoder.dimension}-d vectors; the collection "
            f"holds {stored.dimension}-d")
    return not stored.fingerprint
