"""Word-word co-occurrence counts: the table GloVe is trained on.

:func:`cooccurrence_matrix` counts, for every word, the words seen within ``window``
tokens of it in the same sentence, each occurrence weighted ``1/distance`` (or 1), in
both directions when ``symmetric`` -- the counting of the reference GloVe tool
(``cooccur.c``).  Words outside the vocabulary are removed before windowing, so a window
spans the remaining words.  Counting runs in bounded memory: pairs are accumulated in a
hash table of about a quarter of ``memory_limit_mb``; each full table becomes a sorted
run, runs past half the budget are spilled to a temporary folder, and the runs are merged
at the end.

>>> c = cooccurrence_matrix(["The cat is fluffy.", "The dog is fluffy."], window=1,
...                         distance_weighting=False)
>>> c.words
['the', 'is', 'fluffy', 'cat', 'dog']
>>> c.get("is", "fluffy"), c.get("cat", "dog")
(2.0, 0.0)
>>> print(c)  # doctest: +NORMALIZE_WHITESPACE
           the   is  fluffy  cat  dog
    the      0    0       0    1    1
     is      0    0       2    1    1
 fluffy      0    2       0    0    0
    cat      1    1       0    0    0
    dog      1    1       0    0    0
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from embedlab.errors import check_positive
from embedlab.files import atomic_write_bytes
from embedlab.static import _glove_kernels as K
from embedlab.text.corpus import Corpus, CorpusError

#: Default memory budget of a co-occurrence build.
MEMORY_LIMIT_MB = 2048.0
_ENTRY_BYTES = 16  # int64 key + float64 value


@dataclass
class Cooccurrence:
    """A labelled sparse co-occurrence table: ``matrix[i, j]`` is the (weighted) count of
    ``words[j]`` near ``words[i]``.  ``counts`` holds word frequencies when known;
    ``info`` says how the table was built (runs, spilled runs, pairs counted)."""

    matrix: sp.csr_matrix
    words: list[str]
    counts: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.matrix.shape != (len(self.words), len(self.words)):
            raise ValueError(f"matrix shape {self.matrix.shape} does not match "
                             f"{len(self.words)} words")
        if not self._index:
            self._index = {w: i for i, w in enumerate(self.words)}

    @property
    def nnz(self) -> int:
        return int(self.matrix.nnz)

    def __len__(self) -> int:
        return len(self.words)

    def index(self, word: str) -> int:
        try:
            return self._index[word]
        except KeyError:
            raise KeyError(f"{word!r} is not in the co-occurrence vocabulary "
                           f"({len(self.words)} words)") from None

    def get(self, word: str, context: str) -> float:
        """The count of ``context`` near ``word`` (0.0 when never seen together)."""
        return float(self.matrix[self.index(word), self.index(context)])

    def to_dense(self) -> np.ndarray:
        return np.asarray(self.matrix.todense())

    def __str__(self) -> str:
        if len(self.words) > 30:
            return (f"Cooccurrence({len(self.words)} words, {self.nnz} non-zero entries; "
                    "too large to print)")
        dense = self.to_dense()
        cells = [[_fmt(v) for v in row] for row in dense]
        width = max([len(w) for w in self.words] + [len(c) for r in cells for c in r])
        lines = [" " * width + "".join(f"  {w:>{width}}" for w in self.words)]
        for w, row in zip(self.words, cells, strict=True):
            lines.append(f"{w:>{width}}" + "".join(f"  {c:>{width}}" for c in row))
        return "\n".join(lines)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the table as ``.npz`` atomically (an interrupted save leaves no file)."""
        m = self.matrix
        buf = io.BytesIO()
        np.savez(buf, data=m.data, indices=m.indices, indptr=m.indptr,
                 words=np.array(self.words, dtype=object).astype(str),
                 counts=(self.counts if self.counts is not None else np.zeros(0, np.int64)))
        atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Cooccurrence:
        with np.load(path) as z:
            words = [str(w) for w in z["words"]]
            n = len(words)
            m = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(n, n))
            counts = z["counts"] if len(z["counts"]) else None
        return cls(m, words, counts)


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.3g}"


