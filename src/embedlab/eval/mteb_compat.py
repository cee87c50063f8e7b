"""Run the official ``mteb`` suite on an embedlab encoder.

:class:`MTEBEncoder` satisfies mteb's ``EncoderProtocol`` (mteb 2.x): ``encode`` takes
mteb's data loader of ``{"text": [...]}`` batches (or a plain list of strings),
``similarity``/``similarity_pairwise`` are cosine, and ``mteb_model_meta`` names the
model.  mteb is not an embedlab dependency; ``pip install mteb`` where you want it (its
tasks download their data from the Hugging Face hub, so a network is needed for those).

Example:
    >>> import mteb                                                    # doctest: +SKIP
    >>> model = MTEBEncoder(load_encoder("all-MiniLM-L6-v2"))          # doctest: +SKIP
    >>> tasks = mteb.get_tasks(tasks=["STSBenchmark"])                 # doctest: +SKIP
    >>> mteb.evaluate(model, tasks)                                    # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from embedlab.eval.base import EncodeOptions, encode
from embedlab.similarity import normalize_rows

INSTALL_HINT = "mteb is not installed; run `pip install mteb` to use the official MTEB suite"


def _texts(inputs: Any) -> list[str]:
    """The texts of mteb's data loader (batches of ``{"text": [...]}``) or of a list."""
    if isinstance(inputs, str):
        return [inputs]
    texts: list[str] = []
    for item in inputs:
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, dict) and "text" in item:
            batch = item["text"]
            texts.extend([batch] if isinstance(batch, str) else list(batch))
        else:
            raise TypeError(f"expected texts or batches with a 'text' field, got "
                            f"{type(item).__name__}")
    return texts


def _unit(vectors: Any) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    return normalize_rows(array)


class MTEBEncoder:
    """An embedlab encoder (anything with ``encode(texts)``) as an mteb model.

    ``precision`` (``float32``, ``int8``, ``binary``) and ``dimensions`` are applied as
    in ``embedlab eval``.  ``name`` must be ``organisation/model`` (mteb's rule); the
    encoder's own name is prefixed with ``embedlab/`` by default.

    Example:
        >>> class Letters:
        ...     name, dimension = "letters", 2
        ...     def encode(self, texts, **kw):
        ...         return np.array([[len(t), t.count("a")] for t in texts], np.float32)
        >>> MTEBEncoder(Letters()).encode([{"text": ["aa", "b"]}]).tolist()
        [[2.0, 2.0], [1.0, 0.0]]
    """

    def __init__(self, encoder: Any, name: str | None = None, revision: str | None = None,
                 batch_size: int = 32, precision: str = "float32",
                 dimensions: int | None = None) -> None:
        self.encoder = encoder
        own = str(getattr(encoder, "name", None) or type(encoder).__name__)
        self.name = name or (own if "/" in own else f"embedlab/{own}")
        self.revision = revision or (str(getattr(encoder, "fingerprint", "") or "")[:12]
                                     or "local")
        self.options = EncodeOptions(batch_size=batch_size, precision=precision,
                                     dimensions=dimensions)

    def encode(self, inputs: Any, *, task_metadata: Any = None, hf_split: str | None = None,
               hf_subset: str | None = None, prompt_type: Any = None,
               **kwargs: Any) -> np.ndarray:
        """``(n, d) float32`` vectors for the texts of ``inputs``; mteb's keyword
        arguments (task, split, prompt type, ``batch_size``, ...) are accepted and ignored."""
        return encode(self.encoder, _texts(inputs), self.options, self.name)

    def similarity(self, embeddings1: Any, embeddings2: Any) -> np.ndarray:
        """``(n1, n2)`` cosine similarities."""
        return _unit(embeddings1) @ _unit(embeddings2).T

    def similarity_pairwise(self, embeddings1: Any, embeddings2: Any) -> np.ndarray:
        """``(n,)`` cosine similarity of each pair of rows."""
        return np.sum(_unit(embeddings1) * _unit(embeddings2), axis=1)

    @property
    def mteb_model_meta(self) -> Any:
        """mteb's ``ModelMeta`` for this encoder (needs mteb installed)."""
        try:
            from mteb.models.model_meta import ModelMeta
        except ImportError:
            raise ImportError(INSTALL_HINT) from None
        dim = self.options.dimensions or getattr(self.encoder, "dimension", None) or None
        return ModelMeta.create_empty(overwrites={
            "name": self.name, "revision": self.revision, "embed_dim": dim,
            "max_tokens": getattr(self.encoder, "max_length", None),
            "similarity_fn_name": "cosine", "open_weights": True, "framework": []})

    def __repr__(self) -> str:
        return f"MTEBEncoder({self.name!r})"

