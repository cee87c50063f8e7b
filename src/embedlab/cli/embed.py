"""``embedlab embed`` and ``embedlab similarity``: vectors for texts from the command line."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import click

from embedlab.files import atomic_write_bytes
from embedlab.models.registry import DEFAULT_MODEL

_PRECISIONS = ["float32", "float16", "int8", "uint8", "binary", "ubinary"]
_METRICS = ["cosine", "dot", "euclidean", "manhattan"]
_SUFFIXES = {".npy": "npy", ".jsonl": "jsonl", ".json": "jsonl"}  # --output suffix -> format


def encoder_options(fn: Any) -> Any:
    """Options shared by every command that loads a sentence encoder."""
    options = [
        click.option("-m", "--model", default=DEFAULT_MODEL, show_default=True,
                     help="Model name (see `embedlab models`) or model folder path."),
        click.option("--backend", type=click.Choice(["onnx", "numpy"]), default="onnx",
                     show_default=True, help="ONNX Runtime (fast) or eager numpy (reference)."),
        click.option("--quantize", type=click.Choice(["int8"]), default=None,
                     help="Run an int8-quantized graph (about 3x faster, ~0.99 cosine)."),
        click.option("--no-cache", is_flag=True, help="Do not read or write the embedding cache."),
        click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _load(model: str, backend: str, quantize: str | None, no_cache: bool) -> Any:
    import logging

    from embedlab.encoders import load_encoder
    from embedlab.errors import CacheError

    try:
        return load_encoder(model, backend=backend, quantize=quantize, cache=not no_cache)
    except (CacheError, OSError) as exc:
        from embedlab.paths import embedding_cache_path

        cache_dir = str(embedding_cache_path().parent)
        about_cache = isinstance(exc, CacheError) or str(exc.filename or "").startswith(cache_dir)
        if no_cache or not about_cache:
            raise
        # A read-only or blocked cache costs speed, not the result: go on without it.
        logging.getLogger(__name__).warning(
            "embedding cache unusable, continuing without caching: %s", exc)
        return load_encoder(model, backend=backend, quantize=quantize, cache=False)


def _decode(data: bytes, source: str) -> str:
    """UTF-8 text, or a usage error naming the line and byte offset of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise click.BadParameter(
            f"{source} is not UTF-8 text: {exc.reason} at line {line}, byte offset {exc.start}",
            param_hint="--input") from None


def _read_texts(texts: tuple[str, ...], input_file: str | None) -> list[str]:
    if texts and input_file:
        raise click.UsageError("give texts as arguments or with --input, not both")
    if input_file is not None:
        if input_file == "-":
            data = _decode(sys.stdin.buffer.read(), "stdin")
        else:
            try:
                raw = Path(input_file).read_bytes()
            except OSError as exc:
                raise click.BadParameter(f"cannot read {input_file}: {exc.strerror or exc}",
                                         param_hint="--input") from None
            data = _decode(raw, input_file)
        return data.splitlines()
    if texts:
        return list(texts)
    if not sys.stdin.isatty():
        return _decode(sys.stdin.buffer.read(), "stdin").splitlines()
    raise click.UsageError("no texts: give them as arguments, with --input FILE, or on stdin")


@click.command("embed")
@click.argument("texts", nargs=-1)
@click.option("-i", "--input", "input_file", type=click.Path(allow_dash=True),
              help="File with one text per line ('-' reads stdin).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write vectors to OUT.npy (array in input order) or OUT.jsonl.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl", "npy"]), default=None,
              help="Output format; by default taken from --output's suffix, else a table.")
@click.option("--precision", type=click.Choice(_PRECISIONS), default="float32",
              show_default=True)
@click.option("--dimensions", type=click.IntRange(min=1), default=None,
              help="Keep the first N dimensions (re-normalized).")
@click.option("--normalize/--no-normalize", default=None,
              help="L2-normalize vectors (default: as the model folder says).")
@encoder_options
def embed_command(texts: tuple[str, ...], input_file: str | None, output: str | None,
                  fmt: str | None, precision: str, dimensions: int | None,
                  normalize: bool | None, model: str, backend: str, quantize: str | None,
                  no_cache: bool, batch_size: int) -> None:
    """Embed texts: `embedlab embed "hello world"` or `--input FILE --output OUT.npy`."""
    import numpy as np

    if output is not None:
        suffix = Path(output).suffix.lower()
        if fmt is None and suffix not in _SUFFIXES:
            raise click.BadParameter(
                f"{output}: unknown suffix {suffix or '(none)'!r}; use one of "
                f"{', '.join(_SUFFIXES)} (or give --format)", param_hint="--output")
        if not Path(output).expanduser().parent.is_dir():
            raise click.BadParameter(
                f"folder {Path(output).parent} does not exist; create it first",
                param_hint="--output")
    items = _read_texts(texts, input_file)
    encoder = _load(model, backend, quantize, no_cache)
    if dimensions is not None and dimensions > encoder.dimension:
        raise click.BadParameter(
            f"{dimensions} is larger than {encoder.name}'s {encoder.dimension} dimensions; "
            f"choose 1 to {encoder.dimension}", param_hint="--dimensions")
    vectors = encoder.encode(items, batch_size=batch_size, normalize=normalize,
                             precision=precision, dimensions=dimensions)
    if fmt is None:
        fmt = _SUFFIXES.get(Path(output).suffix.lower(), "table") if output else "table"
    if fmt == "table" and output:
        raise click.UsageError("--format table prints to the terminal; drop --output or "
                               "choose --format jsonl or npy")
    if fmt == "npy":
        if not output:
            raise click.UsageError("--format npy needs --output FILE.npy")
        buffer = io.BytesIO()
        np.save(buffer, vectors)
        atomic_write_bytes(output, buffer.getvalue())
        click.echo(f"wrote {vectors.shape[0]} x {vectors.shape[1]} {vectors.dtype} to {output}",
                   err=True)
    elif fmt == "jsonl":
        lines = "".join(json.dumps({"text": t, "embedding": v.tolist()}) + "\n"
                        for t, v in zip(items, vectors, strict=True))
        if output:
            atomic_write_bytes(output, lines.encode())
        else:
            click.echo(lines, nl=False)
    else:
        _print_table(items, vectors, encoder.name)


