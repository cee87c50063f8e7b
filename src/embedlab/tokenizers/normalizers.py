"""Normalizers: text -> text, each keeping an alignment back to the input characters.

Every normalizer offers ``normalize_str(text)`` and ``normalize_aligned(text)``; the latter
returns ``(normalized, align)`` where ``align[i]`` is the index of the input character that
normalized character ``i`` came from, or ``None`` when the mapping is the identity.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any, ClassVar

from embedlab.errors import TokenizerFileError

from . import _chars
from ._registry import build, get_bool

Alignment = list[int] | None

_CACHE_MAX = 200_000
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ASCII_WS3 = re.compile(r"[\t\n\r]")
_WS3_TABLE = str.maketrans("\t\n\r", "   ")


def compose(first: Alignment, second: Alignment) -> Alignment:
    """Alignment of ``second`` (applied on the output of ``first``) back to the original."""
    if second is None:
        return first
    if first is None:
        return second
    return [first[i] for i in second]


class Normalizer:
    """Base class; subclasses implement ``normalize_aligned``."""

    type_name: ClassVar[str] = ""

    def normalize_aligned(self, text: str) -> tuple[str, Alignment]:
        raise NotImplementedError

    def normalize_str(self, text: str) -> str:
        return self.normalize_aligned(text)[0]

    def to_dict(self) -> dict[str, Any]:
        """HF's JSON form (same keys, same order)."""
        return {"type": self.type_name}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


