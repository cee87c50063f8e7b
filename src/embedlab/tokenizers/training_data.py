"""Word counts for the trainers: training text through a tokenizer's normalizer and pre-tokenizer.

HF ``tokenizers`` trains on files line by line (each line keeps its ``"\\n"``) and counts the
pre-tokenized strings; this module gives the same counts. Two fast paths avoid running the
pipeline over every line, both exact for the pipelines they accept:

* pre-tokenizers that split on whitespace (``Whitespace``, ``WhitespaceSplit``,
  ``BertPreTokenizer``) after a character-local normalizer: count the whitespace-separated
  chunks first, then normalize and split each distinct chunk once;
* ``ByteLevel`` with the GPT-2 pattern and no normalizer: cut each line (with its prefix
  space) before every space that precedes a non-space — the pattern never matches across such
  a point — count those segments, and run the pattern once per distinct segment.

The cuts of the second path come from one ``str.split(" ")`` after hiding the other spaces
behind a character absent from the text.

>>> from embedlab.tokenizers import Tokenizer, WordPiece, Whitespace
>>> tok = Tokenizer(WordPiece({"[UNK]": 0}), pre_tokenizer=Whitespace())
>>> sorted(count_words(tok, ["a b, a"]).items())
[(',', 1), ('a', 2), ('b', 1)]
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import EmbedlabError

from . import normalizers as _norm
from . import pre_tokenizers as _pre
from ._chars import WS_BODY
from .bytelevel import byte_level_word

if TYPE_CHECKING:
    from .normalizers import Normalizer
    from .pre_tokenizers import PreTokenizer


class TrainingDataError(EmbedlabError, ValueError):
    """Training data is missing, empty or unreadable; the message names the file."""


# characters Python's str.split() treats as whitespace but HF does not
_SPLIT_ONLY_WS = re.compile("[\x1c-\x1f]")
_LOCAL_NORMALIZERS = (_norm.BertNormalizer, _norm.Lowercase, _norm.StripAccents, _norm.NFC,
                      _norm.NFD, _norm.NFKC, _norm.NFKD)
_WS_PRE_TOKENIZERS = (_pre.Whitespace, _pre.WhitespaceSplit, _pre.BertPreTokenizer)
# a line start that gets ByteLevel's prefix space; a segment (see module docstring)
_LINE_NEEDS_PREFIX = re.compile(r"(?m)^(?=[^ ])")
# a space followed by whitespace (or the end) continues its segment, unless it starts a line
_SPACE_IN_SEGMENT = re.compile(rf"(?<!\n) (?=[\s{WS_BODY}]|\Z)")
_GLUE_CHARS = "\x00\x01\x02\x03\ue000\ue001\ue002\U0010fffd"


def _char_local(n: _norm.Normalizer | None) -> bool:
    if n is None:
        return True
    if isinstance(n, _norm.Sequence):
        return all(_char_local(x) for x in n.normalizers)
    return type(n) in _LOCAL_NORMALIZERS


def read_text(path: str | Path) -> str:
    """A training file as text; invalid UTF-8 is an error naming the file and byte offset."""
    p = Path(path).expanduser()
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise TrainingDataError(f"{p}: no such training file") from None
    except IsADirectoryError:
        raise TrainingDataError(f"{p}: is a directory; pass the text files inside it") from None
    except OSError as exc:
        raise TrainingDataError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TrainingDataError(
            f"{p}: not valid UTF-8 (byte {exc.start}: {exc.reason}); convert it first, "
            f"e.g. iconv -f latin1 -t utf-8"
        ) from None


def lines_with_ending(text: str) -> Iterator[str]:
    """Lines split on "\\n" only, each keeping its "\\n" (as HF reads training files)."""
    start = 0
    n = len(text)
    while start < n:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


@dataclass(frozen=True)
class Stages:
    """The two pipeline stages word counting runs (a ``Tokenizer`` has both attributes)."""

    normalizer: Normalizer | None
    pre_tokenizer: PreTokenizer | None


class WordCounter:
    """Accumulates pre-tokenized word counts for one tokenizer (or its :class:`Stages`)."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.counts: Counter[str] = Counter()
        norm, pre = tokenizer.normalizer, tokenizer.pre_tokenizer
        self._ws_path = type(pre) in _WS_PRE_TOKENIZERS and _char_local(norm)
        self._bl_path = (type(pre) is _pre.ByteLevel and norm is None
                         and getattr(pre, "use_regex", False))

    def add_sequence(self, seq: str) -> None:
        """Count the words of one sequence (a line of a file, an item of an iterator)."""
        tok = self.tokenizer
        norm = tok.normalizer.normalize_str(seq) if tok.normalizer is not None else seq
        pre = tok.pre_tokenizer
        if pre is None:
            if norm:
                self.counts[norm] += 1
            return
        self.counts.update(w for w, _ in pre.pre_tokenize_str(norm))

    def add_text(self, text: str) -> None:
        """Count the words of a whole file's text, line by line."""
        if self._ws_path and not _SPLIT_ONLY_WS.search(text):
            self._add_chunks(Counter(text.split()))
        elif self._bl_path:
            self._add_segments(text)
        else:
            for line in lines_with_ending(text):
                self.add_sequence(line)

    def _add_chunks(self, chunks: Counter[str]) -> None:
        tok = self.tokenizer
        normalize = tok.normalizer.normalize_str if tok.normalizer is not None else None
        pre = tok.pre_tokenizer
        assert pre is not None
        split = pre.split
        counts = self.counts
        for chunk, c in chunks.items():
            for w, _ in split(normalize(chunk) if normalize is not None else chunk):
                counts[w] += c

    def _add_segments(self, text: str) -> None:
        pre = self.tokenizer.pre_tokenizer
        assert isinstance(pre, _pre.ByteLevel)
        if pre.add_prefix_space:
            text = _LINE_NEEDS_PREFIX.sub(" ", text)
        # Hide every space that does not start a segment behind a stand-in character, so a
        # plain split on " " cuts exactly at the segment starts (and line starts stay cuts).
        glue = next(c for c in _GLUE_CHARS if c not in text)
        parts = _SPACE_IN_SEGMENT.sub(glue, text).split(" ")
        segments: Counter[str] = Counter()
        head = parts[0]
        tail = Counter(parts[1:])
        for part, c in [(head, 1), *((" " + p, c) for p, c in tail.items())]:
            seg = part.replace(glue, " ")
            if "\n" in seg[:-1]:  # a line break inside: each line is its own text
                for line in lines_with_ending(seg):
                    segments[line] += c
            elif seg:
                segments[seg] += c
        findall = pre._rx.findall
        pieces: Counter[str] = Counter()
        for seg, c in segments.items():
            if seg[1:].isalpha() and (seg[0] == " " or seg[0].isalpha()):
                pieces[seg] += c  # " word" or "word": one piece, no need for the pattern
                continue
            for piece in findall(seg):
                pieces[piece] += c
        counts = self.counts
        for piece, c in pieces.items():
            counts[byte_level_word(piece)[0]] += c


