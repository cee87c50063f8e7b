"""Trainers: learn a BPE or WordPiece vocabulary from word counts, as HF ``tokenizers`` does.

``BpeTrainer`` follows HF's ``BpeTrainer`` rule for rule:

1. the special tokens take the first ids, in the order given;
2. the alphabet is every character of the words, plus ``initial_alphabet``; with
   ``limit_alphabet`` only that many characters are kept (the most frequent; characters of
   ``initial_alphabet`` count as infinitely frequent); the kept ones get the next ids in
   code-point order; characters left out are dropped from the words;
3. a character that is not the first of its word is spelled ``continuing_subword_prefix + c``
   and the last one ``c + end_of_word_suffix``; those spellings get the next ids;
4. the pair with the highest count is merged, ties going to the smaller pair of ids; the new
   token is the left string plus the right one with its continuing prefix removed; merging
   stops at ``vocab_size`` tokens or when the best count falls below ``min_frequency``.

Where HF is not deterministic this module picks a rule: HF gives the spellings of step 3 ids in
the iteration order of a hash map (different in every process), and breaks ties of
``limit_alphabet`` the same way. Here the spellings of step 3 take ids in sorted order and
``limit_alphabet`` keeps, among equally frequent characters, the smaller code points. Without
a prefix or suffix (plain and byte-level BPE) the result is identical to HF's.

``WordPieceTrainer`` is a ``BpeTrainer`` with ``continuing_subword_prefix="##"`` whose
vocabulary becomes a ``WordPiece`` model.

>>> from embedlab.tokenizers import BPE, Tokenizer, Whitespace
>>> tok = Tokenizer(BPE(), pre_tokenizer=Whitespace())
>>> _ = tok.train_from_iterator(["low lower lowest"] * 3, BpeTrainer(vocab_size=12,
...                             show_progress=False))
>>> tok.encode("lowest").tokens
['lowest']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .added_tokens import AddedToken
from .bpe import BPE
from .models import Model, WordPiece
from .training_data import TrainingDataError


@dataclass
class TrainResult:
    """What a trainer learned: the vocabulary (token -> id), the merges in order, and the
    special tokens to register as added tokens."""

    vocab: dict[str, int]
    merges: list[tuple[str, str]]
    special_tokens: list[str]


def _order_new_symbols(symbols: set[str]) -> list[str]:
    """Ids order of the prefixed/suffixed character spellings (HF: hash-map order)."""
    return sorted(symbols)


@dataclass
class BpeTrainer:
    """Learns BPE merges (HF ``BpeTrainer`` options and defaults).

    >>> BpeTrainer(vocab_size=1000, special_tokens=["<unk>"]).vocab_size
    1000
    """

    vocab_size: int = 30000
    min_frequency: int = 0
    special_tokens: list[str] = field(default_factory=list)
    limit_alphabet: int | None = None
    initial_alphabet: list[str] = field(default_factory=list)
    continuing_subword_prefix: str | None = None
    end_of_word_suffix: str | None = None
    show_progress: bool = True
    #: HF's ``max_token_length``: a merge may create a pair only when the two tokens span
    #: fewer than this many characters of the word (prefix and suffix not counted). As in
    #: HF, tokens therefore stay below it (at most ``max_token_length - 1`` characters),
    #: except the two-character pairs of the first merges, which are always counted.
    max_token_length: int | None = None

    def _check(self) -> None:
        for name in ("vocab_size", "min_frequency"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
        if self.limit_alphabet is not None and (
            not isinstance(self.limit_alphabet, int) or self.limit_alphabet < 0
        ):
            raise ValueError(
                f"limit_alphabet must be a non-negative integer or None, got "
                f"{self.limit_alphabet!r}")
        if self.max_token_length is not None and (
            not isinstance(self.max_token_length, int) or isinstance(self.max_token_length, bool)
            or self.max_token_length < 1
        ):
            raise ValueError(
                f"max_token_length must be a positive integer or None, got "
                f"{self.max_token_length!r}")
        seen: set[str] = set()
        for t in self.special_tokens:
            if not isinstance(t, str) or not t:
                raise ValueError(f"special tokens must be non-empty strings, got {t!r}")
            if t in seen:
                raise ValueError(f"special token {t!r} is listed twice; list each once")
            seen.add(t)
        for c in self.initial_alphabet:
            if not isinstance(c, str) or len(c) != 1:
                raise ValueError(
                    f"initial_alphabet entries must be single characters, got {c!r}")

    # ------------------------------------------------------------------ alphabet
    def _alphabet(self, cps: np.ndarray, char_counts: np.ndarray) -> list[str]:
        """The kept characters, in code-point order."""
        counts = {int(cp): int(n) for cp, n in zip(cps, char_counts, strict=True)}
        forced = 2**63
        for c in self.initial_alphabet:
            counts[ord(c)] = forced
        limit = self.limit_alphabet
        kept = list(counts)
        if limit is not None and len(kept) > limit:
            # drop the rarest first; among equal counts the larger code point goes first
            kept.sort(key=lambda cp: (counts[cp], -cp))
            kept = kept[len(kept) - limit:]
        return [chr(cp) for cp in sorted(kept)]

    # ------------------------------------------------------------------ training
    def train_words(self, word_counts: Mapping[str, int]) -> TrainResult:
        """Learn from ``{word: count}`` (the pre-tokenized words)."""
        from . import _train_kernels as kernels

        self._check()
        words = [w for w, c in word_counts.items() if c > 0 and w]
        if not words:
            raise TrainingDataError(
                "the training data holds no words after normalization and pre-tokenization; "
                "pass non-empty text")
        counts = np.fromiter((word_counts[w] for w in words), np.int64, len(words))
        lengths = np.fromiter(map(len, words), np.int64, len(words))
        cps = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), np.uint32)
        ucps, inv = np.unique(cps, return_inverse=True)
        char_counts = np.bincount(inv, weights=np.repeat(counts, lengths), minlength=len(ucps))

        tokens: list[str] = list(self.special_tokens)
        w2id = {t: i for i, t in enumerate(tokens)}
        for c in self._alphabet(ucps, char_counts.astype(np.int64)):
            if c not in w2id:
                w2id[c] = len(tokens)
                tokens.append(c)

        # spell each character by its position: 1 = not first, 2 = last
        ends = np.cumsum(lengths)
        starts = ends - lengths
        variant = np.ones(len(cps), np.int64)
        variant[starts] = 0
        variant[ends - 1] += 2
        in_vocab = np.array([chr(int(cp)) in w2id for cp in ucps], bool)
        keep = in_vocab[inv]
        prefix = self.continuing_subword_prefix or ""
        suffix = self.end_of_word_suffix or ""
        combo = inv.astype(np.int64) * 4 + variant
        used = np.unique(combo[keep])
        spell = {}
        for cb in used.tolist():
            c, v = chr(int(ucps[cb >> 2])), cb & 3
            spell[cb] = (prefix if v & 1 else "") + c + (suffix if v & 2 else "")
        new = {s for s in spell.values() if s not in w2id}
        for s in _order_new_symbols(new):
            w2id[s] = len(tokens)
            tokens.append(s)
        table = np.zeros(int(used[-1]) + 1 if len(used) else 1, np.int32)
        for cb, s in spell.items():
            table[cb] = w2id[s]

        n_initial = len(tokens)
        if self.vocab_size < n_initial:
            raise ValueError(
                f"vocab_size {self.vocab_size} is smaller than the initial vocabulary of "
                f"{n_initial} tokens ({len(self.special_tokens)} special tokens + "
                f"{n_initial - len(self.special_tokens)} characters and their spellings); "
                f"raise vocab_size to at least {n_initial} or set limit_alphabet lower")

        word_of_char = np.repeat(np.arange(len(words)), lengths)
        sym = table[combo[keep]].astype(np.int32)
        wlen = np.bincount(word_of_char[keep], minlength=len(words)).astype(np.int64)
        wstart = np.cumsum(wlen) - wlen
        with _progress(self.show_progress, self.vocab_size, n_initial) as every:
            ma, mb, _ = kernels.bpe_merges(
                sym, wstart, wlen, counts, tokens, prefix, self.vocab_size,
                self.min_frequency, every,
                self.max_token_length if self.max_token_length is not None else 2**62)
        final = tokens
        # a pair merged twice (a token re-created another way) keeps its last rank, as in HF
        last: dict[tuple[int, int], int] = {}
        for i, (a, b) in enumerate(zip(ma.tolist(), mb.tolist(), strict=True)):
            last[(a, b)] = i
        order = sorted(last.items(), key=lambda kv: kv[1])
        merges = [(final[a], final[b]) for (a, b), _ in order]
        return TrainResult({t: i for i, t in enumerate(final)}, merges,
                           list(self.special_tokens))

    def train_model(self, model: Any, word_counts: Mapping[str, int]) -> tuple[Model, list[str]]:
        """A trained ``BPE`` keeping ``model``'s other settings (unk token, dropout...)."""
        result = self.train_words(word_counts)
        old = model if isinstance(model, BPE) else BPE()
        unk = old.unk_token
        if unk is not None and unk not in result.vocab:
            raise ValueError(
                f"the model's unk_token {unk!r} is not among the special tokens "
                f"{self.special_tokens}; add it to special_tokens")
        bpe = BPE(result.vocab, result.merges, unk_token=unk,
                  continuing_subword_prefix=self.continuing_subword_prefix,
                  end_of_word_suffix=self.end_of_word_suffix,
                  byte_fallback=old.byte_fallback, dropout=old.dropout,
                  fuse_unk=old.fuse_unk, ignore_merges=old.ignore_merges)
        return bpe, result.special_tokens