class _CharMapNormalizer(Normalizer):
    """A normalizer that maps each character independently to a (possibly empty) string."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def _map(self, ch: str) -> str:
        raise NotImplementedError

    def _apply(self, text: str) -> tuple[str, Alignment]:
        cache = self._cache
        try:
            parts = [cache[c] for c in text]
        except KeyError:
            if len(cache) > _CACHE_MAX:
                cache.clear()
            for c in set(text):
                if c not in cache:
                    cache[c] = self._map(c)
            parts = [cache[c] for c in text]
        norm = "".join(parts)
        if len(norm) == len(text) and "" not in parts:
            return norm, None
        align: list[int] = []
        for i, p in enumerate(parts):
            n = len(p)
            if n == 1:
                align.append(i)
            elif n:
                align.extend([i] * n)
        return norm, align


def _canonical_reorder(norm: str, align: Alignment) -> tuple[str, Alignment]:
    """Stable-sort runs of combining characters by combining class (the NFD reordering step).

    Like HF, each character carries a "change" marker while it moves: 0 for the first
    character produced from an original character, +1 for the extra characters of a
    decomposition.  Alignments are then handed out again in order: a change-0 character
    takes the next original character, a +1 character the one before it.  With only 1:1
    characters this keeps alignments with their slots; a mark that came from a decomposition
    keeps pointing at its own source.
    """
    chars = list(norm)
    idx = list(range(len(chars))) if align is None else list(align)
    change = [0 if k == 0 or idx[k] != idx[k - 1] else 1 for k in range(len(idx))]
    sources = [idx[k] for k in range(len(idx)) if change[k] == 0]
    ccc = [_chars.combining_class(c) for c in chars]
    i = 0
    changed = False
    while i < len(chars):
        if ccc[i] == 0:
            i += 1
            continue
        j = i
        while j < len(chars) and ccc[j] != 0:
            j += 1
        if j - i > 1:
            order = sorted(range(i, j), key=lambda k: ccc[k])
            if order != list(range(i, j)):
                changed = True
                chars[i:j] = [chars[k] for k in order]
                ccc[i:j] = [ccc[k] for k in order]
                change[i:j] = [change[k] for k in order]
        i = j
    if not changed:
        return norm, align
    new_align: list[int] = []
    consumed = 0
    for step in change:
        if step == 0:
            new_align.append(sources[consumed])
            consumed += 1
        else:
            new_align.append(sources[consumed - 1] if consumed else 0)
    return "".join(chars), new_align


class BertNormalizer(_CharMapNormalizer):
    """BERT's cleanup: drop controls, unify whitespace, space out CJK, strip accents, lowercase.

    ``strip_accents=None`` follows ``lowercase`` (as HF and the original BERT do).
    """

    type_name = "BertNormalizer"

    def __init__(
        self,
        clean_text: bool = True,
        handle_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        lowercase: bool = True,
    ) -> None:
        super().__init__()
        self.clean_text = clean_text
        self.handle_chinese_chars = handle_chinese_chars
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self._strip = lowercase if strip_accents is None else strip_accents

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "BertNormalizer",
            "clean_text": self.clean_text,
            "handle_chinese_chars": self.handle_chinese_chars,
            "strip_accents": self.strip_accents,
            "lowercase": self.lowercase,
        }

    def _map(self, ch: str) -> str:
        if self.clean_text:
            if ch in _chars.CONTROL:
                return ""
            if ch in _chars.CLEAN_SPACE:
                return " "
        pieces = ch
        if self.handle_chinese_chars and ch in _chars.CHINESE:
            pieces = f" {ch} "
        if self._strip:
            pieces = "".join(
                d
                for c in pieces
                for d in _chars.nfd_char(c)
                if d not in _chars.NONSPACING_MARK
            )
        if self.lowercase:
            pieces = "".join(_chars.lower_char(c) for c in pieces)
        return pieces

    def normalize_aligned(self, text: str) -> tuple[str, Alignment]:
        if text.isascii():
            if not self.clean_text:
                return (text.lower() if self.lowercase else text), None
            if _ASCII_CONTROL.search(text) is None:
                norm = text.lower() if self.lowercase else text
                if _ASCII_WS3.search(norm) is not None:
                    norm = norm.translate(_WS3_TABLE)
                return norm, None
            return self._apply(text)
        if self._strip and _chars.MAY_REORDER.search(text) is not None:
            return self._normalize_reordering(text)
        return self._apply(text)

    def _normalize_reordering(self, text: str) -> tuple[str, Alignment]:
        """Exact (slower) path when NFD has to reorder marks across input characters.

        Runs the steps on the whole text in HF's order: clean, CJK spacing, NFD with canonical
        reordering (alignments handed out again as HF does, see ``_canonical_reorder``),
        Mn removal, lowercase.
        """
        chars: list[str] = []
        idx: list[int] = []
        for i, c in enumerate(text):
            if self.clean_text:
                if c in _chars.CONTROL:
                    continue
                if c in _chars.CLEAN_SPACE:
                    c = " "
            seq = f" {c} " if self.handle_chinese_chars and c in _chars.CHINESE else c
            for x in seq:
                for d in _chars.nfd_char(x):
                    chars.append(d)
                    idx.append(i)
        norm, moved = _canonical_reorder("".join(chars), idx)
        out: list[str] = []
        align: list[int] = []
        for d, i in zip(norm, idx if moved is None else moved, strict=True):
            if d in _chars.NONSPACING_MARK:
                continue
            low = _chars.lower_char(d) if self.lowercase else d
            out.append(low)
            align.extend([i] * len(low))
        return "".join(out), align


class Lowercase(_CharMapNormalizer):
    """Per-character lowercase (Σ always becomes σ, as in HF)."""

    type_name = "Lowercase"

    def _map(self, ch: str) -> str:
        return _chars.lower_char(ch)

    def normalize_aligned(self, text: str) -> tuple[str, Alignment]:
        if text.isascii():
            return text.lower(), None
        return self._apply(text)


class StripAccents(_CharMapNormalizer):
    """Remove non-spacing marks (Mn). Like HF, it does not decompose: chain ``NFD`` first."""

    type_name = "StripAccents"

    def _map(self, ch: str) -> str:
        return "" if ch in _chars.NONSPACING_MARK else ch

    def normalize_aligned(self, text: str) -> tuple[str, Alignment]:
        if text.isascii():
            return text, None
        return self._apply(text)


class _UnicodeForm(_CharMapNormalizer):
    form: ClassVar[str] = "NFD"

    def _map(self, ch: str) -> str:
        return _chars.normalize_form(self.form, ch)

    def normalize_aligned(self, text: str) -> tuple[str, Alignment]:
        if text.isascii():
            return text, None
        target = _chars.normalize_form(self.form, text)
        if target == text:
            return text, None
        norm, align = self._apply(text)
        if norm != target:
            norm, align = _canonical_reorder(norm, align)
        if norm == target:
            return norm, align
        exact = _composed_alignment(text, self.form)
        if exact is not None and exact[0] == target:
            return target, exact[1]
        return target, _coarse_alignment(text, target, self.form)


_COMPOSITES: dict[str, str | None] = {}


def _composite(a: str, b: str) -> str | None:
    key = a + b
    r = _COMPOSITES.get(key, "")
    if r == "":
        c = _chars.normalize_form("NFC", key)
        r = c if len(c) == 1 else None
        if len(_COMPOSITES) > _CACHE_MAX:
            _COMPOSITES.clear()
        _COMPOSITES[key] = r
    return r


def _composed_alignment(text: str, form: str) -> tuple[str, list[int]] | None:
    """Normalize step by step as HF does (decompose, reorder marks, compose), carrying HF's
    per-character change markers, then hand alignments out the way HF does: a character with
    change <= 0 takes the next original character (and skips the ``-change`` it absorbed), an
    inserted one (change > 0) the character before."""
    decomp_form = "NFKD" if form in ("NFKC", "NFKD") else "NFD"
    chars: list[str] = []
    changes: list[int] = []
    for c in text:
        for j, d in enumerate(_chars.normalize_form(decomp_form, c)):
            chars.append(d)
            changes.append(0 if j == 0 else 1)
    ccc = [_chars.combining_class(c) for c in chars]
    i = 0
    while i < len(chars):  # canonical reordering, carrying the change markers along
        if ccc[i] == 0:
            i += 1
            continue
        j = i
        while j < len(chars) and ccc[j] != 0:
            j += 1
        if j - i > 1:
            order = sorted(range(i, j), key=lambda k: ccc[k])
            chars[i:j] = [chars[k] for k in order]
            changes[i:j] = [changes[k] for k in order]
            ccc[i:j] = [ccc[k] for k in order]
        i = j
    out: list[list[Any]] = []
    if form in ("NFC", "NFKC"):
        starter: int | None = None
        last = -1  # combining class of the last character kept after the starter; -1: none
        for c, ch, cc in zip(chars, changes, ccc, strict=True):
            if starter is not None and not (last != -1 and last >= cc):
                comp = _composite(out[starter][0], c)
                if comp is not None:
                    out[starter] = [comp, out[starter][1] + ch - 1]
                    continue
            if cc == 0:
                starter, last = len(out), -1
            else:
                last = cc
            out.append([c, ch])
    else:
        out = [[c, ch] for c, ch in zip(chars, changes, strict=True)]
    align: list[int] = []
    k = 0
    n = len(text)
    for _, ch in out:
        if ch > 0:
            align.append(max(k - 1, 0))
        else:
            align.append(min(k, n - 1))
            k += 1 - ch
    return "".join(c for c, _ in out), align


def _coarse_alignment(text: str, target: str, form: str) -> list[int]:
    """Align ``target`` to ``text`` by normalizing starter-led chunks independently."""
    starts = [i for i, c in enumerate(text) if i == 0 or _chars.combining_class(c) == 0]
    starts.append(len(text))
    align: list[int] = []
    for a, b in itertools.pairwise(starts):
        chunk = _chars.normalize_form(form, text[a:b])
        align.extend([a] * len(chunk))
    if len(align) != len(target):  # composition across chunks: fall back to proportional
        n = max(len(text), 1)
        align = [min(n - 1, i * n // max(len(target), 1)) for i in range(len(target))]
    return align


class NFD(_UnicodeForm):
    type_name = "NFD"
    form = "NFD"


class NFKD(_UnicodeForm):
    type_name = "NFKD"
    form = "NFKD"


class NFC(_UnicodeForm):
    type_name = "NFC"
    form = "NFC"


class NFKC(_UnicodeForm):
    type_name = "NFKC"
    form = "NFKC"


class Sequence(Normalizer):
    """Apply several normalizers in turn."""

    type_name = "Sequence"

    def __init__(self, normalizers: list[Normalizer]) -> None:
        self.normalizers = list(normalizers)

    def normalize_aligned(self, text: str) -> tuple[str, Alignment]:
        align: Alignment = None
        for n in self.normalizers:
            text, step = n.normalize_aligned(text)
            align = compose(align, step)
        return text, align

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "normalizers": [n.to_dict() for n in self.normalizers]}


def pattern_to_dict(pattern: str, is_regex: bool) -> dict[str, str]:
    """HF's ``{"String": ...}`` / ``{"Regex": ...}`` pattern object."""
    return {"Regex": pattern} if is_regex else {"String": pattern}


