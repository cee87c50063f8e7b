"""CLI edges: unknown output suffixes, usage errors exit 2, invalid UTF-8 located, output
folders not created, written files follow the umask, sets and bools rejected by encode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embedlab.encoders.base import Encoder
from embedlab.files import atomic_write_bytes

EMBEDLAB = str(Path(sys.executable).with_name("embedlab"))


def _run(args: list[str], home: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "EMBEDLAB_HOME": str(home)}
    return subprocess.run([EMBEDLAB, *args], input=stdin, capture_output=True, env=env,
                          timeout=300, check=False)


class _Letters(Encoder):
    name, dimension, normalize_default = "letters", 2, False

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.array([[len(t), t.count("a")] for t in texts], np.float32)


def test_unknown_output_suffix_is_a_usage_error(tmp_path: Path, minilm_dir: Path) -> None:
    out = tmp_path / "x.csv"
    proc = _run(["embed", "-m", str(minilm_dir), "--no-cache", "hello", "-o", str(out)],
                tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert b".npy" in proc.stderr and b".jsonl" in proc.stderr
    assert not out.exists()


def test_dimensions_above_model_is_a_usage_error(tmp_path: Path, minilm_dir: Path) -> None:
    proc = _run(["embed", "-m", str(minilm_dir), "--no-cache", "hi", "--dimensions", "10000"],
                tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert b"384" in proc.stderr


def test_invalid_utf8_names_line_and_offset(tmp_path: Path, minilm_dir: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine\nb\xffd\n")
    for args, stdin in ((["-i", str(bad)], None), (["-i", "-"], bad.read_bytes())):
        proc = _run(["embed", "-m", str(minilm_dir), "--no-cache", *args], tmp_path, stdin)
        assert proc.returncode == 2, proc.stderr
        assert b"line 2" in proc.stderr and b"byte offset 6" in proc.stderr, proc.stderr


def test_output_into_missing_folder_is_an_error(tmp_path: Path, minilm_dir: Path) -> None:
    out = tmp_path / "missing" / "x.npy"
    proc = _run(["embed", "-m", str(minilm_dir), "--no-cache", "hi", "-o", str(out)], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert not out.parent.exists()


def test_written_files_follow_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"x")
        os.umask(0o002)
        atomic_write_bytes(tmp_path / "b.bin", b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.bin").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.bin").stat().st_mode & 0o777 == 0o664


def test_sets_and_bool_dimensions_are_rejected() -> None:
    enc = _Letters()
    with pytest.raises(TypeError, match="set"):
        enc.encode({"a", "b"})
    with pytest.raises(TypeError, match="frozenset"):
        enc.encode(frozenset({"a"}))
    with pytest.raises(ValueError, match="dimensions"):
        enc.encode(["a"], dimensions=True)


def test_collection_errors_give_cli_commands(tmp_path: Path) -> None:
    proc = _run(["search", "hello", "-c", str(tmp_path / "nope")], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert b"embedlab index" in proc.stderr and b"Collection." not in proc.stderr, proc.stderr


def test_a_bug_is_one_line_and_a_traceback_with_v(monkeypatch, capsys) -> None:
    """A programming error (here a TypeError) is not dressed as a user error: one line that
    says it is a bug, and with -v the traceback itself."""
    import click

    from embedlab import cli as cli_module

    @click.command("explode")
    def explode() -> None:
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    monkeypatch.setitem(cli_module.cli.commands, "explode", explode)
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["explode"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (TypeError: unsupported operand" in err
    assert "bug in embedlab" in err and "-v" in err
    with pytest.raises(TypeError, match="unsupported operand"):
        cli_module.main(["-v", "explode"])
