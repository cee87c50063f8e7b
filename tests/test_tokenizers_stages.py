"""Each pipeline stage alone, checked against the HF ``tokenizers`` stage of the same name:
same output and the same JSON form."""

from __future__ import annotations

import json
from typing import Any

import pytest

from embedlab.tokenizers import decoders as D
from embedlab.tokenizers import normalizers as N
from embedlab.tokenizers import post_processors as PP
from embedlab.tokenizers import pre_tokenizers as P
from oracles import require

hf = require("tokenizers")

TEXTS = [
    "",
    "Hello, world!",
    "  leading and trailing  ",
    "The year 1984 had 12 months; 3.14 isn't 42.",
    "naïve café — déjà vu… «quoted»",
    "東京タワー 333m, ½ and ²",
    "tabs\tand\nnewlines\r\nmixed   spaces",
    "it's we've they'll I'd you're",
    "emoji 🙂👍🏽 and ZWJ 👨‍👩‍👧",
    "a▁b ▁c",
    "x--y__z...!!",
]


def _hf_json(obj: Any) -> Any:
    """The JSON HF writes for a stage (via a throwaway tokenizer)."""
    tok = hf.Tokenizer(hf.models.BPE())
    for attr in ("normalizer", "pre_tokenizer", "post_processor", "decoder"):
        try:
            setattr(tok, attr, obj)
            return json.loads(tok.to_str())[attr]
        except TypeError:
            continue
    raise AssertionError(f"cannot place {obj!r}")


NORMALIZERS = [
    (N.NFC(), lambda: hf.normalizers.NFC()),
    (N.NFKC(), lambda: hf.normalizers.NFKC()),
    (N.NFD(), lambda: hf.normalizers.NFD()),
    (N.NFKD(), lambda: hf.normalizers.NFKD()),
    (N.Lowercase(), lambda: hf.normalizers.Lowercase()),
    (N.Sequence([N.NFD(), N.StripAccents()]),
     lambda: hf.normalizers.Sequence([hf.normalizers.NFD(), hf.normalizers.StripAccents()])),
    (N.BertNormalizer(), lambda: hf.normalizers.BertNormalizer()),
    (N.Replace(" ", "▁"), lambda: hf.normalizers.Replace(" ", "▁")),
    (N.Replace("...", "…"), lambda: hf.normalizers.Replace("...", "…")),
    (N.Replace(r"\s+", " ", regex=True),
     lambda: hf.normalizers.Replace(hf.Regex(r"\s+"), " ")),
    (N.Prepend("▁"), lambda: hf.normalizers.Prepend("▁")),
    (N.Strip(), lambda: hf.normalizers.Strip()),
    (N.Strip(left=False), lambda: hf.normalizers.Strip(left=False, right=True)),
]


@pytest.mark.parametrize(("ours", "make"), NORMALIZERS, ids=lambda x: repr(x)[:40])
def test_normalizer_matches_hf(ours: N.Normalizer, make: Any) -> None:
    theirs = make()
    for text in TEXTS:
        assert ours.normalize_str(text) == theirs.normalize_str(text), text
    assert ours.to_dict() == _hf_json(theirs)
    assert N.from_dict(ours.to_dict()).to_dict() == ours.to_dict()


def _norm_offsets(ours: N.Normalizer, theirs: Any, text: str) -> None:
    """Offsets after normalization: compare through a WordPiece-free identity model."""
    vocab = {c: i for i, c in enumerate(sorted(set(theirs.normalize_str(text)) | {"[UNK]"}))}
    h = hf.Tokenizer(hf.models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=1))
    h.normalizer = theirs
    h.pre_tokenizer = hf.pre_tokenizers.Split(hf.Regex(r"[\s\S]"), "isolated")
    from embedlab.tokenizers import Tokenizer

    o = Tokenizer.from_str(h.to_str())
    he, oe = h.encode(text), o.encode(text)
    assert (oe.tokens, oe.offsets) == (he.tokens, [tuple(x) for x in he.offsets]), text


@pytest.mark.parametrize("text", ["a b  c", "hello world", " x", "...a..."])
def test_replace_prepend_strip_offsets_match_hf(text: str) -> None:
    _norm_offsets(N.Replace(" ", "▁"), hf.normalizers.Replace(" ", "▁"), text)
    _norm_offsets(N.Prepend("▁"), hf.normalizers.Prepend("▁"), text)
    _norm_offsets(N.Strip(), hf.normalizers.Strip(), text)


