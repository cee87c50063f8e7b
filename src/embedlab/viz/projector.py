"""The embedding projector: one self-contained HTML page, written to a file or served.

The page holds the original vectors (float32, base64) and the projections computed here,
and draws them with its own WebGL code (a canvas 2-D fallback where WebGL is missing): pan,
zoom and rotate, search, colour by a metadata field, click a point to list its nearest
neighbours computed in the original space (cosine or Euclidean).  Nothing is fetched from
the internet, so a written page works offline.  When served, the page asks the server for
projections it does not hold yet and shows their progress.

Example:
    >>> from embedlab.static import WordVectors                            # doctest: +SKIP
    >>> from embedlab.viz.projection import words_points                   # doctest: +SKIP
    >>> pts = words_points(WordVectors.load("glove-6b-50d", limit=20000),  # doctest: +SKIP
    ...                    name="glove-6b-50d")
    >>> write_page(pts, "glove.html")                                      # doctest: +SKIP
"""

from __future__ import annotations

import base64
import errno
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np

from embedlab.errors import EmbedlabError
from embedlab.viz.projection import (
    METHOD_NAMES,
    METHODS,
    Points,
    Progress,
    ProjectionError,
    min_points,
    project,
    umap_available,
)

log = logging.getLogger(__name__)


class ProjectorError(EmbedlabError):
    """The projector cannot start or write its page; the message says what to do."""


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def _asset(name: str) -> str:
    return (resources.files("embedlab.viz") / "static" / name).read_text(encoding="utf-8")


def _json_value(v: Any) -> Any:
    if isinstance(v, bool | int | float | str) or v is None:
        if isinstance(v, float) and not np.isfinite(v):
            return None
        return v
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def _check_method(method: str, points: Points, perplexity: float, n_neighbors: int) -> None:
    if method == "umap" and not umap_available():
        raise ProjectionError("UMAP needs the umap-learn package; install it with "
                              "`pip install 'embedlab[viz]'` or leave umap out of --methods")
    need = min_points(method, perplexity, n_neighbors)
    if len(points) < need:
        raise ProjectionError(
            f"{METHOD_NAMES[method]} needs at least {need} points here, got {len(points)}; "
            "give more points" + (", or lower --perplexity" if method == "tsne" else
                                  ", or lower --neighbors" if method == "umap" else ""))


