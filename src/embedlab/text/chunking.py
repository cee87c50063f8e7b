"""Split a document into overlapping chunks of whole sentences, packed up to a token budget.

Paragraphs (separated by blank lines) are kept together when they fit; otherwise a chunk
ends at a paragraph boundary and the paragraph is packed sentence by sentence. A sentence
longer than the budget is split on whitespace into word runs. Every chunk keeps exact
character offsets: ``text[chunk.start:chunk.end] == chunk.text``.

>>> doc = "One two three. Four five six.\\n\\nSeven eight. Nine ten eleven twelve."
>>> [c.text for c in chunk_text(doc, max_tokens=6, overlap_sentences=1)]
['One two three. Four five six.', 'Four five six.\\n\\nSeven eight.', 'Seven eight. Nine ten eleven twelve.']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from embedlab.errors import check_positive

TokenCounter = Callable[[list[str]], list[int]]

#: Words ending in "." that do not end a sentence (compared lower-cased).
ABBREVIATIONS = frozenset({
    "mr.", "mrs.", "ms.", "dr.", "prof.", "sr.", "jr.", "st.", "vs.", "etc.", "e.g.",
    "i.e.", "cf.", "al.", "fig.", "figs.", "no.", "nos.", "vol.", "inc.", "ltd.", "co.",
    "corp.", "approx.", "dept.", "est.", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.",
    "aug.", "sep.", "sept.", "oct.", "nov.", "dec.", "u.s.", "u.k.", "p.", "pp.", "eq.",
})

# A candidate boundary: ., ! or ? (possibly repeated, possibly followed by closing quotes
# or brackets), then whitespace, then an optional opening quote and a capital letter.
_BOUNDARY = re.compile(r"[.!?]+[\"'\u2019\u201d)\]]*(\s+)(?=[\"'\u2018\u201c(\[]?[A-Z])")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Chunk:
    """One chunk: ``text == source[start:end]``; ``tokens`` as counted by the counter."""

    text: str
    start: int
    end: int
    tokens: int


def word_count(texts: list[str]) -> list[int]:
    """The default token counter: whitespace-separated words per text."""
    return [len(t.split()) for t in texts]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without surrounding whitespace, or None if nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each paragraph: text between blank lines, whitespace trimmed."""
    spans, pos = [], 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        span = _trim(text, pos, m.start())
        if span:
            spans.append(span)
        pos = m.end()
    span = _trim(text, pos, len(text))
    if span:
        spans.append(span)
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence within ``text[start:end]``.

    A sentence ends at ``.``, ``!`` or ``?`` (closing quotes/brackets included) followed by
    whitespace and a capital letter or an opening quote, except after a known abbreviation
    (:data:`ABBREVIATIONS`) or a single-letter initial ("J. Smith"). It is a heuristic: a
    sentence ending in "etc." followed by a new sentence stays joined to it.
    """
    end = len(text) if end is None else end
    spans, pos = [], start
    for m in _BOUNDARY.finditer(text, start, end):
        stop = m.start(1)  # end of the punctuation (and closing quotes)
        before = text[pos:m.start() + 1].split()
        word = before[-1].lower() if before else ""
        if word in ABBREVIATIONS or re.fullmatch(r"\(?[a-z]\.", word):
            continue
        span = _trim(text, pos, stop)
        if span:
            spans.append(span)
        pos = m.end(1)
    span = _trim(text, pos, end)
    if span:
        spans.append(span)
    return spans


def _split_long(text: str, span: tuple[int, int], budget: int,
                count: TokenCounter) -> list[tuple[int, int, int]]:
    """Split one over-long sentence into runs of whole words of at most ``budget`` tokens.

    A single word over the budget (a CJK line, a long URL) is cut between characters.
    """
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, span[0], span[1])]
    counted = list(zip(words, count([text[s:e] for s, e in words]), strict=True))
    if any(n > budget for _, n in counted):
        counted = _split_words(text, counted, budget, count)
    runs: list[tuple[int, int, int]] = []
    run_start, run_end, run_tokens = words[0][0], words[0][0], 0
    for (s, e), n in counted:
        if run_tokens and run_tokens + n > budget:
            runs.append((run_start, run_end, run_tokens))
            run_start, run_tokens = s, 0
        run_end, run_tokens = e, run_tokens + n
    runs.append((run_start, run_end, run_tokens))
    return runs


def _split_words(text: str, counted: list[tuple[tuple[int, int], int]], budget: int,
                 count: TokenCounter) -> list[tuple[tuple[int, int], int]]:
    """Words over the budget (a CJK line, a long URL) halved by characters until each piece
    fits; one character is the smallest piece. Halving keeps the work to about
    ``log2(len / budget)`` counting passes, each bounded by the counter's own cap."""
    out: list[tuple[tuple[int, int], int]] = []
    for (s, e), n in counted:
        pending = [(s, e, n)]
        while pending:
            parts = []
            for a, b, m in pending:
                if m <= budget or b - a == 1:
                    out.append(((a, b), m))
                else:
                    mid = (a + b) // 2
                    parts += [(a, mid), (mid, b)]
            pending = [(a, b, m) for (a, b), m in
                       zip(parts, count([text[a:b] for a, b in parts]), strict=True)]
    out.sort()
    return out


