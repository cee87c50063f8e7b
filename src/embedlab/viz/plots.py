"""Static pictures of embeddings and of their evaluation, drawn with matplotlib.

Every function returns a :class:`matplotlib.figure.Figure` and, given ``out``, writes it
(``.png`` or ``.svg``, chosen by the suffix) at ``size`` pixels (width, height).  Labels are
placed so they do not pile up (a label that finds no free place is left out), and each
picture has a title that says what was drawn and how.

Example:
    >>> from embedlab.static import WordVectors                     # doctest: +SKIP
    >>> wv = WordVectors.load("glove-6b-50d")                        # doctest: +SKIP
    >>> word_scatter(wv, ["king", "queen", "man", "woman"], out="w.png")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.viz.projection import Points, ProjectionError, project, words_points

log = logging.getLogger(__name__)

Size = tuple[int, int]
DPI = 100
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f"]


class PlotError(ProjectionError):
    """The input cannot be drawn; the message names the problem and the fix."""


def _figure(size: Size) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotError("plots need matplotlib; install it with `pip install "
                        "'embedlab[viz]'` or `pip install matplotlib`") from None
    w, h = size
    if w < 100 or h < 100:
        raise PlotError(f"a picture of {w}x{h} pixels is too small; ask for at least 100x100")
    fig = Figure(figsize=(w / DPI, h / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Any, out: str | os.PathLike[str]) -> Path:
    """Write ``fig`` to ``out`` (PNG or SVG, from the suffix) and return the path."""
    path = Path(out)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise PlotError(f"cannot write {path.name}: the picture must end in .png or .svg")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=fmt, dpi=DPI)
    return path


def _finish(fig: Any, out: str | os.PathLike[str] | None) -> Any:
    if out is not None:
        save(fig, out)
    return fig


# ---------------------------------------------------------------------------- labels


def place_labels(ax: Any, xs: Any, ys: Any, labels: Sequence[str],
                 fontsize: float = 9, max_labels: int = 300) -> list[Any]:
    """Label points without overlaps: each label tries eight spots around its point and is
    left out when none is free.  Earlier labels win; returns the texts placed."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()  # settle the layout, then freeze it so labels stay put
    fig.set_layout_engine("none")
    offsets = [(5, 5, "left", "bottom"), (-5, 5, "right", "bottom"), (5, -5, "left", "top"),
               (-5, -5, "right", "top"), (0, 7, "center", "bottom"), (0, -7, "center", "top"),
               (8, 0, "left", "center"), (-8, 0, "right", "center")]
    axbox = ax.get_window_extent(renderer)
    taken: list[Any] = []
    points = ax.transData.transform(np.column_stack([xs, ys]))
    placed = []
    for i, label in enumerate(labels[:max_labels]):
        for dx, dy, ha, va in offsets:
            text = ax.annotate(label, (xs[i], ys[i]), xytext=(dx, dy),
                               textcoords="offset points", ha=ha, va=va, fontsize=fontsize)
            box = text.get_window_extent(renderer).expanded(1.05, 1.1)
            clash = (any(box.overlaps(b) for b in taken)
                     or not (axbox.x0 <= box.x0 and box.x1 <= axbox.x1
                             and axbox.y0 <= box.y0 and box.y1 <= axbox.y1)
                     or _covers_point(box, points, i))
            if not clash:
                taken.append(box)
                placed.append(text)
                break
            text.remove()
    return placed


