"""The local model store, ``<home>/models/NAME``: lookup, listing and removal.

Models arrive through :func:`embedlab.models.fetch.pull`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from embedlab import paths
from embedlab.errors import ModelNotFoundError
from embedlab.models.registry import REGISTRY, resolve_name

log = logging.getLogger(__name__)

MANIFEST = "embedlab.json"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class ModelInfo:
    """One row of ``embedlab models``."""

    name: str
    kind: str
    architecture: str
    dimension: int | None
    max_length: int | None
    pulled: bool
    size_bytes: int | None
    path: Path | None
    description: str


def model_path(name_or_path: str | os.PathLike[str]) -> Path:
    """The folder of a model: an existing folder as given, else a pulled known model."""
    candidate = Path(name_or_path).expanduser()
    if candidate.is_dir():
        return candidate
    text = str(name_or_path)
    looks_like_path = os.sep in text or text.startswith(".")
    is_alias = any(text.lower() == a.lower() for s in REGISTRY.values() for a in s.aliases)
    if looks_like_path and not is_alias:
        raise ModelNotFoundError(f"model folder not found: {candidate}")
    spec = resolve_name(text)
    folder = paths.models_dir() / spec.name
    if not (folder / MANIFEST).is_file():
        raise ModelNotFoundError(
            f"model {spec.name!r} is not pulled yet; run `embedlab pull {spec.name}` "
            f"(it goes to {folder})"
        )
    return folder


def list_models() -> list[ModelInfo]:
    """Every known model (pulled or not), then any other folder found in the store."""
    rows = []
    store = paths.models_dir()
    for spec in REGISTRY.values():
        folder = store / spec.name
        pulled = (folder / MANIFEST).is_file()
        rows.append(ModelInfo(spec.name, spec.kind, spec.architecture, spec.dimension,
                              spec.max_length, pulled, _folder_size(folder) if pulled else None,
                              folder if pulled else None, spec.description))
    if store.is_dir():
        for folder in sorted(store.iterdir()):
            if folder.name in REGISTRY or folder.name.startswith(".") or not folder.is_dir():
                continue
            rows.append(_local_info(folder))
    return rows


def _local_info(folder: Path) -> ModelInfo:
    arch, dim, max_len = "unknown", None, None
    try:
        cfg = json.loads((folder / "config.json").read_text())
        arch, dim = cfg.get("model_type", arch), cfg.get("hidden_size")
        st = json.loads((folder / "sentence_bert_config.json").read_text())
        max_len = st.get("max_seq_length")
    except (OSError, ValueError):
        pass
    return ModelInfo(folder.name, "local", arch, dim, max_len, True, _folder_size(folder),
                     folder, "model folder placed in the store by hand")


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def remove(name: str) -> Path:
    """Delete a pulled model from the store."""
    folder = model_path(name)
    if paths.models_dir().resolve() not in folder.resolve().parents:
        raise ModelNotFoundError(f"{folder} is not in the model store; not removing it")
    shutil.rmtree(folder)
    return folder
