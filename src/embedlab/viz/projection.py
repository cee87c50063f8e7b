"""Projections of embeddings to 2 or 3 dimensions: PCA, t-SNE and UMAP.

PCA is implemented here over numpy's SVD (with explained variance); t-SNE comes from
scikit-learn and UMAP from the optional ``umap-learn`` package.  Every method goes through
:func:`project`, which checks its input first (NaN rows, too few points) and reports
progress through an optional callback.

Example:
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(100, 10))
    >>> p = project(x, "pca", dim=2)
    >>> p.coords.shape, p.method, round(float(p.explained_variance_ratio.sum()), 2) < 1
    ((100, 2), 'pca', True)
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embedlab.errors import EmbedlabError, NotFittedError
from embedlab.params import Params

METHODS = ("pca", "tsne", "umap")
Progress = Callable[[str, float], None]
"""A progress callback: ``progress(stage, fraction)`` with ``fraction`` in [0, 1]."""

METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


class ProjectionError(EmbedlabError, ValueError):
    """The input cannot be projected as asked; the message names the problem and the fix."""


class PCA(Params):
    """Principal component analysis over numpy's SVD.

    Components are signed like scikit-learn's (the largest absolute loading of each
    component is positive), so results match ``sklearn.decomposition.PCA`` up to rounding.

    Example:
        >>> x = np.random.default_rng(1).normal(size=(50, 5))
        >>> pca = PCA(2).fit(x)
        >>> pca.components_.shape, pca.transform(x).shape
        ((2, 5), (50, 2))
        >>> bool(pca.explained_variance_[0] >= pca.explained_variance_[1])
        True
    """

    def __init__(self, n_components: int = 2) -> None:
        self.n_components = n_components
        self.mean_: np.ndarray | None = None
        self.components_: np.ndarray | None = None
        self.explained_variance_: np.ndarray | None = None
        self.explained_variance_ratio_: np.ndarray | None = None
        self.singular_values_: np.ndarray | None = None

    def fit(self, x: Any) -> PCA:
        """Learn the mean and the top ``n_components`` directions of ``x`` (n, d)."""
        if isinstance(self.n_components, bool) or not isinstance(self.n_components, int) \
                or self.n_components < 1:
            raise ProjectionError(f"n_components must be at least 1, got {self.n_components!r}")
        x = np.asarray(x, dtype=np.float64)
        n, d = x.shape
        if n < 2 or min(n, d) < self.n_components:
            raise ProjectionError(
                f"PCA to {self.n_components} dimensions needs at least "
                f"{self.n_components} points and dimensions (and 2 points), got {n} points of "
                f"{d} dimensions; give more points or ask for fewer dimensions")
        self.mean_ = x.mean(axis=0)
        centered = x - self.mean_
        _, s, vt = np.linalg.svd(centered, full_matrices=False)
        # sign: the largest absolute loading of each component is positive (as scikit-learn)
        biggest = np.argmax(np.abs(vt), axis=1)
        signs = np.sign(vt[np.arange(vt.shape[0]), biggest])
        signs[signs == 0] = 1.0
        vt *= signs[:, None]
        variance = s**2 / (n - 1)
        total = variance.sum()
        k = self.n_components
        self.components_ = vt[:k]
        self.singular_values_ = s[:k]
        self.explained_variance_ = variance[:k]
        self.explained_variance_ratio_ = (variance[:k] / total if total > 0
                                          else np.zeros(k))
        return self

    def transform(self, x: Any) -> np.ndarray:
        """Coordinates of ``x`` along the learnt components, ``(n, n_components)``."""
        if self.components_ is None or self.mean_ is None:
            raise NotFittedError("PCA is not fitted; call fit(x) first")
        return (np.asarray(x, dtype=np.float64) - self.mean_) @ self.components_.T

    def fit_transform(self, x: Any) -> np.ndarray:
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)


@dataclass
class Projection:
    """Low-dimensional coordinates and how they were made.

    ``explained_variance_ratio`` is set for PCA only; ``description`` reads like
    ``"PCA (2-D, 41% of variance)"`` and goes into plot titles.
    """

    coords: np.ndarray
    method: str
    dim: int
    params: dict[str, Any] = field(default_factory=dict)
    explained_variance_ratio: np.ndarray | None = None

    @property
    def description(self) -> str:
        text = f"{METHOD_NAMES[self.method]} ({self.dim}-D"
        if self.explained_variance_ratio is not None:
            text += f", {100 * float(self.explained_variance_ratio.sum()):.0f}% of variance"
        elif self.method == "tsne":
            text += f", perplexity {self.params.get('perplexity')}"
        elif self.method == "umap":
            text += f", {self.params.get('n_neighbors')} neighbours"
        return text + ")"


def check_vectors(vectors: Any, labels: list[str] | None = None) -> np.ndarray:
    """``vectors`` as a finite float32 (n, d) array; :class:`ProjectionError` otherwise.

    Example:
        >>> try:
        ...     check_vectors([[1, float("nan")], [0, 1]], ["a", "b"])
        ... except ProjectionError as exc:
        ...     print(exc)
        1 vector(s) hold NaN or infinite values: 'a'; remove or fix them before projecting
    """
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise ProjectionError(f"vectors must be a 2-d (points, dimensions) array, got shape "
                              f"{x.shape}")
    if x.shape[0] == 0:
        raise ProjectionError("no vectors to project (the input is empty); give at least a "
                              "few points")
    bad = np.flatnonzero(~np.isfinite(x).all(axis=1))
    if bad.size:
        names = [repr(labels[i]) if labels is not None else f"row {i}" for i in bad[:5]]
        more = f" and {bad.size - 5} more" if bad.size > 5 else ""
        raise ProjectionError(f"{bad.size} vector(s) hold NaN or infinite values: "
                              f"{', '.join(names)}{more}; remove or fix them before projecting")
    return x


def min_points(method: str, perplexity: float = 30.0, n_neighbors: int = 15) -> int:
    """The fewest points ``method`` can project with these settings."""
    if method == "tsne":
        return int(np.floor(perplexity)) + 2
    if method == "umap":
        return n_neighbors + 1
    return 3


def project(vectors: Any, method: str = "pca", dim: int = 2, *, perplexity: float = 30.0,
            n_neighbors: int = 15, seed: int = 0, labels: list[str] | None = None,
            progress: Progress | None = None) -> Projection:
    """Project ``vectors`` (n, d) to ``dim`` (2 or 3) dimensions with ``method``.

    ``method`` is ``"pca"``, ``"tsne"`` (scikit-learn, ``perplexity``) or ``"umap"``
    (umap-learn, ``n_neighbors``).  ``labels`` only improve error messages.  ``progress``
    is called as ``progress(stage, fraction)``.

    Example:
        >>> x = np.random.default_rng(0).normal(size=(10, 4))
        >>> try:
        ...     project(x, "tsne", perplexity=30)
        ... except ProjectionError as exc:
        ...     print(exc)
        t-SNE with perplexity 30 needs at least 32 points, got 10; lower the perplexity (below 9) or give more points
    """
    method = method.lower().replace("-", "")
    if method not in METHODS:
        raise ProjectionError(f"unknown projection {method!r}; choose one of "
                              f"{', '.join(METHODS)}")
    if dim not in (2, 3):
        raise ProjectionError(f"projections go to 2 or 3 dimensions, not {dim}")
    x = check_vectors(vectors, labels)
    n = x.shape[0]
    report = progress or (lambda stage, fraction: None)
    if method == "tsne" and n < min_points("tsne", perplexity):
        fix = (f"lower the perplexity (below {n - 1}) or give more points" if n > 2
               else "give at least 3 points")
        raise ProjectionError(
            f"t-SNE with perplexity {perplexity:g} needs at least "
            f"{min_points('tsne', perplexity)} points, got {n}; {fix}")
    if method == "umap" and n < min_points("umap", n_neighbors=n_neighbors):
        raise ProjectionError(
            f"UMAP with {n_neighbors} neighbours needs at least {n_neighbors + 1} points, got "
            f"{n}; lower --neighbors (below {n}) or give more points")
    if method == "pca":
        if n < 3 or x.shape[1] < dim:
            raise ProjectionError(
                f"PCA to {dim}-D needs at least 3 points of at least {dim} dimensions, got {n} "
                f"of {x.shape[1]}; give more points")
        report("PCA", 0.0)
        pca = PCA(dim).fit(x)
        coords = pca.transform(x)
        report("PCA", 1.0)
        return Projection(coords.astype(np.float32), "pca", dim,
                          explained_variance_ratio=pca.explained_variance_ratio_)
    if method == "tsne":
        coords = _tsne(x, dim, perplexity, seed, report)
        return Projection(coords, "tsne", dim, {"perplexity": perplexity})
    coords = _umap(x, dim, n_neighbors, seed, report)
    return Projection(coords, "umap", dim, {"n_neighbors": n_neighbors})


_STDOUT_LOCK = threading.Lock()
_ITERATION = re.compile(r"\[t-SNE\] Iteration (\d+)")


class _LineLog(io.TextIOBase):
    """A stdout stand-in that hands each complete line to ``line`` (print() writes its
    arguments piece by piece)."""

    def __init__(self, report: Progress) -> None:
        self.report = report
        self.buffer = ""

    def write(self, text: str) -> int:
        self.buffer += text
        *lines, self.buffer = self.buffer.split("\n")
        for line in lines:
            self.line(line)
        return len(text)

    def line(self, text: str) -> None:
        raise NotImplementedError


class _TsneLog(_LineLog):
    """Reads scikit-learn's verbose t-SNE log and turns iterations into progress."""

    def __init__(self, report: Progress, total: int) -> None:
        super().__init__(report)
        self.total = total

    def line(self, text: str) -> None:
        m = _ITERATION.search(text)
        if m:
            self.report("t-SNE", min(int(m.group(1)) / self.total, 1.0))
        elif "Computing" in text and "nearest neighbors" in text:
            self.report("t-SNE: nearest neighbours", 0.0)


