"""BPE and WordPiece trainers: a hand-worked example, parity with HF ``tokenizers`` trainers on a
Gutenberg slice, files that HF loads, and bad input."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import _missing
from embedlab import paths
from embedlab.tokenizers import BPE, ByteLevel, Tokenizer, Whitespace
from embedlab.tokenizers.recipes import train_tokenizer
from embedlab.tokenizers.trainers import BpeTrainer, WordPieceTrainer
from embedlab.tokenizers.training_data import TrainingDataError, WordCounter
from oracles import require
from trainer_parity import KINDS, build, by_id, first_difference, model_json, train_both

hf = require("tokenizers")

GUTENBERG = paths.data_dir() / "corpus" / "gutenberg"
SAMPLES = [
    "The quick brown fox -- it's 1899! -- jumped over Mr. Smith's dog.",
    "  Leading spaces,\ttabs and CAPITALS; naïve café, Straße, Ωμέγα, 東京 🙂",
    "unbelievable antidisestablishmentarianism",
    "",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two small slices of Gutenberg books (about 150 KB each, whole lines)."""
    if not GUTENBERG.is_dir():
        _missing(f"{GUTENBERG} not found")
    out = tmp_path_factory.mktemp("gutenberg")
    files = []
    for src in sorted(GUTENBERG.glob("*.txt"))[:2]:
        text = src.read_text(encoding="utf-8")
        cut = text.rfind("\n", 0, 150_000) + 1
        dst = out / src.name
        dst.write_text(text[:cut], encoding="utf-8")
        files.append(dst)
    return files


# ---------------------------------------------------------------------- hand-worked example
# Words and counts: lower x5, lowest x2, newer x6, newest x3. The alphabet gets ids in code-point
# order: e0 l1 n2 o3 r4 s5 t6 w7. Pair counts at the start: w+e 16, e+r 11, n+e 9, e+w 9,
# l+o 7, o+w 7, e+s 5, s+t 5.
#  1. w+e (16)              -> lo we r | lo we s t | ne we r | ne we s t  (letters spaced)
#  2. we+r (11)             -> l o wer, l o we s t, n e wer, n e we s t
#  3. n+e (9)               -> ..., ne wer, ne we s t
#  4. l+o (7)               -> lo wer, lo we s t
#  5. ne+wer (6)            -> newer
#  6. a tie at 5 between lo+wer (11,9), we+s (8,5) and s+t (5,6): the smaller ids win, s+t
#  7. a tie at 5 between lo+wer (11,9) and we+st (8,13): we+st
#  8. lo+wer (5), 9. ne+west (3), 10. lo+west (2)
HAND_MERGES = [("w", "e"), ("we", "r"), ("n", "e"), ("l", "o"), ("ne", "wer"), ("s", "t"),
               ("we", "st"), ("lo", "wer"), ("ne", "west"), ("lo", "west")]
HAND_TEXT = ["lower"] * 5 + ["lowest"] * 2 + ["newer"] * 6 + ["newest"] * 3


def _hand_trained(min_frequency: int = 0) -> Tokenizer:
    tok = Tokenizer(BPE(), pre_tokenizer=Whitespace())
    trainer = BpeTrainer(vocab_size=100, min_frequency=min_frequency, show_progress=False)
    return tok.train_from_iterator(HAND_TEXT, trainer)


def test_hand_worked_merges() -> None:
    tok = _hand_trained()
    model = model_json(tok)
    assert model["merges"] == HAND_MERGES
    assert by_id(model["vocab"])[:8] == list("elnorstw")
    assert by_id(model["vocab"])[8:] == ["we", "wer", "ne", "lo", "newer", "st", "west",
                                         "lower", "newest", "lowest"]
    assert tok.encode("lowest newer").tokens == ["lowest", "newer"]
    assert tok.encode("slower").tokens == ["s", "lower"]


def test_hand_worked_merges_match_hf() -> None:
    from tokenizers import models, pre_tokenizers, trainers

    h = hf.Tokenizer(models.BPE())
    h.pre_tokenizer = pre_tokenizers.Whitespace()
    h.train_from_iterator(HAND_TEXT, trainers.BpeTrainer(vocab_size=100, show_progress=False))
    assert model_json(h)["merges"] == HAND_MERGES


