"""``embedlab index``, ``embedlab search`` and ``embedlab collections``: document collections.

Thin commands over :mod:`embedlab.store`; library errors become one-line messages in
:func:`embedlab.cli.main`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

_METRICS = ["cosine", "dot", "euclidean", "manhattan"]
_MODES = ["auto", "exact", "hnsw", "binary"]
_collection_option = click.option(
    "-c", "--collection", "collection_dir", required=True, metavar="DIR",
    type=click.Path(file_okay=False), help="Folder that holds the collection.")


@click.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@_collection_option
@click.option("-m", "--model", default=None,
              help="Model name or folder [default: the collection's, else all-MiniLM-L6-v2].")
@click.option("--chunk-tokens", type=click.IntRange(min=1), default=200, show_default=True,
              help="Token budget per chunk (capped at the model's limit).")
@click.option("--overlap", type=click.IntRange(min=0), default=1, show_default=True,
              help="Sentences shared by neighbouring chunks.")
@click.option("--text-field", default="text", show_default=True,
              help="Text field of .jsonl lines / text column of .csv files.")
@click.option("--quantize", type=click.Choice(["int8"]), default=None,
              help="Run the model's int8 graph [default: the collection's precision, else "
                   "float32]; a collection takes vectors of one precision only.")
def index_command(paths: tuple[str, ...], collection_dir: str, model: str | None,
                  chunk_tokens: int, overlap: int, text_field: str,
                  quantize: str | None) -> None:
    """Create or update the collection in DIR from files and folders (recursive).

    Re-running re-embeds only changed files and removes chunks of deleted files.
    """
    from pathlib import Path

    from embedlab.models.registry import DEFAULT_MODEL
    from embedlab.store import Collection, CollectionExistsError
    from embedlab.store.ingest import ingest
    from embedlab.store.schema import DB_NAME

    folder = Path(collection_dir)
    encoder: Any = model
    if (folder / DB_NAME).is_file():
        if quantize:  # checked against the precision the collection was built with
            with Collection.open(folder) as probe:
                name = model or probe.model_name or DEFAULT_MODEL
            encoder = _load_quantized(name, quantize)
        col = Collection.open(folder, encoder=encoder)
        action = "updated"
    else:
        name = model or DEFAULT_MODEL
        enc = _load_quantized(name, quantize) if quantize else name
        try:
            col = Collection.create(folder, encoder=enc)
            action = "created"
        except CollectionExistsError:  # another `embedlab index` created it meanwhile
            col = Collection.open(folder, encoder=enc)
            action = "updated"
    with col:
        report = ingest(col, paths, chunk_tokens=chunk_tokens, overlap_sentences=overlap,
                        progress=sys.stderr.isatty(), text_field=text_field)
        total = col.count()
    for path, reason in report.skipped:
        click.echo(f"skipped {path}: {reason}", err=True)
    click.echo(f"{action} {folder} ({col.model_name}): {report.summary()}; "
               f"{total} chunks in the collection")


def _load_quantized(model: str, quantize: str) -> Any:
    from embedlab.encoders import load_encoder

    return load_encoder(model, quantize=quantize)


def _parse_where(where: str | None) -> dict[str, Any] | None:
    """--where as a dict; a bad value is a ValueError, shown as one ``error:`` line."""
    if where is None:
        return None
    example = '\'{"topic": "search"}\' or \'{"chunk": {"$lt": 2}}\''
    try:
        value = json.loads(where)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--where {where!r} is not valid JSON ({exc.msg} at character "
                         f"{exc.pos}); give a JSON object, e.g. {example}") from None
    if not isinstance(value, dict):
        raise ValueError(f"--where {where!r} must be a JSON object, e.g. {example}")
    return value


@click.command("search")
@click.argument("query")
@_collection_option
@click.option("-k", "k", type=click.IntRange(min=1), default=5, show_default=True,
              help="Number of results.")
@click.option("--where", default=None, metavar="JSON",
              help='Metadata filter, e.g. \'{"topic": "search"}\' ($eq $ne $gt $in $and $or …).')
@click.option("--hybrid", is_flag=True, help="Fuse with BM25 keyword ranking (RRF).")
@click.option("--metric", type=click.Choice(_METRICS), default=None,
              help="Similarity metric [default: the collection's].")
@click.option("--mode", type=click.Choice(_MODES), default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit per line.")
def search_command(query: str, collection_dir: str, k: int, where: str | None, hybrid: bool,
                   metric: str | None, mode: str, as_json: bool) -> None:
    """Search the collection in DIR for QUERY, best first."""
    from embedlab.store import Collection

    filters = _parse_where(where)
    with Collection.open(collection_dir) as col:
        hits = col.search(query, k=k, where=filters, metric=metric, mode=mode, hybrid=hybrid)
    if as_json:
        for h in hits:
            click.echo(json.dumps({"id": h.id, "score": h.score, "text": h.text,
                                   "source": h.source, "start": h.start, "end": h.end,
                                   "metadata": h.metadata}, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(hits)} results for {query!r}")
    for name in ("#", "score", "source", "text"):
        table.add_column(name, overflow="fold")
    for rank, h in enumerate(hits, start=1):
        text = " ".join((h.text or "").split())
        table.add_row(str(rank), f"{h.score:.4f}", _where_from(h),
                      text[:240] + ("…" if len(text) > 240 else ""))
    Console().print(table)


def _where_from(hit: Any) -> str:
    from pathlib import Path

    name = Path(hit.source).name if hit.source else hit.id
    extra = [f"{key} {hit.metadata[key]}" for key in ("page", "line", "row")
             if key in hit.metadata]
    return ", ".join([name, *extra])


@click.group("collections")
def collections_group() -> None:
    """List, inspect and drop collections."""


@collections_group.command("list")
@click.argument("root", default=".", type=click.Path(file_okay=False))
def collections_list(root: str) -> None:
    """Collections directly under ROOT (default: the current folder)."""
    from embedlab.store import list_collections

    infos = list_collections(root)
    if not infos:
        click.echo(f"no collections under {root}")
    for info in infos:
        click.echo(f"{info.name}\t{info.count} chunks\t{info.model_name or '(no model)'}\t"
                   f"{info.metric}\t{info.dimension}-d\t{info.path}")


@collections_group.command("info")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
def collections_info(directory: str) -> None:
    """Model, metric, size and ingested files of the collection in DIR."""
    from embedlab.store import Collection

    with Collection.open(directory) as col:
        files = {d.metadata.get("path") for d in col.get(where={"chunk": 0})}
        stats = col.stats()
        lines = [f"path: {col.path}", f"model: {col.model_name or '(none)'}",
                 f"metric: {col.metric}", f"dimension: {col.dimension}",
                 f"chunks: {stats['documents']} ({stats['contents']} distinct texts)",
                 f"files: {len(files - {None})}"]
    click.echo("\n".join(lines))


@collections_group.command("drop")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def collections_drop(directory: str, yes: bool) -> None:
    """Delete the collection in DIR (asks first unless --yes)."""
    from embedlab.store import Collection, drop

    with Collection.open(directory) as col:  # fails cleanly if DIR is not a collection
        n = col.count()
    if not yes:
        click.confirm(f"delete collection {directory} ({n} chunks)?", abort=True)
    drop(directory)
    click.echo(f"dropped {directory} ({n} chunks)")


from embedlab.cli.collections_check import collections_check  # noqa: E402

collections_group.add_command(collections_check)