def pattern_from_dict(p: Any, where: str) -> tuple[str, bool]:
    """Read HF's pattern object: ``(pattern, is_regex)``."""
    if isinstance(p, dict) and len(p) == 1:
        ((kind, value),) = p.items()
        if kind in ("String", "Regex") and isinstance(value, str):
            return value, kind == "Regex"
    raise TokenizerFileError(f'{where}: expected {{"String": "..."}} or {{"Regex": "..."}}, got {p!r}')


def compile_pattern(pattern: str, is_regex: bool) -> re.Pattern[str]:
    from .bytelevel import compile_unicode

    return compile_unicode(pattern) if is_regex else re.compile(re.escape(pattern))


class Replace(Normalizer):
    """Replace every match of a string (or a regex, ``regex=True``) with ``content``.

    >>> Replace(" ", "▁").normalize_str("a b")
    'a▁b'
    """

    type_name = "Replace"

    def __init__(self, pattern: str, content: str, regex: bool = False) -> None:
        self.pattern = pattern
        self.content = content
        self.regex = regex
        self._rx = compile_pattern(pattern, regex)

    def normalize_aligned(self, text: str) -> tuple[str, Alignment]:
        rx = self._rx
        if rx.search(text) is None:
            return text, None
        content = self.content
        if len(content) == 1 and not self.regex and len(self.pattern) == 1:
            return text.replace(self.pattern, content), None
        out: list[str] = []
        align: list[int] = []
        pos = 0
        for m in rx.finditer(text):
            a, b = m.span()
            if a == b:
                continue
            out.append(text[pos:a])
            align.extend(range(pos, a))
            out.append(content)
            # inserted characters align with the replaced span's characters, as far as they go
            align.extend(min(a + k, b - 1) for k in range(len(content)))
            pos = b
        out.append(text[pos:])
        align.extend(range(pos, len(text)))
        return "".join(out), align

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Replace", "pattern": pattern_to_dict(self.pattern, self.regex),
                "content": self.content}


