"""Evaluate encoders on tasks and write one JSON result per model x task.

Models are anything :func:`embedlab.load_encoder` reads (a model name, a model folder, a
word-vector file) or an encoder object; tasks are built-in names (:mod:`.builtin`) or
user files written ``TYPE:PATH`` (``sts:pairs.tsv``, ``retrieval:beir_folder``, ...;
types in :data:`~embedlab.eval.tasks.TASK_CLASSES`).  Results go to
``OUTPUT/<model>/<task>.json``; a task that fails is recorded in ``OUTPUT/failures.json``
and the others still run.  Embeddings come through the encoder's cache, so a second run of
a suite encodes nothing.

Example:
    >>> run = evaluate(["all-MiniLM-L6-v2"], ["stsb", "sts:my_pairs.tsv"],
    ...                "results")                               # doctest: +SKIP
    >>> run.records[0]["main_score"]                            # doctest: +SKIP
    0.8203
"""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedlab.eval.base import TASK_TYPES, EncodeOptions, EvalError, Task
from embedlab.eval.results import FORMAT_VERSION
from embedlab.files import atomic_write_bytes

log = logging.getLogger(__name__)

PRECISIONS = ("float32", "int8", "binary")
WORD_TYPES = ("analogy", "word-pairs")
_BITS = {"float32": 32, "int8": 8, "binary": 1}


@dataclass
class RunReport:
    """What a run did: result records, failures and skipped pairs (each names model + task)."""

    output: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)


def parse_task_spec(spec: str) -> tuple[str | None, str]:
    """``"sts:pairs.tsv"`` -> ``("sts", "pairs.tsv")``; a built-in name -> ``(None, name)``."""
    kind, sep, rest = spec.partition(":")
    if sep and kind in TASK_TYPES:
        return kind, rest
    return None, spec


def load_task_spec(spec: str, data_dir: str | os.PathLike[str] | None = None,
                   limit: int | None = None) -> Task:
    """A task from a built-in name or a ``TYPE:PATH`` user file."""
    from embedlab.eval.builtin import is_builtin, load_task
    from embedlab.eval.tasks import TASK_CLASSES

    kind, rest = parse_task_spec(spec)
    if kind is None:
        if is_builtin(spec):
            return load_task(spec, data_dir, limit)
        hint = (f"; a file needs its type first, e.g. sts:{spec}" if Path(spec).exists()
                else "")
        raise EvalError(f"unknown task {spec!r}: not a built-in task (see `embedlab eval "
                        f"tasks`) nor TYPE:PATH with TYPE one of {', '.join(TASK_TYPES)}{hint}")
    if not rest:
        raise EvalError(f"task {spec!r}: give the file after the colon, e.g. {kind}:data.tsv")
    return TASK_CLASSES[kind].from_file(rest)


def model_label(spec: Any, precision: str = "float32", dimensions: int | None = None) -> str:
    """The results folder name of a model: its name (or file/folder name), plus the
    precision and dimensions when they are not the model's own."""
    if isinstance(spec, str | os.PathLike):
        base = Path(str(spec).rstrip("/\\")).name or str(spec)
    else:
        base = str(getattr(spec, "name", None) or type(spec).__name__)
    label = re.sub(r"[^A-Za-z0-9._+@=-]+", "_", base).strip("._") or "model"
    if precision != "float32":
        label += f"-{precision}"
    if dimensions is not None:
        label += f"-{dimensions}d"
    return label


def safe_name(name: str) -> str:
    """A task name usable as a file name."""
    return re.sub(r"[^A-Za-z0-9._+@=-]+", "_", name).strip("._") or "task"


