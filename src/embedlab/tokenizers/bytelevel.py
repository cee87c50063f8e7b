"""Byte-level helpers shared by the ByteLevel pre-tokenizer, decoder and post-processor.

GPT-2 maps every byte to a printable character (``bytes_to_unicode``), so that any text becomes
a string over a 256-character alphabet and no input is ever unknown:

>>> to_byte_level("héllo wörld")
'hÃ©lloĠwÃ¶rld'
>>> from_byte_level(to_byte_level("héllo"))
'héllo'

Lone surrogates (``"\\ud800"``, which only a Python ``str`` can hold: they are not valid UTF-8)
are encoded as the UTF-8 of U+FFFD, the replacement character, so encoding never fails; HF
``tokenizers`` refuses such text instead (``TypeError: TextInputSequence must be str``). Decoding turns invalid UTF-8
byte sequences into U+FFFD, as HF does.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # the ``regex`` package knows \p{L} and \p{N}, as HF's GPT-2 pattern needs
    import regex as _regex

    HAVE_REGEX = True
except ImportError:  # pragma: no cover - exercised only without the package
    _regex = None
    HAVE_REGEX = False

#: The GPT-2 / RoBERTa pre-tokenization pattern, as HF ``ByteLevel(use_regex=True)`` uses it.
GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"

# Fallback with Python's ``re``: letters are ``[^\W\d_]`` and numbers ``\d``; this differs from
# \p{L}/\p{N} only for rare characters (number forms such as "½" or "Ⅻ", some marks).
_GPT2_PATTERN_RE = (
    r"'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"
)


_ONIG_WORD = r"\p{L}\p{M}\p{N}\p{Pc}"


def onig_word_classes(pattern: str) -> str:
    """Rewrite ``\\w``/``\\W`` to HF's (Oniguruma's) meaning: letters, marks, numbers and
    connector punctuation (Python's ``regex`` leaves out some numbers such as "½" and adds the
    zero-width joiners)."""
    if "\\w" not in pattern and "\\W" not in pattern:
        return pattern
    out: list[str] = []
    i, depth = 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt == "w":
                out.append(_ONIG_WORD if depth else f"[{_ONIG_WORD}]")
            elif nxt == "W" and not depth:
                out.append(f"[^{_ONIG_WORD}]")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
        out.append(c)
        i += 1
    return "".join(out)


def compile_unicode(pattern: str) -> re.Pattern[str]:
    """Compile a pattern that may use ``\\p{..}`` classes (needs the ``regex`` package)."""
    if _regex is not None:
        return _regex.compile(onig_word_classes(pattern))
    if "\\p{" in pattern:
        raise ValueError(
            f"the pattern {pattern!r} uses \\p{{..}} classes, which need the 'regex' package: "
            "pip install regex"
        )
    return re.compile(pattern)


@lru_cache(maxsize=1)
def gpt2_regex() -> re.Pattern[str]:
    """The compiled GPT-2 split pattern (``regex`` package if installed, else an approximation)."""
    if _regex is not None:
        return _regex.compile(GPT2_PATTERN)
    return re.compile(_GPT2_PATTERN_RE)


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's table: byte -> printable character (printable Latin-1 bytes map to themselves).

    >>> bytes_to_unicode()[ord(" ")], bytes_to_unicode()[ord("a")]
    ('Ġ', 'a')
    """
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs, strict=True)}


BYTES_CHAR: dict[int, str] = bytes_to_unicode()
CHAR_BYTES: dict[str, int] = {c: b for b, c in BYTES_CHAR.items()}
#: ``latin1_text.translate(_TO_BL)`` maps each byte (as a Latin-1 character) to its character.
_TO_BL = {b: c for b, c in BYTES_CHAR.items()}


def to_byte_level(text: str) -> str:
    """The byte-level form of ``text`` (lone surrogates become the bytes of U+FFFD)."""
    return encode_utf8(text).decode("latin-1").translate(_TO_BL)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _encode_surrogates(text: str) -> bytes:
    return _SURROGATE.sub("\ufffd", text).encode("utf-8")


def encode_utf8(text: str) -> bytes:
    """UTF-8 bytes of ``text``; lone surrogates become U+FFFD (see the module docstring)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _encode_surrogates(text)


def byte_level_word(word: str) -> tuple[str, list[int] | None]:
    """``(byte-level string, char map)``: ``cmap[i]`` is the index in ``word`` of the character
    whose UTF-8 produced byte ``i``; ``None`` for ASCII words (identity)."""
    if word.isascii():
        return word.translate(_TO_BL), None
    data = encode_utf8(word)
    cmap: list[int] = []
    for i, ch in enumerate(word):
        o = ord(ch)
        n = 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
        cmap.extend([i] * n)
    return data.decode("latin-1").translate(_TO_BL), cmap


def from_byte_level(text: str) -> str:
    """Inverse of :func:`to_byte_level` (invalid UTF-8 becomes U+FFFD)."""
    return bytes(CHAR_BYTES[c] for c in text).decode("utf-8", "replace")


def tokens_to_bytes(tokens: list[str]) -> bytes:
    """Bytes of byte-level tokens; a token with a character outside the table keeps its own
    UTF-8 (as HF does for added tokens)."""
    out = bytearray()
    cb = CHAR_BYTES
    for t in tokens:
        try:
            out += bytes([cb[c] for c in t])
        except KeyError:
            out += encode_utf8(t)
    return bytes(out)
