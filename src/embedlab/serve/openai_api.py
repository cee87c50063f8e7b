"""OpenAI-compatible routes: ``POST /v1/embeddings`` and ``GET /v1/models``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from embedlab.serve.embedding import embed_texts, json_response, to_base64
from embedlab.serve.errors import APIError
from embedlab.serve.schemas import OpenAIEmbeddingRequest

router = APIRouter(tags=["openai"])

@router.post("/v1/embeddings")
async def create_embeddings(body: OpenAIEmbeddingRequest, request: Request) -> Response:
    """Embeddings in OpenAI's response shape (``float`` lists or base64 little-endian float32)."""
    raw = body.input
    if isinstance(raw, str):
        texts = [raw]
    elif raw and not all(isinstance(x, str) for x in raw):
        raise APIError(422, "token-id inputs are not supported by this server; send the text "
                            "(a string or a list of strings)", param="input",
                       code="unsupported_input")
    else:
        texts = [str(x) for x in raw]
    state = request.app.state
    result = await embed_texts(state.pool, body.model, texts, state.limits,
                               dimensions=body.dimensions)
    data = [{"object": "embedding", "index": i,
             "embedding": to_base64(v) if body.encoding_format == "base64" else v.tolist()}
            for i, v in enumerate(result.vectors)]
    tokens = sum(result.tokens)
    return json_response({"object": "list", "data": data, "model": result.model.name,
                          "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

@router.get("/v1/models")
async def list_models(request: Request) -> dict[str, Any]:
    """The models this server answers for, in OpenAI's list shape."""
    created = int(request.app.state.started)
    return {"object": "list", "data": [
        {"id": name, "object": "model", "created": created, "owned_by": "embedlab"}
        for name in request.app.state.pool.known()]}

