"""``embedlab tokenizer``: train writes a file HF loads and encodes the same; encode, decode,
explain; errors are one-line messages with exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from embedlab.cli import cli, main
from oracles import require

hf = require("tokenizers")

TEXT = ("It was the best of times, it was the worst of times, it was the age of wisdom, "
        "it was the age of foolishness, it was the epoch of belief.\n") * 30


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    p = tmp_path / "corpus.txt"
    p.write_text(TEXT + "Lower, lowest, newer, newest.\n", encoding="utf-8")
    return p


def _train(tmp_path: Path, corpus: Path, model: str, *extra: str) -> Path:
    out = tmp_path / f"{model}.json"
    result = CliRunner().invoke(cli, ["tokenizer", "train", "--model", model, "--vocab-size",
                                      "400", "--out", str(out), "--no-progress", *extra,
                                      str(corpus)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    return out


@pytest.mark.parametrize("model", ["bpe", "bytelevel-bpe", "wordpiece"])
def test_train_writes_hf_loadable_file(model: str, corpus: Path, tmp_path: Path) -> None:
    out = _train(tmp_path, corpus, model)
    theirs = hf.Tokenizer.from_file(str(out))
    result = CliRunner().invoke(cli, ["tokenizer", "encode", str(out), "the worst of wisdom",
                                      "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    enc = theirs.encode("the worst of wisdom")
    assert got == {"ids": enc.ids, "tokens": enc.tokens,
                   "offsets": [list(o) for o in enc.offsets]}
    decoded = CliRunner().invoke(cli, ["tokenizer", "decode", str(out),
                                       *map(str, enc.ids)])
    assert decoded.exit_code == 0, decoded.output
    assert decoded.output.strip() == theirs.decode(enc.ids)


def test_train_options_reach_the_trainer(corpus: Path, tmp_path: Path) -> None:
    out = _train(tmp_path, corpus, "wordpiece", "--special-tokens", "[UNK],[CLS],[SEP]",
                 "--min-frequency", "1000", "--limit-alphabet", "10")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [t["content"] for t in data["added_tokens"]] == ["[UNK]", "[CLS]", "[SEP]"]
    vocab = data["model"]["vocab"]
    # no pair occurs 1000 times: only the special tokens, 10 characters and their "##" forms
    assert all(len(t) == 1 or (t.startswith("##") and len(t) == 3) or t.startswith("[")
               for t in vocab)
    assert sum(1 for t in vocab if len(t) == 1) == 10


def test_train_max_token_length(corpus: Path, tmp_path: Path) -> None:
    out = _train(tmp_path, corpus, "bytelevel-bpe", "--max-token-length", "4")
    vocab = json.loads(out.read_text(encoding="utf-8"))["model"]["vocab"]
    # HF's rule: a merge only counts pairs spanning fewer than 4 characters
    assert max(len(t) for t in vocab if t != "<|endoftext|>") == 3


def test_encode_table_and_explain(corpus: Path, tmp_path: Path) -> None:
    out = _train(tmp_path, corpus, "bpe")
    table = CliRunner().invoke(cli, ["tokenizer", "encode", str(out), "wisdom"])
    assert table.exit_code == 0 and "wisdom" in table.output
    explained = CliRunner().invoke(cli, ["tokenizer", "explain", str(out), "wisdom"])
    assert explained.exit_code == 0, explained.output
    assert "merge #" in explained.output and "tokens:" in explained.output


def _run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0), capsys.readouterr().err


def test_errors_are_messages(corpus: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "t.json")
    code, err = _run_main(["tokenizer", "train", "--model", "wordpiece", "--vocab-size", "5",
                           "--out", out, "--no-progress", str(corpus)], capsys)
    assert code == 1 and "vocab_size 5 is smaller than the initial vocabulary" in err
    assert "Traceback" not in err
    code, err = _run_main(["tokenizer", "train", "--model", "wordpiece", "--vocab-size", "500",
                           "--special-tokens", "[UNK],[UNK]", "--out", out, str(corpus)], capsys)
    assert code == 1 and "needs the special token(s) [CLS], [SEP]" in err
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9\n")
    code, err = _run_main(["tokenizer", "train", "--model", "bpe", "--vocab-size", "500",
                           "--out", out, str(bad)], capsys)
    assert code == 1 and "not valid UTF-8 (byte 3" in err
    trained = _train(tmp_path, corpus, "bpe")
    code, err = _run_main(["tokenizer", "decode", str(trained), "99999"], capsys)
    assert code == 1 and "out of range" in err
    code, err = _run_main(["tokenizer", "decode", str(trained), "1", "x"], capsys)
    assert code == 2 and "'x' is not an integer id" in err