def test_min_frequency_stops_merging() -> None:
    # after newer (6) the best count is 5 < 6
    assert model_json(_hand_trained(min_frequency=6))["merges"] == HAND_MERGES[:5]


# ---------------------------------------------------------------------- parity with HF
@pytest.mark.parametrize("kind", KINDS)
def test_training_matches_hf(kind: str, corpus: list[Path]) -> None:
    el, h = train_both(kind, corpus, 2000)
    ours, theirs = model_json(el), model_json(h)
    assert first_difference(by_id(ours["vocab"]), by_id(theirs["vocab"])) is None
    assert first_difference(ours["merges"], theirs["merges"]) is None
    assert ours == theirs
    assert json.loads(el.to_str())["added_tokens"] == json.loads(h.to_str())["added_tokens"]


@pytest.mark.parametrize("max_token_length", [1, 3, 6])
@pytest.mark.parametrize("kind", ["bpe", "bytelevel", "charbpe"])
def test_max_token_length_matches_hf(kind: str, max_token_length: int,
                                     corpus: list[Path]) -> None:
    """HF's rule, whose merges only count a pair spanning fewer than ``max_token_length``
    characters (the first two-character pairs always): same vocabulary, same merges."""
    el, h = train_both(kind, corpus, 2000, max_token_length=max_token_length)
    ours, theirs = model_json(el), model_json(h)
    assert first_difference(ours["merges"], theirs["merges"]) is None
    assert ours == theirs
    suffix = "</w>" if kind == "charbpe" else ""
    longest = max(len(t.removesuffix(suffix)) for t in ours["vocab"]
                  if t not in ("<unk>", "<|endoftext|>"))
    assert longest == max(2, max_token_length - 1)


def test_max_token_length_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_token_length must be a positive integer"):
        _hand = Tokenizer(BPE(), pre_tokenizer=Whitespace())
        _hand.train_from_iterator(HAND_TEXT, BpeTrainer(max_token_length=0,
                                                        show_progress=False))


def test_wordpiece_spelling_order_is_the_only_difference(corpus: list[Path]) -> None:
    """HF gives "##x" ids in hash-map order, which differs from run to run; embedlab gives them
    in sorted order. The vocabularies part at the first "##" id; given HF's order they are
    identical (test above)."""
    el, el_tr, h, h_tr = build("wordpiece", 2000)
    h.train([str(f) for f in corpus], h_tr)
    el.train(corpus, el_tr)
    ours, theirs = by_id(model_json(el)["vocab"]), by_id(model_json(h)["vocab"])
    diff = first_difference(ours, theirs)
    n_chars = sum(1 for t in ours if len(t) == 1)
    if diff is not None:  # HF's random order could, rarely, be the sorted one
        assert diff[0] >= 5 + n_chars and diff[1].startswith("##")
    spellings = [t for t in ours[5 + n_chars:] if t.startswith("##") and len(t) == 3]
    assert spellings == sorted(spellings)
    assert len(set(ours) ^ set(theirs)) <= 0.01 * len(ours)


@pytest.mark.parametrize("model", ["bpe", "bytelevel-bpe", "wordpiece"])
def test_saved_file_encodes_identically_in_hf(model: str, corpus: list[Path],
                                              tmp_path: Path) -> None:
    tok = train_tokenizer(corpus, model, vocab_size=1500, show_progress=False)
    path = tmp_path / "tokenizer.json"
    tok.save(path)
    theirs = hf.Tokenizer.from_file(str(path))
    texts = [*SAMPLES, *corpus[0].read_text(encoding="utf-8").splitlines()[200:260]]
    for text in texts:
        a, b = tok.encode(text), theirs.encode(text)
        assert (a.ids, a.tokens, a.offsets) == (b.ids, b.tokens, b.offsets), text
        assert tok.decode(a.ids) == theirs.decode(b.ids)
    if model == "bytelevel-bpe":
        assert tok.decode(tok.encode(SAMPLES[1]).ids) == SAMPLES[1]