def count_words(tokenizer: Any, sequences: Iterable[str | list[str]]) -> Counter[str]:
    """Word counts of ``sequences`` (strings, or lists of strings taken as batches)."""
    wc = WordCounter(tokenizer)
    for i, item in enumerate(sequences):
        if isinstance(item, str):
            wc.add_sequence(item)
        elif isinstance(item, (list, tuple)) and all(isinstance(s, str) for s in item):
            for s in item:
                wc.add_sequence(s)
        else:
            raise TrainingDataError(
                f"training item {i}: expected a str or a list of str, got {type(item).__name__}"
            )
    return wc.counts


def count_words_in_files(
    tokenizer: Any, files: str | Path | Iterable[str | Path], workers: int | None = None
) -> Counter[str]:
    """Word counts of the given UTF-8 text files, read line by line as HF does.

    Several files are counted by ``workers`` processes (default: the usable CPUs, at most 8);
    the counts are merged in file order, so the result does not depend on ``workers``.
    """
    paths = [Path(f) for f in ([files] if isinstance(files, (str, Path)) else files)]
    if not paths:
        raise TrainingDataError("no training files given; pass one or more UTF-8 text files")
    if workers is None:
        workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1, 8)
    workers = max(1, min(workers, len(paths)))
    if workers == 1 or sum(_size(p) for p in paths) < _PARALLEL_MIN_BYTES:
        wc = WordCounter(tokenizer)
        for p in paths:
            wc.add_text(read_text(p))
        return wc.counts
    from concurrent.futures import ProcessPoolExecutor

    stages = (tokenizer.normalizer, tokenizer.pre_tokenizer)
    total: Counter[str] = Counter()
    with ProcessPoolExecutor(workers) as pool:
        for counts in pool.map(_count_file, [stages] * len(paths), paths):
            total.update(counts)
    return total


_PARALLEL_MIN_BYTES = 4_000_000


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0  # read_text reports it


def _count_file(stages: tuple[Any, Any], path: Path) -> Counter[str]:
    wc = WordCounter(Stages(*stages))
    wc.add_text(read_text(path))
    return wc.counts
