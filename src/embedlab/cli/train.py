"""``embedlab train word2vec|glove|doc2vec CORPUS... --out FILE``.

CORPUS is any mix of text files and folders (their ``.txt``/``.md`` files).  The vectors
are written as word2vec binary when FILE ends in ``.bin``, embedlab's own format for
``.npz``, word2vec text otherwise; the file appears only when training has finished
(an interrupted run leaves no partial file).  ``--history FILE.json`` records loss, words
per second and seconds per epoch (``embedlab plot training`` reads it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from embedlab.static.history import TrainingProgress


def _corpus_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True)),
        click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
                     help="Output vectors: .bin word2vec binary, .npz embedlab, else text."),
        click.option("--vector-size", type=click.IntRange(min=1), default=100,
                     show_default=True, help="Dimensions of the vectors."),
        click.option("--window", type=click.IntRange(min=1), default=None,
                     help="Context window (default 5; 15 for GloVe)."),
        click.option("--min-count", type=click.IntRange(min=1), default=5,
                     show_default=True, help="Drop words seen fewer times."),
        click.option("--max-vocab", type=click.IntRange(min=1), default=None,
                     help="Keep at most this many most frequent words."),
        click.option("--epochs", type=click.IntRange(min=1), default=None,
                     help="Passes over the corpus (default 5; 10 Doc2Vec; 25 GloVe)."),
        click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
                     help="Training threads (1 with --seed is bit-for-bit reproducible)."),
        click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True),
        click.option("--no-lowercase", is_flag=True, help="Keep the corpus's case."),
        click.option("--no-numbers", is_flag=True, help="Drop number tokens."),
        click.option("--history", "history_path", type=click.Path(dir_okay=False),
                     default=None, help="Write per-epoch loss and speed as JSON."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _w2v_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--negative", type=click.IntRange(min=0), default=5, show_default=True,
                     help="Negative samples per prediction (0: hierarchical softmax only)."),
        click.option("--hs", is_flag=True, help="Use hierarchical softmax."),
        click.option("--sample", type=float, default=1e-3, show_default=True,
                     help="Sub-sampling threshold for frequent words (0 disables)."),
        click.option("--alpha", type=float, default=None,
                     help="Initial learning rate (0.025 skip-gram/Doc2Vec, 0.05 CBOW)."),
        click.option("--min-alpha", type=float, default=0.0001, show_default=True),
        click.option("--ns-exponent", type=float, default=0.75, show_default=True),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@click.group("train")
def train_group() -> None:
    """Train word or document vectors on your own text (see `embedlab train word2vec -h`)."""


@contextmanager
def _progress(label: str, total_epochs: int, quiet: bool
              ) -> Iterator[Callable[[TrainingProgress], None]]:
    """A rich progress bar over epochs x words, showing words/s and the loss."""
    if quiet:
        yield lambda info: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(f"{label} " + "{task.fields[status]}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                  transient=False) as bar:
        task = bar.add_task(label, total=None, status="reading corpus")
        state: dict[str, Any] = {"last": 0.0}

        def update(info: TrainingProgress) -> None:
            now = time.perf_counter()
            per_block = info.unit == "words"  # word2vec / Doc2Vec report per block
            if now - state["last"] < 0.2 and per_block:
                return
            state["last"] = now
            if info.stage == "cooccur":
                bar.update(task, status=f"counting co-occurrences: {info.done:,} sentences")
                return
            status = f"epoch {info.epoch}/{info.epochs}  {info.rate:,.0f} {info.unit}/s"
            if not math.isnan(info.loss):
                status += f"  loss {info.loss:.4f}"
            if per_block:
                bar.update(task, total=info.total * info.epochs,
                           completed=(info.epoch - 1) * info.total + info.done, status=status)
            else:  # GloVe: per epoch
                bar.update(task, total=info.epochs, completed=info.epoch, status=status)
            state["status"] = status

        yield update
        total = bar.tasks[0].total
        if total is not None:  # the last block's update may have been throttled
            bar.update(task, completed=total, status=state.get("status", "done"))


def _save(wv: Any, out: str) -> None:
    suffix = Path(out).suffix.lower()
    fmt = ("word2vec-binary" if suffix == ".bin" else "embedlab" if suffix == ".npz"
           else "word2vec-text")
    wv.save(out, format=fmt)
    click.echo(f"wrote {len(wv):,} vectors of {wv.vector_size} dimensions to {out}")


def _write_history(path: str | None, kind: str, history: list[Any]) -> None:
    if path:
        from embedlab.static.history import write_history

        write_history(path, kind, history)


def _corpus(corpus: tuple[str, ...], no_lowercase: bool, no_numbers: bool) -> Any:
    from embedlab.text.corpus import Corpus

    return Corpus(list(corpus), lowercase=not no_lowercase, keep_numbers=not no_numbers)


def _report(stats: Any) -> None:
    if stats is not None and stats.decode_errors:
        click.echo(f"note: {stats.replaced_characters} bytes that were not UTF-8 were "
                   f"replaced in {len(stats.decode_errors)} file(s)", err=True)


@train_group.command("word2vec")
@_corpus_options
@_w2v_options
@click.option("--sg", is_flag=True, help="Skip-gram (default: CBOW).")
@click.option("--cbow-mean/--cbow-sum", default=True, show_default=True)
def word2vec_command(corpus: tuple[str, ...], out: str, vector_size: int, window: int | None,
                     min_count: int, max_vocab: int | None, epochs: int | None, workers: int,
                     seed: int, no_lowercase: bool, no_numbers: bool,
                     history_path: str | None, quiet: bool, negative: int, hs: bool,
                     sample: float, alpha: float | None, min_alpha: float,
                     ns_exponent: float, sg: bool, cbow_mean: bool) -> None:
    """Train word2vec: `embedlab train word2vec books/ --sg --out vectors.bin`."""
    from embedlab.static.word2vec import Word2Vec

    epochs = epochs or 5
    with _progress("word2vec", epochs, quiet) as progress:
        model = Word2Vec(sg=int(sg), vector_size=vector_size, window=window or 5,
                         min_count=min_count, max_vocab=max_vocab, negative=negative,
                         ns_exponent=ns_exponent, hs=int(hs), sample=sample, alpha=alpha,
                         min_alpha=min_alpha, epochs=epochs, workers=workers, seed=seed,
                         cbow_mean=int(cbow_mean), compute_loss=True, progress=progress)
        model.fit(_corpus(corpus, no_lowercase, no_numbers))
    _report(model.corpus_stats)
    _save(model.wv, out)
    _write_history(history_path, "word2vec", model.history)


@train_group.command("doc2vec")
@_corpus_options
@_w2v_options
@click.option("--dm/--dbow", default=True, show_default=True,
              help="PV-DM or PV-DBOW.")
@click.option("--dbow-words", is_flag=True, help="With --dbow, also train word vectors.")
@click.option("--words-out", type=click.Path(dir_okay=False), default=None,
              help="Also write the word vectors here.")
def doc2vec_command(corpus: tuple[str, ...], out: str, vector_size: int, window: int | None,
                    min_count: int, max_vocab: int | None, epochs: int | None, workers: int,
                    seed: int, no_lowercase: bool, no_numbers: bool,
                    history_path: str | None, quiet: bool, negative: int, hs: bool,
                    sample: float, alpha: float | None, min_alpha: float,
                    ns_exponent: float, dm: bool, dbow_words: bool,
                    words_out: str | None) -> None:
    """Train Doc2Vec, one document per line: `embedlab train doc2vec docs.txt --out d.txt`.

    The document vectors are written under the names 0, 1, 2, ... (line order).
    """
    from embedlab.static.doc2vec import Doc2Vec
    from embedlab.static.vectors import WordVectors
    from embedlab.text.corpus import Corpus

    epochs = epochs or 10
    docs = Corpus(list(corpus), lowercase=not no_lowercase, keep_numbers=not no_numbers,
                  by_line=True, split_sentences=False, max_sentence_length=None)
    with _progress("doc2vec", epochs, quiet) as progress:
        model = Doc2Vec(dm=int(dm), dbow_words=int(dbow_words), vector_size=vector_size,
                        window=window or 5, min_count=min_count, max_vocab=max_vocab,
                        negative=negative, ns_exponent=ns_exponent, hs=int(hs),
                        sample=sample, alpha=alpha if alpha is not None else 0.025,
                        min_alpha=min_alpha, epochs=epochs, workers=workers, seed=seed,
                        compute_loss=True, progress=progress)
        model.fit(docs)
    assert model.dv is not None
    _save(WordVectors([str(t) for t in model.dv.tags], model.dv.vectors), out)
    if words_out:
        _save(model.wv, words_out)
    _write_history(history_path, "doc2vec", model.history)


@train_group.command("glove")
@_corpus_options
@click.option("--x-max", type=float, default=100.0, show_default=True)
@click.option("--alpha", type=float, default=0.75, show_default=True,
              help="Exponent of the weighting function.")
@click.option("--learning-rate", type=float, default=0.05, show_default=True)
def glove_command(corpus: tuple[str, ...], out: str, vector_size: int, window: int | None,
                  min_count: int, max_vocab: int | None, epochs: int | None, workers: int,
                  seed: int, no_lowercase: bool, no_numbers: bool, history_path: str | None,
                  quiet: bool, x_max: float, alpha: float, learning_rate: float) -> None:
    """Train GloVe: `embedlab train glove books/ --out glove.txt`."""
    from embedlab.static.glove import GloVe

    epochs = epochs or 25
    with _progress("glove", epochs, quiet) as progress:
        model = GloVe(vector_size=vector_size, window=window or 15, min_count=min_count,
                      max_vocab=max_vocab, x_max=x_max, alpha=alpha,
                      learning_rate=learning_rate, epochs=epochs, workers=workers,
                      seed=seed, progress=progress)
        model.fit(_corpus(corpus, no_lowercase, no_numbers))
    _save(model.wv, out)
    _write_history(history_path, "glove", model.history)
