"""``load_encoder``: a model name or folder to a ready :class:`Encoder`."""

from __future__ import annotations

import json
from pathlib import Path

from embedlab import paths
from embedlab.encoders.base import Encoder
from embedlab.errors import EmbedlabError
from embedlab.models.registry import DEFAULT_MODEL
from embedlab.models.store import MANIFEST, model_path


def load_encoder(name_or_path: str | Path = DEFAULT_MODEL, backend: str = "onnx",
                 quantize: str | None = None, cache: bool | str | Path = True,
                 pooling: str | None = None, max_length: int | None = None,
                 threads: int | None = None) -> Encoder:
    """Load a sentence encoder by registry name (pulled), model folder or word-vector file.

    Word vectors (``glove-6b-50d``, or a word2vec/GloVe/embedlab vector file such as one
    written by ``embedlab train``) give a :class:`~embedlab.encoders.StaticEncoder` that
    pools word vectors (``pooling="mean"`` or ``"sif"``).

    ``backend`` is ``"onnx"`` (ONNX Runtime, the fast default) or ``"numpy"`` (the readable
    reference); ``quantize="int8"`` runs an int8 graph; ``cache`` is ``True`` (the default
    SQLite cache under ``$EMBEDLAB_HOME``), ``False`` (no cache) or a path to a cache file.

    Example:
        >>> enc = load_encoder("all-MiniLM-L6-v2")          # doctest: +SKIP
        >>> enc.encode(["hello world"]).shape               # doctest: +SKIP
        (1, 384)
    """
    from embedlab.encoders.transformer import TransformerEncoder

    if Path(str(name_or_path)).is_file():
        # A word-vector file (word2vec text/binary, GloVe text, embedlab .npz).
        from embedlab.encoders.static import StaticEncoder
        from embedlab.static import WordVectors

        if (pooling or "mean") not in ("mean", "sif"):
            raise EmbedlabError(f"{name_or_path} holds word vectors: pooling must be 'mean' "
                                f"or 'sif', not {pooling!r}")
        return StaticEncoder(WordVectors.load(name_or_path), pooling=pooling or "mean",
                             name=Path(str(name_or_path)).name)
    folder = model_path(name_or_path)
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            kind = json.loads(manifest.read_text()).get("kind")
        except (OSError, ValueError):
            kind = None
        if kind == "word-vectors":
            # Word vectors become a StaticEncoder: mean (default) or SIF pooling of word
            # vectors.  Computing them is cheaper than a cache lookup, so no cache is attached.
            from embedlab.encoders.static import StaticEncoder
            from embedlab.static import WordVectors

            static_pooling = pooling or "mean"
            if static_pooling not in ("mean", "sif"):
                raise EmbedlabError(
                    f"{folder.name} holds word vectors: pooling must be 'mean' or 'sif', "
                    f"not {pooling!r}"
                )
            return StaticEncoder(WordVectors.load(folder), pooling=static_pooling,
                                 name=folder.name)
    encoder = TransformerEncoder(folder, backend=backend, quantize=quantize, pooling=pooling,
                                 max_length=max_length, threads=threads,
                                 name=Path(str(name_or_path)).name)
    if cache is not False:
        from embedlab.encoders.cache import EmbeddingCache

        encoder.cache = EmbeddingCache(paths.embedding_cache_path() if cache is True else cache)
    return encoder