class Prepend(Normalizer):
    """Put ``prepend`` in front of a non-empty text (SentencePiece's "▁" prefix).

    >>> Prepend("▁").normalize_str("hello")
    '▁hello'
    """

    type_name = "Prepend"

    def __init__(self, prepend: str) -> None:
        self.prepend = prepend

    def normalize_aligned(self, text: str) -> tuple[str, Alignment]:
        if not text:
            return text, None
        return self.prepend + text, [0] * len(self.prepend) + list(range(len(text)))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Prepend", "prepend": self.prepend}


class Strip(Normalizer):
    """Remove leading (``left``) and/or trailing (``right``) whitespace.

    >>> Strip().normalize_str("  hi  ")
    'hi'
    """

    type_name = "Strip"

    def __init__(self, left: bool = True, right: bool = True) -> None:
        self.left = left
        self.right = right

    def normalize_aligned(self, text: str) -> tuple[str, Alignment]:
        a, b = 0, len(text)
        if self.left:
            while a < b and text[a] in _chars.WHITESPACE:
                a += 1
        if self.right:
            while b > a and text[b - 1] in _chars.WHITESPACE:
                b -= 1
        if (a, b) == (0, len(text)):
            return text, None
        return text[a:b], list(range(a, b))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Strip", "strip_left": self.left, "strip_right": self.right}


def _bert_from_dict(d: dict[str, Any]) -> BertNormalizer:
    w = "normalizer"
    sa = d.get("strip_accents")
    if sa is not None and not isinstance(sa, bool):
        raise TokenizerFileError(f"{w}.strip_accents: expected a boolean or null, got {sa!r}")
    return BertNormalizer(
        clean_text=get_bool(d, "clean_text", True, w),
        handle_chinese_chars=get_bool(d, "handle_chinese_chars", True, w),
        strip_accents=sa,
        lowercase=get_bool(d, "lowercase", True, w),
    )


def _sequence_from_dict(d: dict[str, Any]) -> Sequence:
    items = d.get("normalizers")
    if not isinstance(items, list):
        raise TokenizerFileError("normalizer.normalizers: expected a list")
    return Sequence([from_dict(x) for x in items])


def _replace_from_dict(d: dict[str, Any]) -> Replace:
    pattern, is_regex = pattern_from_dict(d.get("pattern"), "normalizer.pattern")
    content = d.get("content")
    if not isinstance(content, str):
        raise TokenizerFileError(f"normalizer.content: expected a string, got {content!r}")
    return Replace(pattern, content, regex=is_regex)


def _prepend_from_dict(d: dict[str, Any]) -> Prepend:
    p = d.get("prepend")
    if not isinstance(p, str):
        raise TokenizerFileError(f"normalizer.prepend: expected a string, got {p!r}")
    return Prepend(p)


REGISTRY: dict[str, Callable[[dict[str, Any]], Normalizer]] = {
    "Replace": _replace_from_dict,
    "Prepend": _prepend_from_dict,
    "Strip": lambda d: Strip(get_bool(d, "strip_left", True, "normalizer"),
                             get_bool(d, "strip_right", True, "normalizer")),
    "BertNormalizer": _bert_from_dict,
    "Lowercase": lambda d: Lowercase(),
    "StripAccents": lambda d: StripAccents(),
    "NFD": lambda d: NFD(),
    "NFKD": lambda d: NFKD(),
    "NFC": lambda d: NFC(),
    "NFKC": lambda d: NFKC(),
    "Sequence": _sequence_from_dict,
}


def from_dict(spec: Any) -> Normalizer:
    """Build a normalizer from its tokenizer.json ``{"type": ...}`` object."""
    return build("normalizer", REGISTRY, spec)
