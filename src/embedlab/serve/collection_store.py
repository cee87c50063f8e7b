"""The server's side of the store: collections under one root, opened in store threads,
with encoders that embed through the server's model pool; store errors as HTTP errors."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from embedlab.encoders.base import Encoder
from embedlab.serve.collection_schemas import (
    CONFLICT,
    NAME_RE,
    CollectionOut,
)
from embedlab.serve.embedding import Limits, embed_texts
from embedlab.serve.errors import APIError
from embedlab.serve.pool import LoadedModel, ModelPool
from embedlab.store import (
    Collection,
    CollectionError,
    CollectionExistsError,
    CollectionNotFoundError,
    CorruptCollectionError,
    DuplicateIdError,
    FormatVersionError,
    ModelMismatchError,
)
from embedlab.store.binding import (
    DEFAULT_PRECISION,
    Binding,
    EncoderIdentity,
    check_binding,
    vector_precision,
)
from embedlab.store.filters import InvalidWhereError, compile_where
from embedlab.store.schema import DB_NAME

# --------------------------------------------------------------------------- encoder bridge

class PoolEncoder(Encoder):
    """The store's encoder in the server: ``encode`` (called in a store thread) embeds
    through the server's model pool and batcher on the event loop, so collection writes and
    queries share batches with the embedding endpoints.

    ``prime(text, vector)`` keeps a vector computed already (a search query) so the store's
    own ``encode([query])`` does not embed it twice.
    """

    def __init__(self, pool: ModelPool, model: LoadedModel, limits: Limits,
                 loop: asyncio.AbstractEventLoop) -> None:
        self.pool = pool
        self.model_name = model.name
        self.name = model.encoder.name
        self.fingerprint = model.encoder.fingerprint
        self.precision = vector_precision(model.encoder)  # float32, or int8 (--quantize)
        self.dimension = model.encoder.dimension
        self.max_length = model.encoder.max_length
        self.normalize_default = model.encoder.normalize_default
        self.limits = limits
        self.loop = loop
        self._ready: OrderedDict[str, np.ndarray] = OrderedDict()
        self._ready_lock = threading.Lock()

    def prime(self, text: str, vector: np.ndarray) -> None:
        with self._ready_lock:
            self._ready[text] = vector
            self._ready.move_to_end(text)
            while len(self._ready) > 64:
                self._ready.popitem(last=False)

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        """Raw (un-normalized) vectors through the pool, as the Encoder interface defines."""
        future = asyncio.run_coroutine_threadsafe(
            embed_texts(self.pool, self.model_name, texts, self.limits, normalize=False),
            self.loop)
        return future.result().vectors

    def encode(self, texts: Sequence[str] | str, *args: Any, **kwargs: Any) -> np.ndarray:
        """The served model's vectors (normalized as it normalizes) for ``texts``; the
        store calls it with defaults only, so the arguments past ``texts`` are ignored."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        with self._ready_lock:
            ready = [self._ready.get(t) for t in texts]
        if texts and all(v is not None for v in ready):
            return np.stack([v for v in ready if v is not None])
        future = asyncio.run_coroutine_threadsafe(
            embed_texts(self.pool, self.model_name, texts, self.limits), self.loop)
        return future.result().vectors

T = TypeVar("T")


# --------------------------------------------------------------------------- the manager

