"""``embedlab tokenizer``: train, use and inspect tokenizers (HF ``tokenizer.json`` files).

    embedlab tokenizer train --model wordpiece --vocab-size 30000 --out tok.json books/*.txt
    embedlab tokenizer encode tok.json "Hello world" [--json]
    embedlab tokenizer decode tok.json 101 7592 2088 102
    embedlab tokenizer explain tok.json unbelievable
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from embedlab.tokenizers import Tokenizer

MODEL_CHOICES = ("bpe", "bytelevel-bpe", "wordpiece")


def _load(path: Path) -> Tokenizer:
    from embedlab.tokenizers import Tokenizer

    return Tokenizer.from_file(path)


def _split_specials(value: str | None) -> list[str] | None:
    if value is None:
        return None
    tokens = [t.strip() for t in value.split(",")]
    if any(not t for t in tokens):
        raise click.BadParameter(f"empty special token in {value!r}; separate tokens with "
                                 "commas, e.g. '[UNK],[CLS]'", param_hint="--special-tokens")
    return tokens


@click.group("tokenizer")
def tokenizer_group() -> None:
    """Train BPE, byte-level BPE and WordPiece tokenizers; encode, decode and explain."""


@tokenizer_group.command("train")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", "model", type=click.Choice(MODEL_CHOICES), required=True,
              help="bpe: character BPE with </w> (HF CharBPETokenizer); bytelevel-bpe: GPT-2 "
                   "byte-level BPE; wordpiece: BERT WordPiece.")
@click.option("--vocab-size", type=click.IntRange(min=1), required=True,
              help="Vocabulary size to reach (special tokens and alphabet included).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="tokenizer.json to write (loads in HF tokenizers too).")
@click.option("--min-frequency", type=click.IntRange(min=0), default=0, show_default=True,
              help="Stop merging when the best pair occurs fewer times than this.")
@click.option("--special-tokens", default=None,
              help="Comma-separated special tokens, first ids first (default per model: "
                   "<unk> / <|endoftext|> / [PAD],[UNK],[CLS],[SEP],[MASK]).")
@click.option("--limit-alphabet", type=click.IntRange(min=0), default=None,
              help="Keep at most this many characters (the most frequent); wordpiece: 1000.")
@click.option("--max-token-length", type=click.IntRange(min=1), default=None,
              help="HF's max_token_length: merges never make a pair spanning this many "
                   "characters or more, so tokens stay below it (the first two-character "
                   "merges excepted).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def train_command(files: tuple[Path, ...], model: str, vocab_size: int, out: Path,
                  min_frequency: int, special_tokens: str | None, limit_alphabet: int | None,
                  max_token_length: int | None, progress: bool) -> None:
    """Train a tokenizer on UTF-8 text FILES and write it to --out."""
    import time

    from embedlab.tokenizers.recipes import train_tokenizer

    start = time.perf_counter()
    tok = train_tokenizer(files, model, vocab_size=vocab_size, min_frequency=min_frequency,
                          special_tokens=_split_specials(special_tokens),
                          limit_alphabet=limit_alphabet, show_progress=progress,
                          max_token_length=max_token_length)
    tok.save(out)
    click.echo(f"{model}: {tok.get_vocab_size()} tokens from {len(files)} file(s) in "
               f"{time.perf_counter() - start:.1f} s -> {out}")


@tokenizer_group.command("encode")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print ids, tokens and offsets as JSON.")
@click.option("--no-special-tokens", is_flag=True, help="Do not add [CLS]/[SEP] and the like.")
def encode_command(file: Path, text: str, as_json: bool, no_special_tokens: bool) -> None:
    """Tokens, ids and character offsets of TEXT with the tokenizer in FILE."""
    enc = _load(file).encode(text, add_special_tokens=not no_special_tokens)
    if as_json:
        click.echo(json.dumps({"ids": enc.ids, "tokens": enc.tokens,
                               "offsets": [list(o) for o in enc.offsets]}, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(enc.ids)} tokens")
    for header in ("#", "id", "token", "offsets", "text"):
        table.add_column(header)
    for i, (tid, token, (a, b)) in enumerate(zip(enc.ids, enc.tokens, enc.offsets, strict=True)):
        table.add_row(str(i), str(tid), repr(token), f"{a}-{b}", repr(text[a:b]))
    Console().print(table)


@tokenizer_group.command("decode")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("ids", nargs=-1, required=True)
@click.option("--keep-special-tokens", is_flag=True, help="Keep [CLS], [SEP]... in the text.")
def decode_command(file: Path, ids: tuple[str, ...], keep_special_tokens: bool) -> None:
    """Text of the token IDS (integers, spaces or commas between them)."""
    values = [v for arg in ids for v in arg.replace(",", " ").split()]
    try:
        int_ids = [int(v) for v in values]
    except ValueError:
        bad = next(v for v in values if not v.lstrip("-").isdigit())
        raise click.BadParameter(f"{bad!r} is not an integer id", param_hint="IDS") from None
    click.echo(_load(file).decode(int_ids, skip_special_tokens=not keep_special_tokens))


@tokenizer_group.command("explain")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("word")
def explain_command(file: Path, word: str) -> None:
    """Which merges (BPE) or longest matches (WordPiece) turn WORD into its tokens."""
    click.echo(str(_load(file).explain(word)))
