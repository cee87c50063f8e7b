"""``embedlab serve``: the HTTP API (OpenAI- and Ollama-compatible embeddings)."""

from __future__ import annotations

from pathlib import Path

import click

from embedlab.models.registry import DEFAULT_MODEL
from embedlab.serve.guards import DEFAULT_MAX_BODY_BYTES, split_host


def _hosts(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    for host in value:
        if host.strip() != "*" and split_host(host) is None:
            raise click.BadParameter(f"{host!r} is not a host name or address (with an "
                                     "optional :PORT), e.g. myhost.lan or 192.168.1.5:11435")
    return list(value)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 exposes the API to the network).")
@click.option("--port", type=click.IntRange(0, 65535), default=11435, show_default=True)
@click.option("-m", "--model", default=DEFAULT_MODEL, show_default=True,
              help="Model served by default (name or folder); other pulled models load lazily.")
@click.option("--quantize", type=click.Choice(["int8"]), default=None,
              help="Run int8-quantized graphs.")
@click.option("--max-batch", type=click.IntRange(min=1), default=2048, show_default=True,
              help="Most inputs in one request (413 beyond).")
@click.option("--max-text-chars", type=click.IntRange(min=1), default=50_000,
              show_default=True, help="Longest text in characters (413 beyond).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="ONNX Runtime threads per model (default: one per core, up to 8); 1 leaves "
                   "a core to the HTTP side on small machines.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the embedding cache.")
@click.option("--collections", "collections_root", default=None,
              type=click.Path(file_okay=False, path_type=Path), metavar="ROOT",
              help="Folder of the collections served at /v1/collections "
                   "(default: <EMBEDLAB_HOME>/collections).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
              callback=_hosts,
              help="Also answer requests whose Host header names HOST (repeatable; '*': any). "
                   "On a loopback address only 127.0.0.1, localhost and [::1] are answered "
                   "otherwise (421), against DNS rebinding.")
@click.option("--max-body-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BODY_BYTES,
              show_default=True, help="Largest request body in bytes (413 beyond).")
def serve_command(host: str, port: int, model: str, quantize: str | None, max_batch: int,
                  max_text_chars: int, threads: int | None, no_cache: bool,
                  collections_root: Path | None, allow_hosts: list[str],
                  max_body_bytes: int) -> None:
    """Serve embeddings over HTTP until interrupted: POST /v1/embeddings, /api/embed."""
    import logging
    import os

    from embedlab.serve.extra import require_serve_extra
    from embedlab.serve.runner import bind_socket, serve

    require_serve_extra()  # before binding: without the extra, the install command, exit 1

    # Request handling shares the cores with inference: no busy-waiting ORT threads.
    os.environ.setdefault("EMBEDLAB_ORT_SPIN", "0")
    sock = bind_socket(host, port)  # before loading anything: a busy port fails at once
    try:
        from embedlab.serve.app import create_app

        app = create_app(model, quantize=quantize, cache=not no_cache, threads=threads,
                         max_batch=max_batch, max_text_chars=max_text_chars,
                         collections_root=collections_root, allowed_hosts=allow_hosts,
                         max_body_bytes=max_body_bytes, bind_host=host)
        bound_port = sock.getsockname()[1]
        click.echo(f"embedlab serve: {app.state.pool.served.name} on http://{host}:{bound_port}"
                   " (OpenAI: /v1/embeddings, Ollama: /api/embed; Ctrl-C stops)", err=True)
        verbose = logging.getLogger().level <= logging.INFO
        serve(app, sock, log_level="info" if verbose else "warning")
    finally:
        sock.close()
