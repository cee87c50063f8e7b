"""The ``Encoder`` interface: implement ``encode_batch``; ``encode`` is derived once for all.

``encode`` validates input, looks texts up in the embedding cache, sorts the rest by length so
each batch pads little, calls ``encode_batch`` per batch, restores input order, then applies
dimension truncation, L2 normalization and precision.  Results do not depend on batch size or
input order (up to float rounding).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from embedlab.errors import CacheError, check_positive
from embedlab.similarity.paired import normalize_rows as l2_normalize  # encoders' name for it

log = logging.getLogger(__name__)

PRECISIONS = ("float32", "float16", "int8", "uint8", "binary", "ubinary")
PROGRESS_THRESHOLD = 256  # texts; below this no progress bar is shown automatically


def check_texts(texts: Any) -> list[str]:
    """A list of strings, or ``TypeError`` naming the first bad item's index."""
    if isinstance(texts, str | bytes | dict | set | frozenset) or not hasattr(texts, "__iter__"):
        # a set or dict has no order, so vectors could not be matched to their texts
        raise TypeError(f"texts must be a list of strings, got {type(texts).__name__}")
    out = list(texts)
    for i, text in enumerate(out):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] is {type(text).__name__}, not str: {text!r:.60}")
    return out


class Encoder(ABC):
    """Turns texts into vectors.  Subclasses implement :meth:`encode_batch` only.

    Example:
        >>> class Letters(Encoder):
        ...     name, dimension, normalize_default = "letters", 2, False
        ...     def encode_batch(self, texts):
        ...         return np.array([[len(t), t.count("a")] for t in texts], np.float32)
        >>> Letters().encode(["banana", "kiwi"]).tolist()
        [[6.0, 3.0], [4.0, 0.0]]
    """

    name: str = "encoder"
    dimension: int = 0
    max_length: int | None = None
    normalize_default: bool = False
    fingerprint: str = ""  # identifies weights + pipeline settings; empty disables caching
    cache: Any = None  # an EmbeddingCache or None

    @abstractmethod
    def encode_batch(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), dimension) float32`` raw (un-normalized) vectors for one batch."""

    def sort_lengths(self, texts: list[str]) -> list[int]:
        """Lengths used to group texts of similar size into a batch (characters by default)."""
        return [len(t) for t in texts]

    def cache_settings(self) -> str:
        """Settings besides the fingerprint that change the raw vectors (backend, precision)."""
        return ""

    def encode(
        self,
        texts: str | Sequence[str],
        batch_size: int = 32,
        normalize: bool | None = None,
        precision: str = "float32",
        dimensions: int | None = None,
        show_progress: bool | None = None,
        ranges: np.ndarray | None = None,
        calibration_embeddings: np.ndarray | None = None,
    ) -> np.ndarray:
        """Vectors for ``texts``: ``(len(texts), dim)`` (a single string gives ``(dim,)``).

        ``normalize=None`` follows the model (a Normalize module); ``dimensions=N`` keeps the
        first N dimensions (Matryoshka style) and re-normalizes when normalizing;
        ``precision`` is one of ``float32 float16 int8 uint8 binary ubinary``, computed as
        sentence-transformers' ``quantize_embeddings`` (with ``ranges`` or
        ``calibration_embeddings`` for int8/uint8).
        """
        single = isinstance(texts, str)
        items = check_texts([texts] if single else texts)
        check_positive("batch_size", batch_size)
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r} is not known; choose from {PRECISIONS}")
        if dimensions is not None and not (
            isinstance(dimensions, int) and not isinstance(dimensions, bool)
            and 1 <= dimensions <= self.dimension
        ):
            raise ValueError(
                f"dimensions must be an integer from 1 to {self.dimension}, got {dimensions!r}"
            )
        vectors = self._raw_vectors(items, batch_size, show_progress)
        if dimensions is not None:
            vectors = vectors[:, :dimensions]
        if self.normalize_default if normalize is None else normalize:
            vectors = l2_normalize(vectors)
        if precision != "float32":
            from embedlab.encoders.quantize import quantize_embeddings

            vectors = quantize_embeddings(vectors, precision, ranges=ranges,
                                          calibration_embeddings=calibration_embeddings)
        return vectors[0] if single else vectors

    def _raw_vectors(self, texts: list[str], batch_size: int,
                     show_progress: bool | None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        unique = list(dict.fromkeys(texts))
        found: dict[str, np.ndarray] = {}
        use_cache = self.cache is not None and bool(self.fingerprint)
        if use_cache:
            try:
                hits = self.cache.get_many(self.fingerprint, self.cache_settings(), unique)
                found = {t: v for t, v in zip(unique, hits, strict=True) if v is not None}
            except CacheError as exc:
                use_cache = self._drop_cache(exc)
        todo = [t for t in unique if t not in found]
        if todo:
            fresh = self._encode_sorted(todo, batch_size, show_progress)
            found.update(zip(todo, fresh, strict=True))
            if use_cache:
                try:
                    self.cache.put_many(self.fingerprint, self.cache_settings(), todo, fresh)
                except CacheError as exc:
                    self._drop_cache(exc)
        for i, text in enumerate(texts):
            out[i] = found[text]
        return out

    def _drop_cache(self, exc: Exception) -> bool:
        """Warn once that the cache failed (read-only, damaged, ...) and stop using it."""
        log.warning("embedding cache unusable, continuing without caching: %s", exc)
        self.cache = None
        return False

    def _encode_sorted(self, texts: list[str], batch_size: int,
                       show_progress: bool | None) -> np.ndarray:
        lengths = self.sort_lengths(texts)
        order = sorted(range(len(texts)), key=lambda i: (-lengths[i], i))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if show_progress is None:
            show_progress = len(texts) >= PROGRESS_THRESHOLD and _stderr_is_tty()
        with _progress(len(texts), self.name, show_progress) as advance:
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                batch = self.encode_batch([texts[i] for i in idx])
                out[idx] = batch
                advance(len(idx))
        return out


def _stderr_is_tty() -> bool:
    import sys

    return sys.stderr.isatty()


@contextmanager
def _progress(total: int, label: str, enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield lambda n: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn(f"encoding with {label}"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("encode", total=total)
        yield lambda n: bar.advance(task, n)
