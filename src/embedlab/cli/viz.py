"""``embedlab plot ...`` (pictures) and ``embedlab projector`` (the interactive page).

Examples::

    embedlab plot words --vectors glove-6b-50d --words king,queen,man,woman --out kq.png
    embedlab plot heatmap --model all-MiniLM-L6-v2 --texts sentences.txt --out sim.svg
    embedlab plot leaderboard results/ --out board.png
    embedlab plot training history.json --out curves.png
    embedlab projector --vectors glove-6b-50d --limit 20000 --out glove.html
    embedlab projector --collection docs.coll --port 8080
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

_METHODS = ["pca", "tsne", "umap"]


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not WIDTHxHEIGHT in pixels, e.g. 900x700"
                                 ) from None
    return w, h


def _split(text: str | None) -> list[str]:
    return [w.strip() for w in (text or "").split(",") if w.strip()]


_size_option = click.option("--size", default=None, metavar="WxH",
                            help="Picture size in pixels, e.g. 900x700.")
_title_option = click.option("--title", default=None, help="Title [default: says what and how].")
_out_option = click.option("-o", "--out", required=True, type=click.Path(dir_okay=False),
                           help="Picture to write: .png or .svg.")


def _kw(size: str | None, title: str | None) -> dict[str, Any]:
    kw: dict[str, Any] = {"title": title}
    if size:
        kw["size"] = _size(size)
    return kw


def _load_vectors(source: str, limit: int | None = None) -> Any:
    from embedlab.static import WordVectors

    return WordVectors.load(source, limit=limit)


def _name(source: str) -> str:
    return Path(source).name if Path(source).exists() else source


def _done(path: str) -> None:
    click.echo(f"wrote {path}", err=True)


@click.group("plot")
def plot_group() -> None:
    """Pictures of embeddings and of their evaluation (PNG or SVG)."""


@plot_group.command("words")
@click.option("--vectors", required=True, metavar="NAME_OR_FILE",
              help="Word vectors: a registry name (glove-6b-50d) or a vector file.")
@click.option("--words", default=None, metavar="W1,W2,...", help="Words to show.")
@click.option("--group", "groups", multiple=True, metavar="NAME=W1,W2,...",
              help="A named group of words (own colour, in the legend); repeatable.")
@click.option("--method", type=click.Choice(_METHODS), default="pca", show_default=True,
              help="Projection to 2-D.")
@_out_option
@_size_option
@_title_option
def plot_words(vectors: str, words: str | None, groups: tuple[str, ...], method: str,
               out: str, size: str | None, title: str | None) -> None:
    """A labelled scatter of words, e.g. king/queen/man/woman or countries and capitals.

    Words not in the vocabulary are listed, then skipped.
    """
    from embedlab.viz.plots import word_scatter

    chosen = _split(words)
    group_of: dict[str, str] = {}
    for g in groups:
        name, sep, members = g.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{g!r} is not NAME=W1,W2,...", param_hint="--group")
        for w in _split(members):
            group_of[w] = name.strip()
            chosen.append(w)
    if not chosen:
        raise click.UsageError("give the words to show with --words W1,W2,... or --group")
    wv = _load_vectors(vectors)
    word_scatter(wv, _warn_unknown(wv, chosen), method=method, groups=group_of or None,
                 name=_name(vectors), out=out, **_kw(size, title))
    _done(out)


def _warn_unknown(wv: Any, words: list[str]) -> list[str]:
    """The words in the vocabulary; the others are listed on stderr (or, if none is
    left, the command stops with a usage error)."""
    missing = [w for w in dict.fromkeys(words) if w not in wv]
    if missing:
        click.echo(f"skipping {len(missing)} word(s) not in the vocabulary: "
                   f"{', '.join(missing)}", err=True)
    known = [w for w in dict.fromkeys(words) if w in wv]
    if not known:
        raise click.UsageError("none of the words is in the vocabulary; check the spelling "
                               "(vocabularies are often lower-case)")
    return known


@plot_group.command("analogy")
@click.option("--vectors", required=True, metavar="NAME_OR_FILE", help="Word vectors.")
@click.option("--pairs", required=True, metavar="A:B,C:D,...",
              help="Word pairs drawn as arrows, e.g. man:woman,king:queen.")
@_out_option
@_size_option
@_title_option
def plot_analogy(vectors: str, pairs: str, out: str, size: str | None,
                 title: str | None) -> None:
    """Analogy arrows: parallel arrows show a shared relation (man→woman, king→queen)."""
    from embedlab.viz.plots import analogy_arrows

    parsed = []
    for p in _split(pairs):
        a, sep, b = p.partition(":")
        if not sep or not a or not b:
            raise click.BadParameter(f"{p!r} is not A:B", param_hint="--pairs")
        parsed.append((a.strip(), b.strip()))
    wv = _load_vectors(vectors)
    known = set(_warn_unknown(wv, [w for pair in parsed for w in pair]))
    parsed = [(a, b) for a, b in parsed if a in known and b in known]
    if not parsed:
        raise click.UsageError("no pair has both words in the vocabulary")
    analogy_arrows(wv, parsed, name=_name(vectors), out=out, **_kw(size, title))
    _done(out)


def _read_texts(path: str) -> list[str]:
    texts = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    return [t for t in texts if t]


@plot_group.command("heatmap")
@click.option("--vectors", default=None, metavar="NAME_OR_FILE", help="Word vectors (with --words).")
@click.option("--words", default=None, metavar="W1,W2,...", help="Words to compare.")
@click.option("--model", default=None, help="Sentence encoder (with --texts).")
@click.option("--texts", default=None, type=click.Path(exists=True, dir_okay=False),
              help="File with one text a line.")
@click.option("--metric", type=click.Choice(["cosine", "euclidean"]), default="cosine",
              show_default=True)
@_out_option
@_size_option
@_title_option
def plot_heatmap(vectors: str | None, words: str | None, model: str | None,
                 texts: str | None, metric: str, out: str, size: str | None,
                 title: str | None) -> None:
    """Pairwise similarity of words (--vectors --words) or texts (--model --texts)."""
    from embedlab.viz.plots import similarity_heatmap

    if vectors and words:
        wv = _load_vectors(vectors)
        chosen = _warn_unknown(wv, _split(words))
        similarity_heatmap(chosen, wv[chosen], metric=metric, source=_name(vectors),
                           kind="words", out=out,
                           **_kw(size, title))
    elif texts:
        from embedlab.encoders.loading import load_encoder
        from embedlab.models.registry import DEFAULT_MODEL

        lines = _read_texts(texts)
        if len(lines) < 2:
            raise click.UsageError(f"{texts} holds {len(lines)} text(s); a heatmap needs 2")
        name = model or DEFAULT_MODEL
        similarity_heatmap(lines, load_encoder(name).encode(lines), metric=metric, source=name,
                           kind="texts", out=out, **_kw(size, title))
    else:
        raise click.UsageError("give --vectors and --words, or --texts (and --model)")
    _done(out)


@plot_group.command("leaderboard")
@click.argument("results", type=click.Path(exists=True, file_okay=False))
@_out_option
@_size_option
@_title_option
def plot_leaderboard(results: str, out: str, size: str | None, title: str | None) -> None:
    """Models ranked by mean main score, from RESULTS/<model>/<task>.json."""
    from embedlab.viz.plots import leaderboard

    leaderboard(results, out=out, **_kw(size, title))
    _done(out)


@plot_group.command("tradeoff")
@click.argument("results", type=click.Path(exists=True, file_okay=False))
@_out_option
@_size_option
@_title_option
def plot_tradeoff(results: str, out: str, size: str | None, title: str | None) -> None:
    """Score against bytes per vector by precision and dimension, from RESULTS."""
    from embedlab.viz.plots import tradeoff

    tradeoff(results, out=out, **_kw(size, title))
    _done(out)


@plot_group.command("training")
@click.argument("histories", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False))
@_out_option
@_size_option
@_title_option
def plot_training(histories: tuple[str, ...], out: str, size: str | None,
                  title: str | None) -> None:
    """Loss and words/s per epoch from `embedlab train ... --history FILE.json` files."""
    from embedlab.viz.plots import training_curves

    training_curves(list(histories), out=out, **_kw(size, title))
    _done(out)


# ------------------------------------------------------------------------------ projector


@contextmanager
def _progress_bar() -> Iterator[Callable[[str, float], None]]:
    """A rich progress bar on stderr, fed by projection progress callbacks."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=False) as bar:
        tasks: dict[str, Any] = {}

        def report(stage: str, fraction: float) -> None:
            key = stage.split(":")[0]
            if key not in tasks:
                tasks[key] = bar.add_task(key, total=1.0)
            bar.update(tasks[key], completed=fraction, description=stage)

        yield report