_EPOCHS = re.compile(r"completed\s+(\d+)\s*/\s*(\d+) epochs")


class _UmapLog(_LineLog):
    """Reads umap-learn's verbose log: neighbours are the first 30%, epochs the rest."""

    def line(self, text: str) -> None:
        m = _EPOCHS.search(text)
        if m:
            self.report("UMAP", 0.3 + 0.7 * int(m.group(1)) / max(int(m.group(2)), 1))
        elif "Finished Nearest Neighbor Search" in text:
            self.report("UMAP", 0.3)


def _tsne(x: np.ndarray, dim: int, perplexity: float, seed: int, report: Progress
          ) -> np.ndarray:
    from sklearn.manifold import TSNE

    max_iter = 1000
    # a PCA to 50 dimensions first (the usual practice) keeps t-SNE's neighbour search fast
    if x.shape[1] > 50 and x.shape[0] > 50:
        x = PCA(50).fit_transform(x).astype(np.float32)
    tsne = TSNE(n_components=dim, perplexity=perplexity, init="pca", random_state=seed,
                max_iter=max_iter, verbose=2, learning_rate="auto",
                method="barnes_hut" if dim <= 3 else "exact")
    report("t-SNE", 0.0)
    with _STDOUT_LOCK, contextlib.redirect_stdout(_TsneLog(report, max_iter)):
        coords = tsne.fit_transform(x)
    report("t-SNE", 1.0)
    return np.asarray(coords, dtype=np.float32)


