"""Byte-pair encoding (BPE) model, with the same segmentation as HF ``tokenizers.models.BPE``.

A word starts as one symbol per character (with ``continuing_subword_prefix`` on every
character but the first and ``end_of_word_suffix`` on the last), then the pair of adjacent
symbols with the lowest merge rank is merged, again and again, until no adjacent pair has a
merge. The loop keeps a heap of candidate merges and a linked list of symbols, so a word of
``n`` characters costs ``O(n log n)``; results are cached per word.

>>> bpe = BPE({"l": 0, "o": 1, "w": 2, "lo": 3, "low": 4}, [("l", "o"), ("lo", "w")])
>>> bpe.tokenize_word("low")[1]
('low',)
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from embedlab.errors import TokenizerFileError

from .model_base import Model, WordResult


@dataclass
class MergeStep:
    """One applied merge: ``left + right -> merged`` at symbol ``position`` (0-based)."""

    rank: int
    left: str
    right: str
    merged: str
    position: int
    symbols: list[str] = field(default_factory=list)  # the symbols after this merge

    def __str__(self) -> str:
        return (
            f"merge #{self.rank}: {self.left!r} + {self.right!r} -> {self.merged!r} "
            f"at {self.position}: {' '.join(self.symbols)}"
        )


class BPE(Model):
    """BPE model mirroring HF's constructor.

    ``vocab`` maps tokens to ids; ``merges`` lists the pairs in rank order (rank 0 first) as
    ``(left, right)`` tuples (``"left right"`` strings are accepted too). ``byte_fallback``
    spells characters missing from the vocabulary as ``<0xXX>`` byte tokens; ``dropout``
    skips each merge with that probability (training-time regularization; no cache then);
    ``fuse_unk`` joins consecutive unknown characters into one ``unk_token``;
    ``ignore_merges`` returns a word found whole in the vocabulary as is.
    """

    type_name = "BPE"
    cache_capacity = 100_000

    def __init__(
        self,
        vocab: Mapping[str, int] | None = None,
        merges: Iterable[tuple[str, str] | Sequence[str] | str] | None = None,
        unk_token: str | None = None,
        continuing_subword_prefix: str | None = None,
        end_of_word_suffix: str | None = None,
        byte_fallback: bool = False,
        dropout: float | None = None,
        fuse_unk: bool = False,
        ignore_merges: bool = False,
    ) -> None:
        if dropout is not None and not 0.0 <= dropout <= 1.0:
            raise ValueError(f"BPE dropout must be between 0 and 1, got {dropout!r}")
        self.vocab: dict[str, int] = dict(vocab or {})
        self.vocab_r: dict[int, str] = {i: t for t, i in self.vocab.items()}
        self.merges: list[tuple[str, str]] = [_merge_pair(m, i) for i, m in enumerate(merges or [])]
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.end_of_word_suffix = end_of_word_suffix
        self.byte_fallback = byte_fallback
        self.dropout = dropout
        self.fuse_unk = fuse_unk
        self.ignore_merges = ignore_merges
        # (left, right) -> (rank, merged); HF requires the merged token to be in the vocabulary
        self._ranks: dict[tuple[str, str], tuple[int, str]] = {}
        prefix = continuing_subword_prefix or ""
        for rank, (a, b) in enumerate(self.merges):
            for part in (a, b):
                if part not in self.vocab:
                    raise TokenizerFileError(
                        f"model.merges[{rank}]: token {part!r} is not in the vocabulary; "
                        "every merge must join two vocabulary tokens"
                    )
            if prefix and b.startswith(prefix):
                merged = a + b[len(prefix):]
            elif prefix:  # HF drops as many bytes as the prefix has
                merged = a + _utf8(b)[len(_utf8(prefix)):].decode("utf-8", "replace")
            else:
                merged = a + b
            if merged not in self.vocab:
                raise TokenizerFileError(
                    f"model.merges[{rank}]: merged token {merged!r} is not in the vocabulary; "
                    "add it to the vocabulary or remove the merge"
                )
            self._ranks[(a, b)] = (rank, merged)  # as HF: a repeated pair keeps its last rank
        self._cache: dict[str, WordResult] = {}

    # ------------------------------------------------------------------ segmentation
    def _initial(self, word: str) -> tuple[list[str], list[int], list[int]]:
        """Initial symbols with their (start, end) character offsets in ``word``."""
        vocab = self.vocab
        prefix = self.continuing_subword_prefix
        suffix = self.end_of_word_suffix
        syms: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        unk: tuple[str, int, int] | None = None
        last = len(word) - 1
        for i, ch in enumerate(word):
            s = ch
            if i and prefix:
                s = prefix + s
            if i == last and suffix:
                s = s + suffix
            if s in vocab:
                if unk is not None:
                    syms.append(unk[0])
                    starts.append(unk[1])
                    ends.append(unk[2])
                    unk = None
                syms.append(s)
                starts.append(i)
                ends.append(i + 1)
                continue
            if self.byte_fallback:
                byte_toks = [f"<0x{b:02X}>" for b in _utf8(s)]
                if all(t in vocab for t in byte_toks):
                    # as HF: a pending unknown is not flushed before the byte tokens
                    for t in byte_toks:
                        syms.append(t)
                        starts.append(i)
                        ends.append(i + 1)
                    continue
            if self.unk_token is not None:
                if self.unk_token not in vocab:
                    raise TokenizerFileError(
                        f"model.unk_token: {self.unk_token!r} is not in the vocabulary"
                    )
                if unk is not None and self.fuse_unk:
                    unk = (unk[0], unk[1], i + 1)
                else:
                    if unk is not None:
                        syms.append(unk[0])
                        starts.append(unk[1])
                        ends.append(unk[2])
                    unk = (self.unk_token, i, i + 1)
        if unk is not None:
            syms.append(unk[0])
            starts.append(unk[1])
            ends.append(unk[2])
        return syms, starts, ends

    def _merge(
        self, syms: list[str], steps: list[MergeStep] | None = None
    ) -> tuple[list[str], list[int]]:
        """Apply merges (lowest rank first, leftmost on ties); returns symbols and the index
        of the first initial symbol each final symbol covers."""
        n = len(syms)
        if n < 2:
            return syms, list(range(n))
        ranks = self._ranks
        sym: list[str | None] = list(syms)
        nxt = list(range(1, n + 1))
        prv = list(range(-1, n - 1))
        heap: list[tuple[int, int, str]] = []
        for i in range(n - 1):
            m = ranks.get((syms[i], syms[i + 1]))
            if m is not None:
                heap.append((m[0], i, m[1]))
        heapq.heapify(heap)
        dropout = self.dropout or 0.0
        skipped: list[tuple[int, int, str]] = []
        pop, push = heapq.heappop, heapq.heappush
        while heap:
            top = pop(heap)
            if dropout and random.random() < dropout:
                skipped.append(top)
                continue
            for entry in skipped:
                push(heap, entry)
            skipped.clear()
            rank, pos, merged = top
            left = sym[pos]
            if left is None:
                continue
            j = nxt[pos]
            if j >= n:
                continue
            right = sym[j]
            cur = ranks.get((left, right))  # type: ignore[arg-type]
            if cur is None or cur[1] != merged:
                continue  # stale entry
            sym[pos] = merged
            sym[j] = None
            k = nxt[j]
            nxt[pos] = k
            if k < n:
                prv[k] = pos
            if steps is not None:
                alive = [s for s in sym if s is not None]
                steps.append(MergeStep(rank, left, right, merged,  # type: ignore[arg-type]
                                       sum(1 for s in sym[:pos] if s is not None), alive))
            p = prv[pos]
            if p >= 0:
                m = ranks.get((sym[p], merged))  # type: ignore[arg-type]
                if m is not None:
                    push(heap, (m[0], p, m[1]))
            if k < n:
                m = ranks.get((merged, sym[k]))  # type: ignore[arg-type]
                if m is not None:
                    push(heap, (m[0], pos, m[1]))
        out: list[str] = []
        firsts: list[int] = []
        for i, s in enumerate(sym):
            if s is not None:
                out.append(s)
                firsts.append(i)
        return out, firsts

    def _segment(self, word: str) -> WordResult:
        if not word:
            return (), (), ()
        if self.ignore_merges and word in self.vocab:
            return (self.vocab[word],), (word,), ((0, len(word)),)
        syms, starts, ends = self._initial(word)
        merged, firsts = self._merge(syms)
        vocab = self.vocab
        n = len(firsts)
        offs = tuple(
            (starts[f], ends[(firsts[k + 1] - 1) if k + 1 < n else len(syms) - 1])
            for k, f in enumerate(firsts)
        )
        return tuple(vocab[s] for s in merged), tuple(merged), offs

    def tokenize_word(self, word: str) -> WordResult:
        """Segment one word: ``(ids, tokens, offsets)`` with offsets relative to the word."""
        if self.dropout:
            return self._segment(word)
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

    def explain(self, word: str) -> list[MergeStep]:
        """The merges applied to ``word``, in the order applied (dropout is ignored).

        >>> bpe = BPE({"l": 0, "o": 1, "w": 2, "lo": 3, "low": 4}, [("l", "o"), ("lo", "w")])
        >>> [str(s) for s in bpe.explain("low")]
        ["merge #0: 'l' + 'o' -> 'lo' at 0: lo w", "merge #1: 'lo' + 'w' -> 'low' at 0: low"]
        """
        if self.ignore_merges and word in self.vocab:
            return []
        syms, _, _ = self._initial(word)
        steps: list[MergeStep] = []
        saved, self.dropout = self.dropout, None
        try:
            self._merge(syms, steps)
        finally:
            self.dropout = saved
        return steps

    def initial_symbols(self, word: str) -> list[str]:
        """The symbols a word starts from, before any merge."""
        return self._initial(word)[0]

    def explain_word(self, word: str) -> tuple[list[str], list[Any], list[str]]:
        """The initial symbols, the merges in order, and the tokens (the whole word when
        ``ignore_merges`` finds it in the vocabulary)."""
        initial = self.initial_symbols(word)
        steps: list[Any] = list(self.explain(word))
        tokens = list(steps[-1].symbols) if steps else list(initial)
        if self.ignore_merges and word in self.vocab:
            tokens = [word]
        return initial, steps, tokens

    def to_dict(self) -> dict[str, Any]:
        """HF's JSON form (same keys, same order)."""
        return {
            "type": "BPE",
            "dropout": self.dropout,
            "unk_token": self.unk_token,
            "continuing_subword_prefix": self.continuing_subword_prefix,
            "end_of_word_suffix": self.end_of_word_suffix,
            "fuse_unk": self.fuse_unk,
            "byte_fallback": self.byte_fallback,
            "ignore_merges": self.ignore_merges,
            "vocab": dict(sorted(self.vocab.items(), key=lambda kv: kv[1])),
            "merges": [[a, b] for a, b in self.merges],
        }

    def __repr__(self) -> str:
        return (
            f"BPE(vocab=<{len(self.vocab)} tokens>, merges=<{len(self.merges)}>, "
            f"unk_token={self.unk_token!r}, continuing_subword_prefix="
            f"{self.continuing_subword_prefix!r}, end_of_word_suffix={self.end_of_word_suffix!r}, "
            f"byte_fallback={self.byte_fallback}, dropout={self.dropout})"
        )