def _covers_point(box: Any, points: np.ndarray, own: int) -> bool:
    inside = ((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
              & (points[:, 1] > box.y0) & (points[:, 1] < box.y1))
    inside[own] = False
    return bool(inside.any())


# ---------------------------------------------------------------------------- words


def _word_points(wv: Any, words: Sequence[str], name: str | None) -> Points:
    return words_points(wv, words=list(words), name=name or _name_of(wv))


def _name_of(wv: Any) -> str:
    return str(getattr(wv, "name", None) or "word vectors")


def word_scatter(wv: Any, words: Sequence[str], *, method: str = "pca",
                 groups: dict[str, str] | None = None, name: str | None = None,
                 title: str | None = None, out: str | os.PathLike[str] | None = None,
                 size: Size = (900, 700), perplexity: float | None = None,
                 seed: int = 0) -> Any:
    """A labelled 2-D scatter of ``words`` (unknown words are listed in a warning, then
    skipped).  ``groups`` maps a word to a group name for colours and the legend.

    Example:
        >>> word_scatter(wv, ["paris", "france", "rome", "italy"],            # doctest: +SKIP
        ...              groups={"paris": "capital", "rome": "capital"}, out="cc.png")
    """
    pts = _word_points(wv, words, name)
    if method == "tsne" and perplexity is None:
        perplexity = max(1.0, min(30.0, (len(pts) - 2) / 3))
    proj = project(pts.vectors, method, 2, perplexity=perplexity or 30.0,
                   n_neighbors=min(15, max(2, len(pts) - 1)), seed=seed, labels=pts.labels)
    fig = _figure(size)
    ax = fig.add_subplot()
    xy = proj.coords
    group_of = [(groups or {}).get(w, "words") for w in pts.labels]
    names = list(dict.fromkeys(group_of))
    for k, g in enumerate(names):
        idx = [i for i, x in enumerate(group_of) if x == g]
        ax.scatter(xy[idx, 0], xy[idx, 1], s=28, color=PALETTE[k % len(PALETTE)], label=g,
                   zorder=3)
    _pad(ax, xy)
    ax.legend(loc="best", fontsize=8, title="group" if groups else None)
    ax.set_xlabel(f"{proj.method.upper()} 1" if proj.method == "pca" else "dimension 1")
    ax.set_ylabel(f"{proj.method.upper()} 2" if proj.method == "pca" else "dimension 2")
    ax.grid(alpha=0.25)
    ax.set_title(title or f"{len(pts)} words of {pts.source.split(',')[0]}, "
                 f"{proj.description}")
    place_labels(ax, xy[:, 0], xy[:, 1], pts.labels)
    return _finish(fig, out)


def _pad(ax: Any, xy: np.ndarray, frac: float = 0.12) -> None:
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    ax.set_xlim(lo[0] - frac * span[0], hi[0] + frac * span[0])
    ax.set_ylim(lo[1] - frac * span[1], hi[1] + frac * span[1])


def analogy_arrows(wv: Any, pairs: Sequence[tuple[str, str]], *, name: str | None = None,
                   title: str | None = None, out: str | os.PathLike[str] | None = None,
                   size: Size = (900, 700)) -> Any:
    """Arrows from the first to the second word of each pair (``man→woman``,
    ``king→queen``) in a PCA of all the words: parallel arrows show a shared relation.

    Example:
        >>> analogy_arrows(wv, [("man", "woman"), ("king", "queen")], out="a.png")  # doctest: +SKIP
    """
    words = [w for pair in pairs for w in pair]
    pts = _word_points(wv, words, name)
    known = set(pts.labels)
    pairs = [(a, b) for a, b in pairs if a in known and b in known]
    if not pairs:
        raise PlotError("no pair has both words in the vocabulary; check the spelling")
    proj = project(pts.vectors, "pca", 2, labels=pts.labels)
    pos = {w: proj.coords[i] for i, w in enumerate(pts.labels)}
    fig = _figure(size)
    ax = fig.add_subplot()
    for k, (a, b) in enumerate(pairs):
        color = PALETTE[k % len(PALETTE)]
        ax.annotate("", xy=pos[b], xytext=pos[a],
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.6,
                                "shrinkA": 4, "shrinkB": 4})
        ax.scatter(*np.array([pos[a], pos[b]]).T, color=color, s=22, zorder=3,
                   label=f"{a} → {b}")
    xy = proj.coords
    _pad(ax, xy)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.25)
    ax.set_xlabel("PCA 1")
    ax.set_ylabel("PCA 2")
    ax.set_title(title or f"Analogy arrows in {pts.source.split(',')[0]}, {proj.description}")
    place_labels(ax, xy[:, 0], xy[:, 1], pts.labels, fontsize=10)
    return _finish(fig, out)


# ---------------------------------------------------------------------------- heatmap


def similarity_matrix(vectors: Any, metric: str = "cosine") -> np.ndarray:
    """Pairwise cosine similarities (or negative Euclidean distances) of the rows."""
    x = np.asarray(vectors, dtype=np.float64)
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        u = x / np.where(norms > 0, norms, 1.0)
        return np.asarray(u @ u.T)
    if metric == "euclidean":
        sq = (x**2).sum(axis=1)
        return np.asarray(-np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0)))
    raise PlotError(f"unknown metric {metric!r}; choose cosine or euclidean")


