"""embedlab: local-first text embeddings, from tokenizers to sentence encoders.

Example:
    >>> import embedlab
    >>> enc = embedlab.load_encoder("all-MiniLM-L6-v2")   # doctest: +SKIP
    >>> enc.encode(["hello", "world"]).shape              # doctest: +SKIP
    (2, 384)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from embedlab.encoders import Encoder, StaticEncoder, load_encoder
    from embedlab.static import Doc2Vec, GloVe, Word2Vec, WordVectors

__all__ = ["Doc2Vec", "Encoder", "GloVe", "StaticEncoder", "Word2Vec", "WordVectors",
           "__version__", "load_encoder"]

_STATIC = ("Word2Vec", "GloVe", "Doc2Vec", "WordVectors")


def __getattr__(name: str) -> Any:
    # Imported lazily so `import embedlab` (and `embedlab --help`) stays fast.
    if name in ("load_encoder", "Encoder", "StaticEncoder"):
        from embedlab import encoders

        return getattr(encoders, name)
    if name in _STATIC:
        from embedlab import static

        return getattr(static, name)
    raise AttributeError(f"module 'embedlab' has no attribute {name!r}")