def _units(text: str, budget: int, count: TokenCounter,
           split_starts: set[int]) -> list[list[tuple[int, int, int]]]:
    """Per paragraph, its sentences (or word runs) as ``(start, end, tokens)``; the start
    of each over-long sentence that was split into word runs goes into ``split_starts``."""
    paragraphs = [sentence_spans(text, s, e) for s, e in paragraph_spans(text)]
    flat = [sp for para in paragraphs for sp in para]
    counts = iter(count([text[s:e] for s, e in flat]))
    out: list[list[tuple[int, int, int]]] = []
    for para in paragraphs:
        units: list[tuple[int, int, int]] = []
        for s, e in para:
            n = next(counts)
            units += _split_long(text, (s, e), budget, count) if n > budget else [(s, e, n)]
            if n > budget:
                split_starts.add(s)
        out.append(units)
    return out


def chunk_text(text: str, max_tokens: int = 200, overlap_sentences: int = 1,
               count_tokens: TokenCounter | None = None) -> list[Chunk]:
    """Chunks of ``text`` of at most ``max_tokens`` tokens, overlapping by whole sentences.

    ``count_tokens(list_of_texts) -> list_of_counts`` (default :func:`word_count`) is called
    once for all sentences (and once more for the words of over-long ones); a chunk's token
    count is the sum of its sentences' counts, which is exact for word counts and for BERT
    WordPiece tokens (they never span whitespace). Each chunk after the first starts with
    the last ``overlap_sentences`` sentences of the previous chunk when they fit.
    """
    check_positive("max_tokens", max_tokens)
    if isinstance(overlap_sentences, bool) or not isinstance(overlap_sentences, int) \
            or overlap_sentences < 0:
        raise ValueError(f"overlap_sentences must be an int >= 0, got {overlap_sentences!r}")
    count = count_tokens or word_count
    chunks: list[Chunk] = []
    cur: list[tuple[int, int, int]] = []
    fresh = False  # does `cur` hold anything beyond the overlap carried from the last chunk?

    def close() -> list[tuple[int, int, int]]:
        if cur and fresh:
            s, e = cur[0][0], cur[-1][1]
            chunks.append(Chunk(text[s:e], s, e, sum(u[2] for u in cur)))
        return cur[len(cur) - overlap_sentences:] if overlap_sentences else []

    split_starts: set[int] = set()
    for para in _units(text, max_tokens, count, split_starts):
        tokens = sum(u[2] for u in cur)
        if fresh and tokens + sum(u[2] for u in para) > max_tokens:
            cur, fresh = close(), False  # end the chunk at the paragraph boundary
        for unit in para:
            if fresh and unit[0] in split_starts:
                cur, fresh = close(), False  # a split sentence starts a chunk of its own
            while cur and sum(u[2] for u in cur) + unit[2] > max_tokens:
                if fresh:
                    cur, fresh = close(), False
                else:
                    cur = cur[1:]  # the overlap itself does not fit next to this unit
            cur.append(unit)
            fresh = True
    close()
    return chunks


def chunk_spans(chunks: Sequence[Chunk]) -> list[tuple[int, int]]:
    """``(start, end)`` of each chunk (for :meth:`Collection.add`'s ``offsets``)."""
    return [(c.start, c.end) for c in chunks]
