"""Finding and removing collection folders: ``list_collections`` and ``drop``."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from embedlab.store.collection import LOCK_NAME, Collection
from embedlab.store.errors import CollectionError, CollectionNotFoundError
from embedlab.store.locking import write_lock
from embedlab.store.schema import DB_NAME


@dataclass
class CollectionInfo:
    """Summary of one collection folder."""

    name: str
    path: Path
    model_name: str
    metric: str
    dimension: int
    count: int


def list_collections(root: str | Path,
                     skipped: list[tuple[str, str]] | None = None) -> list[CollectionInfo]:
    """Collections directly under ``root`` (folders holding a collection.sqlite), by name.

    A folder that cannot be opened (corrupt, or a newer format) is skipped with a logged
    warning and, when ``skipped`` is given, appended to it as ``(name, reason)``; one
    dropped while being listed is left out.
    """
    import logging

    root = Path(root)
    if not root.is_dir():
        return []
    out: list[CollectionInfo] = []
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or not (folder / DB_NAME).is_file():
            continue
        try:
            with Collection.open(folder) as col:
                out.append(CollectionInfo(folder.name, folder, col.model_name, col.metric,
                                          col.dimension, col.count()))
        except CollectionNotFoundError:
            continue  # dropped meanwhile
        except (CollectionError, sqlite3.DatabaseError, OSError) as exc:
            # One unreadable collection is reported and skipped; the others still list.
            logging.getLogger(__name__).warning("skipping %s: %s", folder.name, exc)
            if skipped is not None:
                skipped.append((folder.name, str(exc)))
    return out


def drop(path: str | Path) -> None:
    """Delete the collection folder at ``path`` (refuses folders that are not collections).

    The folder is first renamed aside (under the write lock) so it vanishes at once; users
    of the collection meanwhile get :class:`CollectionNotFoundError`. A symbolic link is
    refused (renaming the link would drop nothing and leave the link behind).
    """
    path = Path(path)
    if path.is_symlink():
        raise CollectionError(
            f"{path} is a symbolic link to {os.path.realpath(path)}; drop the collection "
            "folder itself, or remove the link (rm) to keep the collection")
    if not (path / DB_NAME).is_file():
        raise CollectionNotFoundError(
            f"no collection at {path} (no {DB_NAME}); nothing dropped")
    aside = path.parent / f".{path.name}.dropping-{uuid.uuid4().hex[:8]}"
    try:
        with write_lock(path / LOCK_NAME):
            if not (path / DB_NAME).is_file():
                raise FileNotFoundError(path)
            os.replace(path, aside)
    except FileNotFoundError:  # dropped by someone else while this waited for the lock
        raise CollectionNotFoundError(
            f"no collection at {path} (dropped meanwhile); nothing dropped") from None
    shutil.rmtree(aside, ignore_errors=True)
