"""Decoders: tokens -> text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from ._registry import build, get_bool, get_str

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

    def __repr__(self) -> str:
        return f"WordPieceDecoder(prefix={self.prefix!r}, cleanup={self.cleanup!r})"


def _wordpiece_from_dict(d: dict[str, Any]) -> WordPieceDecoder:
    return WordPieceDecoder(
        prefix=get_str(d, "prefix", "##", "decoder"),
        cleanup=get_bool(d, "cleanup", True, "decoder"),
    )


REGISTRY: dict[str, Callable[[dict[str, Any]], Decoder]] = {"WordPiece": _wordpiece_from_dict}


def from_dict(spec: Any) -> Decoder:
    """Build a decoder from its tokenizer.json ``{"type": ...}`` object."""
    return build("decoder", REGISTRY, spec)
