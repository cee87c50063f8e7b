"""Ollama-compatible routes: ``/api/embed``, the older ``/api/embeddings`` and ``/api/tags``."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from embedlab.serve.embedding import embed_texts, json_response
from embedlab.serve.schemas import OllamaEmbeddingsRequest, OllamaEmbedRequest

router = APIRouter(tags=["ollama"])


@router.post("/api/embed")
async def embed(body: OllamaEmbedRequest, request: Request) -> Response:
    """L2-normalized vectors; ``truncate=false`` refuses a text over the model's limit (400)."""
    start = time.perf_counter_ns()
    texts = [body.input] if isinstance(body.input, str) else list(body.input)
    state = request.app.state
    result = await embed_texts(state.pool, body.model, texts, state.limits,
                               dimensions=body.dimensions, truncate=body.truncate,
                               normalize=True)
    return json_response({"model": body.model, "embeddings": result.vectors.tolist(),
                          "total_duration": time.perf_counter_ns() - start,
                          "load_duration": int(result.load_seconds * 1e9),
                          "prompt_eval_count": sum(result.tokens)})


@router.post("/api/embeddings")
async def embeddings(body: OllamaEmbeddingsRequest, request: Request) -> Response:
    """One prompt's vector (the model's own normalization), Ollama's older endpoint."""
    state = request.app.state
    result = await embed_texts(state.pool, body.model, [body.prompt], state.limits)
    return json_response({"embedding": result.vectors[0].tolist()})


@router.get("/api/tags")
async def tags(request: Request) -> dict[str, Any]:
    """Pulled sentence encoders in Ollama's ``/api/tags`` shape (``NAME:latest``)."""
    from embedlab.models.store import MANIFEST, list_models

    known = set(request.app.state.pool.known())
    rows = []
    for info in list_models():
        if not info.pulled or info.name not in known or info.path is None:
            continue
        manifest = info.path / MANIFEST
        stamp_file = manifest if manifest.is_file() else info.path
        digest = (hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.is_file()
                  else hashlib.sha256(info.name.encode()).hexdigest())
        modified = datetime.fromtimestamp(stamp_file.stat().st_mtime, UTC).isoformat()
        rows.append({
            "name": f"{info.name}:latest", "model": f"{info.name}:latest",
            "modified_at": modified, "size": info.size_bytes or 0, "digest": digest,
            "details": {"parent_model": "", "format": "safetensors",
                        "family": info.architecture, "families": [info.architecture],
                        "parameter_size": "", "quantization_level": "F32"},
        })
    return {"models": rows}