def versions() -> dict[str, str]:
    """Versions of embedlab, Python and the libraries scores depend on."""
    from importlib import metadata

    from embedlab import __version__

    out = {"embedlab": __version__, "python": platform.python_version()}
    for package in ("numpy", "scipy", "scikit-learn", "onnxruntime"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return out


def bytes_per_vector(dimension: int, precision: str) -> int:
    return math.ceil(dimension * _BITS.get(precision, 32) / 8)


def has_word_vectors(encoder: Any) -> bool:
    from embedlab.static import WordVectors

    return isinstance(encoder, WordVectors) or isinstance(getattr(encoder, "wv", None),
                                                            WordVectors)


def _load_model(spec: Any, cache: bool | str | os.PathLike[str]) -> Any:
    if not isinstance(spec, str | os.PathLike):
        return spec  # an encoder object
    from embedlab.encoders import load_encoder

    return load_encoder(str(spec), cache=cache if isinstance(cache, bool) else Path(cache))


def _check_options(precision: str, dimensions: int | None) -> None:
    if precision not in PRECISIONS:
        raise EvalError(f"precision {precision!r} is not known; choose from "
                        f"{', '.join(PRECISIONS)}")
    if dimensions is not None and dimensions < 1:
        raise EvalError(f"dimensions must be a positive integer, got {dimensions}")


def evaluate(models: Sequence[Any], tasks: Sequence[str | Task],
             output: str | os.PathLike[str], *, precision: str = "float32",
             dimensions: int | None = None, seed: int = 42, batch_size: int = 32,
             limit: int | None = None, data_dir: str | os.PathLike[str] | None = None,
             cache: bool | str | os.PathLike[str] = True,
             progress: Callable[[str], None] | None = None) -> RunReport:
    """Evaluate every model on every task; write ``output/<model>/<task>.json`` for each.

    A task that cannot load or run (bad file, NaN vectors, a model that fails to load) is
    logged, recorded in ``output/failures.json`` and the rest go on.  Word-level tasks
    need word vectors: sentence encoders, and runs with a precision or dimensions of
    their own, skip them.  ``limit`` shrinks built-in tasks (see :func:`.builtin.load_task`).
    """
    _check_options(precision, dimensions)
    if not models:
        raise EvalError("no model to evaluate; give at least one --model")
    if not tasks:
        raise EvalError("no task to run; give at least one --task (see `embedlab eval tasks`)")
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    report = RunReport(out)
    say = progress or (lambda message: log.info("%s", message))
    loaded: list[tuple[str, Task | None, str]] = []
    for spec in tasks:
        if isinstance(spec, Task):
            loaded.append((spec.name, spec, ""))
            continue
        try:
            task = load_task_spec(spec, data_dir, limit)
            loaded.append((task.name, task, ""))
        except Exception as exc:  # a task that cannot load fails alone
            kind, rest = parse_task_spec(spec)
            message = str(exc) if isinstance(exc, EvalError | OSError) else (
                f"{type(exc).__name__}: {exc} (while loading task {spec})")
            loaded.append((spec if kind is None else Path(rest).stem or spec, None, message))
    report.tasks = [name for name, _, _ in loaded]
    options = EncodeOptions(batch_size=batch_size, precision=precision, dimensions=dimensions)
    for spec in models:
        label = model_label(spec, precision, dimensions)
        report.models.append(label)
        source = str(spec) if isinstance(spec, str | os.PathLike) else model_label(spec)
        try:
            encoder = _load_model(spec, cache)
            if dimensions is not None and dimensions > encoder.dimension:
                raise EvalError(f"--dimensions {dimensions} is more than the model has "
                                f"({encoder.dimension})")
        except Exception as exc:
            for name, _, _ in loaded:
                _fail(report, label, name, f"model {source}: {exc}")
            continue
        for name, maybe_task, load_error in loaded:
            if maybe_task is None:
                _fail(report, label, name, load_error)
                continue
            task = maybe_task
            if task.type in WORD_TYPES and not has_word_vectors(encoder):
                _skip(report, label, name, "needs word vectors; this is a sentence encoder")
                continue
            if task.type in WORD_TYPES and (precision != "float32" or dimensions):
                _skip(report, label, name, "precision and dimensions apply to sentence "
                      "vectors, not word-level tasks")
                continue
            say(f"{label}: {name}")
            _run_one(report, spec, label, encoder, task, options, seed, limit)
    _write_failures(report)
    return report


def _run_one(report: RunReport, spec: Any, label: str, encoder: Any, task: Task,
             options: EncodeOptions, seed: int, limit: int | None) -> None:
    started = time.perf_counter()
    try:
        result = task.evaluate(encoder, seed=seed, options=options)
    except Exception as exc:
        _fail(report, label, task.name, str(exc) or type(exc).__name__)
        return
    dimension = options.dimensions or int(getattr(encoder, "dimension", 0) or 0)
    record = {
        "format_version": FORMAT_VERSION,
        **result.to_dict(),
        "model": label,
        "base_model": model_label(spec),
        "model_source": str(spec) if isinstance(spec, str | os.PathLike) else label,
        "model_fingerprint": str(getattr(encoder, "fingerprint", "") or ""),
        "encoder": type(encoder).__name__,
        "precision": options.precision,
        "dimension": dimension,
        "native_dimension": int(getattr(encoder, "dimension", 0) or 0),
        "bytes_per_vector": bytes_per_vector(dimension, options.precision),
        "seed": seed,
        "limit": limit,
        "wall_seconds": time.perf_counter() - started,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": versions(),
        "platform": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
    }
    path = report.output / label / f"{safe_name(task.name)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, (json.dumps(record, indent=2, default=_jsonable) + "\n").encode())
    report.records.append(record)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _fail(report: RunReport, model: str, task: str, error: str) -> None:
    log.info("%s on %s failed: %s", model, task, error)
    report.failures.append({"model": model, "task": task, "error": error})
    stale = report.output / model / f"{safe_name(task)}.json"
    if stale.is_file():  # an older score would read as this run's
        stale.unlink()


def _skip(report: RunReport, model: str, task: str, reason: str) -> None:
    report.skipped.append({"model": model, "task": task, "reason": reason})


def _write_failures(report: RunReport) -> None:
    """Merge this run's failures into ``failures.json``: pairs run now replace old entries."""
    path = report.output / "failures.json"
    ran = {(m, t) for m in report.models for t in report.tasks}
    old: list[dict[str, str]] = []
    if path.is_file():
        try:
            old = json.loads(path.read_text(encoding="utf-8")).get("failures", [])
        except (OSError, ValueError, AttributeError):
            old = []
    kept = [f for f in old if (f.get("model"), f.get("task")) not in ran]
    failures = kept + report.failures
    if failures or path.is_file():
        data = {"format_version": FORMAT_VERSION, "failures": failures}
        atomic_write_bytes(path, (json.dumps(data, indent=2) + "\n").encode())


def leaderboard_rows(report: RunReport) -> tuple[list[str], list[list[str]]]:
    """Header (task, one column per model) and rows (one per task, then the mean) of a
    run's leaderboard: main score x 100, ``failed``, or ``-`` where a task does not apply."""
    score = {(r["model"], r["task"]): 100 * float(r["main_score"]) for r in report.records}
    failed = {(f["model"], f["task"]) for f in report.failures}
    rows = []
    for task in report.tasks:
        cells = [task]
        for model in report.models:
            if (model, task) in score:
                cells.append(f"{score[model, task]:.2f}")
            else:
                cells.append("failed" if (model, task) in failed else "-")
        rows.append(cells)
    means = ["mean"]
    for model in report.models:
        values = [v for (m, _), v in score.items() if m == model]
        means.append(f"{sum(values) / len(values):.2f}" if values else "-")
    rows.append(means)
    return ["task", *report.models], rows


def leaderboard_table(report: RunReport) -> Any:
    """The leaderboard as a ``rich.table.Table`` (tasks down, models across, main score
    x 100) for the caller to print: ``rich.print(leaderboard_table(run))``."""
    from rich.table import Table

    header, rows = leaderboard_rows(report)
    table = Table(title="main score x 100 ('-': not applicable)", min_width=24 + 16 * len(header))
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i == 0 else "right")
    for i, row in enumerate(rows):
        last_task = i == len(rows) - 2
        table.add_row(*row, end_section=last_task, style="bold" if i == len(rows) - 1 else None)
    return table


def print_leaderboard(report: RunReport, file: Any = None) -> None:
    """Deprecated (library code prints nothing): print :func:`leaderboard_table` yourself."""
    import warnings

    from rich.console import Console

    warnings.warn("print_leaderboard is deprecated; print leaderboard_table(report) instead "
                  "(rich.print(leaderboard_table(report)))", DeprecationWarning, stacklevel=2)
    header, _ = leaderboard_rows(report)
    Console(file=file or sys.stdout, width=max(80, 24 + 16 * len(header))).print(
        leaderboard_table(report))
