"""Readers for the user task files, with errors that name the file and line."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from embedlab.eval.base import EvalError, Task, TaskResult

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def model_name(encoder: Any) -> str:
    """How errors name a model: its ``name`` attribute or its class."""
    return str(getattr(encoder, "name", None) or type(encoder).__name__)


def task_name(path: str | os.PathLike[str], name: str | None) -> str:
    return name or Path(path).stem or Path(path).name


def _open(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.is_file():
        raise EvalError(f"{p}: no such task file")
    return p


def _read_text(p: Path, newline: str | None) -> io.StringIO:
    """The file's UTF-8 text (a BOM dropped); bytes that are not UTF-8 are an error naming
    the file and line (text-mode iteration would raise a bare UnicodeDecodeError midway)."""
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise EvalError(f"{p}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise EvalError(f"{p}, line {line}: not valid UTF-8 (byte {exc.start}: {exc.reason}); "
                        "save the file as UTF-8") from None
    return io.StringIO(text, newline=newline)


def read_tsv(path: str | os.PathLike[str], columns: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number, row)`` for each data row of a tab-separated file with a header row.

    The header must name every one of ``columns`` (others are ignored); quotes are kept as
    text.  Blank lines are skipped.
    """
    p = _open(path)
    with _read_text(p, newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header: list[str] | None = None
        for row in reader:
            line = reader.line_num
            if not row or all(not field.strip() for field in row):
                continue
            if header is None:
                header = [field.strip() for field in row]
                missing = [c for c in columns if c not in header]
                if missing:
                    raise EvalError(
                        f"{p}, line {line}: the header row lacks column(s) "
                        f"{', '.join(missing)}; found {', '.join(header) or 'nothing'}. "
                        f"Start the file with a tab-separated header: {chr(9).join(columns)}")
                continue
            if len(row) < len(header):
                raise EvalError(f"{p}, line {line}: {len(row)} tab-separated fields, the "
                                f"header names {len(header)} ({', '.join(header)})")
            yield line, {c: row[header.index(c)] for c in columns}
        if header is None:
            raise EvalError(f"{p}: the file is empty; expected a header row "
                            f"({chr(9).join(columns)}) and data rows")


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line of a JSON-lines file."""
    p = _open(path)
    with _read_text(p, newline=None) as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalError(f"{p}, line {line_no}: not valid JSON ({exc.msg})") from None
            except RecursionError:
                raise EvalError(f"{p}, line {line_no}: JSON nested too deeply") from None
            if not isinstance(obj, dict):
                raise EvalError(f"{p}, line {line_no}: expected a JSON object, got "
                                f"{type(obj).__name__}")
            yield line_no, obj


def field(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], path: Any,
          line: int) -> Any:
    """``obj[key]``, checked to be of ``kind``; a clear error otherwise."""
    if key not in obj:
        raise EvalError(f"{path}, line {line}: missing field {key!r} "
                        f"(fields found: {', '.join(map(repr, obj)) or 'none'})")
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise EvalError(f"{path}, line {line}: field {key!r} must be {names}, got "
                        f"{type(value).__name__}")
    return value


def str_list(obj: dict[str, Any], key: str, path: Any, line: int) -> list[str]:
    value = field(obj, key, list, path, line)
    if not all(isinstance(v, str) for v in value):
        raise EvalError(f"{path}, line {line}: field {key!r} must be a list of strings")
    return list(value)


def to_float(text: str, what: str, path: Any, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise EvalError(f"{path}, line {line}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise EvalError(f"{path}, line {line}: {what} {text!r} is not a finite number")
    return value


def check_lengths(task: str, **columns: Sequence[Any]) -> int:
    """The common length of ``columns``; an error when they differ or are empty."""
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise EvalError(f"task {task}: columns differ in length ("
                        + ", ".join(f"{k}={v}" for k, v in lengths.items()) + ")")
    n = next(iter(lengths.values()))
    if n == 0:
        raise EvalError(f"task {task}: no items; give at least one "
                        f"({', '.join(lengths)})")
    return n


def finish(task: Task, main: float, scores: dict[str, Any], started: float,
           encoder: Any, extra: dict[str, Any] | None = None) -> TaskResult:
    """A :class:`TaskResult`; a NaN main score is an error naming task and model."""
    if not math.isfinite(main):
        raise EvalError(f"task {task.name}: {task.main_metric} is undefined for model "
                        f"{model_name(encoder)} (every item got the same score)")
    return TaskResult(task.name, task.type, float(main), scores, task.main_metric,
                      time.perf_counter() - started, dict(extra or {}))
