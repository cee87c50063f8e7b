"""Fast tests for ``embedlab.tokenizers``: each stage alone, HF parity on a subset, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from embedlab.errors import TokenizerFileError
from embedlab.tokenizers import (
    NFC,
    NFD,
    BertNormalizer,
    BertPreTokenizer,
    Encoding,
    Lowercase,
    NormalizerSequence,
    RobertaProcessing,
    StripAccents,
    TemplateProcessing,
    Tokenizer,
    Whitespace,
    WordPiece,
    WordPieceDecoder,
)
from oracles import require
from test_tokenizers_parity import FIELDS, corpora, hf_tokenizer, mismatches

EDGE_CASES = [
    "",
    " ",
    "   \t\n  ",
    "\u3000\u00a0\u2009",
    "a\x00b\x07c\x1fd\x7fe\u200bf\ufffdg\u00adh",
    "tab\tnew\nline\rcr",
    "Héllo, WORLD! Ça va? Ångström naïve résumé",
    "e\u0301 o\u0308 a\u0323\u0302",
    "ΣΑΣ ΟΔΟΣ İstanbul ǅ ß ﬁ ẞ",
    "野口里佳 Noguchi Rika 中文字符 日本語のテキスト 한국어 텍스트",
    "😀 🥰 👍🏽 👨‍👩‍👧 🇩🇪 ☃ ❤️",
    "Mixed: English, Русский, العربية, עברית, हिन्दी, ไทย, Ελληνικά",
    "[CLS] hello [SEP] [MASK] [UNK] [PAD]",
    "<s>hello</s> <mask> <pad> <unk> <UNK>",
    "x <mask>y<mask> z   <mask>",
    "[CLS][CLS]<s><s><mask><mask>",
    "un##aff ## # $100 + 5% = 3.14 <= >= a@b.com http://x.y/z?q=1&r=2",
    "a" * 99 + " " + "b" * 100 + " " + "c" * 101,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "“Curly quotes” ‘single’ — dash – en… ¿Qué? ¡Sí! «guillemets»",
    "\U0002a700\U0002b820\U0002b920\uf900\u2f800",
    "Café\u0301\u0327 \u1e9b\u0323",
]


def long_text() -> str:
    words = ["Tokenization", "is", "fun;", "naïve", "CAFÉ", "中", "😀", "[CLS]", "<mask>", "x"]
    return " ".join(words[i % len(words)] + str(i % 7) for i in range(1200))[:10_000]


# --------------------------------------------------------------------------- stages alone
def test_bert_normalizer_hand_worked() -> None:
    n = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    assert n.normalize_str("Héllo, WORLD!") == "hello, world!"
    assert n.normalize_str("a\tb\x00c\u200bd") == "a bcd"
    assert n.normalize_str("野口") == " 野  口 "
    assert n.normalize_str("ΟΔΟΣ") == "οδοσ"  # per-character lowercase: no final sigma
    keep = BertNormalizer(strip_accents=None, lowercase=False)
    assert keep.normalize_str("Héllo") == "Héllo"
    assert BertNormalizer(strip_accents=True, lowercase=False).normalize_str("Héllo") == "Hello"


def test_normalizer_alignment() -> None:
    norm, align = BertNormalizer().normalize_aligned("É\x00x中")
    assert norm == "ex 中 "
    assert align == [0, 2, 3, 3, 3]
    assert BertNormalizer().normalize_aligned("plain ascii")[1] is None


def test_small_normalizers() -> None:
    assert Lowercase().normalize_str("ÀB Σ") == "àb σ"
    assert StripAccents().normalize_str("e\u0301") == "e"
    assert StripAccents().normalize_str("é") == "é"  # no decomposition, as in HF
    assert NFD().normalize_str("é") == "e\u0301"
    assert NFC().normalize_str("e\u0301") == "é"
    seq = NormalizerSequence([NFD(), StripAccents(), Lowercase()])
    assert seq.normalize_str("Ça VA") == "ca va"


def test_bert_pre_tokenizer() -> None:
    got = BertPreTokenizer().pre_tokenize_str("Hey friend!     How are you?!?")
    assert got == [
        ("Hey", (0, 3)),
        ("friend", (4, 10)),
        ("!", (10, 11)),
        ("How", (16, 19)),
        ("are", (20, 23)),
        ("you", (24, 27)),
        ("?", (27, 28)),
        ("!", (28, 29)),
        ("?", (29, 30)),
    ]
    assert [w for w, _ in BertPreTokenizer().pre_tokenize_str("$5+x¿«é»")] == [
        "$", "5", "+", "x", "¿", "«", "é", "»",
    ]
    assert [w for w, _ in Whitespace().pre_tokenize_str("Hi, you!")] == ["Hi", ",", "you", "!"]


def test_wordpiece() -> None:
    vocab = {w: i for i, w in enumerate(["[UNK]", "un", "##aff", "##able", "a", "##b"])}
    wp = WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=5)
    assert wp.tokenize_word("unaffable")[1] == ("[UNK]",)  # 9 chars > 5
    wp = WordPiece(vocab, unk_token="[UNK]")
    ids, toks, offs = wp.tokenize_word("unaffable")
    assert toks == ("un", "##aff", "##able")
    assert ids == (1, 2, 3)
    assert offs == ((0, 2), (2, 5), (5, 9))
    assert wp.tokenize_word("unaffz")[1] == ("[UNK]",)  # a piece fails: whole word unknown
    assert wp.tokenize_word("abb")[1] == ("a", "##b", "##b")
    assert wp.tokenize_word("a" + "b" * 99)[1] != ("[UNK]",)  # exactly 100 chars
    assert wp.tokenize_word("a" + "b" * 100)[1] == ("[UNK]",)  # 101 chars
    assert "unaffable" in wp._cache


def test_wordpiece_from_vocab_file(tmp_path: Path) -> None:
    p = tmp_path / "vocab.txt"
    p.write_text("[UNK]\nun\n##aff\n##able\n", encoding="utf-8")
    wp = WordPiece.from_vocab_file(p)
    assert wp.tokenize_word("unaffable")[0] == (1, 2, 3)
    assert wp.get_vocab_size() == 4


def test_post_processors() -> None:
    tp = TemplateProcessing.from_strings(
        "[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1", [("[CLS]", 101), ("[SEP]", 102)]
    )
    a = Encoding.from_tokens([7, 8], ["a", "b"], [(0, 1), (2, 3)])
    b = Encoding.from_tokens([9], ["c"], [(0, 1)])
    out = tp.process(a, b)
    assert out.ids == [101, 7, 8, 102, 9, 102]
    assert out.type_ids == [0, 0, 0, 0, 1, 1]
    assert out.special_tokens_mask == [1, 0, 0, 1, 0, 1]
    assert tp.added_tokens(False) == 2 and tp.added_tokens(True) == 3
    rp = RobertaProcessing(("</s>", 2), ("<s>", 0))
    a = Encoding.from_tokens([7, 8], ["a", "b"], [(0, 1), (2, 3)])
    b = Encoding.from_tokens([9], ["c"], [(0, 1)])
    out = rp.process(a, b)
    assert out.ids == [0, 7, 8, 2, 2, 9, 2]
    assert out.type_ids == [0] * 7


def test_wordpiece_decoder() -> None:
    d = WordPieceDecoder("##", cleanup=True)
    assert d.decode(["hello", ",", "un", "##aff", "##able", "world", "!"]) == (
        "hello, unaffable world!"
    )
    assert WordPieceDecoder(cleanup=False).decode(["##uelo", "Ara", "##új", "##o"]) == (
        "##uelo Araújo"
    )


# --------------------------------------------------------------------------- parity with HF
@pytest.fixture(scope="module", params=["minilm", "mpnet"])
def pair_of_tokenizers(request, minilm_dir: Path, mpnet_dir: Path):  # type: ignore[no-untyped-def]
    d = minilm_dir if request.param == "minilm" else mpnet_dir
    return Tokenizer.from_pretrained_folder(d), hf_tokenizer(d)


@pytest.fixture(scope="module")
def corpus_subset(data_dir: Path) -> list[str]:
    out: list[str] = []
    for texts in corpora(data_dir).values():
        out += texts[:: max(1, len(texts) // 150)][:150]
    return out


def test_edge_case_parity(pair_of_tokenizers) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = pair_of_tokenizers
    texts = [*EDGE_CASES, long_text()]
    assert mismatches(ours, theirs, texts) == []
    assert mismatches(ours, theirs, texts, add_special_tokens=False) == []
    for s in texts:
        assert ours.encode(s).tokens == theirs.encode(s).tokens


def test_corpus_subset_parity(pair_of_tokenizers, corpus_subset) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = pair_of_tokenizers
    assert len(corpus_subset) >= 500
    assert mismatches(ours, theirs, corpus_subset) == []


@pytest.mark.parametrize("max_length", [128, 256])
def test_truncation_parity(pair_of_tokenizers, corpus_subset, max_length: int) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = pair_of_tokenizers
    ours.enable_truncation(max_length)
    theirs.enable_truncation(max_length)
    try:
        texts = [long_text(), *corpus_subset[:50]]
        assert mismatches(ours, theirs, texts) == []
        firsts = [long_text(), "short one", long_text()[:900], *corpus_subset[:20]]
        seconds = ["tiny", long_text(), long_text()[:1500], *corpus_subset[20:40]]
        assert mismatches(ours, theirs, firsts, pairs=seconds) == []
        e = ours.encode(long_text())
        assert len(e.ids) == max_length
    finally:
        ours.no_truncation()
        theirs.no_truncation()


def test_pair_parity(pair_of_tokenizers, corpus_subset) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = pair_of_tokenizers
    firsts, seconds = corpus_subset[:30], corpus_subset[30:60]
    assert mismatches(ours, theirs, firsts, pairs=seconds) == []
    assert mismatches(ours, theirs, firsts, pairs=seconds, add_special_tokens=False) == []
    a, b = ours.encode("a b", "c d e"), theirs.encode("a b", "c d e")
    assert a.type_ids == b.type_ids


def test_padding_parity(pair_of_tokenizers) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = pair_of_tokenizers
    pad_id = ours.pad_id
    pad_token = ours.id_to_token(pad_id)
    texts = ["short", "a much longer sentence than the first one", ""]
    try:
        ours.enable_padding(pad_id=pad_id, pad_token=pad_token)
        theirs.enable_padding(pad_id=pad_id, pad_token=pad_token)
        assert mismatches(ours, theirs, texts, fields=(*FIELDS, "tokens")) == []
        ours.enable_padding(pad_id=pad_id, pad_token=pad_token, length=16)
        theirs.enable_padding(pad_id=pad_id, pad_token=pad_token, length=16)
        assert mismatches(ours, theirs, texts, fields=(*FIELDS, "tokens")) == []
        assert len(ours.encode("x").ids) == 16
    finally:
        ours.no_padding()
        theirs.no_padding()


def test_decode_parity(pair_of_tokenizers, corpus_subset) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = pair_of_tokenizers
    for s in [*EDGE_CASES, *corpus_subset[:100]]:
        ids = theirs.encode(s).ids
        for skip in (True, False):
            assert ours.decode(ids, skip_special_tokens=skip) == theirs.decode(
                ids, skip_special_tokens=skip
            )
    assert ours.decode(ours.encode("Hello, world!").ids) == "hello, world!"


def test_vocab_accessors(pair_of_tokenizers) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = pair_of_tokenizers
    assert ours.get_vocab_size() == theirs.get_vocab_size()
    for tok in ["hello", "[CLS]", "<mask>", "##s", "nonexistent-token"]:
        assert ours.token_to_id(tok) == theirs.token_to_id(tok)
    for i in [0, 1, 2, 100, 101, 1000, ours.get_vocab_size() - 1]:
        assert ours.id_to_token(i) == theirs.id_to_token(i)


hypothesis = require("hypothesis")
st = hypothesis.strategies


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(
    st.lists(
        st.one_of(
            st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
            st.sampled_from(["<mask>", " <mask>", "[CLS]", "<s>", "</s>", "<unk>", "Σ", "é"]),
        ),
        max_size=6,
    )
)
def test_random_unicode_parity(minilm_dir: Path, mpnet_dir: Path, parts: list[str]) -> None:
    text = "".join(parts)
    for d in (minilm_dir, mpnet_dir):
        ours, theirs = _cached(d)
        assert mismatches(ours, theirs, [text]) == []


_CACHE: dict[Path, tuple[Tokenizer, object]] = {}


def _cached(d: Path):  # type: ignore[no-untyped-def]
    if d not in _CACHE:
        _CACHE[d] = (Tokenizer.from_pretrained_folder(d), hf_tokenizer(d))
    return _CACHE[d]


# --------------------------------------------------------------------------- loading
def test_pretrained_folder_turns_padding_and_truncation_off(minilm_dir: Path) -> None:
    fresh = Tokenizer.from_file(minilm_dir / "tokenizer.json")
    assert fresh.padding is not None and fresh.padding.length == 128
    assert fresh.truncation is not None and fresh.truncation.max_length == 128
    assert len(fresh.encode("hi").ids) == 128
    tok = Tokenizer.from_pretrained_folder(minilm_dir)
    assert tok.padding is None and tok.truncation is None
    assert len(tok.encode("hi").ids) == 3
    assert tok.pad_id == 0


@pytest.mark.parametrize("which", ["minilm", "mpnet"])
def test_vocab_txt_folder_matches_tokenizer_json(
    which: str, tmp_path: Path, minilm_dir: Path, mpnet_dir: Path, corpus_subset: list[str]
) -> None:
    src = minilm_dir if which == "minilm" else mpnet_dir
    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(src / name, tmp_path / name)
    ours = Tokenizer.from_pretrained_folder(tmp_path)
    theirs = hf_tokenizer(src)
    texts = [t for t in [*EDGE_CASES, *corpus_subset[:100]] if "<unk>" not in t.lower()]
    assert mismatches(ours, theirs, texts, fields=("ids", "type_ids", "attention_mask")) == []


def test_package_import_is_light() -> None:
    code = (
        "import sys, embedlab.tokenizers; "
        "bad = [m for m in ('torch', 'numba', 'onnxruntime', 'tokenizers') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- bad input
def _minimal(**over: object) -> dict:
    d: dict = {
        "version": "1.0",
        "added_tokens": [],
        "normalizer": {"type": "BertNormalizer", "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1}},
    }
    d.update(over)
    return d


def test_minimal_dict_works() -> None:
    tok = Tokenizer.from_dict(_minimal())
    assert tok.encode("A b").ids == [1, 0]


def test_malformed_json(tmp_path: Path) -> None:
    p = tmp_path / "tokenizer.json"
    p.write_text("{not json", encoding="utf-8")
    with pytest.raises(TokenizerFileError, match="JSON"):
        Tokenizer.from_file(p)


def test_unknown_normalizer_type() -> None:
    with pytest.raises(TokenizerFileError, match=r"normalizer\.type.*Nope"):
        Tokenizer.from_dict(_minimal(normalizer={"type": "Nope"}))


def test_unknown_stage_types_name_the_field() -> None:
    with pytest.raises(TokenizerFileError, match="pre_tokenizer"):
        Tokenizer.from_dict(_minimal(pre_tokenizer={"type": "Metaspace2"}))
    with pytest.raises(TokenizerFileError, match="model"):
        Tokenizer.from_dict(_minimal(model={"type": "BPE"}))
    with pytest.raises(TokenizerFileError, match="model"):
        Tokenizer.from_dict({"version": "1.0"})
    with pytest.raises(TokenizerFileError, match=r"added_tokens\[0\]"):
        Tokenizer.from_dict(_minimal(added_tokens=[{"id": 0}]))


def test_newer_version() -> None:
    with pytest.raises(TokenizerFileError, match=r"version.*2\.0.*newer"):
        Tokenizer.from_str(json.dumps(_minimal(version="2.0")))


def test_bad_batch_items() -> None:
    tok = Tokenizer.from_dict(_minimal())
    with pytest.raises(TypeError, match="item 1"):
        tok.encode_batch(["a", None, "b"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        tok.encode(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        tok.encode_batch("a string")  # type: ignore[arg-type]
