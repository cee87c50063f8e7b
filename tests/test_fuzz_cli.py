"""Fuzzing the command line: random argument lists for every command.

Each case runs ``embedlab.cli.main`` in-process (click's CliRunner isolation captures its
output) inside a fresh copy of a small working folder (a corpus, documents, a JSONL file,
word vectors, a tokenizer, an indexed collection, random bytes). Properties: the exit code
is 0, 1 (an error, one line) or 2 (usage) -- 130 for a declined confirmation -- never an
exception escaping ``main`` and never a traceback; each case within a time and memory
budget; and a command that fails leaves the collection it was given unchanged.

Left out: ``pull`` and ``rm`` (they change the shared model store), ``serve`` and
``projector`` (they serve until stopped; their options are tested in their own files).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import event, given
from hypothesis import strategies as st

from embedlab.cli import cli, main
from fuzz import budget, fuzz, tricky_text

EXCLUDED = {"pull", "rm", "serve", "projector"}
#: Option values: files of the working folder, outputs, small numbers, bad values.
VALUES = ["corpus.txt", "docs", "data.jsonl", "vectors.txt", "tokenizer.json", "coll",
          "bad.bin", "empty.txt", "missing.txt", "missing/dir/out.npy", "out.npy", "out.json",
          "out.jsonl", "out.csv", "out.txt", "out.png", "out.html", "res", ".", "",
          "-", "0", "1", "2", "5", "-1", "1.5", "nan", "inf", "abc", "all-MiniLM-L6-v2",
          "glove-6b-50d", "no-such-model", '{"n": 1}', "{bad json", "cat", "the cat sat",
          "cosine", "exact", "wordpiece", "bpe", "int8", "float", "1,2,3", "king,man,woman"]


def _commands() -> dict[str, click.Command]:
    out: dict[str, click.Command] = {}

    def walk(cmd: click.Command, path: list[str]) -> None:
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
        elif path[0] not in EXCLUDED:
            out[" ".join(path)] = cmd
    walk(cli, [])
    return out


COMMANDS = _commands()


def _options(cmd: click.Command) -> list[str]:
    return [opt for p in cmd.params if isinstance(p, click.Option) for opt in p.opts]


@st.composite
def argv(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    options = [*_options(COMMANDS[name]), "--help", "--bogus"]
    args = name.split()
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["option", "option", "value", "value", "text"]))
        if kind == "option":
            args.append(draw(st.sampled_from(options)))
            if draw(st.booleans()):
                args.append(draw(st.sampled_from(VALUES)))
        elif kind == "value":
            args.append(draw(st.sampled_from(VALUES)))
        else:  # no absolute paths: a case must not write outside its folder
            args.append(draw(tricky_text.filter(lambda t: not t.startswith(("/", "~")))))
    return args


def _write_folder(folder: Path, minilm_dir: Path) -> None:
    words = "the cat sat on the mat while a dog ran in the park and the king met a woman"
    (folder / "corpus.txt").write_text("\n".join(words for _ in range(60)), encoding="utf-8")
    (folder / "docs").mkdir()
    (folder / "docs" / "a.txt").write_text("Cats sleep a lot. They purr.", encoding="utf-8")
    (folder / "docs" / "b.md").write_text("# Dogs\n\nDogs like to run.", encoding="utf-8")
    (folder / "data.jsonl").write_text('{"text": "one line", "n": 1}\n{"text": 2}\n',
                                       encoding="utf-8")
    vocab = sorted(set(words.split()))
    (folder / "vectors.txt").write_text(
        f"{len(vocab)} 3\n" + "".join(f"{w} {i} {i % 3} {-i}\n" for i, w in enumerate(vocab)),
        encoding="utf-8")
    shutil.copy(minilm_dir / "tokenizer.json", folder / "tokenizer.json")
    (folder / "bad.bin").write_bytes(bytes(range(256)) * 8)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "res").mkdir()


@pytest.fixture(scope="module")
def template(minilm_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli-template")
    _write_folder(folder, minilm_dir)
    code = run(["index", "docs", "-c", "coll"], folder)[0]
    assert code == 0
    return folder


def run(args: list[str], cwd: Path) -> tuple[int, str]:
    """``embedlab ARGS`` in ``cwd``: (exit code, stderr). Anything escaping main fails."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with CliRunner().isolation(input="") as (_out, err, _):
            try:
                main(args)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            return code, err.getvalue().decode("utf-8", "replace")
    finally:
        os.chdir(old)


def _digest(folder: Path) -> str:
    db = folder / "coll" / "collection.sqlite"
    return hashlib.sha256(db.read_bytes()).hexdigest() if db.is_file() else "gone"


@fuzz(150)
@given(args=argv())
def test_random_command_lines(template, tmp_path_factory, args) -> None:
    folder = tmp_path_factory.mktemp("cli")
    shutil.copytree(template, folder, dirs_exist_ok=True)
    before = _digest(folder)
    with budget(30, 800, args):
        code, err = run(args, folder)
    event(f"exit {code}")
    assert code in (0, 1, 2, 130), (args, code, err)
    assert "Traceback" not in err, (args, err)
    if code != 0:
        assert err.strip(), (args, "failed without a message")
        assert _digest(folder) == before, (args, "a failed command changed the collection")


def test_every_command_is_fuzzed_or_excluded() -> None:
    top = {name.split()[0] for name in COMMANDS}
    assert top | EXCLUDED == set(cli.commands)


def test_fuzz_cases_reach_the_commands(template, tmp_path: Path) -> None:
    """The working folder is usable: the fuzzer's values make valid commands too."""
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    for args in (["search", "cat", "-c", "coll", "-k", "1"], ["embed", "the cat sat"],
                 ["neighbors", "vectors.txt", "cat", "-k", "2"],
                 ["tokenizer", "encode", "tokenizer.json", "the cat sat"],
                 ["train", "word2vec", "corpus.txt", "--out", "out.txt", "--epochs", "1",
                  "--min-count", "1", "--quiet"]):
        code, err = run(args, tmp_path)
        assert code == 0, (args, err)