def cooccurrence_matrix(corpus: Any, window: int = 15, min_count: int = 1,
                        symmetric: bool = True, distance_weighting: bool = True,
                        vocab: Any = None, memory_limit_mb: float = MEMORY_LIMIT_MB,
                        max_vocab: int | None = None, progress: Any = None,
                        workers: int = 2) -> Cooccurrence:
    """Count co-occurrences in ``corpus`` (anything :class:`Corpus` accepts).

    Args:
        window: how many words either side count (``cooccur.c``'s ``-window-size``).
        min_count, max_vocab: vocabulary filter, as :func:`embedlab.static.vocab.scan`;
            rows are ordered by descending frequency.
        symmetric: count both directions; ``False`` counts ``matrix[i, j]`` only when
            ``j`` follows ``i`` (within the window).
        distance_weighting: weight an occurrence at distance ``d`` by ``1/d``, else 1.
        vocab: a list of words (or a ``Vocab``) fixing the rows, in that order; other
            words are dropped from the text.  Overrides ``min_count``/``max_vocab``.
        memory_limit_mb: working-memory budget of the count (the result is extra).
        progress: called with the number of sentences counted so far.
        workers: counting threads (each with its own share of the memory budget).

    >>> c = cooccurrence_matrix([["a", "b", "c"]], window=2)
    >>> c.get("a", "c"), c.get("c", "a")
    (0.5, 0.5)
    """
    from embedlab.static.vocab import scan

    _check_window(window)
    if vocab is not None:
        words = list(getattr(vocab, "words", vocab))
        if not words:
            raise ValueError("vocab is empty; give at least one word or vocab=None")
        counts = getattr(vocab, "counts", None)
        ids, starts = _encode(corpus, words)
    else:
        v, data = scan(corpus, min_count=min_count, max_vocab=max_vocab)
        words, counts = v.words, v.counts
        ids, starts = data.ids, data.starts
    try:
        matrix, info = count_encoded(ids, starts, len(words), window, symmetric,
                                     distance_weighting, memory_limit_mb, progress,
                                     workers)
    finally:
        if vocab is None:
            data.close()
    return Cooccurrence(matrix, list(words), counts, info)


def _check_window(window: int) -> None:
    check_positive("window", window)