def _umap(x: np.ndarray, dim: int, n_neighbors: int, seed: int, report: Progress
          ) -> np.ndarray:
    try:
        import umap
    except ImportError:
        raise ProjectionError("UMAP needs the umap-learn package; install it with "
                              "`pip install 'embedlab[viz]'` or `pip install umap-learn`, or "
                              "use --method pca or tsne") from None
    report("UMAP: nearest neighbours", 0.0)
    reducer = umap.UMAP(n_components=dim, n_neighbors=n_neighbors, random_state=seed,
                        n_jobs=1, verbose=True, tqdm_kwds={"disable": True})
    with _STDOUT_LOCK, contextlib.redirect_stdout(_UmapLog(report)):
        coords = reducer.fit_transform(x)
    report("UMAP", 1.0)
    return np.asarray(coords, dtype=np.float32)


def umap_available() -> bool:
    """Whether the optional ``umap-learn`` package can be imported."""
    import importlib.util

    return importlib.util.find_spec("umap") is not None


@dataclass
class Points:
    """Vectors to show, one label each, plus optional metadata fields (one value per point).

    ``source`` says what the points are (``"glove-6b-50d, 20,000 words"``) for titles.

    Example:
        >>> pts = Points(np.eye(3, dtype=np.float32), ["a", "b", "c"], {"kind": ["x", "y", "x"]})
        >>> len(pts), pts.fields
        (3, ['kind'])
    """

    vectors: np.ndarray
    labels: list[str]
    metadata: dict[str, list[Any]] = field(default_factory=dict)
    source: str = "vectors"

    def __post_init__(self) -> None:
        self.vectors = check_vectors(self.vectors, self.labels)
        if len(self.labels) != self.vectors.shape[0]:
            raise ProjectionError(f"{len(self.labels)} labels for {self.vectors.shape[0]} "
                                  "vectors; give one label per vector")
        for name, values in self.metadata.items():
            if len(values) != len(self.labels):
                raise ProjectionError(f"metadata field {name!r} has {len(values)} values for "
                                      f"{len(self.labels)} points; give one per point")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def fields(self) -> list[str]:
        return list(self.metadata)


