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
from embedlab.errors import ModelFileError, ModelNotFoundError
from embedlab.files import atomic_write_bytes, sha256_file
from embedlab.models.registry import REGISTRY, resolve_name

log = logging.getLogger(__name__)

MANIFEST = "embedlab.json"
MANIFEST_VERSION = 1
#: Beside the manifest: ``{file: [size, mtime_ns, sha256]}`` of each file last verified.
VERIFIED = ".verified.json"


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


def verify_model_file(path: str | os.PathLike[str]) -> str | None:
    """Check a model file against the sha256 its folder's manifest records; its sha256.

    The (size, mtime_ns, sha256) of the last verified load is kept in ``.verified.json``
    beside the manifest, so a file is hashed again only when its size or mtime changed.
    Returns None for a file the manifest does not list (or a folder without a manifest,
    such as a hand-made one); raises :class:`~embedlab.errors.ModelFileError` naming the
    file and the command that fixes it when the bytes do not match.
    """
    path = Path(path)
    folder = path.parent
    while not (folder / MANIFEST).is_file():
        if folder.parent == folder:
            return None
        folder = folder.parent
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        rel = path.relative_to(folder).as_posix()
        expected = str(manifest["files"][rel]["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    st = path.stat()
    try:
        verified = json.loads((folder / VERIFIED).read_text())
    except (OSError, ValueError):
        verified = {}
    if not isinstance(verified, dict):
        verified = {}
    if verified.get(rel) == [st.st_size, st.st_mtime_ns, expected]:
        return expected
    actual = sha256_file(path)
    if actual != expected:
        raise ModelFileError(
            f"model file {path} is corrupt: its sha256 {actual[:16]}... does not match "
            f"{expected[:16]}... recorded when it was pulled; run `embedlab pull "
            f"{manifest.get('name', folder.name)} --force` to fetch it again")
    verified[rel] = [st.st_size, st.st_mtime_ns, expected]
    try:
        atomic_write_bytes(folder / VERIFIED, json.dumps(verified).encode())
    except OSError as exc:  # a read-only store: verify again next time
        log.debug("could not record verified model file %s: %s", path, exc)
    return expected
