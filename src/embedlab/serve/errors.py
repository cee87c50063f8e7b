"""JSON errors of the HTTP API: one shape, ``{"error": {"message", "type", ...}}``, for every 4xx/5xx."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

_TYPES = {400: "invalid_request_error", 404: "not_found_error", 405: "invalid_request_error",
          413: "request_too_large", 421: "misdirected_request", 422: "invalid_request_error",
          500: "server_error",
          503: "server_error"}


class APIError(Exception):
    """An error answered as ``{"error": {...}}`` with an HTTP status code."""

    def __init__(self, status: int, message: str, *, type: str | None = None,
                 param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type or _TYPES.get(status, "invalid_request_error")
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param,
                          "code": self.code}}


def error_response(exc: APIError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    # pydantic names union members ("str", "list[str]") in the location; drop them.
    parts = [p for p in parts if not (p.startswith(("list[", "str", "int")) or p in ("none",))]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    """Route validation, HTTP and unexpected errors into the one JSON error shape."""

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            detail = next(e for e in errors if e.get("type") == "json_invalid")
            reason = (detail.get("ctx") or {}).get("error", "invalid JSON")
            return error_response(APIError(400, f"request body is not valid JSON: {reason}"))
        seen: dict[str, str] = {}
        for e in errors:
            where = _location(tuple(e.get("loc", ())))
            if e.get("type") == "extra_forbidden":
                msg = f"unknown field {where!r}"
            elif e.get("type") == "missing":
                msg = f"{where!r} is required"
            elif where.split(".")[0] in ("input", "prompt"):
                msg = (f"{where!r} must be a string or a list of strings, got "
                       f"{type(e.get('input')).__name__} {str(e.get('input'))[:40]!r}")
            else:
                msg = f"{where}: {e.get('msg')}"
            seen.setdefault(where, msg)
        first = next(iter(seen))
        return error_response(APIError(422, "; ".join(seen.values()), param=first))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(APIError(exc.status_code, str(exc.detail)))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(APIError(500, f"internal error: {type(exc).__name__}: {exc}"))