class Collections:
    """The collections under ``root`` as the server sees them (one per app)."""

    def __init__(self, root: str | Path, pool: ModelPool, limits: Limits,
                 threads: int = 8) -> None:
        self.root = Path(root).expanduser()
        self.pool = pool
        self.limits = limits
        self._executor = ThreadPoolExecutor(max_workers=threads,
                                            thread_name_prefix="embedlab-store")
        self._create_lock = asyncio.Lock()
        # name -> (db file identity, open collection, its encoder) for searches, which
        # keep their vectors in memory between requests.
        self._search: dict[str, tuple[tuple[int, int], Collection, PoolEncoder]] = {}
        self._search_lock = threading.Lock()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` in a store thread; CollectionError becomes an APIError."""
        loop = asyncio.get_running_loop()
        call = functools.partial(fn, *args, **kwargs)
        try:
            return await loop.run_in_executor(self._executor, call)
        except CollectionError as exc:
            raise store_error(exc) from exc

    def close(self) -> None:
        with self._search_lock:
            for _, col, _ in self._search.values():
                col.close()
            self._search.clear()
        self._executor.shutdown(wait=False)

    # -- names and models

    def path(self, name: str, *, must_exist: bool = True) -> Path:
        check_name(name)
        path = self.root / name
        if must_exist and not (path / DB_NAME).is_file():
            raise APIError(404, f"collection {name!r} not found; create it with POST "
                                "/v1/collections", param="name", code="collection_not_found")
        return path

    async def model_for(self, name: str, model_name: str, fingerprint: str,
                        precision: str = DEFAULT_PRECISION) -> LoadedModel:
        """The loaded model a collection was built with, or 409 naming it."""
        try:
            model, _ = await self.pool.get(model_name)
        except APIError as exc:
            raise APIError(409, f"collection {name!r} was built with model {model_name!r}, "
                                f"which this server cannot load ({exc.message})",
                           type=CONFLICT, param="name", code="model_mismatch") from exc
        stored = Binding(repr(name), model_name, fingerprint, precision, 0, 0)
        try:
            check_binding(stored, EncoderIdentity.of(model.encoder))
        except ModelMismatchError as exc:
            raise store_error(exc) from exc
        return model

    async def encoder_for(self, name: str, path: Path, adopt: bool = True) -> PoolEncoder | None:
        """A :class:`PoolEncoder` for the collection's model. An empty collection without a
        model adopts the served one when ``adopt`` (a write), else this gives None."""
        meta = await self.run(_read_meta, path)
        model_name, fingerprint, precision, count = meta
        if not model_name:
            if count:  # no encoder can embed for it: the binding check says why
                check = Binding(repr(name), "", "", precision, 0, count)
                try:
                    check_binding(check, EncoderIdentity.of(self.pool.served.encoder))
                except ModelMismatchError as exc:
                    raise store_error(exc) from exc
            if not adopt:
                return None
            model_name = self.pool.served.name
        model = await self.model_for(name, model_name, fingerprint, precision)
        return PoolEncoder(self.pool, model, self.limits, asyncio.get_running_loop())

    def searchable(self, name: str, path: Path,
                   encoder: PoolEncoder) -> tuple[Collection, PoolEncoder]:
        """The cached open collection for searches and its encoder (reopened when the
        collection's file was replaced, e.g. dropped and created again)."""
        try:
            st = os.stat(path / DB_NAME)
        except FileNotFoundError:
            raise APIError(404, f"collection {name!r} not found", param="name",
                           code="collection_not_found") from None
        ident = (st.st_dev, st.st_ino)
        with self._search_lock:
            cached = self._search.get(name)
            if cached is not None and cached[0] == ident and (
                    cached[2].fingerprint == encoder.fingerprint
                    and cached[2].precision == encoder.precision):
                cached[2].loop = encoder.loop
                return cached[1], cached[2]
            col = Collection.open(path, encoder=encoder)
            self._search[name] = (ident, col, encoder)
            # a replaced entry is closed by garbage collection, once no search uses it
            return col, encoder

    def forget(self, name: str) -> None:
        with self._search_lock:
            self._search.pop(name, None)


def _read_meta(path: Path) -> tuple[str, str, str, int]:
    with Collection.open(path) as col:
        return col.model_name, col.fingerprint, col.precision, col.count()


def _info(name: str, path: Path) -> CollectionOut:
    with Collection.open(path) as col:
        return CollectionOut(name=name, count=col.count(), model=col.model_name or None,
                             dimension=col.dimension, metric=col.metric)


def check_name(name: str) -> None:
    if not NAME_RE.fullmatch(name) or name.startswith("."):
        raise APIError(422, f"invalid collection name {name[:80]!r}: use 1 to 64 letters, "
                            "digits, '_', '-' or '.', not starting with '.'", param="name",
                       code="invalid_name")


def check_where(where: dict[str, Any] | None) -> None:
    try:
        compile_where(where)
    except CollectionError as exc:
        raise APIError(422, str(exc), param="where", code="invalid_where") from exc


_ABS_PATH = re.compile(r"(?<![\w.])/(?:[^\s'\"():;,/]+/)*([^\s'\"():;,/]+)")


#: Store error types and their HTTP status, parameter and code (first match wins; any other
#: CollectionError is a 422).
_STATUSES: dict[type[CollectionError], tuple[int, str, str]] = {
    DuplicateIdError: (409, "documents", "duplicate_id"),
    ModelMismatchError: (409, "name", "model_mismatch"),
    CollectionNotFoundError: (404, "name", "collection_not_found"),
    CollectionExistsError: (409, "name", "collection_exists"),
    CorruptCollectionError: (409, "name", "collection_corrupt"),
    FormatVersionError: (409, "name", "unsupported_format"),
    InvalidWhereError: (422, "where", "invalid_where"),
}


def store_error(exc: CollectionError) -> APIError:
    """The HTTP form of a store error, by its type: 404 no such collection, 409 for
    conflicts (exists, duplicate id, model mismatch, unreadable format), else 422.

    The server's own folders are not the client's business: an absolute path in a store
    message is cut to its last part (the collection's name)."""
    message = _ABS_PATH.sub(r"\1", str(exc))
    for kind, (status, param, code) in _STATUSES.items():
        if isinstance(exc, kind):
            return APIError(status, message, type=CONFLICT if status == 409 else None,
                            param=param, code=code)
    return APIError(422, message)