def _print_table(items: list[str], vectors: Any, model: str) -> None:
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{model}: {vectors.shape[0]} x {vectors.shape[1]} {vectors.dtype}")
    table.add_column("text", overflow="fold", max_width=40)
    table.add_column("norm", justify="right")
    table.add_column("first values")
    for text, vec in zip(items, vectors, strict=True):
        head = " ".join(f"{x:.4f}" if vec.dtype.kind == "f" else str(x) for x in vec[:6])
        norm = float(np.linalg.norm(vec.astype(np.float32)))
        table.add_row(text, f"{norm:.4f}", head + " ...")
    Console().print(table)


@click.command("similarity")
@click.argument("texts", nargs=-1, required=True)
@click.option("--metric", type=click.Choice(_METRICS), default="cosine", show_default=True)
@click.option("--matrix", is_flag=True, help="Print the full pairwise matrix.")
@click.option("--vectors", "vectors_file", default=None, metavar="FILE",
              help="Compare words with word vectors (a word2vec/GloVe/embedlab file or a "
                   "name such as glove-6b-50d) instead of texts with a sentence encoder.")
@encoder_options
def similarity_command(texts: tuple[str, ...], metric: str, matrix: bool,
                       vectors_file: str | None, model: str, backend: str,
                       quantize: str | None, no_cache: bool, batch_size: int) -> None:
    """Compare the first text with each other one (or all pairs with --matrix).

    With --vectors FILE the arguments are words: `embedlab similarity --vectors glove-6b-50d
    cat dog --metric euclidean`.
    """
    from rich.console import Console
    from rich.table import Table

    from embedlab.similarity import pairwise

    if len(texts) < 2:
        raise click.UsageError(f"give at least two {'words' if vectors_file else 'texts'} "
                               "to compare")
    if vectors_file is not None:
        _word_similarity(vectors_file, list(texts), metric, matrix)
        return
    encoder = _load(model, backend, quantize, no_cache)
    vectors = encoder.encode(list(texts), batch_size=batch_size)
    label = "similarity" if metric in ("cosine", "dot") else "distance"
    if matrix:
        scores = pairwise(vectors, vectors, metric)
        table = Table(title=f"{metric} {label} ({encoder.name})")
        table.add_column("")
        for i in range(len(texts)):
            table.add_column(str(i + 1), justify="right")
        for i, text in enumerate(texts):
            table.add_row(f"{i + 1}. {text[:30]}", *(f"{s:.4f}" for s in scores[i]))
    else:
        scores = pairwise(vectors[:1], vectors[1:], metric)[0]
        table = Table(title=f"{metric} {label} to: {texts[0][:60]} ({encoder.name})")
        table.add_column("text", overflow="fold")
        table.add_column(label, justify="right")
        for text, score in zip(texts[1:], scores, strict=True):
            table.add_row(text, f"{score:.4f}")
    Console().print(table)


def _word_similarity(source: str, words: list[str], metric: str, matrix: bool) -> None:
    """``similarity --vectors``: word pairs scored with ``WordVectors``."""
    from rich.console import Console
    from rich.table import Table

    from embedlab.cli.vectors import load_vectors, unknown_words
    from embedlab.static import UnknownWordError

    if metric == "dot":
        raise click.UsageError("with --vectors, --metric is cosine, euclidean or manhattan")
    wv = load_vectors(source)
    try:
        wv.check_words(words)
    except UnknownWordError as exc:
        raise unknown_words(exc, source) from None

    def score(w1: str, w2: str) -> float:
        return wv.similarity(w1, w2) if metric == "cosine" else wv.distance(w1, w2, metric)

    label = "similarity" if metric == "cosine" else "distance"
    if matrix:
        table = Table(title=f"{metric} {label} ({source})")
        table.add_column("")
        for i in range(len(words)):
            table.add_column(str(i + 1), justify="right")
        for i, w in enumerate(words):
            table.add_row(f"{i + 1}. {w}", *(f"{score(w, other):.4f}" for other in words))
    else:
        table = Table(title=f"{metric} {label} to: {words[0]} ({source})")
        table.add_column("word")
        table.add_column(label, justify="right")
        for other in words[1:]:
            table.add_row(other, f"{score(words[0], other):.4f}")
    Console().print(table)
