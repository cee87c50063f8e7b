"""Tokenization models: words -> sub-word tokens (WordPiece here, BPE in ``bpe``).

>>> wp = WordPiece({"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3})
>>> wp.tokenize_word("unaffable")[1]
('un', '##aff', '##able')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedlab.errors import TokenizerFileError

from ._registry import build, get_str
from .bpe import BPE, MergeStep, bpe_from_dict
from .model_base import Model, WordResult

__all__ = ["BPE", "MatchStep", "MergeStep", "Model", "WordPiece", "from_dict"]



@dataclass
class MatchStep:
    """One WordPiece step: at character ``start`` the longest vocabulary entry was ``piece``
    (``None``: nothing matched, so the whole word became the unknown token)."""

    start: int
    end: int
    piece: str | None
    tried: int  # how many candidate lengths were looked up before the match

    def __str__(self) -> str:
        if self.piece is None:
            return f"at {self.start}: no match after {self.tried} tries -> whole word is unknown"
        return f"at {self.start}: longest match {self.piece!r} [{self.start}:{self.end}] " \
               f"({self.tried} lookups)"


class WordPiece(Model):
    """Greedy longest-match-first sub-word segmentation (BERT's WordPiece).

    A word longer than ``max_input_chars_per_word`` characters, or one where some position has no
    matching vocabulary entry, becomes the single ``unk_token``. Results are cached per word.
    """

    type_name = "WordPiece"
    cache_capacity = 100_000

    def __init__(
        self,
        vocab: Mapping[str, int],
        unk_token: str = "[UNK]",
        continuing_subword_prefix: str = "##",
        max_input_chars_per_word: int = 100,
    ) -> None:
        self.vocab: dict[str, int] = dict(vocab)
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.max_input_chars_per_word = max_input_chars_per_word
        self.vocab_r: dict[int, str] = {i: t for t, i in self.vocab.items()}
        # no vocabulary entry is longer than this, so no longer slice needs looking up
        self._max_piece = max((len(t) for t in self.vocab), default=0)
        self._cache: dict[str, WordResult] = {}

    @classmethod
    def from_vocab_file(cls, path: str | Path, **kwargs: Any) -> WordPiece:
        """Read a BERT ``vocab.txt`` (one token a line; the line number is the id)."""
        vocab: dict[str, int] = {}
        try:
            with open(path, encoding="utf-8") as f:
                for i, line in enumerate(f):
                    vocab[line.rstrip()] = i
        except (OSError, UnicodeDecodeError) as exc:
            raise TokenizerFileError(f"{path}: cannot read vocabulary: {exc}") from exc
        if not vocab:
            raise TokenizerFileError(f"{path}: empty vocabulary")
        return cls(vocab, **kwargs)

    def _unk(self, n: int) -> WordResult:
        uid = self.vocab.get(self.unk_token)
        if uid is None:
            raise TokenizerFileError(f"model.unk_token: {self.unk_token!r} is not in the vocabulary")
        return (uid,), (self.unk_token,), ((0, n),)

    def _segment(self, word: str) -> WordResult:
        n = len(word)
        if n > self.max_input_chars_per_word:
            return self._unk(n)
        vocab = self.vocab
        prefix = self.continuing_subword_prefix
        max_piece = self._max_piece
        ids: list[int] = []
        toks: list[str] = []
        offs: list[tuple[int, int]] = []
        start = 0
        while start < n:
            end = min(n, start + max_piece)
            while end > start:
                sub = word[start:end]
                if start > 0:
                    sub = prefix + sub
                tid = vocab.get(sub)
                if tid is not None:
                    ids.append(tid)
                    toks.append(sub)
                    offs.append((start, end))
                    break
                end -= 1
            else:
                return self._unk(n)
            start = end
        return tuple(ids), tuple(toks), tuple(offs)

    def tokenize_word(self, word: str) -> WordResult:
        """Segment one word: ``(ids, tokens, offsets)`` with offsets relative to the word."""
        r = self._cache.get(word)
        if r is None:
            r = self._segment(word)
            if len(self._cache) >= self.cache_capacity:
                self._cache.clear()
            self._cache[word] = r
        return r

    def tokenize(self, word: str) -> list[tuple[int, str, tuple[int, int]]]:
        ids, toks, offs = self.tokenize_word(word)
        return list(zip(ids, toks, offs, strict=True))

    def explain(self, word: str) -> list[MatchStep]:
        """The longest matches that segment ``word``, left to right.

        >>> wp = WordPiece({"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3})
        >>> [s.piece for s in wp.explain("unaffable")]
        ['un', '##aff', '##able']
        """
        n = len(word)
        if n > self.max_input_chars_per_word:
            return [MatchStep(0, n, None, 0)]
        steps: list[MatchStep] = []
        start = 0
        while start < n:
            end = min(n, start + self._max_piece)
            tried = 0
            while end > start:
                sub = word[start:end] if start == 0 else self.continuing_subword_prefix + \
                    word[start:end]
                tried += 1
                if sub in self.vocab:
                    steps.append(MatchStep(start, end, sub, tried))
                    break
                end -= 1
            else:
                steps.append(MatchStep(start, start, None, tried))
                return steps
            start = end
        return steps

    def explain_word(self, word: str) -> tuple[list[str], list[Any], list[str]]:
        """No initial symbols; the longest matches in order; the tokens."""
        return [], list(self.explain(word)), list(self.tokenize_word(word)[1])

    def to_dict(self) -> dict[str, Any]:
        """HF's JSON form (same keys, same order)."""
        return {
            "type": "WordPiece",
            "unk_token": self.unk_token,
            "continuing_subword_prefix": self.continuing_subword_prefix,
            "max_input_chars_per_word": self.max_input_chars_per_word,
            "vocab": dict(sorted(self.vocab.items(), key=lambda kv: kv[1])),
        }

    def __repr__(self) -> str:
        return (
            f"WordPiece(vocab=<{len(self.vocab)} tokens>, unk_token={self.unk_token!r}, "
            f"continuing_subword_prefix={self.continuing_subword_prefix!r}, "
            f"max_input_chars_per_word={self.max_input_chars_per_word})"
        )


def _wordpiece_from_dict(d: dict[str, Any]) -> WordPiece:
    vocab = d.get("vocab")
    if not isinstance(vocab, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in vocab.items()
    ):
        raise TokenizerFileError("model.vocab: expected an object mapping tokens to integer ids")
    mx = d.get("max_input_chars_per_word", 100)
    if not isinstance(mx, int) or isinstance(mx, bool):
        raise TokenizerFileError(f"model.max_input_chars_per_word: expected an integer, got {mx!r}")
    return WordPiece(
        vocab,
        unk_token=get_str(d, "unk_token", "[UNK]", "model"),
        continuing_subword_prefix=get_str(d, "continuing_subword_prefix", "##", "model"),
        max_input_chars_per_word=mx,
    )



REGISTRY: dict[str, Callable[[dict[str, Any]], Model]] = {
    "WordPiece": _wordpiece_from_dict,
    "BPE": bpe_from_dict,
}


def from_dict(spec: Any) -> Model:
    """Build a model from its tokenizer.json ``{"type": ...}`` object."""
    return build("model", REGISTRY, spec)
