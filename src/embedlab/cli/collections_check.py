"""``embedlab collections check DIR [--repair]``: find stored vectors that fail their
checksum and re-embed them from their stored text."""

from __future__ import annotations

import sys

import click


@click.command("check")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--repair", is_flag=True,
              help="Re-embed the bad rows from their stored text with the collection's model "
                   "and rebuild the index.")
def collections_check(directory: str, repair: bool) -> None:
    """List documents of the collection in DIR whose stored vector is corrupt (by id).

    Exits 1 when bad rows remain (none found: 0).
    """
    from embedlab.store import Collection, writes
    from embedlab.store.collection import LOCK_NAME, _pack
    from embedlab.store.locking import write_lock

    with Collection.open(directory) as col:
        bad = writes.corrupt_contents(col._conn, col.dimension)
        for row in bad:
            for doc_id in row.ids:
                click.echo(f"corrupt vector: {doc_id}")
        if not bad:
            click.echo(f"{directory}: all {col.count()} vectors match their checksums")
            return
        if not repair:
            n = sum(len(r.ids) for r in bad)
            click.echo(f"{n} document(s) with a corrupt vector; run `embedlab collections "
                       f"check {directory} --repair` to re-embed them", err=True)
            sys.exit(1)
        fixable = [r for r in bad if r.text is not None]
        lost = [r for r in bad if r.text is None]
        if fixable and not col.model_name:
            click.echo(f"collection {directory} has no model: its vectors were given "
                       "directly and cannot be re-embedded; upsert them again", err=True)
            sys.exit(1)
        if fixable:
            vectors = col.encoder.encode([r.text or "" for r in fixable])
            with write_lock(col.path / LOCK_NAME), writes.transaction(col._conn):
                writes.rewrite_vectors(col._conn, dict(zip([r.content for r in fixable],
                                                           vectors, strict=True)), _pack)
            col.build_index()
        n = sum(len(r.ids) for r in fixable)
        click.echo(f"repaired {n} document(s): re-embedded and index rebuilt")
        if lost:
            for row in lost:
                for doc_id in row.ids:
                    click.echo(f"cannot repair (no stored text): {doc_id}", err=True)
            sys.exit(1)
