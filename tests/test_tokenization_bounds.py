"""Bounded tokenization of long texts: truncated ids equal HF's, work stops at the limit.

Under right truncation a long text is tokenized from a prefix that grows until its first
tokens are certain (``Tokenizer._encode_bounded``). The oracle is HF ``tokenizers`` on the
whole text with the same truncation: ids, offsets and masks must be identical, for the two
pretrained WordPiece tokenizers and for byte-level, SentencePiece-style and byte-fallback
BPE tokenizers trained by HF, on long real texts and on adversarial ones (one huge word, long
whitespace runs, CJK without spaces, added tokens and combining marks at every position).
Before bounded tokenization a 5 MB CJK line took about 2 GB in ``embedlab embed``; the
subprocess test below measures peak RSS and wall time of the real command.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from embedlab.tokenizers import Tokenizer
from oracles import require
from test_tokenizers_bpe_parity import BUILDERS, _train_texts
from test_tokenizers_parity import gutenberg_lines

hf = require("tokenizers")

FIELDS = ("ids", "type_ids", "attention_mask", "special_tokens_mask", "offsets")
BPE_KINDS = ("bytelevel-gpt2", "sentencepiece-bpe", "bpe-byte-fallback", "llama3-style")


def long_texts(data_dir: Path) -> list[str]:
    """Real long texts (joined Gutenberg lines) and adversarial ones, 5k to 60k chars."""
    rng = random.Random(13)
    lines = gutenberg_lines(data_dir, 4000)
    out = [" ".join(lines[i:i + n]) for i, n in ((0, 80), (500, 300), (1500, 900))]
    out.append("\n".join(lines[2500:3300]))
    out.append("x" * 30_000)  # one word: WordPiece [UNK], one huge BPE word
    out.append(("word " * 2000) + " " * 9000 + "tail")  # a long whitespace run
    out.append("".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(20_000)))
    pieces = ["e\u0301", "[SEP]", "[MASK]", "<s>", "</s>", "\u00a0", "ﬁ", "İ", "😀", "abc",
              " ", "  ", "\t", "\n", "Ⅻ", "〇", "a-b", "123"]
    for seed in range(6):
        r = random.Random(seed)
        out.append("".join(r.choice(pieces) for _ in range(r.randint(3000, 12_000))))
    return out


def _fields(enc: Any) -> dict[str, list[Any]]:
    return {f: [tuple(x) if isinstance(x, (list, tuple)) else x for x in getattr(enc, f)]
            for f in FIELDS}


def _check(ours: Tokenizer, theirs: Any, texts: list[str], max_length: int) -> None:
    ours.enable_truncation(max_length)
    theirs.enable_truncation(max_length)
    for i, text in enumerate(texts):
        assert _fields(ours.encode(text)) == _fields(theirs.encode(text)), (i, text[:60])
    pairs = [(texts[i], texts[-1 - i]) for i in range(len(texts) // 2)]
    pairs += [(texts[0], "a short second text"), ("short first", texts[1])]
    for i, (a, b) in enumerate(pairs):
        assert _fields(ours.encode(a, b)) == _fields(theirs.encode(a, b)), ("pair", i)


@pytest.mark.parametrize("model", ["minilm", "mpnet"])
@pytest.mark.parametrize("max_length", [128, 256, 511])
def test_pretrained_truncated_ids_equal_hf(model: str, max_length: int, data_dir: Path,
                                           request: pytest.FixtureRequest) -> None:
    folder = request.getfixturevalue(f"{model}_dir")
    theirs = hf.Tokenizer.from_file(str(folder / "tokenizer.json"))
    theirs.no_padding()
    ours = Tokenizer.from_file(folder / "tokenizer.json")
    ours.no_padding()
    _check(ours, theirs, long_texts(data_dir), max_length)


@pytest.fixture(scope="module")
def bpe_tokenizers(data_dir: Path) -> dict[str, Any]:
    train = _train_texts(data_dir)[:1500]
    return {name: BUILDERS[name](train) for name in BPE_KINDS}


@pytest.mark.parametrize("kind", BPE_KINDS)
def test_bpe_truncated_ids_equal_hf(kind: str, bpe_tokenizers: dict[str, Any],
                                    data_dir: Path) -> None:
    theirs = bpe_tokenizers[kind]
    theirs.no_padding()
    ours = Tokenizer.from_str(theirs.to_str())
    _check(ours, theirs, long_texts(data_dir), 127)


def test_left_truncation_and_untruncated_unchanged(minilm_dir: Path, data_dir: Path) -> None:
    """Paths the bound does not apply to still tokenize the whole text, as HF does."""
    theirs = hf.Tokenizer.from_file(str(minilm_dir / "tokenizer.json"))
    theirs.no_padding()
    ours = Tokenizer.from_file(minilm_dir / "tokenizer.json")
    ours.no_padding()
    text = long_texts(data_dir)[1]
    ours.enable_truncation(100, direction="left")
    theirs.enable_truncation(100, direction="left")
    assert _fields(ours.encode(text)) == _fields(theirs.encode(text))
    ours.no_truncation()
    theirs.no_truncation()
    assert len(ours.encode(text)) == len(theirs.encode(text).ids) > 1000


def test_bounded_work_is_independent_of_length(minilm_dir: Path) -> None:
    """Tokenizing 2 MB takes about as long as tokenizing 20 kB once truncation is on."""
    tok = Tokenizer.from_file(minilm_dir / "tokenizer.json")
    tok.no_padding()
    tok.enable_truncation(256)
    small, big = "tokens " * 3000, "tokens " * 300_000
    tok.encode(small)
    start = time.perf_counter()
    tok.encode(small)
    t_small = time.perf_counter() - start
    start = time.perf_counter()
    ids = tok.encode(big).ids
    t_big = time.perf_counter() - start
    assert ids == tok.encode(small).ids
    # Whole-text tokenization of 100x the characters takes ~100x; bounded stays within 10x.
    assert t_big < 10 * t_small + 0.05, (t_small, t_big)


_PEAK = textwrap.dedent("""
    import resource, subprocess, sys, time
    start = time.perf_counter()
    proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(proc.returncode, round(peak, 1), round(wall, 3))
    sys.stderr.write(proc.stderr[-2000:])
