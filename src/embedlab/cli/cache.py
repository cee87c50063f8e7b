"""``embedlab cache``: inspect or empty the persistent embedding cache."""

from __future__ import annotations

import click


@click.group("cache")
def cache_group() -> None:
    """The embedding cache (~/.cache/embedlab/cache/embeddings.sqlite)."""


@cache_group.command("info")
def cache_info() -> None:
    """Where the cache is, how many vectors it holds and their size."""
    from embedlab import paths
    from embedlab.encoders.cache import EmbeddingCache

    path = paths.embedding_cache_path()
    with EmbeddingCache(path) as cache:
        stats = cache.stats()
    click.echo(f"{path}: {stats.rows} vectors, {stats.bytes / 1e6:.1f} MB")


@cache_group.command("clear")
def cache_clear() -> None:
    """Delete every cached vector."""
    from embedlab import paths
    from embedlab.encoders.cache import EmbeddingCache

    path = paths.embedding_cache_path()
    with EmbeddingCache(path) as cache:
        rows = cache.stats().rows
        cache.clear()
    click.echo(f"removed {rows} vectors from {path}")
