"""The FastAPI app of ``embedlab serve``: :func:`create_app` loads the served model."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from embedlab.serve.extra import require_serve_extra

try:
    from fastapi import FastAPI, Request
except ImportError:  # pragma: no cover - tested by installing without the extra
    require_serve_extra()  # raises, with the pip command
    raise

from embedlab import __version__
from embedlab.encoders.base import Encoder
from embedlab.models.registry import DEFAULT_MODEL
from embedlab.serve import collections_api, ollama_api, openai_api
from embedlab.serve.embedding import Limits
from embedlab.serve.errors import install_error_handlers
from embedlab.serve.guards import DEFAULT_MAX_BODY_BYTES, RequestGuards, allowed_hosts_for
from embedlab.serve.pool import ModelPool


def create_app(model: str | Path = DEFAULT_MODEL, *, backend: str = "onnx",
               quantize: str | None = None, cache: bool = True, threads: int | None = None, max_batch: int = 2048,
               max_text_chars: int = 50_000, max_loaded: int = 2,
               batch_window_ms: float = 3.0, max_batch_texts: int = 256,
               collections_root: str | Path | None = None,
               allowed_hosts: Iterable[str] | None = None,
               max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
               bind_host: str | None = None) -> FastAPI:
    """The HTTP API serving ``model`` (loaded now; errors such as an unpulled model raise).

    ``threads`` is ONNX Runtime's thread count per model (default: one per core, up to 8).
    ``max_batch`` and ``max_text_chars`` are the per-request limits (413 beyond them);
    other pulled models load on first request, ``max_loaded`` of them kept (LRU);
    concurrent requests are gathered for ``batch_window_ms`` up to ``max_batch_texts`` texts
    into one ``encode`` call. Collections (``/v1/collections``) live in ``collections_root``
    (default ``<EMBEDLAB_HOME>/collections``).

    ``bind_host`` is the address the server listens on: when it is loopback, only loopback
    ``Host`` names and ``allowed_hosts`` are answered (421 otherwise; ``"*"`` allows any);
    on another address (or None) only ``allowed_hosts`` plus loopback names when given, else
    no check. Bodies over ``max_body_bytes`` get 413 (None: no cap).
    See :mod:`embedlab.serve.guards`.

    Example:
        >>> app = create_app("all-MiniLM-L6-v2", cache=False)     # doctest: +SKIP
        >>> # uvicorn.run(app, host="127.0.0.1", port=11435)
    """
    if max_batch < 1 or max_text_chars < 1:
        raise ValueError(f"max_batch and max_text_chars must be positive, got {max_batch} "
                         f"and {max_text_chars}")

    def load(name: str) -> Encoder:
        from embedlab.encoders import load_encoder

        return load_encoder(name, backend=backend, quantize=quantize, cache=cache,
                            threads=threads)

    pool = ModelPool(str(model), load, max_loaded=max_loaded,
                     window_s=batch_window_ms / 1000, max_batch_texts=max_batch_texts)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        collections.close()
        await pool.aclose()

    app = FastAPI(title="embedlab", version=__version__, lifespan=lifespan,
                  description="Local text embeddings: OpenAI- and Ollama-compatible API.")
    app.state.pool = pool
    app.state.limits = Limits(max_inputs=max_batch, max_text_chars=max_text_chars)
    if collections_root is None:
        from embedlab import paths

        collections_root = paths.home() / "collections"
    collections = collections_api.Collections(collections_root, pool, app.state.limits)
    app.state.collections = collections
    app.state.started = time.time()
    install_error_handlers(app)
    app.add_middleware(RequestGuards,
                       allowed_hosts=allowed_hosts_for(bind_host, allowed_hosts or ()),
                       max_body_bytes=max_body_bytes)
    app.include_router(openai_api.router)
    app.include_router(ollama_api.router)
    app.include_router(collections_api.router)

    @app.get("/health", tags=["server"])
    async def health(request: Request) -> dict[str, Any]:
        """Liveness and what is loaded."""
        served = pool.served
        return {"status": "ok", "version": __version__, "model": served.name,
                "dimension": served.encoder.dimension, "max_tokens": served.encoder.max_length,
                "loaded": pool.loaded(),
                "limits": {"max_inputs": max_batch, "max_text_chars": max_text_chars,
                           "max_body_bytes": max_body_bytes}}

    return app
