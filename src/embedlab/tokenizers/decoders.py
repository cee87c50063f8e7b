"""Decoders: tokens -> text.

Each decoder has ``decode_chain(tokens) -> tokens`` (so they can be chained in a
``Sequence``, as in HF) and ``decode(tokens) -> str``.

>>> Sequence([Replace("▁", " "), ByteFallback(), Fuse(), Strip(" ", 1, 0)]).decode(
...     ["▁Hi", "<0x21>"])
'Hi!'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from embedlab.errors import TokenizerFileError

from ._registry import build, get_bool, get_str
from .bytelevel import tokens_to_bytes

_CLEANUPS = (
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" do not", " don't"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
)


def cleanup(text: str) -> str:
    """Undo common tokenization artifacts (spaces before punctuation and contractions)."""
    for a, b in _CLEANUPS:
        text = text.replace(a, b)
    return text


class Decoder:
    type_name: ClassVar[str] = ""

    def decode_chain(self, tokens: list[str]) -> list[str]:
        raise NotImplementedError

    def decode(self, tokens: list[str]) -> str:
        return "".join(self.decode_chain(tokens))

    def to_dict(self) -> dict[str, Any]:
        """HF's JSON form (same keys, same order)."""
        return {"type": self.type_name}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


class WordPieceDecoder(Decoder):
    """Glue ``##`` continuation pieces to the previous token, spaces elsewhere.

    Like HF, the ``cleanup`` replacements are applied to each (space-prefixed) token.
    """

    type_name = "WordPiece"

    def __init__(self, prefix: str = "##", cleanup: bool = True) -> None:
        self.prefix = prefix
        self.cleanup = cleanup

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        for i, tok in enumerate(tokens):
            if i:
                tok = tok.replace(self.prefix, "", 1) if tok.startswith(self.prefix) else " " + tok
            if self.cleanup:
                tok = cleanup(tok)
            out.append(tok)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "WordPiece", "prefix": self.prefix, "cleanup": self.cleanup}

    def __repr__(self) -> str:
        return f"WordPieceDecoder(prefix={self.prefix!r}, cleanup={self.cleanup!r})"


class ByteLevel(Decoder):
    """Map byte-level characters back to bytes and decode UTF-8 (invalid bytes -> U+FFFD).

    >>> ByteLevel().decode(["Hello", "Ġw", "Ã¶rld"])
    'Hello wörld'
    """

    type_name = "ByteLevel"

    def __init__(
        self, add_prefix_space: bool = True, trim_offsets: bool = True, use_regex: bool = True
    ) -> None:
        self.add_prefix_space = add_prefix_space
        self.trim_offsets = trim_offsets
        self.use_regex = use_regex

    def decode_chain(self, tokens: list[str]) -> list[str]:
        return [tokens_to_bytes(tokens).decode("utf-8", "replace")]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "ByteLevel", "add_prefix_space": self.add_prefix_space,
                "trim_offsets": self.trim_offsets, "use_regex": self.use_regex}


class Metaspace(Decoder):
    """Turn "▁" back into spaces; the first token loses its "▁" characters (all of them, as
    in HF) unless ``prepend_scheme`` is ``never``.

    >>> Metaspace().decode(["▁Hey", "▁you"])
    'Hey you'
    """

    type_name = "Metaspace"

    def __init__(
        self, replacement: str = "\u2581", prepend_scheme: str = "always", split: bool = True
    ) -> None:
        self.replacement = replacement
        self.prepend_scheme = prepend_scheme
        self.split = split

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = []
        for i, tok in enumerate(tokens):
            if i == 0 and self.prepend_scheme != "never":
                tok = tok.replace(self.replacement, "")  # as HF: every "▁" of the first token
            out.append(tok.replace(self.replacement, " "))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Metaspace", "replacement": self.replacement,
                "prepend_scheme": self.prepend_scheme, "split": self.split}


class BPEDecoder(Decoder):
    """Turn the end-of-word ``suffix`` into a space (nothing after the last token).

    >>> BPEDecoder().decode(["hel", "lo</w>", "you</w>"])
    'hello you'
    """

    type_name = "BPEDecoder"

    def __init__(self, suffix: str = "</w>") -> None:
        self.suffix = suffix

    def decode_chain(self, tokens: list[str]) -> list[str]:
        n = len(tokens) - 1
        return [t.replace(self.suffix, "" if i == n else " ") for i, t in enumerate(tokens)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "BPEDecoder", "suffix": self.suffix}


_BYTE_TOKEN = re.compile(r"<0x([0-9A-Fa-f]{2})>")


class ByteFallback(Decoder):
    """Turn runs of ``<0xXX>`` byte tokens back into text; bytes that are not valid UTF-8
    become one U+FFFD each (as HF).

    >>> ByteFallback().decode(["<0xC3>", "<0xA9>", "t", "<0xFF>"])
    'ét\ufffd'
    """

    type_name = "ByteFallback"

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        pending = bytearray()
        n_pending = 0

        def flush() -> None:
            nonlocal n_pending
            if n_pending:
                try:
                    out.append(bytes(pending).decode("utf-8"))
                except UnicodeDecodeError:
                    out.extend(["\ufffd"] * n_pending)
                pending.clear()
                n_pending = 0

        for tok in tokens:
            m = _BYTE_TOKEN.fullmatch(tok) if len(tok) == 6 else None
            if m is not None:
                pending.append(int(m.group(1), 16))
                n_pending += 1
            else:
                flush()
                out.append(tok)
        flush()
        return out