def _dims(text: str) -> list[int]:
    try:
        dims = [int(x) for x in _split(text)]
    except ValueError:
        raise click.BadParameter(f"{text!r}: give 2, 3 or 2,3", param_hint="--dims") from None
    if not dims or any(d not in (2, 3) for d in dims):
        raise click.BadParameter(f"{text!r}: give 2, 3 or 2,3", param_hint="--dims")
    return dims


@click.command("projector")
@click.option("--vectors", default=None, metavar="NAME_OR_FILE",
              help="Word vectors: a registry name (glove-6b-50d) or a vector file.")
@click.option("--limit", type=click.IntRange(min=3), default=20000, show_default=True,
              help="With --vectors: the first N words (the most frequent).")
@click.option("--collection", default=None, metavar="DIR",
              type=click.Path(file_okay=False), help="A stored collection (its folder).")
@click.option("--model", default=None, help="Sentence encoder for --texts.")
@click.option("--texts", default=None, type=click.Path(exists=True, dir_okay=False),
              help="File with one text a line, encoded with --model.")
@click.option("--methods", default="pca", show_default=True, metavar="pca,tsne,umap",
              help="Projections computed up front (a served page computes others on demand).")
@click.option("--dims", default="2,3", show_default=True, help="2, 3 or 2,3.")
@click.option("--perplexity", type=click.FloatRange(min=1), default=30.0, show_default=True,
              help="t-SNE perplexity.")
