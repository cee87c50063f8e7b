"""Character classes and per-character transforms matching HF ``tokenizers``.

The class tables come from ``_unicode_data`` (probed from HF, see ``scripts/unicode_tables.py``); this module
turns them into fast membership tests and regular-expression character classes.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

from . import _unicode_data as ud

Ranges = tuple[tuple[int, int], ...]


class CharClass:
    """A set of code points given as sorted inclusive ranges."""

    __slots__ = ("_his", "_los", "ranges")

    def __init__(self, ranges: Ranges) -> None:
        self.ranges = ranges
        self._los = [a for a, _ in ranges]
        self._his = [b for _, b in ranges]

    def __contains__(self, ch: str) -> bool:
        cp = ord(ch)
        i = bisect.bisect_right(self._los, cp) - 1
        return i >= 0 and cp <= self._his[i]

    def regex_body(self) -> str:
        """The inside of a ``[...]`` regex class matching exactly these code points."""
        parts = []
        for a, b in self.ranges:
            if a == b:
                parts.append(re.escape(chr(a)) if a > 0x20 else f"\\x{a:02x}")
            else:
                lo = re.escape(chr(a)) if a > 0x20 else f"\\x{a:02x}"
                hi = re.escape(chr(b)) if b > 0x20 else f"\\x{b:02x}"
                parts.append(f"{lo}-{hi}")
        return "".join(parts)


CONTROL = CharClass(ud.CONTROL_RANGES)
CLEAN_SPACE = CharClass(ud.CLEAN_SPACE_RANGES)
WHITESPACE = CharClass(ud.WHITESPACE_RANGES)
PUNCT = CharClass(ud.PUNCT_RANGES)
NONSPACING_MARK = CharClass(ud.NONSPACING_MARK_RANGES)
CHINESE = CharClass(
    (
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xF900, 0xFAFF),
        (0x20000, 0x2A6DF),
        (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F),
        (0x2B920, 0x2CEAF),
        (0x2F800, 0x2FA1F),
    )
)

NFD_STARTS_COMBINING = CharClass(ud.NFD_STARTS_COMBINING_RANGES)
NFD_ENDS_COMBINING = CharClass(ud.NFD_ENDS_COMBINING_RANGES)
# two characters whose decompositions meet in a run of combining marks once the control
# characters between them are cleaned away: NFD may reorder them
MAY_REORDER = re.compile(
    f"[{NFD_ENDS_COMBINING.regex_body()}][{CONTROL.regex_body()}]*"
    f"[{NFD_STARTS_COMBINING.regex_body()}]"
)

WS_BODY = WHITESPACE.regex_body()
PUNCT_BODY = PUNCT.regex_body()


def is_control(ch: str) -> bool:
    """HF BertNormalizer: removed by ``clean_text`` (\\t \\n \\r are whitespace, not control)."""
    return ch in CONTROL


def is_whitespace(ch: str) -> bool:
    """White_Space as HF (Rust ``char::is_whitespace``) sees it."""
    return ch in WHITESPACE


def is_punctuation(ch: str) -> bool:
    """ASCII punctuation or a Unicode P* character, per HF's tables."""
    return ch in PUNCT


def is_chinese_char(ch: str) -> bool:
    return ch in CHINESE


def is_nonspacing_mark(ch: str) -> bool:
    return ch in NONSPACING_MARK


def lower_char(ch: str) -> str:
    """Per-character lowercase (no final-sigma context rule), as Rust ``char::to_lowercase``."""
    exc = ud.LOWER_EXCEPTIONS.get(ord(ch))
    return exc if exc is not None else ch.lower()


_FORM_EXCEPTIONS: dict[str, dict[int, str]] = {
    "NFD": ud.NFD_EXCEPTIONS,
    "NFKD": ud.NFKD_EXCEPTIONS,
    "NFC": ud.NFC_EXCEPTIONS,
    "NFKC": ud.NFKC_EXCEPTIONS,
}


def _exception_regex(excs: dict[int, str]) -> re.Pattern[str] | None:
    if not excs:
        return None
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(excs)) + "]")


_FORM_EXC_RE = {k: _exception_regex(v) for k, v in _FORM_EXCEPTIONS.items()}


def normalize_form(form: str, text: str) -> str:
    """Unicode normalization as HF's tables do it (exception characters patched in)."""
    rx = _FORM_EXC_RE[form]
    if text.isascii():
        return text
    if rx is None or rx.search(text) is None:
        return unicodedata.normalize(form, text)  # type: ignore[arg-type]
    excs = _FORM_EXCEPTIONS[form]
    out: list[str] = []
    pos = 0
    for m in rx.finditer(text):
        out.append(unicodedata.normalize(form, text[pos : m.start()]))  # type: ignore[arg-type]
        out.append(excs[ord(m.group())])
        pos = m.end()
    out.append(unicodedata.normalize(form, text[pos:]))  # type: ignore[arg-type]
    return "".join(out)


def nfd_char(ch: str) -> str:
    exc = ud.NFD_EXCEPTIONS.get(ord(ch))
    return exc if exc is not None else unicodedata.normalize("NFD", ch)


CCC_ZERO = CharClass(ud.CCC_ZERO_RANGES)


def combining_class(ch: str) -> int:
    """Canonical combining class as HF's NFD tables know it (newer marks count as 0)."""
    ccc = unicodedata.combining(ch)
    return 0 if ccc and ch in CCC_ZERO else ccc