def _utf8(s: str) -> bytes:
    """UTF-8, with lone surrogates as U+FFFD (as the byte-level stages do)."""
    from .bytelevel import encode_utf8

    return encode_utf8(s)


def _merge_pair(m: Any, i: int) -> tuple[str, str]:
    if isinstance(m, str):
        parts = m.split(" ")
        if len(parts) != 2:
            raise TokenizerFileError(
                f"model.merges[{i}]: expected 'left right' (one space), got {m!r}"
            )
        return parts[0], parts[1]
    if isinstance(m, (list, tuple)) and len(m) == 2 and all(isinstance(x, str) for x in m):
        return m[0], m[1]
    raise TokenizerFileError(f"model.merges[{i}]: expected a [left, right] pair, got {m!r}")


def bpe_from_dict(d: dict[str, Any]) -> BPE:
    """Build a :class:`BPE` from its tokenizer.json object (both merge formats accepted)."""
    vocab = d.get("vocab")
    if not isinstance(vocab, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in vocab.items()
    ):
        raise TokenizerFileError("model.vocab: expected an object mapping tokens to integer ids")
    merges = d.get("merges", [])
    if not isinstance(merges, list):
        raise TokenizerFileError("model.merges: expected a list")

    def opt_str(key: str) -> str | None:
        v = d.get(key)
        if v is not None and not isinstance(v, str):
            raise TokenizerFileError(f"model.{key}: expected a string or null, got {v!r}")
        return v

    def flag(key: str) -> bool:
        v = d.get(key, False)
        if not isinstance(v, bool):
            raise TokenizerFileError(f"model.{key}: expected a boolean, got {v!r}")
        return v

    dropout = d.get("dropout")
    if dropout is not None and (
        not isinstance(dropout, (int, float)) or isinstance(dropout, bool)
        or not 0 <= dropout <= 1
    ):
        raise TokenizerFileError(f"model.dropout: expected null or a number in [0, 1], got {dropout!r}")
    return BPE(
        vocab,
        merges,
        unk_token=opt_str("unk_token"),
        continuing_subword_prefix=opt_str("continuing_subword_prefix"),
        end_of_word_suffix=opt_str("end_of_word_suffix"),
        byte_fallback=flag("byte_fallback"),
        dropout=None if dropout is None else float(dropout),
        fuse_unk=flag("fuse_unk"),
        ignore_merges=flag("ignore_merges"),
    )