""")


def peak_rss(argv: list[str], cwd: Path) -> tuple[int, float, float]:
    """(exit code, peak RSS in MB, wall seconds) of ``argv`` run as a fresh child process."""
    out = subprocess.run([sys.executable, "-c", _PEAK, *argv], capture_output=True, text=True,
                         cwd=cwd, timeout=300)
    code, peak, wall = out.stdout.split()
    assert int(code) == 0, out.stderr
    return int(code), float(peak), float(wall)


def test_embed_of_a_5mb_cjk_line_is_bounded(minilm_dir: Path, tmp_path: Path) -> None:
    rng = random.Random(5)
    line = "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(1_750_000))  # 5.25 MB
    src = tmp_path / "cjk.txt"
    src.write_text(line + "\n", encoding="utf-8")
    assert src.stat().st_size > 5_000_000
    embedlab = [sys.executable, "-m", "embedlab"]
    # The same command on a short text: what loading the model costs on this machine.
    short = tmp_path / "short.txt"
    short.write_text(line[:200] + "\n", encoding="utf-8")
    _, base_peak, base_wall = peak_rss([*embedlab, "embed", "-i", str(short), "--no-cache",
                                        "--format", "jsonl"], tmp_path)
    _, peak, wall = peak_rss([*embedlab, "embed", "-i", str(src), "--no-cache", "--format",
                              "jsonl"], tmp_path)
    assert peak < 400, (peak, base_peak)
    assert wall < 3.0 + max(0.0, base_wall - 1.0), (wall, base_wall)