def words_points(wv: Any, limit: int | None = None, words: list[str] | None = None,
                 name: str = "word vectors") -> Points:
    """Points for word vectors: the first ``limit`` words, or the listed ``words``.

    Words not in the vocabulary are skipped (a warning lists them); if none is left a
    :class:`ProjectionError` says so.  The metadata field ``rank`` is the word's row.
    """
    if words is not None:
        missing = [w for w in words if w not in wv]
        if missing:
            import logging

            logging.getLogger(__name__).warning(
                "skipping %d word(s) not in the vocabulary: %s", len(missing), ", ".join(missing))
        words = [w for w in dict.fromkeys(words) if w in wv]
        if not words:
            raise ProjectionError(f"none of the words is in the vocabulary of {name}; "
                                  "check the spelling (vocabularies are often lower-case)")
        rows = [wv.index[w] for w in words]
    else:
        rows = list(range(min(len(wv), limit) if limit else len(wv)))
        words = [wv.words[i] for i in rows]
    vectors = wv.vectors[rows]
    band = [_rank_band(r) for r in rows]
    return Points(vectors, list(words), {"frequency rank": band},
                  source=f"{name}, {len(rows):,} words")


def _rank_band(rank: int) -> str:
    for top in (100, 1000, 10000, 100000):
        if rank < top:
            return f"top {top:,}"
    return "rarer"


def collection_points(path: Any, limit: int | None = None) -> Points:
    """Points for a stored collection (a folder): texts as labels, metadata fields kept."""
    from pathlib import Path

    from embedlab.store import Collection

    with Collection.open(Path(path)) as col:
        docs = col.get(limit=limit)
        if not docs:
            raise ProjectionError(f"the collection at {path} is empty; add documents with "
                                  "`embedlab index FILES --collection DIR` first")
        vectors = col.get_vectors([d.id for d in docs])
    labels = [_short(d.text or d.id) for d in docs]
    keys = sorted({k for d in docs for k, v in d.metadata.items()
                   if isinstance(v, str | int | float | bool)})
    metadata: dict[str, list[Any]] = {k: [d.metadata.get(k, "") for d in docs] for k in keys}
    if any(d.source for d in docs):
        metadata["source"] = [d.source or "" for d in docs]
    return Points(vectors, labels, metadata, source=f"collection {Path(path).name}, "
                  f"{len(docs):,} documents")


def texts_points(model: str, texts: list[str]) -> Points:
    """Points for ``texts`` encoded by the sentence encoder ``model``."""
    from embedlab.encoders.loading import load_encoder

    texts = [t for t in texts if t.strip()]
    if not texts:
        raise ProjectionError("no texts to encode (the file is empty); give one text a line")
    enc = load_encoder(model)
    vectors = enc.encode(texts)
    return Points(np.asarray(vectors, dtype=np.float32), [_short(t) for t in texts],
                  source=f"{model}, {len(texts):,} texts")


def _short(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
