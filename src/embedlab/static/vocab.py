"""The vocabulary pass: count words once, then hand the trainers integer arrays.

:func:`scan` reads a corpus exactly once.  While counting it writes every token as a
provisional id (order of first appearance) into an int32 stream, spilled to a temporary
file past ``spill_words``; after counting, the stream is remapped to final vocabulary ids
(most frequent first) with words below ``min_count`` dropped, as the word2vec C tool and
gensim drop them before windowing.  Training epochs then run over the arrays, never over
the text again.

>>> vocab, data = scan([["a", "b", "a"], ["c", "a", "b"]], min_count=2)
>>> vocab.words, vocab.counts.tolist()
(['a', 'b'], [3, 2])
>>> data.ids.tolist(), data.starts.tolist()
([0, 1, 0, 0, 1], [0, 3, 5])
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embedlab.errors import check_positive
from embedlab.text.corpus import Corpus, CorpusError, CorpusStats

#: Provisional ids held in memory before the stream spills to a temporary file.
SPILL_WORDS = 64 * 1024 * 1024


@dataclass
class Vocab:
    """Words by descending count (ties in order of first appearance) and their counts."""

    words: list[str]
    counts: np.ndarray  # int64, same order as words
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.index:
            self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    @property
    def total(self) -> int:
        """Occurrences of all vocabulary words in the corpus."""
        return int(self.counts.sum())


@dataclass
class EncodedCorpus:
    """The corpus as vocabulary ids: sentence ``i`` is ``ids[starts[i]:starts[i+1]]``.

    ``raw_words`` counts every token read (including those dropped by ``min_count``).
    Sentences left empty by ``min_count`` are kept, so indices still line up with the
    sentences the corpus yielded.
    """

    ids: np.ndarray  # int32
    starts: np.ndarray  # int64, len = sentences + 1
    raw_words: int
    stats: CorpusStats
    _tmpdir: Any = None

    @property
    def sentences(self) -> int:
        return len(self.starts) - 1

    def __len__(self) -> int:
        return len(self.ids)

    def close(self) -> None:
        """Release the temporary spill file, if any."""
        if self._tmpdir is not None:
            self.ids = np.asarray(self.ids)[:0].copy()
            self._tmpdir.cleanup()
            self._tmpdir = None


class _Stream:
    """An append-only int32 stream: in memory, moved to a temporary file when large."""

    def __init__(self, spill_words: int) -> None:
        self.spill_words = spill_words
        self.parts: list[np.ndarray] = []
        self.size = 0
        self.tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self.file: Any = None

    def append(self, values: list[int]) -> None:
        arr = np.asarray(values, dtype=np.int32)
        self.size += len(arr)
        if self.file is not None:
            self.file.write(arr.tobytes())
            return
        self.parts.append(arr)
        if self.size > self.spill_words:
            self.tmpdir = tempfile.TemporaryDirectory(prefix="embedlab-corpus-")
            self.file = open(os.path.join(self.tmpdir.name, "provisional.i32"), "wb")  # noqa: SIM115
            for part in self.parts:
                self.file.write(part.tobytes())
            self.parts = []

    def finish(self) -> np.ndarray:
        if self.file is None:
            return np.concatenate(self.parts) if self.parts else np.zeros(0, np.int32)
        self.file.close()
        return np.memmap(self.file.name, dtype=np.int32, mode="r", shape=(self.size,))


def scan(corpus: Any, min_count: int = 5, max_vocab: int | None = None,
         spill_words: int = SPILL_WORDS, progress: Any = None,
         **corpus_options: Any) -> tuple[Vocab, EncodedCorpus]:
    """Count the corpus's words and encode it as vocabulary ids, in one pass.

    ``corpus`` is anything :class:`~embedlab.text.corpus.Corpus` accepts (extra keyword
    arguments go to it).  Words seen fewer than ``min_count`` times are dropped; with
    ``max_vocab`` only the most frequent ``max_vocab`` words are kept.  ``progress`` is
    called with the number of tokens read after each sentence batch.
    """
    check_positive("min_count", min_count)
    if max_vocab is not None and (not isinstance(max_vocab, int) or max_vocab < 1):
        raise ValueError(f"max_vocab must be a positive integer or None, got {max_vocab!r}")
    stream = corpus if isinstance(corpus, Corpus) else Corpus(corpus, **corpus_options)
    provisional: dict[str, int] = {}
    out = _Stream(spill_words)
    starts = [0]
    pending: list[int] = []
    read = 0
    flush = min(1 << 20, spill_words)
    setdefault = provisional.setdefault
    for sentence in stream:
        ids = [setdefault(w, len(provisional)) for w in sentence]
        pending.extend(ids)
        starts.append(starts[-1] + len(ids))
        if len(pending) >= flush:
            read += len(pending)
            out.append(pending)
            pending = []
            if progress is not None:
                progress(read)
    read += len(pending)
    out.append(pending)
    if progress is not None:
        progress(read)
    if not provisional:
        raise CorpusError("the corpus is empty: no words were found; check the path and "
                          "that the files hold text")
    raw = out.finish()
    count_arr = _bincount(raw, len(provisional))
    order = np.argsort(-count_arr, kind="stable")
    order = order[count_arr[order] >= min_count]
    if max_vocab is not None:
        order = order[:max_vocab]
    if len(order) == 0:
        raise CorpusError(
            f"no word occurs at least min_count={min_count} times "
            f"(the most frequent occurs {int(count_arr.max())} times); lower min_count")
    words_by_prov = list(provisional)
    vocab = Vocab([words_by_prov[i] for i in order], count_arr[order])
    remap = np.full(len(count_arr), -1, dtype=np.int32)
    remap[order] = np.arange(len(order), dtype=np.int32)
    starts_arr = np.asarray(starts, dtype=np.int64)
    encoded, new_starts, tmpdir = _remap(raw, starts_arr, remap, out.tmpdir)
    return vocab, EncodedCorpus(encoded, new_starts, int(read), stream.stats, tmpdir)


def _bincount(ids: np.ndarray, n: int) -> np.ndarray:
    counts = np.zeros(n, dtype=np.int64)
    block = 1 << 24
    for lo in range(0, len(ids), block):
        counts += np.bincount(ids[lo:lo + block], minlength=n)
    return counts


def _remap(raw: np.ndarray, starts: np.ndarray, remap: np.ndarray,
           tmpdir: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    """Final ids with dropped words removed, and the sentence starts moved to match."""
    n = len(raw)
    block = 1 << 24
    if tmpdir is None:
        kept_before = np.zeros(n + 1, dtype=np.int64)
        mapped = remap[raw]
        keep = mapped >= 0
        np.cumsum(keep, out=kept_before[1:])
        return mapped[keep], kept_before[starts], None
    # Large spilled stream: remap block by block into a second file.
    path = os.path.join(tmpdir.name, "ids.i32")
    new_starts = np.empty_like(starts)
    kept = 0
    with open(path, "wb") as fh:
        pos = 0
        s = 0
        for lo in range(0, n, block):
            mapped = remap[raw[lo:lo + block]]
            keep = mapped >= 0
            cum = np.concatenate(([0], np.cumsum(keep)))
            hi = min(lo + block, n)
            while s < len(starts) and starts[s] <= hi:
                new_starts[s] = kept + cum[starts[s] - lo]
                s += 1
            fh.write(mapped[keep].tobytes())
            kept += int(cum[-1])
            pos = hi
        del pos
    del raw
    os.remove(os.path.join(tmpdir.name, "provisional.i32"))
    ids = np.memmap(path, dtype=np.int32, mode="r", shape=(kept,)) if kept else np.zeros(
        0, np.int32)
    return ids, new_starts, tmpdir


def iter_sentences(data: EncodedCorpus) -> Iterable[np.ndarray]:
    """Each sentence's id array (a view)."""
    for i in range(data.sentences):
        yield data.ids[data.starts[i]:data.starts[i + 1]]