def similarity_heatmap(labels: Sequence[str], vectors: Any, *, metric: str = "cosine",
                       source: str = "", kind: str = "items", title: str | None = None,
                       out: str | os.PathLike[str] | None = None,
                       size: Size = (800, 700)) -> Any:
    """A heatmap of pairwise similarities between ``labels`` (texts or words), values
    written in the cells when there are at most 15.  ``kind`` names them in the title
    (``"words"``, ``"texts"``).

    Example:
        >>> v = np.random.default_rng(0).normal(size=(3, 8))
        >>> fig = similarity_heatmap(["a", "b", "c"], v)
        >>> fig.axes[0].get_title()
        'Cosine similarity of 3 items'
    """
    from embedlab.viz.projection import check_vectors

    labels = [str(x) for x in labels]
    x = check_vectors(vectors, labels)
    if len(labels) != x.shape[0]:
        raise PlotError(f"{len(labels)} labels for {x.shape[0]} vectors; give one per vector")
    if len(labels) < 2:
        raise PlotError("a heatmap needs at least 2 texts or words")
    sim = similarity_matrix(x, metric)
    fig = _figure(size)
    ax = fig.add_subplot()
    cmap = "viridis"
    vmin, vmax = (min(0.0, float(sim.min())), 1.0) if metric == "cosine" else (None, None)
    im = ax.imshow(sim, cmap=cmap, vmin=vmin, vmax=vmax)
    short = [s if len(s) <= 28 else s[:27] + "…" for s in labels]
    n = len(labels)
    step = max(1, n // 40)
    ax.set_xticks(range(0, n, step), short[::step], rotation=45, ha="right",
                  fontsize=8 if n <= 20 else 6)
    ax.set_yticks(range(0, n, step), short[::step], fontsize=8 if n <= 20 else 6)
    if n <= 15:
        mid = (np.nanmax(sim) + np.nanmin(sim)) / 2
        for i in range(n):
            for j in range(n):
                ax.text(j, i, f"{sim[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="black" if sim[i, j] > mid else "white")
    label = "cosine similarity" if metric == "cosine" else "−Euclidean distance"
    fig.colorbar(im, ax=ax, label=label, shrink=0.8)
    what = f" ({source})" if source else ""
    ax.set_title(title or f"{label.capitalize()} of {n} {kind}{what}")
    return _finish(fig, out)


# ---------------------------------------------------------------------------- evaluation


def load_results(folder: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Evaluation records of ``FOLDER/<model>/<task>.json``
    (:func:`embedlab.eval.results.load_results`), its errors as :class:`PlotError`."""
    from embedlab.eval.base import EvalError
    from embedlab.eval.results import load_results as read

    try:
        return read(folder)
    except EvalError as exc:
        raise PlotError(str(exc)) from None


def _records(results: str | os.PathLike[str] | Iterable[dict[str, Any]]
             ) -> list[dict[str, Any]]:
    if isinstance(results, str | os.PathLike):
        return load_results(results)
    records = list(results)
    if not records:
        raise PlotError("no evaluation results to draw")
    return records


def leaderboard(results: str | os.PathLike[str] | Iterable[dict[str, Any]], *,
                title: str | None = None, out: str | os.PathLike[str] | None = None,
                size: Size = (900, 600)) -> Any:
    """Models ranked by their mean main score over tasks (bars), each task's score as a
    dot (legend).  ``results`` is a results folder or a list of result records.

    Example:
        >>> recs = [{"model": "a", "task": "sts", "main_score": 0.8},
        ...         {"model": "b", "task": "sts", "main_score": 0.7}]
        >>> leaderboard(recs).axes[0].get_title()
        'Leaderboard: mean main score over 1 task(s), 2 model(s)'
    """
    records = _records(results)
    models = list(dict.fromkeys(r["model"] for r in records))
    tasks = list(dict.fromkeys(r["task"] for r in records))
    score = {(r["model"], r["task"]): float(r["main_score"]) for r in records}
    means = {m: float(np.mean([score[m, t] for t in tasks if (m, t) in score])) for m in models}
    models.sort(key=lambda m: means[m])
    fig = _figure(size)
    ax = fig.add_subplot()
    y = np.arange(len(models))
    ax.barh(y, [means[m] for m in models], height=0.6, color="#c6dbef", edgecolor="#6baed6",
            label="mean", zorder=2)
    for k, t in enumerate(tasks):
        pts = [(score[m, t], i) for i, m in enumerate(models) if (m, t) in score]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=30, zorder=3,
                   color=PALETTE[k % len(PALETTE)], label=t)
    for i, m in enumerate(models):
        ax.text(means[m] + 0.01, i, f"{means[m]:.3f}", va="center", fontsize=8)
    ax.set_yticks(y, models, fontsize=9)
    ax.set_xlim(0, 1.08)
    ax.set_xlabel("main score (0–1)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, title="task")
    ax.set_title(title or f"Leaderboard: mean main score over {len(tasks)} task(s), "
                 f"{len(models)} model(s)")
    return _finish(fig, out)


_BITS = {"float32": 32, "float16": 16, "bfloat16": 16, "int8": 8, "uint8": 8, "binary": 1,
         "ubinary": 1}


def tradeoff(results: str | os.PathLike[str] | Iterable[dict[str, Any]], *,
             title: str | None = None, out: str | os.PathLike[str] | None = None,
             size: Size = (900, 600)) -> Any:
    """Mean main score against bytes per vector, one line per precision: the
    precision/dimension trade-off.  Records need ``dimension`` (or ``dimensions``) and
    may give ``precision`` (default ``float32``). Records of one model at several
    precisions or dimensions (``embedlab eval`` writes each to its own folder) are drawn as
    one model: they are grouped by ``base_model`` when a record names it.

    Example:
        >>> recs = [{"model": "m", "task": "t", "main_score": s, "dimension": d,
        ...          "precision": p} for s, d, p in [(.8, 384, "float32"), (.7, 384, "binary")]]
        >>> tradeoff(recs).axes[0].get_xlabel()
        'bytes per vector (log scale)'
    """
    records = _records(results)
    groups: dict[tuple[str, str, int], list[float]] = {}
    for r in records:
        dim = r.get("dimension", r.get("dimensions"))
        if dim is None:
            continue
        key = (str(r.get("base_model", r["model"])), str(r.get("precision", "float32")),
               int(dim))
        groups.setdefault(key, []).append(float(r["main_score"]))
    if not groups:
        raise PlotError("no result says its dimension; the trade-off chart needs records "
                        "with a 'dimension' field (and optionally 'precision')")
    fig = _figure(size)
    ax = fig.add_subplot()
    lines = sorted({(m, p) for m, p, _ in groups})
    for k, (m, p) in enumerate(lines):
        dims = sorted(d for mm, pp, d in groups if (mm, pp) == (m, p))
        bytes_ = [d * _BITS.get(p, 32) / 8 for d in dims]
        scores = [float(np.mean(groups[m, p, d])) for d in dims]
        label = p if len({mm for mm, _ in lines}) == 1 else f"{m} {p}"
        ax.plot(bytes_, scores, marker="o", color=PALETTE[k % len(PALETTE)], label=label)
        for b, s, d in zip(bytes_, scores, dims, strict=True):
            ax.annotate(str(d), (b, s), xytext=(3, 4), textcoords="offset points", fontsize=7)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("bytes per vector (log scale)")
    ax.set_ylabel("mean main score (0–1)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, title="precision")
    ax.set_title(title or "Score against storage: precision and dimension trade-off "
                 "(points labelled by dimension)")
    return _finish(fig, out)


# ---------------------------------------------------------------------------- training


def load_history(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a training history written by ``embedlab train ... --history FILE.json``
    (:func:`embedlab.static.history.read_history`), its errors as :class:`PlotError`."""
    from embedlab.static.history import HistoryFileError, read_history

    try:
        return read_history(path)
    except HistoryFileError as exc:
        raise PlotError(str(exc)) from None


def training_curves(histories: Sequence[dict[str, Any] | str | os.PathLike[str]], *,
                    title: str | None = None, out: str | os.PathLike[str] | None = None,
                    size: Size = (1000, 450)) -> Any:
    """Loss per epoch and, when recorded, words per second per epoch, one line per run.

    Example:
        >>> h = {"model": "word2vec", "epochs": [{"epoch": 1, "loss": 2.0,
        ...      "words_per_second": 1e5}, {"epoch": 2, "loss": 1.5, "words_per_second": 1.1e5}]}
        >>> [ax.get_ylabel() for ax in training_curves([h]).axes]
        ['loss', 'words per second']
    """
    runs = [load_history(h) if isinstance(h, str | os.PathLike) else h for h in histories]
    if not runs:
        raise PlotError("no training history to draw")
    speed = any("words_per_second" in e for r in runs for e in r["epochs"])
    fig = _figure(size)
    axes = fig.subplots(1, 2 if speed else 1, squeeze=False)[0]
    for k, run in enumerate(runs):
        color = PALETTE[k % len(PALETTE)]
        epochs = run["epochs"]
        xs = [e.get("epoch", i + 1) for i, e in enumerate(epochs)]
        axes[0].plot(xs, [e.get("loss", np.nan) for e in epochs], marker="o", color=color,
                     label=run["model"])
        if speed:
            axes[1].plot(xs, [e.get("words_per_second", np.nan) for e in epochs], marker="o",
                         color=color, label=run["model"])
    axes[0].set_ylabel("loss")
    axes[0].set_title("Training loss per epoch")
    if speed:
        axes[1].set_ylabel("words per second")
        axes[1].set_title("Throughput per epoch")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, title="model")
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(title or "Training curves: " + ", ".join(r["model"] for r in runs))
    return _finish(fig, out)
