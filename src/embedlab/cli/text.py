"""``embedlab text``: stemming, lemmatization and one-hot encoding on the command line.

    embedlab text stem running happily --algorithm snowball
    embedlab text lemma "The mice were running to a better place"
    embedlab text onehot "the cat sat on the mat" [--vocab-from FILE]

The libraries are imported when a command runs; a missing one ends the command with the pip
command that installs it.
"""

from __future__ import annotations

from pathlib import Path

import click

#: The widest one-hot matrix printed as a grid; wider ones print one line per token.
MAX_GRID_COLUMNS = 24


def _table(title: str, headers: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@click.group("text")
def text_group() -> None:
    """Stemming, lemmatization and one-hot encoding of words."""


@text_group.command("stem")
@click.argument("words", nargs=-1, required=True)
@click.option("-a", "--algorithm", type=click.Choice(["porter", "snowball", "lancaster"]),
              default="porter", show_default=True,
              help="porter: Porter (1980); snowball: Snowball (Porter2 for English); "
                   "lancaster: Lancaster (needs nltk).")
@click.option("-l", "--language", default="english", show_default=True,
              help="Language of the Snowball stemmer (porter and lancaster: English only).")
def stem_command(words: tuple[str, ...], algorithm: str, language: str) -> None:
    """Stems of WORDS: `embedlab text stem running happily --algorithm snowball`.

    A quoted argument with spaces is split into words.
    """
    from embedlab.text.stemming import stem
    from embedlab.text.vocabulary import tokenize

    tokens = [t for w in words for t in tokenize(w)]
    if not tokens:
        raise click.UsageError("no words given: pass one or more words to stem")
    stems = stem(tokens, algorithm=algorithm, language=language)  # type: ignore[arg-type]
    _table(f"{algorithm} stems" + (f" ({language})" if algorithm == "snowball" else ""),
           ["word", "stem"], [[w, s] for w, s in zip(tokens, stems, strict=True)])


@text_group.command("lemma")
@click.argument("text")
@click.option("--pos", default=None,
              help="Give every word this part of speech (NOUN, VERB, ADJ, ADV, or n v a r) "
                   "instead of tagging the text in context.")
def lemma_command(text: str, pos: str | None) -> None:
    """Lemma and part of speech of each word of TEXT, tagged in context.

    `embedlab text lemma "That was a better idea"` gives better → good (ADJ).
    """
    from embedlab.text.lemmatize import analyze

    rows = analyze(text, pos=pos)
    if not rows:
        raise click.UsageError("TEXT has no words to lemmatize")
    _table("lemmas", ["word", "lemma", "POS", "tag"],
           [[t.word, t.lemma, t.pos, t.tag] for t in rows])


@text_group.command("onehot")
@click.argument("text")
@click.option("--vocab-from", "vocab_from", type=click.Path(exists=True, dir_okay=False,
                                                            path_type=Path),
              default=None, help="Learn the vocabulary from this text file (one word a line "
                                 "works too) instead of from TEXT.")
@click.option("--unknown", type=click.Choice(["error", "ignore", "unk"]), default="error",
              show_default=True, help="Words of TEXT outside the vocabulary: fail, a row of "
                                      "zeros, or the <unk> column.")
@click.option("--lowercase", is_flag=True, help="Lower-case words first.")
@click.option("--order", type=click.Choice(["frequency", "alphabetical"]), default="frequency",
              show_default=True, help="Order of the vocabulary.")
def onehot_command(text: str, vocab_from: Path | None, unknown: str, lowercase: bool,
                   order: str) -> None:
    """Vocabulary and one-hot matrix (one row per word) of TEXT.

    `embedlab text onehot "the cat sat on the mat"`.
    """
    from embedlab.text.onehot import OneHotEncoder
    from embedlab.text.vocabulary import tokenize

    tokens = tokenize(text, lowercase=lowercase)
    if not tokens:
        raise click.UsageError("TEXT has no words to encode")
    source = vocab_from.read_text(encoding="utf-8") if vocab_from else tokens
    encoder = OneHotEncoder(handle_unknown=unknown, lowercase=lowercase,  # type: ignore[arg-type]
                            order=order)  # type: ignore[arg-type]
    encoder.unknown_fix = "pass --unknown ignore (a row of zeros) or --unknown unk"
    encoder.fit(source)
    matrix = encoder.transform(tokens)
    names = [str(w) for w in encoder.get_feature_names_out()]
    vocab = encoder.vocabulary_
    assert vocab is not None
    _table(f"vocabulary ({len(names)} words)", ["id", "word", "count"],
           [[str(i), w, str(vocab.counts.get(w, ""))] for i, w in enumerate(names)])
    if len(names) <= MAX_GRID_COLUMNS:
        dense = matrix.toarray()
        _table(f"one-hot matrix {matrix.shape[0]} × {matrix.shape[1]}", ["token", *names],
               [[tok, *(f"{v:g}" for v in row)] for tok, row in zip(tokens, dense, strict=True)])
    else:
        click.echo(f"one-hot matrix {matrix.shape[0]} × {matrix.shape[1]} (sparse, "
                   f"{matrix.nnz} ones): token → column")
        ids = [int(row.indices[0]) if row.nnz else -1 for row in matrix]
        for tok, j in zip(tokens, ids, strict=True):
            click.echo(f"  {tok} → " + (f"{j} ({names[j]})" if j >= 0 else "none (ignored)"))