def test_word_counts_match_hf_pipeline(tmp_path: Path) -> None:
    """The fast counting paths give the counts HF's normalizer + pre-tokenizer give line by
    line, on text made to trip them (leading spaces, blank lines, tabs, CRLF, \\x1c)."""
    text = ("Hello world  foo\n   indented line\n\n\tTab\r\nend  \n \n  \n"
            "x\x1cy naïve ÉCOLE 東京 it's\u3000 a\x00b \nlast line no newline  ")
    from tokenizers import pre_tokenizers

    for kind in ("bytelevel", "bytelevel-prefix", "wordpiece", "bpe", "charbpe"):
        for t in (text, text.replace("\x1c", ""), " " + text.replace("\x00", "")):
            el, _, h, _ = build(kind.replace("-prefix", ""), 100)
            if kind == "bytelevel-prefix":
                el.pre_tokenizer = ByteLevel(add_prefix_space=True)
                h.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
            wc = WordCounter(el)
            wc.add_text(t)
            expected: Counter[str] = Counter()
            lines = [ln + "\n" for ln in t.split("\n")]
            lines[-1] = lines[-1][:-1]
            for line in filter(None, lines):
                norm = h.normalizer.normalize_str(line) if h.normalizer else line
                expected.update(w for w, _ in h.pre_tokenizer.pre_tokenize_str(norm))
            assert wc.counts == expected, kind


# ---------------------------------------------------------------------- bad input
def test_empty_training_data(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n", encoding="utf-8")
    tok = Tokenizer(BPE(), pre_tokenizer=Whitespace())
    with pytest.raises(TrainingDataError, match="no words"):
        tok.train([empty], BpeTrainer(show_progress=False))
    with pytest.raises(TrainingDataError, match="no words"):
        tok.train_from_iterator([], BpeTrainer(show_progress=False))
    with pytest.raises(TrainingDataError, match="no training files"):
        tok.train([], BpeTrainer(show_progress=False))


def test_vocab_size_below_alphabet_names_the_numbers() -> None:
    tok = Tokenizer(BPE(), pre_tokenizer=Whitespace())
    trainer = BpeTrainer(vocab_size=5, special_tokens=["<unk>", "<s>"], show_progress=False)
    with pytest.raises(ValueError, match=r"vocab_size 5 .* 10 tokens \(2 special tokens \+ 8"):
        tok.train_from_iterator(["lower newest"], trainer)


def test_bad_special_tokens() -> None:
    tok = Tokenizer(BPE(), pre_tokenizer=Whitespace())
    with pytest.raises(ValueError, match="'<s>' is listed twice"):
        tok.train_from_iterator(["a b"], BpeTrainer(special_tokens=["<s>", "<s>"],
                                                    show_progress=False))
    with pytest.raises(ValueError, match="non-empty strings"):
        tok.train_from_iterator(["a b"], BpeTrainer(special_tokens=[""], show_progress=False))
    from embedlab.tokenizers import WordPiece

    wp = Tokenizer(WordPiece({}, unk_token="[UNK]"), pre_tokenizer=Whitespace())
    with pytest.raises(ValueError, match=r"unk_token '\[UNK\]' is not among the special"):
        wp.train_from_iterator(["a b"], WordPieceTrainer(special_tokens=["[CLS]"],
                                                         show_progress=False))
    with pytest.raises(ValueError, match="needs the special token"):
        train_tokenizer_missing_sep()


def train_tokenizer_missing_sep() -> None:
    from embedlab.tokenizers.recipes import new_tokenizer

    new_tokenizer("wordpiece", special_tokens=["[UNK]", "[CLS]"])


def test_non_utf8_file_names_file_and_byte(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\u00e9 au lait\n".encode("latin-1"))
    tok = Tokenizer(BPE(), pre_tokenizer=Whitespace())
    with pytest.raises(TrainingDataError, match=r"latin1.txt: not valid UTF-8 \(byte 3"):
        tok.train([bad], BpeTrainer(show_progress=False))
    with pytest.raises(TrainingDataError, match="no such training file"):
        tok.train([tmp_path / "missing.txt"], BpeTrainer(show_progress=False))
