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
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request

from embedlab.serve.collection_schemas import (
    CONFLICT,
    NAME_RE,
    AddDocumentsRequest,
    AddedOut,
    CollectionList,
    CollectionOut,
    CreateCollectionRequest,
    DeleteDocumentsRequest,
    DeletedOut,
    DroppedOut,
    HitOut,
    SearchOut,
    SearchRequest,
    SkippedOut,
    _errors,
)
from embedlab.serve.collection_store import (  # noqa: F401  (store_error, Collections: used by callers)
    _ABS_PATH,
    Collections,
    PoolEncoder,
    _info,
    check_name,
    check_where,
    store_error,
)
from embedlab.serve.embedding import embed_texts
from embedlab.serve.errors import APIError
from embedlab.store import (
    Collection,
    drop,
    list_collections,
)

router = APIRouter(tags=["collections"])


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