class Fuse(Decoder):
    """Join all tokens into one (so later steps see the whole text)."""

    type_name = "Fuse"

    def decode_chain(self, tokens: list[str]) -> list[str]:
        return ["".join(tokens)]


class Strip(Decoder):
    """Remove up to ``start`` leading and ``stop`` trailing ``content`` characters per token.

    >>> Strip(" ", 1, 0).decode([" Hi"])
    'Hi'
    """

    type_name = "Strip"

    def __init__(self, content: str = " ", start: int = 0, stop: int = 0) -> None:
        self.content = content
        self.start = start
        self.stop = stop

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = []
        c = self.content
        for tok in tokens:
            a = 0
            while a < min(self.start, len(tok)) and tok[a] == c:
                a += 1
            b = len(tok)
            k = 0
            while k < self.stop and b > a and tok[b - 1] == c:
                b -= 1
                k += 1
            out.append(tok[a:b])
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Strip", "content": self.content, "start": self.start, "stop": self.stop}


class Replace(Decoder):
    """Replace a string (or regex, ``regex=True``) with ``content`` in each token.

    >>> Replace("▁", " ").decode(["▁Hi", "▁you"])
    ' Hi you'
    """

    type_name = "Replace"

    def __init__(self, pattern: str, content: str, regex: bool = False) -> None:
        from .normalizers import compile_pattern

        self.pattern = pattern
        self.content = content
        self.regex = regex
        self._rx = compile_pattern(pattern, regex)

    def decode_chain(self, tokens: list[str]) -> list[str]:
        if not self.regex:
            return [t.replace(self.pattern, self.content) for t in tokens]
        return [self._rx.sub(lambda _m: self.content, t) for t in tokens]

    def to_dict(self) -> dict[str, Any]:
        from .normalizers import pattern_to_dict

        return {"type": "Replace", "pattern": pattern_to_dict(self.pattern, self.regex),
                "content": self.content}


class Sequence(Decoder):
    """Run several decoders, each on the tokens the previous one produced."""

    type_name = "Sequence"

    def __init__(self, decoders: list[Decoder]) -> None:
        self.decoders = list(decoders)

    def decode_chain(self, tokens: list[str]) -> list[str]:
        for d in self.decoders:
            tokens = d.decode_chain(tokens)
        return tokens

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "decoders": [d.to_dict() for d in self.decoders]}


def _wordpiece_from_dict(d: dict[str, Any]) -> WordPieceDecoder:
    return WordPieceDecoder(
        prefix=get_str(d, "prefix", "##", "decoder"),
        cleanup=get_bool(d, "cleanup", True, "decoder"),
    )


def _int(d: dict[str, Any], key: str, default: int) -> int:
    v = d.get(key, default)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise TokenizerFileError(f"decoder.{key}: expected a non-negative integer, got {v!r}")
    return v


def _replace_from_dict(d: dict[str, Any]) -> Replace:
    from .normalizers import pattern_from_dict

    pattern, is_regex = pattern_from_dict(d.get("pattern"), "decoder.pattern")
    return Replace(pattern, get_str(d, "content", None, "decoder"), regex=is_regex)


def _metaspace_from_dict(d: dict[str, Any]) -> Metaspace:
    scheme = d.get("prepend_scheme")
    if scheme is None:
        scheme = "always" if get_bool(d, "add_prefix_space", True, "decoder") else "never"
    if scheme not in ("always", "first", "never"):
        raise TokenizerFileError(f"decoder.prepend_scheme: unknown {scheme!r}")
    return Metaspace(get_str(d, "replacement", "\u2581", "decoder"), scheme,
                     get_bool(d, "split", True, "decoder"))


def _sequence_from_dict(d: dict[str, Any]) -> Sequence:
    items = d.get("decoders")
    if not isinstance(items, list):
        raise TokenizerFileError("decoder.decoders: expected a list")
    return Sequence([from_dict(x) for x in items])


REGISTRY: dict[str, Callable[[dict[str, Any]], Decoder]] = {
    "WordPiece": _wordpiece_from_dict,
    "ByteLevel": lambda d: ByteLevel(get_bool(d, "add_prefix_space", True, "decoder"),
                                     get_bool(d, "trim_offsets", True, "decoder"),
                                     get_bool(d, "use_regex", True, "decoder")),
    "Metaspace": _metaspace_from_dict,
    "BPEDecoder": lambda d: BPEDecoder(get_str(d, "suffix", "</w>", "decoder")),
    "ByteFallback": lambda d: ByteFallback(),
    "Fuse": lambda d: Fuse(),
    "Strip": lambda d: Strip(get_str(d, "content", " ", "decoder"), _int(d, "start", 0),
                             _int(d, "stop", 0)),
    "Replace": _replace_from_dict,
    "Sequence": _sequence_from_dict,
}


def from_dict(spec: Any) -> Decoder:
    """Build a decoder from its tokenizer.json ``{"type": ...}`` object."""
    return build("decoder", REGISTRY, spec)