class Projector:
    """Points and their projections, computed once each and kept.

    ``methods``/``dims`` are computed up front (with ``progress``); others on request.
    """

    def __init__(self, points: Points, *, perplexity: float = 30.0, n_neighbors: int = 15,
                 seed: int = 0, title: str | None = None, color_by: str | None = None) -> None:
        if len(points) < 3:
            raise ProjectionError(f"the projector needs at least 3 points, got {len(points)}")
        if color_by and color_by not in points.metadata:
            raise ProjectionError(f"no metadata field {color_by!r} to colour by; fields: "
                                  f"{', '.join(points.fields) or '(none)'}")
        self.points = points
        self.perplexity = perplexity
        self.n_neighbors = n_neighbors
        self.seed = seed
        self.title = title or f"Projector: {points.source}"
        self.color_by = color_by
        self.projections: dict[str, tuple[np.ndarray, str]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def compute(self, method: str, dim: int, progress: Progress | None = None
                ) -> tuple[np.ndarray, str]:
        """The coordinates (n, dim) and description of one projection (cached)."""
        key = f"{method}-{dim}"
        if key not in self.projections:
            _check_method(method, self.points, self.perplexity, self.n_neighbors)
            p = project(self.points.vectors, method, dim, perplexity=self.perplexity,
                        n_neighbors=self.n_neighbors, seed=self.seed,
                        labels=self.points.labels, progress=progress)
            self.projections[key] = (p.coords, p.description)
        return self.projections[key]

    def methods(self) -> list[str]:
        return [m for m in METHODS if m != "umap" or umap_available()]

    def page(self, served: bool = False) -> str:
        """The page as one HTML string, with every projection computed so far."""
        if not self.projections:
            self.compute("pca", 2)
        pts = self.points
        data = {
            "title": self.title,
            "source": pts.source,
            "labels": pts.labels,
            "fields": {k: [_json_value(v) for v in vs] for k, vs in pts.metadata.items()},
            "dim": int(pts.vectors.shape[1]),
            "vectors": _b64(pts.vectors),
            "projections": {k: {"coords": _b64(c), "description": d}
                            for k, (c, d) in self.projections.items()},
            "methods": self.methods() if served else
            [m for m in METHODS if any(k.startswith(m + "-") for k in self.projections)],
            "initial": next(iter(self.projections)),
            "served": served,
            "colorBy": self.color_by or "",
        }
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        text = text.replace("<", "\\u003c")  # no "</script>" or "<!--" inside the data
        html = _asset("projector.html")
        escaped_title = (self.title.replace("&", "&amp;").replace("<", "&lt;")
                         .replace(">", "&gt;"))
        # the data goes last: nothing inside it can be taken for a placeholder
        return (html.replace("__TITLE__", escaped_title)
                .replace("__CSS__", _asset("projector.css"))
                .replace("__JS__", _asset("projector.js"))
                .replace("__DATA__", text))

    def job(self, method: str, dim: int) -> dict[str, Any]:
        """The state of a projection computed in the background (started on first ask)."""
        key = f"{method}-{dim}"
        with self._lock:
            if key in self.projections:
                coords, desc = self.projections[key]
                return {"state": "done", "coords": _b64(coords), "description": desc}
            job = self.jobs.get(key)
            if job is None or job["state"] == "error":
                job = {"state": "running", "stage": METHOD_NAMES.get(method, method),
                       "fraction": 0.0}
                self.jobs[key] = job

                def report(stage: str, fraction: float) -> None:
                    job.update(stage=stage, fraction=fraction)

                def run() -> None:
                    try:
                        self.compute(method, dim, report)
                        job["state"] = "done"
                    except Exception as exc:  # shown in the page
                        job.update(state="error", error=str(exc))

                threading.Thread(target=run, daemon=True).start()
            return {k: v for k, v in job.items() if k != "coords"}


def build_page(points: Points, *, methods: Sequence[str] = ("pca",),
               dims: Sequence[int] = (2, 3), progress: Progress | None = None,
               served: bool = False, **kwargs: Any) -> str:
    """The projector page for ``points`` holding the projections ``methods`` x ``dims``.

    Example:
        >>> pts = Points(np.random.default_rng(0).normal(size=(50, 8)).astype(np.float32),
        ...              [f"p{i}" for i in range(50)])
        >>> html = build_page(pts)
        >>> html.startswith("<!DOCTYPE html>"), "http://" in html or "https://" in html
        (True, False)
    """
    proj = Projector(points, **kwargs)
    compute_all(proj, methods, dims, progress)
    return proj.page(served=served)


def compute_all(proj: Projector, methods: Sequence[str], dims: Sequence[int],
                progress: Progress | None = None) -> None:
    """Check every method first (so a bad one fails fast), then compute each projection."""
    methods = [m.lower().replace("-", "") for m in methods]
    for m in methods:
        if m not in METHODS:
            raise ProjectionError(f"unknown projection {m!r}; choose from {', '.join(METHODS)}")
        _check_method(m, proj.points, proj.perplexity, proj.n_neighbors)
    for d in dims:
        if d not in (2, 3):
            raise ProjectionError(f"projections go to 2 or 3 dimensions, not {d}")
    for m in methods:
        for d in dims:
            proj.compute(m, d, progress)


def write_page(points: Points, out: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write the standalone page (works offline, opened from disk) and return its path."""
    path = Path(out)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ProjectorError(f"the page must be written to a .html file, not {path.name}")
    html = build_page(points, **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


class _Handler(BaseHTTPRequestHandler):
    projector: Projector
    page: bytes

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _send(self, code: int, body: bytes, kind: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path in ("/", "/index.html"):
            self._send(200, self.page, "text/html; charset=utf-8")
        elif url.path == "/api/project":
            q = parse_qs(url.query)
            method = q.get("method", ["pca"])[0]
            try:
                dim = int(q.get("dim", ["2"])[0])
                if method not in METHODS or dim not in (2, 3):
                    raise ValueError
            except ValueError:
                self._send(400, b'{"state":"error","error":"bad method or dim"}',
                           "application/json")
                return
            body = json.dumps(self.projector.job(method, dim)).encode()
            self._send(200, body, "application/json")
        elif url.path == "/healthz":
            self._send(200, b"ok", "text/plain")
        else:
            self._send(404, b"not found", "text/plain")


def make_server(projector: Projector, port: int = 8000, host: str = "127.0.0.1"
                ) -> ThreadingHTTPServer:
    """An HTTP server for the projector page (call ``serve_forever()``); port 0 picks one."""
    handler = type("ProjectorHandler", (_Handler,), {
        "projector": projector, "page": projector.page(served=True).encode("utf-8")})
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise ProjectorError(
                f"port {port} on {host} is already in use (or not allowed); pick another "
                f"with --port {port + 1 if port else 8001}, or --port 0 for any free one"
            ) from None
        raise
    server.daemon_threads = True
    return server


def serve_projector(points: Points, *, port: int = 8000, methods: Sequence[str] = ("pca",),
                    dims: Sequence[int] = (2, 3), progress: Progress | None = None,
                    ready: Callable[[str], None] | None = None, **kwargs: Any) -> None:
    """Serve the projector on 127.0.0.1:``port`` until interrupted; ``ready(url)`` is
    called once it listens."""
    proj = Projector(points, **kwargs)
    compute_all(proj, methods, dims, progress)
    server = make_server(proj, port)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    if ready:
        ready(url)
    try:
        server.serve_forever()
    finally:
        server.server_close()
