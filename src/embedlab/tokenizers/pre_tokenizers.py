"""Pre-tokenizers: split normalized text into words, keeping character offsets.

``pre_tokenize_str(text)`` returns ``[(word, (start, end)), ...]`` as HF does; the pipeline
uses the cheaper ``split(text)`` that returns ``[(word, start), ...]`` (``end = start +
len(word)``).

Pre-tokenizers that also rewrite the words (``ByteLevel``: bytes -> printable characters;
``Metaspace``: " " -> "▁") have ``transforms = True``: ``split`` still returns pieces of the
input, possibly led by one added space (then ``start`` is -1: the added character belongs to
the first input character, as in HF), and ``transform(word)`` gives the model's string plus a
map from its characters back to the word's characters. In a ``Sequence`` every split sees the
input text, before any rewrite (HF rewrites in between; this only matters for a split after a
``ByteLevel`` or ``Metaspace``).

>>> Whitespace().pre_tokenize_str("Hi, you!")
[('Hi', (0, 2)), (',', (2, 3)), ('you', (4, 7)), ('!', (7, 8))]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any, ClassVar

import regex as _regex

from embedlab.errors import TokenizerFileError

from ._chars import PUNCT_BODY, WS_BODY
from ._registry import build, get_bool, get_str
from .bytelevel import byte_level_word, compile_unicode, gpt2_regex

Split = list[tuple[str, int]]
CharMap = list[int] | None

BEHAVIORS = ("removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous")
_BEHAVIOR_JSON = {
    "removed": "Removed",
    "isolated": "Isolated",
    "merged_with_previous": "MergedWithPrevious",
    "merged_with_next": "MergedWithNext",
    "contiguous": "Contiguous",
}
_BEHAVIOR_FROM_JSON = {v: k for k, v in _BEHAVIOR_JSON.items()}


def _behavior(b: str) -> str:
    key = _BEHAVIOR_FROM_JSON.get(b, b)
    if key not in BEHAVIORS:
        raise ValueError(f"unknown split behavior {b!r}; use one of {', '.join(BEHAVIORS)}")
    return key


def split_on_matches(
    text: str, matches: list[tuple[int, int]], behavior: str, invert: bool = False
) -> Split:
    """Split ``text`` given the delimiter ``matches`` (sorted spans), as HF's
    ``SplitDelimiterBehavior`` does; empty pieces are dropped."""
    spans: list[tuple[int, int, bool]] = []
    prev = 0
    for a, b in matches:
        if prev != a:
            spans.append((prev, a, False))
        spans.append((a, b, True))
        prev = b
    if prev != len(text):
        spans.append((prev, len(text), False))
    if invert:
        spans = [(a, b, not m) for a, b, m in spans]
    out: list[tuple[int, int]] = []
    if behavior == "removed":
        out = [(a, b) for a, b, m in spans if not m]
    elif behavior == "isolated":
        out = [(a, b) for a, b, _ in spans]
    elif behavior == "merged_with_previous":
        previous = False
        for a, b, m in spans:
            if m and not previous and out:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
            previous = m
    elif behavior == "merged_with_next":
        previous = False
        for a, b, m in reversed(spans):
            if m and not previous and out:
                out[-1] = (a, out[-1][1])
            else:
                out.append((a, b))
            previous = m
        out.reverse()
    elif behavior == "contiguous":
        previous = False
        for k, (a, b, m) in enumerate(spans):
            if k and m == previous:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
            previous = m
    else:
        raise ValueError(f"unknown split behavior {behavior!r}")
    return [(text[a:b], a) for a, b in out if b > a]


class PreTokenizer:
    """Base class: a pre-tokenizer defined by one regex whose matches are the words."""

    type_name: ClassVar[str] = ""
    transforms: ClassVar[bool] = False
    _pattern: ClassVar[re.Pattern[str]]

    def split(self, text: str) -> Split:
        return [(m.group(), m.start()) for m in self._pattern.finditer(text)]

    def split_words(self, text: str, at_start: bool = True) -> Split:
        """Like ``split``; ``at_start`` tells whether ``text`` begins the original input."""
        return self.split(text)

    def split_parallel(self, text: str, at_start: bool = True) -> tuple[list[str], list[int]]:
        """``split_words`` as two lists, words and starts (cheaper for the pipeline)."""
        pairs = self.split_words(text, at_start)
        return [w for w, _ in pairs], [s for _, s in pairs]

    def transform(self, word: str) -> tuple[str, CharMap]:
        """The model's string for ``word`` and its character map (``None``: identity)."""
        return word, None

    def pre_tokenize_str(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        out = []
        for w, s in self.split_words(text):
            t, _ = self.transform(w) if self.transforms else (w, None)
            out.append((t, (max(s, 0), max(s + len(w), 1 if text else 0))))
        return out

    def to_dict(self) -> dict[str, Any]:
        """HF's JSON form (same keys, same order)."""
        return {"type": self.type_name}

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

    HF uses the regex ``\w+|[^\w\s]+`` of Rust's ``regex`` crate, whose Unicode ``\w`` is
    Alphabetic, marks (M), decimal digits (Nd), connector punctuation (Pc) and the join
    controls (UTS #18).  Python's ``re`` ``\w`` differs: it takes the other numbers (No:
    "³", "½") and leaves out marks, so the class is spelled with the ``regex`` package's
    property names instead.
    """

    type_name = "Whitespace"
    _W = r"\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}"
    _pattern = _regex.compile(f"[{_W}]+|[^{_W}{WS_BODY}]+")


class Sequence(PreTokenizer):
    """Apply several pre-tokenizers, each on the pieces the previous one produced."""

    type_name = "Sequence"

    def __init__(self, pretokenizers: list[PreTokenizer]) -> None:
        self.pretokenizers = list(pretokenizers)

        self.transforms = any(p.transforms for p in self.pretokenizers)  # type: ignore[misc]

    def split(self, text: str) -> Split:
        return self.split_words(text)

    def split_words(self, text: str, at_start: bool = True) -> Split:
        pieces: Split = [(text, 0)]
        for p in self.pretokenizers:
            pieces = [
                (w, base + s)
                for piece, base in pieces
                for w, s in p.split_words(piece, at_start and base <= 0)
            ]
        return pieces

    def transform(self, word: str) -> tuple[str, CharMap]:
        cmap: CharMap = None
        for p in self.pretokenizers:
            if p.transforms:
                word, step = p.transform(word)
                if step is not None:
                    cmap = step if cmap is None else [cmap[i] for i in step]
        return word, cmap

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "pretokenizers": [p.to_dict() for p in self.pretokenizers]}

    def __repr__(self) -> str:
        return f"Sequence({self.pretokenizers!r})"


class Punctuation(PreTokenizer):
    """Split off punctuation (BERT's definition), by default one character a piece.

    >>> Punctuation().pre_tokenize_str("Hey!!")
    [('Hey', (0, 3)), ('!', (3, 4)), ('!', (4, 5))]
    """

    type_name = "Punctuation"
    _punct = re.compile(f"[{PUNCT_BODY}]")
    _isolated = re.compile(f"[{PUNCT_BODY}]|[^{PUNCT_BODY}]+")

    def __init__(self, behavior: str = "isolated") -> None:
        self.behavior = _behavior(behavior)

    def split(self, text: str) -> Split:
        if self.behavior == "isolated":
            return [(m.group(), m.start()) for m in self._isolated.finditer(text)]
        return split_on_matches(text, [m.span() for m in self._punct.finditer(text)],
                                self.behavior)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Punctuation", "behavior": _BEHAVIOR_JSON[self.behavior]}

    def __repr__(self) -> str:
        return f"Punctuation(behavior={self.behavior!r})"


class Digits(PreTokenizer):
    """Split numbers off (``individual_digits``: one digit a piece).

    >>> Digits(individual_digits=True).pre_tokenize_str("a12")
    [('a', (0, 1)), ('1', (1, 2)), ('2', (2, 3))]
    """

    type_name = "Digits"

    def __init__(self, individual_digits: bool = False) -> None:
        self.individual_digits = individual_digits
        try:
            num, other = r"\p{N}", r"\P{N}"
            self._rx = compile_unicode(f"{num}+|{other}+" if not individual_digits
                                       else f"{num}|{other}+")
        except ValueError:
            self._rx = re.compile(r"\d+|\D+" if not individual_digits else r"\d|\D+")

    def split(self, text: str) -> Split:
        return [(m.group(), m.start()) for m in self._rx.finditer(text)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Digits", "individual_digits": self.individual_digits}

    def __repr__(self) -> str:
        return f"Digits(individual_digits={self.individual_digits})"


class SplitPattern(PreTokenizer):
    """HF ``Split``: split on a string or regex (``regex=True``) with a delimiter behavior
    (removed, isolated, merged_with_previous, merged_with_next, contiguous); ``invert`` makes
    the matches the pieces to keep apart instead.

    >>> SplitPattern("-", "removed").pre_tokenize_str("a-b")
    [('a', (0, 1)), ('b', (2, 3))]
    """

    type_name = "Split"

    def __init__(
        self, pattern: str, behavior: str = "isolated", invert: bool = False, regex: bool = False
    ) -> None:
        from .normalizers import compile_pattern

        self.pattern = pattern
        self.behavior = _behavior(behavior)
        self.invert = invert
        self.regex = regex
        self._rx = compile_pattern(pattern, regex)

    def split(self, text: str) -> Split:
        matches = [m.span() for m in self._rx.finditer(text)]
        return split_on_matches(text, matches, self.behavior, self.invert)

    def to_dict(self) -> dict[str, Any]:
        from .normalizers import pattern_to_dict

        return {"type": "Split", "pattern": pattern_to_dict(self.pattern, self.regex),
                "behavior": _BEHAVIOR_JSON[self.behavior], "invert": self.invert}

    def __repr__(self) -> str:
        return (f"Split(pattern={self.pattern!r}, behavior={self.behavior!r}, "
                f"invert={self.invert}, regex={self.regex})")


class ByteLevel(PreTokenizer):
    """GPT-2's byte-level pre-tokenizer: split with the GPT-2 pattern (``use_regex``), then
    spell each word's UTF-8 bytes with the 256 printable characters of ``bytes_to_unicode``.

    ``add_prefix_space`` adds a space in front of a text that does not start with one, so the
    first word is spelled like the others. ``trim_offsets`` is only read by the
    post-processor and decoder of the same name.

    >>> ByteLevel(add_prefix_space=False).pre_tokenize_str("Hello world")
    [('Hello', (0, 5)), ('Ġworld', (5, 11))]
    """

    type_name = "ByteLevel"
    transforms = True

    def __init__(
        self, add_prefix_space: bool = True, trim_offsets: bool = True, use_regex: bool = True
    ) -> None:
        self.add_prefix_space = add_prefix_space
        self.trim_offsets = trim_offsets
        self.use_regex = use_regex
        self._rx = gpt2_regex()

    def split(self, text: str) -> Split:
        return self.split_words(text)

    def split_words(self, text: str, at_start: bool = True) -> Split:
        words, starts = self.split_parallel(text, at_start)
        return list(zip(words, starts, strict=True))

    def split_parallel(self, text: str, at_start: bool = True) -> tuple[list[str], list[int]]:
        shift = 0
        if self.add_prefix_space and text and not text.startswith(" "):
            text, shift = " " + text, -1
        if not self.use_regex:
            return ([text], [shift]) if text else ([], [])
        words = self._rx.findall(text)
        # the GPT-2 pattern's matches tile the text, so starts are running sums of lengths
        starts = list(accumulate(map(len, words), initial=shift))
        if starts.pop() - shift != len(text):  # pragma: no cover - a gap: take the slow way
            ms = list(self._rx.finditer(text))
            return [m.group() for m in ms], [m.start() + shift for m in ms]
        return words, starts

    def transform(self, word: str) -> tuple[str, CharMap]:
        return byte_level_word(word)

    @staticmethod
    def alphabet() -> list[str]:
        """The 256 characters byte-level strings are made of."""
        from .bytelevel import BYTES_CHAR

        return sorted(BYTES_CHAR.values())

    def to_dict(self) -> dict[str, Any]:
        return {"type": "ByteLevel", "add_prefix_space": self.add_prefix_space,
                "trim_offsets": self.trim_offsets, "use_regex": self.use_regex}

    def __repr__(self) -> str:
        return (f"ByteLevel(add_prefix_space={self.add_prefix_space}, "
                f"trim_offsets={self.trim_offsets}, use_regex={self.use_regex})")


PREPEND_SCHEMES = ("always", "first", "never")


class Metaspace(PreTokenizer):
    """SentencePiece-style: spaces become ``replacement`` ("▁"), a "▁" is put in front
    (``prepend_scheme``: ``always``; ``first``: only at the start of the input; ``never``), and
    with ``split`` the text is cut before each "▁".

    >>> Metaspace().pre_tokenize_str("Hey you")
    [('▁Hey', (0, 3)), ('▁you', (3, 7))]
    """

    type_name = "Metaspace"
    transforms = True

    def __init__(
        self, replacement: str = "\u2581", prepend_scheme: str = "always", split: bool = True
    ) -> None:
        if len(replacement) != 1:
            raise ValueError(f"Metaspace replacement must be one character, got {replacement!r}")
        if prepend_scheme not in PREPEND_SCHEMES:
            raise ValueError(f"Metaspace prepend_scheme must be one of {PREPEND_SCHEMES}, "
                             f"got {prepend_scheme!r}")
        self.replacement = replacement
        self.prepend_scheme = prepend_scheme
        self.split_ = split
        r = re.escape(replacement)
        self._rx = re.compile(f"[ {r}][^ {r}]*|[^ {r}]+")

    def split(self, text: str) -> Split:
        return self.split_words(text)

    def split_words(self, text: str, at_start: bool = True) -> Split:
        shift = 0
        scheme = self.prepend_scheme
        if (
            text
            and (scheme == "always" or (scheme == "first" and at_start))
            and not text.startswith((" ", self.replacement))
        ):
            text, shift = " " + text, -1
        if not self.split_:
            return [(text, shift)] if text else []
        return [(m.group(), m.start() + shift) for m in self._rx.finditer(text)]

    def split_parallel(self, text: str, at_start: bool = True) -> tuple[list[str], list[int]]:
        if not self.split_:
            return super().split_parallel(text, at_start)
        shift = 0
        scheme = self.prepend_scheme
        if (
            text
            and (scheme == "always" or (scheme == "first" and at_start))
            and not text.startswith((" ", self.replacement))
        ):
            text, shift = " " + text, -1
        words = self._rx.findall(text)  # the pieces tile the text
        starts = list(accumulate(map(len, words), initial=shift))
        starts.pop()
        return words, starts

    def transform(self, word: str) -> tuple[str, CharMap]:
        return word.replace(" ", self.replacement), None

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Metaspace", "replacement": self.replacement,
                "prepend_scheme": self.prepend_scheme, "split": self.split_}

    def __repr__(self) -> str:
        return (f"Metaspace(replacement={self.replacement!r}, "
                f"prepend_scheme={self.prepend_scheme!r}, split={self.split_})")


def _sequence_from_dict(d: dict[str, Any]) -> Sequence:
    items = d.get("pretokenizers")
    if not isinstance(items, list):
        raise TokenizerFileError("pre_tokenizer.pretokenizers: expected a list")
    return Sequence([from_dict(x) for x in items])


def _split_from_dict(d: dict[str, Any]) -> SplitPattern:
    from .normalizers import pattern_from_dict

    w = "pre_tokenizer"
    pattern, is_regex = pattern_from_dict(d.get("pattern"), f"{w}.pattern")
    beh = get_str(d, "behavior", None, w)
    if beh not in _BEHAVIOR_FROM_JSON:
        raise TokenizerFileError(
            f"{w}.behavior: unknown {beh!r} (known: {', '.join(_BEHAVIOR_FROM_JSON)})")
    return SplitPattern(pattern, beh, get_bool(d, "invert", False, w), regex=is_regex)


def _punctuation_from_dict(d: dict[str, Any]) -> Punctuation:
    beh = get_str(d, "behavior", "Isolated", "pre_tokenizer")
    if beh not in _BEHAVIOR_FROM_JSON:
        raise TokenizerFileError(f"pre_tokenizer.behavior: unknown {beh!r}")
    return Punctuation(beh)


def _metaspace_from_dict(d: dict[str, Any]) -> Metaspace:
    w = "pre_tokenizer"
    rep = get_str(d, "replacement", "\u2581", w)
    if len(rep) != 1:
        raise TokenizerFileError(f"{w}.replacement: expected one character, got {rep!r}")
    scheme = d.get("prepend_scheme")
    if scheme is None:  # files written before prepend_scheme existed
        scheme = "always" if get_bool(d, "add_prefix_space", True, w) else "never"
    if scheme not in PREPEND_SCHEMES:
        raise TokenizerFileError(f"{w}.prepend_scheme: unknown {scheme!r} "
                                 f"(known: {', '.join(PREPEND_SCHEMES)})")
    return Metaspace(rep, scheme, get_bool(d, "split", True, w))


def _bytelevel_from_dict(d: dict[str, Any]) -> ByteLevel:
    w = "pre_tokenizer"
    return ByteLevel(get_bool(d, "add_prefix_space", True, w),
                     get_bool(d, "trim_offsets", True, w), get_bool(d, "use_regex", True, w))


REGISTRY: dict[str, Callable[[dict[str, Any]], PreTokenizer]] = {
    "Punctuation": _punctuation_from_dict,
    "Digits": lambda d: Digits(get_bool(d, "individual_digits", False, "pre_tokenizer")),
    "Split": _split_from_dict,
    "ByteLevel": _bytelevel_from_dict,
    "Metaspace": _metaspace_from_dict,
    "BertPreTokenizer": lambda d: BertPreTokenizer(),
    "Whitespace": lambda d: Whitespace(),
    "WhitespaceSplit": lambda d: WhitespaceSplit(),
    "Sequence": _sequence_from_dict,
}


def from_dict(spec: Any) -> PreTokenizer:
    """Build a pre-tokenizer from its tokenizer.json ``{"type": ...}`` object."""
    return build("pre_tokenizer", REGISTRY, spec)
