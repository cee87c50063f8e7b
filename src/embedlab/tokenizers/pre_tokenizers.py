"""Pre-tokenizers: split normalized text into words, keeping character offsets.

``pre_tokenize_str(text)`` returns ``[(word, (start, end)), ...]``; the pipeline uses the
cheaper ``split(text)`` that returns ``[(word, start), ...]`` (``end = start + len(word)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from embedlab.errors import TokenizerFileError

from ._chars import PUNCT_BODY, WS_BODY
from ._registry import build

Split = list[tuple[str, int]]


class PreTokenizer:
    """Base class: a pre-tokenizer defined by one regex whose matches are the words."""

    type_name: ClassVar[str] = ""
    _pattern: ClassVar[re.Pattern[str]]

    def split(self, text: str) -> Split:
        return [(m.group(), m.start()) for m in self._pattern.finditer(text)]

    def pre_tokenize_str(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        return [(w, (s, s + len(w))) for w, s in self.split(text)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class BertPreTokenizer(PreTokenizer):
    """Split on whitespace (dropped) and isolate every punctuation character.

    Punctuation is ASCII punctuation (``$``, ``+``, ``<``... included) or a Unicode P* character
    according to HF's tables.
    """

    type_name = "BertPreTokenizer"
    _pattern = re.compile(f"[^{WS_BODY}{PUNCT_BODY}]+|[{PUNCT_BODY}]")


class WhitespaceSplit(PreTokenizer):
    """Split on whitespace only."""

    type_name = "WhitespaceSplit"
    _pattern = re.compile(f"[^{WS_BODY}]+")


class Whitespace(PreTokenizer):
    r"""HF ``Whitespace``: runs of word characters, or runs of other non-space characters.

    HF uses the regex ``\w+|[^\w\s]+``; here ``\w`` is Python's (letters, digits, ``_``)
    widened with combining marks, which is how Rust's Unicode ``\w`` differs for common text.
    """

    type_name = "Whitespace"
    _W = r"\w\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0900-\u0903\u093a-\u094f\u200c\u200d"
    _pattern = re.compile(f"[{_W}]+|[^{_W}{WS_BODY}]+")


class Sequence(PreTokenizer):
    """Apply several pre-tokenizers, each on the pieces the previous one produced."""

    type_name = "Sequence"

    def __init__(self, pretokenizers: list[PreTokenizer]) -> None:
        self.pretokenizers = list(pretokenizers)

    def split(self, text: str) -> Split:
        pieces: Split = [(text, 0)]
        for p in self.pretokenizers:
            pieces = [(w, base + s) for piece, base in pieces for w, s in p.split(piece)]
        return pieces

    def __repr__(self) -> str:
        return f"Sequence({self.pretokenizers!r})"


def _sequence_from_dict(d: dict[str, Any]) -> Sequence:
    items = d.get("pretokenizers")
    if not isinstance(items, list):
        raise TokenizerFileError("pre_tokenizer.pretokenizers: expected a list")
    return Sequence([from_dict(x) for x in items])


REGISTRY: dict[str, Callable[[dict[str, Any]], PreTokenizer]] = {
    "BertPreTokenizer": lambda d: BertPreTokenizer(),
    "Whitespace": lambda d: Whitespace(),
    "WhitespaceSplit": lambda d: WhitespaceSplit(),
    "Sequence": _sequence_from_dict,
}


def from_dict(spec: Any) -> PreTokenizer:
    """Build a pre-tokenizer from its tokenizer.json ``{"type": ...}`` object."""
    return build("pre_tokenizer", REGISTRY, spec)
