"""Where embedlab keeps its files: the home folder, the model store, caches and shared data."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """embedlab's home folder: ``$EMBEDLAB_HOME``, else ``~/.cache/embedlab``."""
    env = os.environ.get("EMBEDLAB_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "embedlab"


def models_dir() -> Path:
    """The model store: ``<home>/models``, one folder per pulled model."""
    return home() / "models"


def onnx_cache_dir() -> Path:
    """Compiled ONNX graphs, keyed by the weights' hash: ``<home>/onnx``."""
    return home() / "onnx"


def embedding_cache_path() -> Path:
    """The default SQLite embedding cache: ``<home>/cache/embeddings.sqlite``."""
    return home() / "cache" / "embeddings.sqlite"


def data_dir() -> Path:
    """Shared evaluation data: ``$EMBEDLAB_DATA``, else ``../shared/data`` beside the checkout."""
    env = os.environ.get("EMBEDLAB_DATA")
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[2]
    for root in (checkout, Path.cwd()):
        candidate = root.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return checkout.parent / "shared" / "data"
