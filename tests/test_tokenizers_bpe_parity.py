"""Parity with HF ``tokenizers`` for BPE tokenizers and for files in both directions.

Tokenizers are trained with HF on a slice of the shared corpora (byte-level GPT-2/RoBERTa,
character BPE with "</w>", SentencePiece-style BPE with Metaspace, BPE with "##" continuation,
byte-fallback BPE, a Llama-3-style Split + ByteLevel sequence), written by HF and read here,
then written here and read by HF. Ids, tokens, offsets, type ids, masks and decoded text must
be identical on Gutenberg, STS-B and Tatoeba text. The fast tests use a few hundred texts;
the slow ones thousands (all of them with ``EMBEDLAB_FULL=1``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from oracles import require
from test_tokenizers_parity import (
    gutenberg_lines,
    random_unicode_texts,
    stsb_sentences,
    tatoeba_sentences,
)

hf = require("tokenizers")

FULL = os.environ.get("EMBEDLAB_FULL") == "1"
FIELDS = ("ids", "tokens", "offsets", "type_ids", "attention_mask", "special_tokens_mask")


def _train_texts(data_dir: Path) -> list[str]:
    return gutenberg_lines(data_dir, 3000)[:2000] + stsb_sentences(data_dir)[:1500] + \
        tatoeba_sentences(data_dir)[::4][:1500]


def _bytelevel_roberta(train: list[str]) -> Any:
    t = hf.implementations.ByteLevelBPETokenizer()
    t.train_from_iterator(train, vocab_size=3000, show_progress=False,
                          special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    tok = t._tokenizer
    tok.post_processor = hf.processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    return tok


def _bytelevel_gpt2(train: list[str]) -> Any:
    t = hf.implementations.ByteLevelBPETokenizer(add_prefix_space=False, trim_offsets=False)
    t.train_from_iterator(train, vocab_size=3000, show_progress=False,
                          special_tokens=["<|endoftext|>"])
    tok = t._tokenizer
    tok.post_processor = hf.processors.ByteLevel(trim_offsets=False)
    return tok


def _char_bpe(train: list[str]) -> Any:
    t = hf.implementations.CharBPETokenizer()
    t.train_from_iterator(train, vocab_size=3000, show_progress=False)
    return t._tokenizer


def _sentencepiece_bpe(train: list[str]) -> Any:
    t = hf.implementations.SentencePieceBPETokenizer()
    t.train_from_iterator(train, vocab_size=3000, show_progress=False)
    return t._tokenizer


def _wordpiece_style_bpe(train: list[str]) -> Any:
    tok = hf.Tokenizer(hf.models.BPE(unk_token="[UNK]", continuing_subword_prefix="##"))
    tok.normalizer = hf.normalizers.BertNormalizer()
    tok.pre_tokenizer = hf.pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(train, hf.trainers.BpeTrainer(
        vocab_size=3000, special_tokens=["[UNK]", "[CLS]", "[SEP]"],
        continuing_subword_prefix="##", show_progress=False))
    tok.post_processor = hf.processors.BertProcessing(("[SEP]", 2), ("[CLS]", 1))
    tok.decoder = hf.decoders.WordPiece()
    return tok


def _byte_fallback_bpe(train: list[str]) -> Any:
    tok = hf.Tokenizer(hf.models.BPE(unk_token="<unk>", fuse_unk=True))
    tok.normalizer = hf.normalizers.Sequence(
        [hf.normalizers.Prepend("▁"), hf.normalizers.Replace(" ", "▁")])
    tok.decoder = hf.decoders.Sequence([
        hf.decoders.Replace("▁", " "), hf.decoders.ByteFallback(), hf.decoders.Fuse(),
        hf.decoders.Strip(" ", 1, 0)])
    tok.train_from_iterator(train, hf.trainers.BpeTrainer(
        vocab_size=2000, special_tokens=["<unk>", "<s>", "</s>"], limit_alphabet=80,
        show_progress=False))
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    for b in range(256):  # Llama-2 style: every byte has a token
        vocab.setdefault(f"<0x{b:02X}>", len(vocab))
    data["model"]["byte_fallback"] = True
    data["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                   {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                 {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "<s>", "type_id": 1}},
                 {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [vocab["<s>"]], "tokens": ["<s>"]}},
    }
    return hf.Tokenizer.from_str(json.dumps(data))


def _llama3_style(train: list[str]) -> Any:
    t = hf.implementations.ByteLevelBPETokenizer()
    t.train_from_iterator(train, vocab_size=3000, show_progress=False,
                          special_tokens=["<|begin_of_text|>"])
    tok = t._tokenizer
    tok.pre_tokenizer = hf.pre_tokenizers.Sequence([
        hf.pre_tokenizers.Split(hf.Regex(r"\p{N}{1,3}"), "isolated"),
        hf.pre_tokenizers.Split(hf.Regex(r" ?\p{L}+|\s+(?!\S)|\s+| ?[^\s\p{L}\p{N}]+"),
                                "isolated"),
        hf.pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.post_processor = hf.processors.Sequence([
        hf.processors.ByteLevel(trim_offsets=False),
        hf.processors.TemplateProcessing(
            single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|>:1 $B:1",
            special_tokens=[("<|begin_of_text|>", 0)])])
    return tok


BUILDERS: dict[str, Callable[[list[str]], Any]] = {
    "bytelevel-roberta": _bytelevel_roberta,
    "bytelevel-gpt2": _bytelevel_gpt2,
    "char-bpe-suffix": _char_bpe,
    "sentencepiece-bpe": _sentencepiece_bpe,
    "bpe-prefix-##": _wordpiece_style_bpe,
    "bpe-byte-fallback": _byte_fallback_bpe,
    "llama3-style": _llama3_style,
}


@pytest.fixture(scope="module")
def hf_tokenizers(data_dir: Path) -> dict[str, Any]:
    train = _train_texts(data_dir)
    out = {}
    for name, build in BUILDERS.items():
        tok = build(train)
        tok.no_padding()
        tok.no_truncation()
        out[name] = tok
    return out


def _texts(data_dir: Path, n: int) -> dict[str, list[str]]:
    g = gutenberg_lines(data_dir, 10_000 if not FULL else 100_000)
    s = stsb_sentences(data_dir)
    t = tatoeba_sentences(data_dir)
    if FULL:
        return {"gutenberg": g, "stsb": s, "tatoeba": t}
    return {"gutenberg": g[-n:], "stsb": s[-n:], "tatoeba": t[::max(1, len(t) // n)][:n]}


def _norm(v: Any) -> Any:
    return [tuple(x) if isinstance(x, (list, tuple)) else x for x in v]


def diff(ours: Any, theirs: Any, texts: list[str], pairs: list[str] | None = None) -> list[Any]:
    """Inputs where any field differs (the first few, with the field)."""
    if pairs is None:
        hs, os_ = theirs.encode_batch(texts), ours.encode_batch(texts)
    else:
        both = list(zip(texts, pairs, strict=True))
        hs, os_ = theirs.encode_batch(both), ours.encode_batch(both)
    bad = []
    for i, (h, o) in enumerate(zip(hs, os_, strict=True)):
        for f in FIELDS:
            if _norm(getattr(h, f)) != _norm(getattr(o, f)):
                bad.append((texts[i], f, _norm(getattr(h, f))[:8], _norm(getattr(o, f))[:8]))
                break
    return bad[:5]


def _check_all(name: str, theirs: Any, tmp_path: Path, texts: dict[str, list[str]]) -> None:
    from embedlab.tokenizers import Tokenizer

    hf_file = tmp_path / f"{name}.hf.json"
    theirs.save(str(hf_file))
    ours = Tokenizer.from_file(hf_file)  # HF-written file, read here
    assert ours.to_dict() == json.loads(hf_file.read_text(encoding="utf-8"))
    our_file = tmp_path / f"{name}.ours.json"
    ours.save(our_file)  # written here, read by HF
    assert our_file.read_bytes() == hf_file.read_bytes()  # byte for byte what HF writes
    assert ours.to_str() == theirs.to_str()
    back = hf.Tokenizer.from_file(str(our_file))
    assert json.loads(back.to_str()) == ours.to_dict()
    for corpus, batch in texts.items():
        assert diff(ours, theirs, batch) == [], (name, corpus)
        assert diff(ours, back, batch) == [], (name, corpus)
        for ids in [e.ids for e in theirs.encode_batch(batch[:300])]:
            assert ours.decode(ids) == theirs.decode(ids)
            assert ours.decode(ids, skip_special_tokens=False) == theirs.decode(
                ids, skip_special_tokens=False)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_bpe_parity_fast(name: str, hf_tokenizers, data_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _check_all(name, hf_tokenizers[name], tmp_path, _texts(data_dir, 200))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BUILDERS))
def test_bpe_parity_corpora(name: str, hf_tokenizers, data_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _check_all(name, hf_tokenizers[name], tmp_path, _texts(data_dir, 3000))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BUILDERS))
def test_bpe_parity_random_unicode(name: str, hf_tokenizers) -> None:  # type: ignore[no-untyped-def]
    from embedlab.tokenizers import Tokenizer

    theirs = hf_tokenizers[name]
    ours = Tokenizer.from_str(theirs.to_str())
    texts = random_unicode_texts(3000 if not FULL else 30_000, seed=11)
    # Known gap: after NFC/NFKC, offsets can differ for combining marks newer than HF's Unicode
    # tables (HF gives them class 0); ids and tokens still agree. 7 of 30,000 texts here.
    newer = [t for t in texts if _has_newer_mark(t)]
    assert diff(ours, theirs, [t for t in texts if not _has_newer_mark(t)]) == []
    for h, o in zip(theirs.encode_batch(newer), ours.encode_batch(newer), strict=True):
        assert (h.ids, h.tokens) == (o.ids, o.tokens)


def _has_newer_mark(text: str) -> bool:
    import unicodedata

    from embedlab.tokenizers import _chars

    return any(unicodedata.combining(c) and _chars.combining_class(c) == 0 for c in text)


@pytest.mark.parametrize("name", ["bytelevel-roberta", "bpe-prefix-##", "llama3-style"])
def test_pairs_truncation_padding(name: str, hf_tokenizers, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from embedlab.tokenizers import Tokenizer

    theirs = hf.Tokenizer.from_str(hf_tokenizers[name].to_str())
    ours = Tokenizer.from_str(theirs.to_str())
    texts = stsb_sentences(data_dir)[:400]
    for tok in (theirs, ours):
        tok.enable_truncation(24)
        tok.enable_padding(pad_id=1, pad_token="<pad>")
    assert diff(ours, theirs, texts[:200]) == []
    assert diff(ours, theirs, texts[:200], pairs=texts[200:]) == []
    for tok in (theirs, ours):
        tok.enable_truncation(16, direction="left")
        tok.enable_padding(pad_id=1, pad_token="<pad>", length=20, direction="left")
    assert diff(ours, theirs, texts[:200], pairs=texts[200:]) == []


@pytest.mark.parametrize("which", ["minilm", "mpnet"])
def test_pretrained_files_round_trip(which: str, minilm_dir, mpnet_dir, data_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """BERT (MiniLM) and MPNet files: read here, written here, read by HF, same encodings."""
    from embedlab.tokenizers import Tokenizer

    folder = minilm_dir if which == "minilm" else mpnet_dir
    ours = Tokenizer.from_file(folder / "tokenizer.json")
    theirs = hf.Tokenizer.from_file(str(folder / "tokenizer.json"))
    assert ours.to_dict() == json.loads(theirs.to_str())  # what HF would write for it
    ours.save(tmp_path / "tokenizer.json")
    back = hf.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    texts = _texts(data_dir, 200)
    for batch in texts.values():
        assert diff(ours, back, batch) == []
        assert diff(ours, theirs, batch) == []