PRE_TOKENIZERS = [
    (P.Whitespace(), lambda: hf.pre_tokenizers.Whitespace()),
    (P.WhitespaceSplit(), lambda: hf.pre_tokenizers.WhitespaceSplit()),
    (P.BertPreTokenizer(), lambda: hf.pre_tokenizers.BertPreTokenizer()),
    (P.Punctuation(), lambda: hf.pre_tokenizers.Punctuation()),
    (P.Punctuation("contiguous"), lambda: hf.pre_tokenizers.Punctuation("contiguous")),
    (P.Punctuation("merged_with_previous"),
     lambda: hf.pre_tokenizers.Punctuation("merged_with_previous")),
    (P.Punctuation("merged_with_next"), lambda: hf.pre_tokenizers.Punctuation("merged_with_next")),
    (P.Punctuation("removed"), lambda: hf.pre_tokenizers.Punctuation("removed")),
    (P.Digits(), lambda: hf.pre_tokenizers.Digits()),
    (P.Digits(individual_digits=True), lambda: hf.pre_tokenizers.Digits(True)),
    (P.SplitPattern("-", "removed"), lambda: hf.pre_tokenizers.Split("-", "removed")),
    (P.SplitPattern(r"\d+|\s", "isolated", regex=True),
     lambda: hf.pre_tokenizers.Split(hf.Regex(r"\d+|\s"), "isolated")),
    (P.SplitPattern(r"\w+", "removed", invert=True, regex=True),
     lambda: hf.pre_tokenizers.Split(hf.Regex(r"\w+"), "removed", invert=True)),
    (P.SplitPattern(" ", "merged_with_next"), lambda: hf.pre_tokenizers.Split(" ", "merged_with_next")),
    (P.SplitPattern(".", "contiguous"), lambda: hf.pre_tokenizers.Split(".", "contiguous")),
    (P.ByteLevel(), lambda: hf.pre_tokenizers.ByteLevel()),
    (P.ByteLevel(add_prefix_space=False), lambda: hf.pre_tokenizers.ByteLevel(add_prefix_space=False)),
    (P.ByteLevel(use_regex=False), lambda: hf.pre_tokenizers.ByteLevel(use_regex=False)),
    (P.Metaspace(), lambda: hf.pre_tokenizers.Metaspace()),
    (P.Metaspace(prepend_scheme="never"), lambda: hf.pre_tokenizers.Metaspace(prepend_scheme="never")),
    (P.Metaspace(prepend_scheme="first"), lambda: hf.pre_tokenizers.Metaspace(prepend_scheme="first")),
    (P.Metaspace(split=False), lambda: hf.pre_tokenizers.Metaspace(split=False)),
    (P.Sequence([P.WhitespaceSplit(), P.Digits(True)]),
     lambda: hf.pre_tokenizers.Sequence([hf.pre_tokenizers.WhitespaceSplit(),
                                         hf.pre_tokenizers.Digits(True)])),
    (P.Sequence([P.SplitPattern(r"\p{N}{1,3}", "isolated", regex=True),
                 P.ByteLevel(add_prefix_space=False, use_regex=False)]),
     lambda: hf.pre_tokenizers.Sequence([
         hf.pre_tokenizers.Split(hf.Regex(r"\p{N}{1,3}"), "isolated"),
         hf.pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])),
]


@pytest.mark.parametrize(("ours", "make"), PRE_TOKENIZERS, ids=lambda x: repr(x)[:50])
def test_pre_tokenizer_matches_hf(ours: P.PreTokenizer, make: Any) -> None:
    theirs = make()
    for text in TEXTS:
        expected = [(w, tuple(o)) for w, o in theirs.pre_tokenize_str(text)]
        assert ours.pre_tokenize_str(text) == expected, text
    assert ours.to_dict() == _hf_json(theirs)
    assert P.from_dict(ours.to_dict()).to_dict() == ours.to_dict()


TOKEN_LISTS = [
    [],
    ["Hello", "Ġworld", "Ġ!"],
    ["▁Hey", "▁you", "▁", "▁there"],
    ["hel", "lo</w>", "wor", "ld</w>"],
    ["un", "##aff", "##able", ",", "world"],
    ["<0xE6>", "<0x97>", "<0xA5>", "a", "<0xFF>", "<0x41>", "▁b"],
    ["ÃĹ", "Ã©", "ðŁĻ", "Ĥ"],
    ["  x  ", " y", "z "],
]

DECODERS = [
    (D.WordPieceDecoder(), lambda: hf.decoders.WordPiece()),
    (D.ByteLevel(), lambda: hf.decoders.ByteLevel()),
    (D.Metaspace(), lambda: hf.decoders.Metaspace()),
    (D.Metaspace(prepend_scheme="never"), lambda: hf.decoders.Metaspace(prepend_scheme="never")),
    (D.BPEDecoder(), lambda: hf.decoders.BPEDecoder()),
    (D.ByteFallback(), lambda: hf.decoders.ByteFallback()),
    (D.Fuse(), lambda: hf.decoders.Fuse()),
    (D.Strip(" ", 1, 1), lambda: hf.decoders.Strip(" ", 1, 1)),
    (D.Strip(" ", 2, 0), lambda: hf.decoders.Strip(" ", 2, 0)),
    (D.Replace("▁", " "), lambda: hf.decoders.Replace("▁", " ")),
    (D.Sequence([D.Replace("▁", " "), D.ByteFallback(), D.Fuse(), D.Strip(" ", 1, 0)]),
     lambda: hf.decoders.Sequence([hf.decoders.Replace("▁", " "), hf.decoders.ByteFallback(),
                                   hf.decoders.Fuse(), hf.decoders.Strip(" ", 1, 0)])),
]


