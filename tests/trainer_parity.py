"""Shared pipelines for the trainer tests: the same tokenizer and trainer built in embedlab and
in HF ``tokenizers`` (the oracle), and helpers to compare what they learned."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from embedlab.tokenizers import (
    BPE,
    BertNormalizer,
    BertPreTokenizer,
    BPEDecoder,
    ByteLevel,
    ByteLevelDecoder,
    Tokenizer,
    Whitespace,
    WordPiece,
    WordPieceDecoder,
)
from embedlab.tokenizers import trainers as el_trainers
from oracles import require

hf = require("tokenizers")

KINDS = ("bpe", "bytelevel", "wordpiece", "charbpe")
WP_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build(kind: str, vocab_size: int, **extra: Any) -> tuple[Tokenizer, Any, Any, Any]:
    """(embedlab tokenizer, embedlab trainer, HF tokenizer, HF trainer) for one pipeline."""
    from tokenizers import decoders, models, normalizers, pre_tokenizers, trainers

    common = dict(vocab_size=vocab_size, show_progress=False, **extra)
    if kind == "bpe":
        el = Tokenizer(BPE(unk_token="<unk>"), pre_tokenizer=Whitespace())
        h = hf.Tokenizer(models.BPE(unk_token="<unk>"))
        h.pre_tokenizer = pre_tokenizers.Whitespace()
        opts = dict(special_tokens=["<unk>"], **common)
        return el, el_trainers.BpeTrainer(**opts), h, trainers.BpeTrainer(**opts)
    if kind == "bytelevel":
        el = Tokenizer(BPE(), pre_tokenizer=ByteLevel(add_prefix_space=False),
                       decoder=ByteLevelDecoder())
        h = hf.Tokenizer(models.BPE())
        h.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        h.decoder = decoders.ByteLevel()
        opts = dict(special_tokens=["<|endoftext|>"],
                    initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), **common)
        return el, el_trainers.BpeTrainer(**opts), h, trainers.BpeTrainer(**opts)
    if kind == "charbpe":
        el = Tokenizer(BPE(unk_token="<unk>", end_of_word_suffix="</w>"),
                       normalizer=BertNormalizer(lowercase=False),
                       pre_tokenizer=BertPreTokenizer(), decoder=BPEDecoder("</w>"))
        h = hf.Tokenizer(models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"))
        h.normalizer = normalizers.BertNormalizer(lowercase=False)
        h.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        h.decoder = decoders.BPEDecoder(suffix="</w>")
        opts = dict(special_tokens=["<unk>"], end_of_word_suffix="</w>", **common)
        return el, el_trainers.BpeTrainer(**opts), h, trainers.BpeTrainer(**opts)
    assert kind == "wordpiece"
    el = Tokenizer(WordPiece({}, unk_token="[UNK]"), normalizer=BertNormalizer(),
                   pre_tokenizer=BertPreTokenizer(), decoder=WordPieceDecoder())
    h = hf.Tokenizer(models.WordPiece(unk_token="[UNK]"))
    h.normalizer = normalizers.BertNormalizer()
    h.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    h.decoder = decoders.WordPiece()
    opts = dict(special_tokens=WP_SPECIALS, limit_alphabet=1000, **common)
    return el, el_trainers.WordPieceTrainer(**opts), h, trainers.WordPieceTrainer(**opts)


def model_json(tok: Any) -> dict[str, Any]:
    """The ``model`` part of a tokenizer's JSON (either library), merges as tuples."""
    model = json.loads(tok.to_str())["model"]
    model["merges"] = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m)
                       for m in model.get("merges", [])]
    return model


def first_difference(ours: list[Any], theirs: list[Any]) -> tuple[int, Any, Any] | None:
    for i, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        if a != b:
            return i, a, b
    if len(ours) != len(theirs):
        n = min(len(ours), len(theirs))
        return n, ours[n:n + 1], theirs[n:n + 1]
    return None


def by_id(vocab: dict[str, int]) -> list[str]:
    return sorted(vocab, key=vocab.__getitem__)


@contextmanager
def spelling_order_of(hf_vocab: dict[str, int]) -> Iterator[None]:
    """Give the prefixed/suffixed character spellings the ids HF gave them in one run (HF
    orders them by hash-map iteration, which changes from process to process)."""
    saved = el_trainers._order_new_symbols
    el_trainers._order_new_symbols = lambda symbols: sorted(
        symbols, key=lambda s: (hf_vocab.get(s, 1 << 62), s))
    try:
        yield
    finally:
        el_trainers._order_new_symbols = saved


def train_both(kind: str, files: list[Path], vocab_size: int, follow_hf_order: bool = True,
               **extra: Any) -> tuple[Tokenizer, Any]:
    """Train the same pipeline in both libraries on ``files``; for pipelines with spellings
    (WordPiece, end-of-word suffix) the embedlab side takes HF's spelling order if asked."""
    el, el_tr, h, h_tr = build(kind, vocab_size, **extra)
    h.train([str(f) for f in files], h_tr)
    if follow_hf_order and kind in ("wordpiece", "charbpe"):
        with spelling_order_of(model_json(h)["vocab"]):
            el.train(files, el_tr)
    else:
        el.train(files, el_tr)
    return el, h