def _encode(corpus: Any, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    index = {w: i for i, w in enumerate(words)}
    if len(index) != len(words):
        raise ValueError("vocab lists a word twice; give each word once")
    stream = corpus if isinstance(corpus, Corpus) else Corpus(corpus)
    ids: list[int] = []
    starts = [0]
    seen = False
    for sentence in stream:
        seen = seen or bool(sentence)
        ids.extend(i for i in (index.get(w, -1) for w in sentence) if i >= 0)
        starts.append(len(ids))
    if not seen:
        raise CorpusError("the corpus is empty: no words were found; check the path and "
                          "that the files hold text")
    return np.asarray(ids, np.int32), np.asarray(starts, np.int64)


def count_encoded(ids: np.ndarray, starts: np.ndarray, vocab_size: int, window: int = 15,
                  symmetric: bool = True, distance_weighting: bool = True,
                  memory_limit_mb: float = MEMORY_LIMIT_MB, progress: Any = None,
                  workers: int = 2) -> tuple[sp.csr_matrix, dict[str, Any]]:
    """Co-occurrence counts of an id-encoded corpus (sentence ``i`` is
    ``ids[starts[i]:starts[i+1]]``) as a ``vocab_size`` square CSR matrix of float64,
    plus build statistics.  ``workers`` threads count contiguous sentence ranges into
    hash tables of their own; the result does not depend on it (up to float rounding)."""
    _check_window(window)
    if memory_limit_mb <= 0:
        raise ValueError(f"memory_limit_mb must be positive, got {memory_limit_mb!r}")
    if vocab_size < 1:
        raise ValueError("vocab_size must be at least 1")
    starts = np.asarray(starts, np.int64)
    sentences = len(starts) - 1
    per_token = window * (2 if symmetric else 1)
    longest = int(np.diff(starts).max()) if sentences > 0 else 0
    budget = int(memory_limit_mb * 1024 * 1024)
    tables = max(1, min(int(workers), sentences))
    slots = 1 << max(10, (budget // 4 // tables // _ENTRY_BYTES).bit_length() - 1)
    # ... and no larger than the corpus can fill.
    while slots > 1024 and slots // 2 > 2 * len(ids) * per_token // tables:
        slots //= 2
    # A table must take the longest sentence on its own, at most half full.
    while slots < 2 * longest * per_token:
        slots *= 2
    max_fill = max(int(slots * 0.7), longest * per_token)
    run_budget = max(budget // 2, 1)
    keys = np.full((tables, slots), K.EMPTY, np.int64)
    vals = np.zeros((tables, slots), np.float64)
    fills = np.zeros(tables, np.int64)
    # Each table counts its own contiguous range of sentences.
    bounds = np.linspace(0, sentences, tables + 1).astype(np.int64)
    pos, ends = bounds[:-1].copy(), bounds[1:].copy()
    runs: list[tuple[np.ndarray, np.ndarray]] = []
    in_memory = 0
    spill: _Spill | None = None
    info: dict[str, Any] = {"runs": 0, "spilled_runs": 0, "table_slots": slots,
                            "tables": tables}
    try:
        while True:
            K.count_tables(ids, starts, pos, ends, window, symmetric, distance_weighting,
                           vocab_size, keys, vals, fills, max_fill)
            done = bool((pos >= ends).all())
            for t in range(tables):
                # A table is dumped when full (its range not finished) or at the end.
                if fills[t] > 0 and (done or pos[t] < ends[t]):
                    run = _dump(keys[t], vals[t])
                    fills[t] = 0
                    runs.append(run)
                    in_memory += len(run[0]) * _ENTRY_BYTES
                    info["runs"] += 1
            if in_memory > run_budget:
                if spill is None:
                    spill = _Spill()
                for r in runs:
                    spill.write(*r)
                    info["spilled_runs"] += 1
                runs, in_memory = [], 0
            if progress is not None:
                progress(int((pos - bounds[:-1]).sum()))
            if done:
                break
        del keys, vals
        if spill is not None:
            for r in runs:
                spill.write(*r)
                info["spilled_runs"] += 1
            runs = []
            all_keys, all_vals, offsets = spill.arrays()
            all_keys, all_vals = np.asarray(all_keys), np.asarray(all_vals)
        elif runs:
            offsets = np.cumsum([0] + [len(r[0]) for r in runs]).astype(np.int64)
            all_keys = np.concatenate([r[0] for r in runs])
            all_vals = np.concatenate([r[1] for r in runs])
            runs = []
        else:
            offsets = np.zeros(1, np.int64)
            all_keys, all_vals = np.zeros(0, np.int64), np.zeros(0, np.float64)
        if len(offsets) <= 2:
            out_keys, out_vals = all_keys, all_vals
        else:
            total = int(offsets[-1])
            # Untouched pages of np.empty are never committed: memory grows with the
            # merged size, not the sum of the runs.
            out_keys = np.empty(total, np.int64)
            out_vals = np.empty(total, np.float64)
            n = K.merge_runs(all_keys, all_vals, offsets, out_keys, out_vals)
            out_keys, out_vals = out_keys[:n].copy(), out_vals[:n].copy()
        del all_keys, all_vals
    finally:
        if spill is not None:
            spill.close()
    matrix = _to_csr(out_keys, out_vals, vocab_size)
    info["pairs"] = int(matrix.nnz)
    return matrix, info


def _dump(keys: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The table's entries sorted by key; the table is emptied."""
    where = np.flatnonzero(keys != K.EMPTY)
    k = keys[where]
    order = np.argsort(k)
    run = k[order], vals[where][order]
    keys[where] = K.EMPTY
    return run


def _to_csr(keys: np.ndarray, vals: np.ndarray, n: int) -> sp.csr_matrix:
    rows = keys // n
    cols = (keys - rows * n).astype(np.int32)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    del rows
    if indptr[-1] < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    return sp.csr_matrix((vals, cols, indptr), shape=(n, n))


class _Spill:
    """Sorted runs appended to two files in a temporary folder, removed by :meth:`close`
    (also on an interrupt)."""

    def __init__(self) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="embedlab-cooccur-")
        self.keys_path = Path(self.dir.name) / "keys.i64"
        self.vals_path = Path(self.dir.name) / "vals.f64"
        self.kf = open(self.keys_path, "wb")  # noqa: SIM115
        self.vf = open(self.vals_path, "wb")  # noqa: SIM115
        self.offsets = [0]

    def write(self, keys: np.ndarray, vals: np.ndarray) -> None:
        self.kf.write(keys.tobytes())
        self.vf.write(vals.tobytes())
        self.offsets.append(self.offsets[-1] + len(keys))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self.kf.close()
        self.vf.close()
        n = self.offsets[-1]
        keys = np.memmap(self.keys_path, np.int64, "r", shape=(n,))
        vals = np.memmap(self.vals_path, np.float64, "r", shape=(n,))
        return keys, vals, np.asarray(self.offsets, np.int64)

    def close(self) -> None:
        self.kf.close()
        self.vf.close()
        self.dir.cleanup()
