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
    from embedlab.encoders import Encoder, load_encoder

__all__ = ["Encoder", "__version__", "load_encoder"]


def __getattr__(name: str) -> Any:
    # Imported lazily so `import embedlab` (and `embedlab --help`) stays fast.
    if name in ("load_encoder", "Encoder"):
        from embedlab import encoders

        return getattr(encoders, name)
    raise AttributeError(f"module 'embedlab' has no attribute {name!r}")
