"""The `serve` extra: what ``embedlab serve`` needs beyond embedlab's core install."""

from __future__ import annotations

from embedlab.errors import require

#: The modules of the `serve` extra and the pip requirement of each.
SERVE_MODULES = {"fastapi": "fastapi", "uvicorn": "uvicorn", "orjson": "orjson"}


def require_serve_extra() -> None:
    """Raise :class:`~embedlab.errors.MissingDependencyError` with the pip command unless
    the `serve` extra (FastAPI, uvicorn, orjson) is installed."""
    for module, requirement in SERVE_MODULES.items():
        require(module, requirement, "embedlab serve", "serve")
