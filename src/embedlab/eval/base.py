"""The evaluation task interface shared by every task type, the runner and the reports.

A :class:`Task` holds its data (loaded from a built-in data set or a user file) and
evaluates one encoder: ``task.evaluate(encoder, seed=...)`` returns a :class:`TaskResult`
whose ``main_score`` is on MTEB's 0–1 scale and whose ``scores`` hold the secondary
figures.  Encoders are anything with ``encode(texts) -> (n, d) float32`` (every
:class:`embedlab.encoders.Encoder`); :class:`EncodeOptions` carries the precision and
dimension settings the runner applies.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from embedlab.errors import EmbedlabError

#: Task types, as MTEB names them, plus the word-level and document-similarity tasks.
TASK_TYPES = ("sts", "classification", "clustering", "pair-classification", "reranking",
              "retrieval", "bitext-mining", "summarization", "analogy", "word-pairs",
              "docsim")


class EvalError(EmbedlabError):
    """A task that cannot run: bad task file (names file and line), NaN vectors, ..."""


class TextEncoder(Protocol):
    def encode(self, texts: list[str], **kwargs: Any) -> np.ndarray: ...


@dataclass(frozen=True)
class EncodeOptions:
    """How the runner asks for vectors: batch size, precision and Matryoshka dimensions.

    ``precision`` is ``float32``, ``int8`` (scores computed on the int8 values as floats)
    or ``binary`` (bits unpacked to -1/+1 floats); ``dimensions`` keeps the first N.
    int8 ranges come from the texts of one ``encode`` call, so a task encodes all of its
    texts in one call (then splits them), as sentence-transformers' quantization does.
    """

    batch_size: int = 32
    precision: str = "float32"
    dimensions: int | None = None


def encode(encoder: Any, texts: list[str], options: EncodeOptions | None = None,
           name: str = "model") -> np.ndarray:
    """``(len(texts), d) float32`` vectors with ``options`` applied; NaN is an error."""
    options = options or EncodeOptions()
    kwargs: dict[str, Any] = {"batch_size": options.batch_size}
    if options.dimensions is not None:
        kwargs["dimensions"] = options.dimensions
    if options.precision in ("int8", "binary"):
        kwargs["precision"] = options.precision
    vectors = np.asarray(encoder.encode(list(texts), **kwargs))
    if options.precision == "binary":
        # "binary" bytes are the packed sign bits minus 128 (int8), as sentence-transformers
        # writes them: add the 128 back before unpacking
        packed = vectors.astype(np.int16) + 128 if vectors.dtype == np.int8 else vectors
        bits = np.unpackbits(packed.astype(np.uint8), axis=1)
        # packing pads the last byte with zero bits when the dimension is not a multiple
        # of 8: drop them, or every vector gains the same constant -1 components
        dim = options.dimensions or int(getattr(encoder, "dimension", 0) or 0)
        if 0 < dim < bits.shape[1]:
            bits = bits[:, :dim]
        vectors = bits.astype(np.float32) * 2 - 1
    vectors = vectors.astype(np.float32, copy=False)
    if vectors.ndim != 2 or len(vectors) != len(texts):
        raise EvalError(f"{name} returned vectors of shape {vectors.shape} for "
                        f"{len(texts)} texts")
    if not np.isfinite(vectors).all():
        bad = int((~np.isfinite(vectors)).any(axis=1).sum())
        raise EvalError(f"{name} returned NaN or infinite vectors for {bad} of "
                        f"{len(texts)} texts")
    return vectors


@dataclass
class TaskResult:
    """One model on one task.  ``main_score`` is 0–1 (MTEB's scale)."""

    task: str
    type: str
    main_score: float
    scores: dict[str, Any]
    main_metric: str = ""
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "type": self.type, "main_metric": self.main_metric,
                "main_score": self.main_score, "scores": self.scores,
                "seconds": self.seconds, **self.extra}


class Task(ABC):
    """One evaluation task: a name, a type, its data, and how to score an encoder."""

    type: ClassVar[str] = ""
    main_metric: ClassVar[str] = ""

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        """Score ``encoder`` on this task (deterministic for a given ``seed``)."""

    @classmethod
    def from_file(cls, path: Any, name: str | None = None) -> Task:
        """Load a user task file of this type (format documented on each subclass)."""
        raise NotImplementedError(f"{cls.__name__} has no file format")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