@dataclass
class WordPieceTrainer(BpeTrainer):
    """Learns a WordPiece vocabulary: BPE merges with the "##" continuing prefix
    (HF ``WordPieceTrainer``).

    >>> WordPieceTrainer(vocab_size=500).continuing_subword_prefix
    '##'
    """

    continuing_subword_prefix: str | None = "##"

    def train_model(self, model: Any, word_counts: Mapping[str, int]) -> tuple[Model, list[str]]:
        result = self.train_words(word_counts)
        old = model if isinstance(model, WordPiece) else WordPiece({})
        if old.unk_token not in result.vocab:
            raise ValueError(
                f"the WordPiece unk_token {old.unk_token!r} is not among the special tokens "
                f"{self.special_tokens}; add it to special_tokens")
        wp = WordPiece(result.vocab, unk_token=old.unk_token,
                       continuing_subword_prefix=self.continuing_subword_prefix or "##",
                       max_input_chars_per_word=old.max_input_chars_per_word)
        return wp, result.special_tokens


def special_added_tokens(tokens: Iterable[str], vocab: Mapping[str, int]) -> list[AddedToken]:
    """The added-token entries for trained special tokens (special, not normalized)."""
    return [AddedToken(t, vocab[t], special=True, normalized=False) for t in tokens]


class _progress:
    """A rich progress bar over the vocabulary size while merging (or nothing)."""

    def __init__(self, show: bool, total: int, start: int) -> None:
        self.show, self.total, self.start = show, total, start
        self._bar: Any = None

    def __enter__(self) -> int:
        from . import _train_kernels as kernels

        if not self.show:
            kernels.PROGRESS_HOOK[0] = None
            return 0
        from rich.progress import Progress

        self._bar = Progress(transient=True)
        self._bar.start()
        task = self._bar.add_task("Compute merges", total=self.total, completed=self.start)
        kernels.PROGRESS_HOOK[0] = lambda size: self._bar.update(task, completed=size)
        return 200

    def __exit__(self, *exc: object) -> None:
        from . import _train_kernels as kernels

        kernels.PROGRESS_HOOK[0] = None
        if self._bar is not None:
            self._bar.stop()
