"""Added (and special) tokens, split out of the text before the model sees it.

As in HF, tokens with ``normalized=False`` are matched in the raw input; the remaining pieces are
normalized, then tokens with ``normalized=True`` are matched in the normalized text (their
patterns are normalized too). Matching is leftmost-longest; ``single_word`` rejects matches
glued to word characters, ``lstrip``/``rstrip`` swallow the whitespace beside a match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from embedlab.errors import TokenizerFileError

from ._chars import WHITESPACE, WS_BODY

# Rust's Unicode \w (letters, marks, digits, connector punctuation, joiners), approximately.
_WORD = r"\w\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u200c\u200d"
_WORD_CHAR = re.compile(f"[{_WORD}]")
_LEADING_SPACE = re.compile(f"[{WS_BODY}]*")

Span = tuple[int, int, "AddedToken | None"]


@dataclass(frozen=True)
class AddedToken:
    content: str
    id: int
    special: bool = False
    single_word: bool = False
    lstrip: bool = False
    rstrip: bool = False
    normalized: bool = True

    @classmethod
    def from_dict(cls, d: Any, where: str = "added_tokens") -> AddedToken:
        if not isinstance(d, dict):
            raise TokenizerFileError(f"{where}: expected an object")
        content, id_ = d.get("content"), d.get("id")
        if not isinstance(content, str) or not content:
            raise TokenizerFileError(f"{where}.content: expected a non-empty string")
        if not isinstance(id_, int) or isinstance(id_, bool) or id_ < 0:
            raise TokenizerFileError(f"{where}.id: expected a non-negative integer")
        flags = {}
        for key, default in (
            ("special", False),
            ("single_word", False),
            ("lstrip", False),
            ("rstrip", False),
            ("normalized", not d.get("special", False)),
        ):
            v = d.get(key, default)
            if not isinstance(v, bool):
                raise TokenizerFileError(f"{where}.{key}: expected a boolean")
            flags[key] = v
        return cls(content, id_, **flags)


class AddedVocabulary:
    """The added tokens of a tokenizer and the two matchers (raw and normalized) built on them."""

    def __init__(
        self, tokens: list[AddedToken], normalize: Callable[[str], str] | None = None
    ) -> None:
        self.tokens = list(tokens)
        self.by_content: dict[str, AddedToken] = {}
        self.by_id: dict[int, AddedToken] = {}
        for t in self.tokens:
            self.by_content[t.content] = t
            self.by_id[t.id] = t
        self.special_ids = frozenset(t.id for t in self.tokens if t.special)
        raw = {t.content: t for t in self.tokens if not t.normalized}
        norm: dict[str, AddedToken] = {}
        for t in self.tokens:
            if t.normalized:
                pat = normalize(t.content) if normalize is not None else t.content
                if pat:
                    norm.setdefault(pat, t)
        self._raw = raw
        self._norm = norm
        self._raw_re = self._compile(raw)
        self._norm_re = self._compile(norm)

    @staticmethod
    def _compile(patterns: dict[str, AddedToken]) -> re.Pattern[str] | None:
        if not patterns:
            return None
        # Longest first: Python's alternation then yields leftmost-longest matches.
        alts = sorted(patterns, key=lambda p: (-len(p), p))
        return re.compile("|".join(re.escape(p) for p in alts))

    @property
    def has_normalized(self) -> bool:
        return self._norm_re is not None

    def split_raw(self, text: str) -> list[Span] | None:
        """Spans of ``text`` split on non-normalized tokens, or None when nothing matched."""
        return _find(text, self._raw_re, self._raw)

    def split_normalized(self, text: str) -> list[Span] | None:
        """Spans of normalized ``text`` split on normalized tokens, or None when nothing matched."""
        return _find(text, self._norm_re, self._norm)


def _find(
    text: str, rx: re.Pattern[str] | None, table: dict[str, AddedToken]
) -> list[Span] | None:
    if rx is None or not text or rx.search(text) is None:
        return None
    spans: list[Span] = []
    pos = 0
    found = False
    for m in rx.finditer(text):
        start, stop = m.span()
        tok = table[m.group()]
        if tok.single_word:
            start_ok = start == 0 or _WORD_CHAR.match(text, start - 1) is None
            stop_ok = stop == len(text) or _WORD_CHAR.match(text, stop) is None
            if not (start_ok and stop_ok):
                continue
        if tok.lstrip:
            newstart = start
            while newstart > 0 and text[newstart - 1] in WHITESPACE:
                newstart -= 1
            start = max(newstart, pos)
        if tok.rstrip:
            m3 = _LEADING_SPACE.match(text, stop)
            if m3 is not None:
                stop = m3.end()
        if pos < start:
            spans.append((pos, start, None))
        spans.append((start, stop, tok))
        pos = stop
        found = True
    if not found:
        return None
    if pos < len(text):
        spans.append((pos, len(text), None))
    return spans