@click.option("--neighbors", "n_neighbors", type=click.IntRange(min=2), default=15,
              show_default=True, help="UMAP neighbours.")
@click.option("--color-by", default=None, metavar="FIELD", help="Metadata field to colour by.")
@click.option("--title", default=None, help="Page title.")
@click.option("-o", "--out", default=None, type=click.Path(dir_okay=False),
              help="Write one standalone .html file (works offline) instead of serving.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True,
              help="Serve on 127.0.0.1:PORT (0: any free port).")
@click.option("--tensorboard", default=None, type=click.Path(file_okay=False), metavar="DIR",
              help="Also write TensorBoard projector files (vectors.tsv, metadata.tsv) to DIR.")
def projector_command(vectors: str | None, limit: int, collection: str | None,
                      model: str | None, texts: str | None, methods: str, dims: str,
                      perplexity: float, n_neighbors: int, color_by: str | None,
                      title: str | None, out: str | None, port: int,
                      tensorboard: str | None) -> None:
    """An interactive 2-D/3-D map of embeddings: pan, zoom, rotate, search, and click a
    point to list its nearest neighbours in the original space.

    Give one of --vectors, --collection or --texts.  With --out, writes one self-contained
    page; otherwise serves it on 127.0.0.1 until Ctrl+C.
    """
    from embedlab.viz.projection import collection_points, texts_points, words_points

    given = [x for x in (vectors, collection, texts) if x]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --vectors, --collection or --texts "
                               "(with --model)")
    if model and not texts:
        raise click.UsageError("--model goes with --texts FILE (one text a line)")
    method_list = _split(methods.lower())
    dim_list = _dims(dims)
    if vectors:
        wv = _load_vectors(vectors, limit=limit)
        points = words_points(wv, limit=limit, name=_name(vectors))
    elif collection:
        points = collection_points(collection)
    else:
        from embedlab.models.registry import DEFAULT_MODEL

        assert texts is not None
        points = texts_points(model or DEFAULT_MODEL, _read_texts(texts))
    if tensorboard:
        from embedlab.viz.tensorboard import export_tensorboard

        v, m = export_tensorboard(points, tensorboard)
        click.echo(f"wrote {v} and {m}", err=True)
    kwargs: dict[str, Any] = {"methods": method_list, "dims": dim_list,
                              "perplexity": perplexity, "n_neighbors": n_neighbors,
                              "title": title, "color_by": color_by}
    if out:
        from embedlab.viz.projector import write_page

        with _progress_bar() as report:
            path = write_page(points, out, progress=report, **kwargs)
        size_mb = path.stat().st_size / 1e6
        click.echo(f"wrote {path} ({len(points):,} points, {size_mb:.1f} MB); open it in a "
                   "browser, no server needed", err=True)
        return
    from embedlab.viz.projector import Projector, compute_all, make_server

    proj = Projector(points, perplexity=perplexity, n_neighbors=n_neighbors, title=title,
                     color_by=color_by)
    with _progress_bar() as report:
        compute_all(proj, method_list, dim_list, report)
    server = make_server(proj, port)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    click.echo(f"projector for {points.source} on {url} (Ctrl+C to stop)", err=True)
    sys.stderr.flush()
    try:
        server.serve_forever()
    finally:
        server.server_close()
