"""Ingest files and folders into a collection: read, chunk, embed, and keep it in sync.

Each chunk is stored with ``source`` = the file's absolute path, ``(start, end)`` offsets
into the document's text (see :mod:`embedlab.store.readers`) and metadata: the reader's
fields, ``path``, ``chunk`` (0-based within the file), ``file_sha256`` (of the file's
bytes) and, for PDFs, ``page`` (1-based page where the chunk starts).

Chunk ids are ``<sha256(path)[:16]>-<chunk>``, so re-ingesting is incremental: a file whose
sha256 is unchanged is skipped; a changed file's old chunks are replaced by its new ones in
one transaction (:meth:`~embedlab.store.Collection.replace_source`; texts already stored
are not re-encoded), so a crash leaves either the old chunks or the new ones; chunks of
files that vanished from an ingested folder are deleted. A file that was ingested and has
become unreadable keeps its old chunks (it is reported as skipped).

>>> from embedlab.store import Collection                              # doctest: +SKIP
>>> col = Collection.create("c", encoder="all-MiniLM-L6-v2")           # doctest: +SKIP
>>> ingest(col, ["examples/docs"]).summary()                           # doctest: +SKIP
'10 files added, 0 updated, 0 unchanged, 0 removed, 0 skipped; 31 chunks added'
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedlab.errors import check_positive
from embedlab.store.collection import Collection
from embedlab.store.errors import CollectionNotFoundError
from embedlab.store.locking import write_lock
from embedlab.store.readers import UnreadableFileError, read_document
from embedlab.store.schema import DB_NAME
from embedlab.text.chunking import TokenCounter, chunk_text, word_count

log = logging.getLogger(__name__)
RESERVED_KEYS = ("path", "chunk", "file_sha256", "page")
#: The lock file that serializes ingests into one collection.
INGEST_LOCK_NAME = "ingest.lock"
#: Sentences tokenized per call when counting tokens for chunking.
COUNT_BATCH = 512


@dataclass
class IngestReport:
    """What :func:`ingest` did; ``skipped`` holds ``(path, reason)`` pairs."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0

    def summary(self) -> str:
        return (f"{len(self.added)} files added, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, "
                f"{len(self.skipped)} skipped; {self.chunks_added} chunks added, "
                f"{self.chunks_removed} removed")


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _walk(root: Path, unreadable: list[Path]) -> Iterator[Path]:
    """Non-hidden files under ``root``; folders that cannot be listed are warned about and
    appended to ``unreadable`` (symlinked folders are not followed, as ``rglob``)."""

    def failed(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else root
        log.warning("cannot list folder %s (%s): its files are skipped and their indexed "
                    "documents kept", where, exc.strerror or exc)
        unreadable.append(where)

    for folder, _dirs, names in os.walk(root, onerror=failed):
        for name in names:
            f = Path(folder) / name
            if f.is_file() and not _hidden(f, root):
                yield f


def discover(paths: Iterable[str | Path],
             unreadable: list[Path] | None = None) -> tuple[list[Path], list[Path]]:
    """(files, folders): files given directly plus every non-hidden file under each folder,
    resolved to absolute paths, sorted, without duplicates.

    Subfolders that cannot be listed are logged as warnings and, when ``unreadable`` is given,
    appended to it, so that documents stored from them are not taken for deleted ones."""
    files: set[Path] = set()
    folders: list[Path] = []
    blocked = unreadable if unreadable is not None else []
    for p in paths:
        path = Path(p).expanduser().resolve()
        if path.is_dir():
            folders.append(path)
            files.update(_walk(path, blocked))
        elif path.is_file():
            files.add(path)
        else:
            raise FileNotFoundError(f"{p} does not exist; give files or folders to ingest")
    return sorted(files), folders


def token_counter(collection: Collection) -> tuple[TokenCounter, int | None]:
    """A counter of the collection encoder's tokens (special tokens excluded) and its
    token limit; whitespace words and no limit for encoders without a tokenizer."""
    enc = collection.encoder
    tokenizer = getattr(enc, "tokenizer", None)
    limit = getattr(enc, "max_length", None)
    if tokenizer is None or not hasattr(tokenizer, "encode_batch"):
        return word_count, None

    # Counts stop one past the limit (more is never needed: a longer sentence is split), so
    # the work per sentence is bounded; sentences go through in batches, so memory is too.
    counter = copy.copy(tokenizer)
    if limit:
        counter.enable_truncation(int(limit) + 1)

    def count(texts: list[str]) -> list[int]:
        # [CLS] and [SEP] are added once per chunk, not per sentence.
        out: list[int] = []
        for i in range(0, len(texts), COUNT_BATCH):
            out += [max(len(e.ids) - 2, 0) for e in counter.encode_batch(texts[i:i + COUNT_BATCH])]
        return out
    return count, (int(limit) - 2 if limit else None)


def _stored_files(collection: Collection) -> dict[str, str]:
    """path -> file_sha256 of every ingested file in the collection."""
    out: dict[str, str] = {}
    for doc in collection.get(where={"chunk": 0}):
        path, sha = doc.metadata.get("path"), doc.metadata.get("file_sha256")
        if isinstance(path, str) and isinstance(sha, str):
            out[path] = sha
    return out


def _file_chunks(path: Path, data: bytes, sha: str, max_tokens: int, overlap: int,
                 count: TokenCounter, text_field: str) -> tuple[list[str], dict[str, list[Any]]]:
    key = hashlib.sha256(str(path).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    ids: list[str] = []
    rows: dict[str, list[Any]] = {"texts": [], "metadatas": [], "offsets": []}
    for doc in read_document(path, data, text_field):
        clashes = [k for k in RESERVED_KEYS if k in doc.metadata]
        if clashes:
            log.warning("%s: fields %s are reserved and were replaced", path, clashes)
        for chunk in chunk_text(doc.text, max_tokens, overlap, count):
            meta = {**doc.metadata, "path": str(path), "chunk": len(ids), "file_sha256": sha}
            if doc.page_starts:
                meta["page"] = bisect.bisect_right(doc.page_starts, chunk.start)
            ids.append(f"{key}-{len(ids):05d}")
            rows["texts"].append(chunk.text)
            rows["metadatas"].append(meta)
            rows["offsets"].append((chunk.start, chunk.end))
    return ids, rows


def _sync_file(collection: Collection, path: Path, stored: dict[str, str], max_tokens: int,
               overlap: int, count: TokenCounter, text_field: str,
               report: IngestReport) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"{path} cannot be read: {exc.strerror or exc}") from None
    sha = hashlib.sha256(data).hexdigest()
    name = str(path)
    stale = {"$and": [{"path": name}, {"file_sha256": {"$ne": sha}}]}
    if stored.get(name) == sha and not collection.count(where=stale):
        report.unchanged.append(name)
        return
    ids, rows = _file_chunks(path, data, sha, max_tokens, overlap, count, text_field)
    # One transaction swaps the file's old chunks (source = its path) for the new ones;
    # texts stored already, such as unchanged passages, are not encoded again.
    report.chunks_removed += collection.replace_source(name, ids=ids, **rows)
    (report.updated if name in stored else report.added).append(name)
    report.chunks_added += len(ids)


@contextmanager
def _progress_bar(total: int, enabled: bool) -> Iterator[Callable[[str], None]]:
    if not enabled:
        yield lambda name: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("indexing", total=total)
        yield lambda name: bar.update(task, advance=1, description=Path(name).name[:30])


def ingest(collection: Collection, paths: Iterable[str | Path], chunk_tokens: int = 200,
           overlap_sentences: int = 1, progress: bool | None = None,
           text_field: str = "text") -> IngestReport:
    """Add or update the files in ``paths`` (files or folders, recursive; hidden skipped).

    ``chunk_tokens`` is capped at the encoder's limit (all-MiniLM-L6-v2: 254 without its
    special tokens). Unreadable files are skipped with a warning and listed in
    ``report.skipped``; chunks of files no longer present under an ingested folder are
    removed. ``progress=True`` shows a rich progress bar on stderr.
    """
    check_positive("chunk_tokens", chunk_tokens)
    unreadable: list[Path] = []
    files, folders = discover(paths, unreadable)
    count, limit = token_counter(collection)
    max_tokens = min(chunk_tokens, limit) if limit else chunk_tokens
    report = IngestReport()
    # One ingest at a time per collection: a second one waits, then finds the files the
    # first one stored unchanged instead of embedding them again.
    with _ingest_lock(collection):
        stored = _stored_files(collection)
        with _progress_bar(len(files), bool(progress)) as tick:
            for path in files:
                try:
                    _sync_file(collection, path, stored, max_tokens, overlap_sentences,
                               count, text_field, report)
                except UnreadableFileError as exc:
                    log.warning("skipping %s", exc)
                    report.skipped.append((str(path), str(exc)))
                tick(str(path))
        present = {str(p) for p in files}
        for name in sorted(stored):
            inside = any(Path(name).is_relative_to(f) for f in folders)
            unread = any(Path(name).is_relative_to(u) for u in unreadable)  # unlisted
            if inside and not unread and name not in present:
                report.chunks_removed += collection.delete(where={"path": name})
                report.removed.append(name)
    return report


@contextmanager
def _ingest_lock(collection: Collection) -> Iterator[None]:
    """The collection's ingest lock (a file beside its write lock, which single writes
    take, so readers and other writers are not held up for a whole ingest)."""
    def waiting() -> None:
        log.warning("another ingest is updating %s; waiting for it to finish",
                    collection.path)
    try:
        with write_lock(collection.path / INGEST_LOCK_NAME, on_wait=waiting):
            yield
    except FileNotFoundError as exc:
        if (collection.path / DB_NAME).is_file():
            raise
        raise CollectionNotFoundError(
            f"collection {collection.path} was dropped during the ingest") from exc
