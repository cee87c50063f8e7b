"""Collection routes: persistent, searchable document collections under one root folder.

``GET/POST /v1/collections``, ``GET/DELETE /v1/collections/{name}``,
``POST /v1/collections/{name}/documents`` (add or upsert), ``/delete`` and ``/search``.
A collection ``NAME`` is the folder ``ROOT/NAME`` (:mod:`embedlab.store`); names are
``[A-Za-z0-9_.-]{1,64}`` not starting with ``.`` (422 otherwise, so no path escapes ROOT).

Texts are embedded by the server's own loaded models through their shared batchers
(:mod:`embedlab.serve.batcher`), so concurrent writes and searches batch with each other and
with ``/v1/embeddings`` requests. Store calls run in a small thread pool of their own; the
store's encoder is a :class:`PoolEncoder` that hands texts back to the event loop's batcher.

Statuses: 404 unknown collection (or model at create); 409 the collection exists (create), an
id exists (add without ``upsert``), the collection was built with a model this server
cannot load or whose weights or precision differ (the message names the model), or its
file is of a format this embedlab cannot read; 413 more documents than ``--max-batch`` or a
text longer than ``--max-text-chars``; 422 bad names, bad ``where`` filters (the store's
message), wrong types, unknown fields. Store errors map to statuses by their type
(:mod:`embedlab.store.errors`), never by their message.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr, field_validator

from embedlab.encoders.base import Encoder
from embedlab.serve.embedding import Limits, embed_texts
from embedlab.serve.errors import APIError
from embedlab.serve.pool import LoadedModel, ModelPool
from embedlab.serve.schemas import _Strict
from embedlab.store import (
    Collection,
    CollectionError,
    CollectionExistsError,
    CollectionNotFoundError,
    CorruptCollectionError,
    DuplicateIdError,
    FormatVersionError,
    ModelMismatchError,
    drop,
    list_collections,
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
from embedlab.store.writes import MAX_METADATA_BYTES, metadata_json

T = TypeVar("T")
NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_K = 1000
Metric = Literal["cosine", "dot", "euclidean", "manhattan"]
Mode = Literal["auto", "exact", "hnsw", "binary"]
CONFLICT = "conflict_error"

router = APIRouter(tags=["collections"])


# --------------------------------------------------------------------------- bodies

class CreateCollectionRequest(_Strict):
    """``POST /v1/collections``."""

    name: StrictStr = Field(description="1-64 of A-Z a-z 0-9 _ . - (not starting with '.')")
    model: StrictStr | None = Field(default=None,
                                    description="Model embedding the texts (default: the "
                                                "served model)")
    metric: Metric = "cosine"


class DocumentIn(_Strict):
    id: StrictStr | None = Field(default=None, min_length=1,
                                 description="Default: a random hex id")
    text: StrictStr
    metadata: dict[str, Any] | None = Field(
        default=None, description=f"At most {MAX_METADATA_BYTES:,} bytes as UTF-8 JSON")
    source: StrictStr | None = None

    @field_validator("metadata")
    @classmethod
    def _metadata_fits(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        metadata_json(value, 0, label="metadata")  # the store's own check: a ValueError
        return value


class AddDocumentsRequest(_Strict):
    """``POST /v1/collections/{name}/documents``."""

    documents: list[DocumentIn]
    upsert: StrictBool = Field(default=False,
                               description="Replace documents whose id exists (else 409)")


class DeleteDocumentsRequest(_Strict):
    """``POST /v1/collections/{name}/delete``: ids and/or a filter (both: intersection)."""

    ids: list[StrictStr] | None = None
    where: dict[str, Any] | None = Field(default=None,
                                         description="Metadata filter; {} matches all")


class SearchRequest(_Strict):
    """``POST /v1/collections/{name}/search``."""

    query: StrictStr
    k: StrictInt = Field(default=10, ge=1, le=MAX_K)
    where: dict[str, Any] | None = None
    hybrid: StrictBool = Field(default=False,
                               description="Fuse with BM25 keyword ranking (RRF score)")
    metric: Metric | None = None
    mode: Mode = "auto"


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class ErrorBody(BaseModel):
    """Every error: ``{"error": {"message", "type", "param", "code"}}``."""

    error: ErrorDetail


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    what = {404: "Unknown collection", 409: "Conflict: exists, duplicate id, or model "
            "mismatch", 413: "Over --max-batch or --max-text-chars",
            422: "Invalid name, body or where filter"}
    return {s: {"model": ErrorBody, "description": what[s]} for s in statuses}


class CollectionOut(BaseModel):
    name: str
    count: int
    model: str | None
    dimension: int
    metric: str


class SkippedOut(BaseModel):
    name: str
    error: str


class CollectionList(BaseModel):
    collections: list[CollectionOut]
    #: collections under the root that could not be read (corrupt, newer format), skipped
    skipped: list[SkippedOut] = []


class AddedOut(BaseModel):
    ids: list[str]


class DeletedOut(BaseModel):
    deleted: int


class DroppedOut(BaseModel):
    name: str
    dropped: bool


class HitOut(BaseModel):
    id: str
    score: float
    text: str | None
    metadata: dict[str, Any]
    source: str | None
    start: int | None
    end: int | None


class SearchOut(BaseModel):
    hits: list[HitOut]


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


def store_error(exc: CollectionError) -> APIError:
    """The HTTP form of a store error, by its type: 404 no such collection, 409 for
    conflicts (exists, duplicate id, model mismatch, unreadable format), else 422.

    The server's own folders are not the client's business: an absolute path in a store
    message is cut to its last part (the collection's name)."""
    message = _ABS_PATH.sub(r"\1", str(exc))
    if isinstance(exc, DuplicateIdError):
        return APIError(409, message, type=CONFLICT, param="documents", code="duplicate_id")
    if isinstance(exc, ModelMismatchError):
        return APIError(409, message, type=CONFLICT, param="name", code="model_mismatch")
    if isinstance(exc, CollectionNotFoundError):
        return APIError(404, message, param="name", code="collection_not_found")
    if isinstance(exc, CollectionExistsError):
        return APIError(409, message, type=CONFLICT, param="name", code="collection_exists")
    if isinstance(exc, CorruptCollectionError):
        return APIError(409, message, type=CONFLICT, param="name", code="collection_corrupt")
    if isinstance(exc, FormatVersionError):
        return APIError(409, message, type=CONFLICT, param="name", code="unsupported_format")
    if isinstance(exc, InvalidWhereError):
        return APIError(422, message, param="where", code="invalid_where")
    return APIError(422, message)


def _manager(request: Request) -> Collections:
    manager: Collections = request.app.state.collections
    return manager


# --------------------------------------------------------------------------- routes

@router.get("/v1/collections", response_model=CollectionList, responses=_errors())
async def list_all(request: Request) -> CollectionList:
    """Every collection under the server's root: name, count, model, dimension, metric;
    ``skipped`` names those that cannot be read (each also gives 409 on its own routes)."""
    manager = _manager(request)
    skipped: list[tuple[str, str]] = []
    infos = await manager.run(list_collections, manager.root, skipped)
    return CollectionList(collections=[
        CollectionOut(name=i.name, count=i.count, model=i.model_name or None,
                      dimension=i.dimension, metric=i.metric)
        for i in infos if NAME_RE.fullmatch(i.name)],
        skipped=[SkippedOut(name=name, error=_ABS_PATH.sub(r"\1", why))
                 for name, why in skipped if NAME_RE.fullmatch(name)])


@router.post("/v1/collections", response_model=CollectionOut, status_code=201,
             responses=_errors(404, 409, 422))
async def create(body: CreateCollectionRequest, request: Request) -> CollectionOut:
    """Create an empty collection embedded by ``model`` (default: the served model)."""
    manager = _manager(request)
    path = manager.path(body.name, must_exist=False)
    model, _ = await manager.pool.get(body.model or manager.pool.served.name)
    encoder = PoolEncoder(manager.pool, model, manager.limits, asyncio.get_running_loop())
    async with manager._create_lock:
        if path.exists():
            raise APIError(409, f"collection {body.name!r} already exists", type=CONFLICT,
                           param="name", code="collection_exists")
        col = await manager.run(Collection.create, path, encoder=encoder, metric=body.metric)
    col.close()
    manager.forget(body.name)
    return await manager.run(_info, body.name, path)


@router.get("/v1/collections/{name}", response_model=CollectionOut,
            responses=_errors(404, 422))
async def info(name: str, request: Request) -> CollectionOut:
    """One collection's name, document count, model, dimension and metric."""
    manager = _manager(request)
    return await manager.run(_info, name, manager.path(name))


@router.delete("/v1/collections/{name}", response_model=DroppedOut,
               responses=_errors(404, 422))
async def drop_collection(name: str, request: Request) -> DroppedOut:
    """Delete the collection and its folder."""
    manager = _manager(request)
    path = manager.path(name)
    manager.forget(name)
    await manager.run(drop, path)
    return DroppedOut(name=name, dropped=True)


@router.post("/v1/collections/{name}/documents", response_model=AddedOut,
             responses=_errors(404, 409, 413, 422))
async def add_documents(name: str, body: AddDocumentsRequest, request: Request) -> AddedOut:
    """Add documents (409 if an id exists) or, with ``upsert``, replace them; the ids."""
    manager = _manager(request)
    path = manager.path(name)
    docs, limits = body.documents, manager.limits
    if not docs:
        raise APIError(422, "'documents' is an empty list; send at least one document",
                       param="documents")
    if len(docs) > limits.max_inputs:
        raise APIError(413, f"too many documents: {len(docs)}; this server takes at most "
                            f"{limits.max_inputs} per request (--max-batch)",
                       param="documents")
    for i, doc in enumerate(docs):
        if doc.text == "":
            raise APIError(422, f"documents[{i}].text is an empty string; every text must "
                                "have at least one character", param="documents")
        if len(doc.text) > limits.max_text_chars:
            raise APIError(413, f"documents[{i}].text has {len(doc.text)} characters; this "
                                f"server takes at most {limits.max_text_chars} per text "
                                "(--max-text-chars)", param="documents")
    encoder = await manager.encoder_for(name, path)
    assert encoder is not None

    def write() -> list[str]:
        with Collection.open(path, encoder=encoder) as col:
            method = col.upsert if body.upsert else col.add
            return method(texts=[d.text for d in docs], ids=[d.id for d in docs],
                          metadatas=[d.metadata for d in docs],
                          sources=[d.source for d in docs])

    return AddedOut(ids=await manager.run(write))


@router.post("/v1/collections/{name}/delete", response_model=DeletedOut,
             responses=_errors(404, 422))
async def delete_documents(name: str, body: DeleteDocumentsRequest,
                           request: Request) -> DeletedOut:
    """Delete documents by ``ids`` and/or ``where`` (``where: {}`` deletes all); the count."""
    manager = _manager(request)
    path = manager.path(name)
    if body.ids is None and body.where is None:
        raise APIError(422, "send 'ids' and/or 'where' (where: {} deletes every document)",
                       param="ids")
    check_where(body.where)

    def delete() -> int:
        with Collection.open(path) as col:
            return col.delete(ids=body.ids, where=body.where)

    return DeletedOut(deleted=await manager.run(delete))


@router.post("/v1/collections/{name}/search", response_model=SearchOut,
             responses=_errors(404, 409, 413, 422))
async def search(name: str, body: SearchRequest, request: Request) -> SearchOut:
    """The ``k`` best documents for ``query``, best first (``score``: similarity for
    cosine/dot, distance for euclidean/manhattan, the fused RRF score with ``hybrid``)."""
    manager = _manager(request)
    path = manager.path(name)
    check_where(body.where)
    if body.query == "":
        raise APIError(422, "'query' is an empty string", param="query")
    if len(body.query) > manager.limits.max_text_chars:
        raise APIError(413, f"query has {len(body.query)} characters; this server takes at "
                            f"most {manager.limits.max_text_chars} per text "
                            "(--max-text-chars)", param="query")
    encoder = await manager.encoder_for(name, path, adopt=False)
    if encoder is None:  # empty and without a model: nothing to find
        return SearchOut(hits=[])
    # Embed here, on the loop, so concurrent searches share batches.
    vector = (await embed_texts(manager.pool, encoder.model_name, [body.query],
                                manager.limits)).vectors[0]

    def run_search() -> list[Any]:
        col, col_encoder = manager.searchable(name, path, encoder)
        if body.hybrid:  # the store embeds the text query itself: hand it this vector
            col_encoder.prime(body.query, vector)
        query: Any = body.query if body.hybrid else vector
        return col.search(query, k=body.k, where=body.where, metric=body.metric,
                          mode=body.mode, hybrid=body.hybrid)

    hits = await manager.run(run_search)
    return SearchOut(hits=[HitOut(**asdict(h)) for h in hits])


_SUFFIXES = {"": ("GET", "DELETE"), "documents": ("POST",), "delete": ("POST",),
             "search": ("POST",)}


@router.api_route("/v1/collections/{rest:path}", include_in_schema=False,
                  methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
async def fallback(rest: str, request: Request) -> None:
    """Paths no route above takes: bad names (422), wrong methods (405), the rest (404)."""
    name, _, suffix = rest.partition("/")
    if not name:
        raise APIError(404, f"no endpoint {request.url.path}")
    check_name(name)
    if "/" in suffix or suffix not in _SUFFIXES:
        raise APIError(404, f"no endpoint {request.url.path}")
    raise APIError(405, f"{request.method} is not allowed on {request.url.path}; use "
                        f"{' or '.join(_SUFFIXES[suffix])}")