@pytest.mark.parametrize(("ours", "make"), DECODERS, ids=lambda x: repr(x)[:50])
def test_decoder_matches_hf(ours: D.Decoder, make: Any) -> None:
    theirs = make()
    for tokens in TOKEN_LISTS:
        assert ours.decode(tokens) == theirs.decode(tokens), tokens
    assert ours.to_dict() == _hf_json(theirs)
    assert D.from_dict(ours.to_dict()).to_dict() == ours.to_dict()


POST_PROCESSORS = [
    (PP.BertProcessing(("[SEP]", 1), ("[CLS]", 0)),
     lambda: hf.processors.BertProcessing(("[SEP]", 1), ("[CLS]", 0))),
    (PP.RobertaProcessing(("</s>", 1), ("<s>", 0)),
     lambda: hf.processors.RobertaProcessing(("</s>", 1), ("<s>", 0))),
    (PP.ByteLevel(), lambda: hf.processors.ByteLevel()),
    (PP.ByteLevel(trim_offsets=False), lambda: hf.processors.ByteLevel(trim_offsets=False)),
    (PP.TemplateProcessing.from_strings("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1",
                                        [("[CLS]", 0), ("[SEP]", 1)]),
     lambda: hf.processors.TemplateProcessing(
         single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
         special_tokens=[("[CLS]", 0), ("[SEP]", 1)])),
    (PP.Sequence([PP.ByteLevel(trim_offsets=True),
                  PP.TemplateProcessing.from_strings("[CLS] $A", "[CLS] $A [CLS]:1 $B:1",
                                                     [("[CLS]", 0)])]),
     lambda: hf.processors.Sequence([
         hf.processors.ByteLevel(trim_offsets=True),
         hf.processors.TemplateProcessing(single="[CLS] $A", pair="[CLS] $A [CLS]:1 $B:1",
                                          special_tokens=[("[CLS]", 0)])])),
]


@pytest.mark.parametrize(("ours", "make"), POST_PROCESSORS, ids=lambda x: repr(x)[:50])
def test_post_processor_matches_hf(ours: PP.PostProcessor, make: Any) -> None:
    from embedlab.tokenizers import Tokenizer

    theirs = make()
    assert ours.to_dict() == _hf_json(theirs)
    assert PP.from_dict(ours.to_dict()).to_dict() == ours.to_dict()
    alphabet = sorted({c for t in TEXTS for c in t} | {"Ġ"})
    vocab = {"[CLS]": 0, "[SEP]": 1, **{c: i + 2 for i, c in enumerate(alphabet)}}
    vocab["Ġ"] = len(vocab)
    h = hf.Tokenizer(hf.models.BPE(vocab, []))
    h.pre_tokenizer = hf.pre_tokenizers.Metaspace(replacement="Ġ")
    h.add_special_tokens(["[CLS]", "[SEP]"])
    h.post_processor = theirs
    o = Tokenizer.from_str(h.to_str())
    for a, b in zip(TEXTS, TEXTS[1:] + TEXTS[:1], strict=True):
        for pair in (None, b):
            he, oe = h.encode(a, pair), o.encode(a, pair)
            assert (oe.ids, oe.type_ids, oe.offsets, oe.special_tokens_mask) == (
                he.ids, he.type_ids, [tuple(x) for x in he.offsets], he.special_tokens_mask)


COMPOSING = [
    ">\u0338\u0349",
    "\u032f\u0308l\u0341",
    "o\u0303\u031d",
    "\u30fb\u0344\xd4\u0309",
    "I\u0309\u0344",
    "R\u0327\u302c",
    "\U000cb1d7\u0323\u03c9\u0314",
    "D\u030c\u0347",
    "\u0206\u0327",
    "cafe\u0301 na\u0308ive \ufb01 \u2460 \u1100\u1161\u11a8",
]


@pytest.mark.parametrize("form", ["NFC", "NFKC", "NFD", "NFKD"])
@pytest.mark.parametrize("text", COMPOSING)
def test_unicode_form_offsets_match_hf(form: str, text: str) -> None:
    """Composition after mark reordering: offsets handed out as HF does."""
    _norm_offsets(getattr(N, form)(), getattr(hf.normalizers, form)(), text)


def test_whitespace_word_class_is_rusts_unicode_w() -> None:
    """Rust's ``\\w`` (HF) has marks and leaves out the No digits; Python's ``re`` differs on
    both.  Every assigned code point from a seeded sample, in random 8-character strings."""
    import random
    import unicodedata

    rng = random.Random(7)
    chars = [chr(c) for c in range(0x20, 0x30000, 3)
             if unicodedata.category(chr(c)) not in ("Cn", "Cs", "Co")]
    texts = ["3³ x² a½b", "हिन्दी भाषा", "a‿b ＿c", "x\u200dy", "Ⅷ roman", "naïve café"]
    texts += ["".join(rng.choice(chars) for _ in range(8)) for _ in range(2000)]
    ours, theirs = P.Whitespace(), hf.pre_tokenizers.Whitespace()
    for text in texts:
        expected = [(w, tuple(o)) for w, o in theirs.pre_tokenize_str(text)]
        assert ours.pre_tokenize_str(text) == expected, ascii(text)
