"""Parity of ``embedlab.tokenizers`` with HF ``tokenizers`` on real corpora (full sweep: slow).

The corpus loaders here are also used by the fast subset in ``test_tokenizers.py``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from oracles import require

MODELS = ("all-MiniLM-L6-v2", "all-mpnet-base-v2")
TATOEBA_LANGS = ("deu", "fra", "spa", "ita", "nld", "por")
FIELDS = ("ids", "type_ids", "attention_mask", "special_tokens_mask", "offsets")

csv.field_size_limit(sys.maxsize)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def stsb_sentences(data_dir: Path) -> list[str]:
    out: list[str] = []
    for split in ("train", "dev", "test"):
        for line in _lines(data_dir / "sts" / "stsbenchmark" / f"sts-{split}.csv"):
            cols = line.split("\t")
            if len(cols) >= 7:
                out += [cols[5], cols[6]]
    return out


def sick_sentences(data_dir: Path) -> list[str]:
    out: list[str] = []
    for name in ("SICK_train.txt", "SICK_trial.txt", "SICK_test_annotated.txt"):
        for line in _lines(data_dir / "sts" / "sick2014" / name)[1:]:
            cols = line.split("\t")
            if len(cols) >= 3:
                out += [cols[1], cols[2]]
    return out


def tatoeba_sentences(data_dir: Path) -> list[str]:
    out: list[str] = []
    for lang in TATOEBA_LANGS:
        for side in (lang, "eng"):
            out += _lines(data_dir / "bitext" / "tatoeba" / f"tatoeba.{lang}-eng.{side}")
    return out


def gutenberg_lines(data_dir: Path, limit: int = 10_000) -> list[str]:
    """The first ``limit`` non-empty lines, taking files in sorted name order."""
    out: list[str] = []
    for path in sorted((data_dir / "corpus" / "gutenberg").glob("*.txt")):
        for line in _lines(path):
            if line.strip():
                out.append(line)
                if len(out) >= limit:
                    return out
    return out


def corpora(data_dir: Path) -> dict[str, list[str]]:
    return {
        "stsb": stsb_sentences(data_dir),
        "sick": sick_sentences(data_dir),
        "tatoeba": tatoeba_sentences(data_dir),
        "gutenberg": gutenberg_lines(data_dir),
    }


def hf_tokenizer(model_dir: Path):  # type: ignore[no-untyped-def]
    hf = require("tokenizers")
    tok = hf.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def mismatches(ours, theirs, texts, pairs=None, fields=FIELDS, add_special_tokens=True):  # type: ignore[no-untyped-def]
    """Encode ``texts`` (and optional ``pairs``) with both; return the differing inputs."""
    bad = []
    if pairs is None:
        hf_encs = theirs.encode_batch(texts, add_special_tokens=add_special_tokens)
        our_encs = ours.encode_batch(texts, add_special_tokens=add_special_tokens)
    else:
        both = list(zip(texts, pairs, strict=True))
        hf_encs = theirs.encode_batch(both, add_special_tokens=add_special_tokens)
        our_encs = ours.encode_batch(both, add_special_tokens=add_special_tokens)
    for i, (h, o) in enumerate(zip(hf_encs, our_encs, strict=True)):
        for f in fields:
            if [tuple(x) if isinstance(x, (list, tuple)) else x for x in getattr(h, f)] != [
                tuple(x) if isinstance(x, (list, tuple)) else x for x in getattr(o, f)
            ]:
                bad.append((texts[i], f))
                break
    return bad


@pytest.fixture(scope="module")
def all_corpora(data_dir: Path) -> dict[str, list[str]]:
    return corpora(data_dir)


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("corpus", ["stsb", "sick", "tatoeba", "gutenberg"])
def test_full_corpus_parity(model: str, corpus: str, all_corpora, minilm_dir, mpnet_dir) -> None:  # type: ignore[no-untyped-def]
    from embedlab.tokenizers import Tokenizer

    model_dir = minilm_dir if model == MODELS[0] else mpnet_dir
    texts = all_corpora[corpus]
    assert len(texts) > 1000
    ours = Tokenizer.from_pretrained_folder(model_dir)
    theirs = hf_tokenizer(model_dir)
    assert mismatches(ours, theirs, texts) == []


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("max_length", [128, 256])
def test_full_truncation_parity(model: str, max_length: int, all_corpora, minilm_dir, mpnet_dir) -> None:  # type: ignore[no-untyped-def]
    from embedlab.tokenizers import Tokenizer

    model_dir = minilm_dir if model == MODELS[0] else mpnet_dir
    texts = all_corpora["gutenberg"] + all_corpora["stsb"]
    long_texts = [" ".join(texts[i : i + 40]) for i in range(0, len(texts), 40)]
    ours = Tokenizer.from_pretrained_folder(model_dir)
    theirs = hf_tokenizer(model_dir)
    ours.enable_truncation(max_length)
    theirs.enable_truncation(max_length)
    assert mismatches(ours, theirs, long_texts) == []
    half = len(long_texts) // 2
    assert mismatches(ours, theirs, long_texts[:half], pairs=long_texts[half : 2 * half]) == []


def random_unicode_texts(count: int, seed: int = 0) -> list[str]:
    """Seeded random strings over every plane: ASCII, Latin, combining marks, CJK, emoji,
    controls, private use, unassigned code points and the models' special tokens."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pools = [
        (0x20, 0x7F), (0x00, 0x20), (0xA0, 0x250), (0x300, 0x370), (0x370, 0x800),
        (0x900, 0xE00), (0x3000, 0x3100), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xE000, 0xE100),
        (0xFE00, 0xFFFE), (0x1F300, 0x1FAFF), (0x20000, 0x2A6DF), (0xE0000, 0xE0080),
        (0x10000, 0x10FFFF),
    ]
    specials = [" [CLS] ", "[SEP]", " <mask>", "<s>", "</s>", " <unk> ", "[UNK]", "<pad>"]
    texts = []
    for _ in range(count):
        chars = []
        for _ in range(int(rng.integers(0, 40))):
            roll = rng.random()
            if roll < 0.05:
                chars.append(specials[int(rng.integers(len(specials)))])
            elif roll < 0.25:
                chars.append(" ")
            else:
                lo, hi = pools[int(rng.integers(len(pools)))]
                cp = int(rng.integers(lo, hi))
                if not 0xD800 <= cp <= 0xDFFF:  # surrogates cannot be UTF-8 encoded for HF
                    chars.append(chr(cp))
        texts.append("".join(chars))
    return texts


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
def test_random_unicode_sweep_parity(model: str, minilm_dir, mpnet_dir) -> None:  # type: ignore[no-untyped-def]
    from embedlab.tokenizers import Tokenizer

    model_dir = minilm_dir if model == MODELS[0] else mpnet_dir
    texts = random_unicode_texts(30_000, seed=7)
    ours = Tokenizer.from_pretrained_folder(model_dir)
    theirs = hf_tokenizer(model_dir)
    assert mismatches(ours, theirs, texts) == []
