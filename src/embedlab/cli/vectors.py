"""``embedlab neighbors`` and ``embedlab analogy``: queries on word-vector files.

FILE is a word2vec (text or binary), GloVe or embedlab vector file, a model folder, or a
pulled registry name such as ``glove-6b-50d``.  An unknown word ends the command with a
message naming it and exit code 2.
"""

from __future__ import annotations

from typing import Any

import click


class UnknownWordUsage(click.ClickException):
    """A query word is not in the vectors: exit code 2, as for other usage errors."""

    exit_code = 2


def load_vectors(source: str) -> Any:
    """``WordVectors`` from a path or registry name (errors propagate as library errors)."""
    from embedlab.static import WordVectors

    return WordVectors.load(source)


def unknown_words(exc: Exception, source: str) -> UnknownWordUsage:
    """The CLI error for an :class:`~embedlab.static.UnknownWordError`."""
    return UnknownWordUsage(f"{exc} in {source}; check the spelling (the vocabulary may be "
                            "lower-case)")


def _print(title: str, rows: list[tuple[str, float]], label: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("word")
    table.add_column(label, justify="right")
    for rank, (word, score) in enumerate(rows, 1):
        table.add_row(str(rank), word, f"{score:.4f}")
    Console().print(table)


@click.command("neighbors")
@click.argument("file")
@click.argument("word")
@click.option("-k", "--top-k", "k", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many neighbours to show.")
@click.option("--restrict", type=click.IntRange(min=1), default=None,
              help="Search only the first N words of the file (the most frequent).")
def neighbors_command(file: str, word: str, k: int, restrict: int | None) -> None:
    """Nearest words to WORD by cosine: `embedlab neighbors glove-6b-50d frog`."""
    from embedlab.static import UnknownWordError

    wv = load_vectors(file)
    try:
        rows = wv.most_similar(word, topn=k, restrict_vocab=restrict)
    except UnknownWordError as exc:
        raise unknown_words(exc, file) from None
    _print(f"nearest to {word!r} ({file})", rows, "cosine")


@click.command("analogy")
@click.argument("file")
@click.argument("a")
@click.argument("b")
@click.argument("c")
@click.option("-k", "--top-k", "k", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many answers to show.")
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="3CosAdd (b - a + c) or 3CosMul (Levy & Goldberg).")
@click.option("--restrict", type=click.IntRange(min=1), default=None,
              help="Search only the first N words of the file (the most frequent).")
def analogy_command(file: str, a: str, b: str, c: str, k: int, method: str,
                    restrict: int | None) -> None:
    """A is to B as C is to ?: `embedlab analogy glove-6b-50d man king woman`."""
    from embedlab.static import UnknownWordError

    wv = load_vectors(file)
    try:
        rows = wv.analogy(a, b, c, topn=k, method=method, restrict_vocab=restrict)
    except UnknownWordError as exc:
        raise unknown_words(exc, file) from None
    label = "cosine" if method == "add" else "3CosMul"
    _print(f"{a} : {b} :: {c} : ? ({file}, 3Cos{method.capitalize()})", rows, label)
