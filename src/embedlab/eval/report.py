"""A Markdown report and PNG charts from a results folder (``RESULTS/<model>/<task>.json``).

Example:
    >>> paths = write_report("results")            # doctest: +SKIP
    >>> paths["markdown"].name                     # doctest: +SKIP
    'report.md'
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from embedlab.eval.base import EvalError
from embedlab.files import atomic_write_bytes


def load_records(results: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The result records of a folder (as ``embedlab plot leaderboard`` reads them)."""
    from embedlab.viz.plots import PlotError, load_results

    try:
        return load_results(results)
    except PlotError as exc:
        raise EvalError(str(exc)) from None


def load_failures(results: str | os.PathLike[str]) -> list[dict[str, str]]:
    path = Path(results) / "failures.json"
    if not path.is_file():
        return []
    try:
        failures = json.loads(path.read_text(encoding="utf-8")).get("failures", [])
    except (OSError, ValueError, AttributeError) as exc:
        raise EvalError(f"cannot read {path}: {exc}") from None
    return [f for f in failures if isinstance(f, dict)]


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.2f}"


def score_table(records: Iterable[dict[str, Any]]) -> str:
    """A Markdown table: tasks down (with their type and main metric), models across,
    main score x 100, and each model's mean over the tasks it ran."""
    records = list(records)
    models = list(dict.fromkeys(str(r["model"]) for r in records))
    tasks = list(dict.fromkeys(str(r["task"]) for r in records))
    meta = {str(r["task"]): (r.get("type", ""), r.get("main_metric", "")) for r in records}
    score = {(str(r["model"]), str(r["task"])): float(r["main_score"]) for r in records}
    lines = ["| task | type | metric | " + " | ".join(models) + " |",
             "|---|---|---|" + "---:|" * len(models)]
    for task in tasks:
        kind, metric = meta[task]
        lines.append(f"| {task} | {kind} | {metric} | "
                     + " | ".join(_cell(score.get((m, task))) for m in models) + " |")
    means = []
    for m in models:
        values = [v for (mm, _), v in score.items() if mm == m]
        means.append(f"**{_cell(sum(values) / len(values))}** ({len(values)})")
    lines.append("| **mean** (tasks) | | | " + " | ".join(means) + " |")
    return "\n".join(lines)


def settings_table(records: Iterable[dict[str, Any]]) -> str:
    """One row per model: precision, dimension, bytes per vector, total seconds."""
    rows: dict[str, dict[str, Any]] = {}
    for r in records:
        row = rows.setdefault(str(r["model"]), {
            "precision": r.get("precision", "float32"), "dimension": r.get("dimension", ""),
            "bytes": r.get("bytes_per_vector", ""), "seconds": 0.0,
            "fingerprint": str(r.get("model_fingerprint", ""))[:12], "tasks": 0})
        row["seconds"] += float(r.get("wall_seconds", r.get("seconds", 0.0)) or 0.0)
        row["tasks"] += 1
    lines = ["| model | precision | dimension | bytes/vector | tasks | seconds | fingerprint |",
             "|---|---|---:|---:|---:|---:|---|"]
    for model, row in rows.items():
        lines.append(f"| {model} | {row['precision']} | {row['dimension']} | {row['bytes']} | "
                     f"{row['tasks']} | {row['seconds']:.1f} | {row['fingerprint']} |")
    return "\n".join(lines)


def _has_tradeoff(records: list[dict[str, Any]]) -> bool:
    by_base: dict[str, set[tuple[str, Any]]] = {}
    for r in records:
        by_base.setdefault(str(r.get("base_model", r["model"])), set()).add(
            (str(r.get("precision", "float32")), r.get("dimension")))
    return any(len(v) > 1 for v in by_base.values())


def write_report(results: str | os.PathLike[str], output: str | os.PathLike[str] | None = None,
                 title: str = "Embedding evaluation") -> dict[str, Path]:
    """Write ``report.md`` and ``leaderboard.png`` (and ``tradeoff.png`` when one model
    ran at several precisions or dimensions) into ``output`` (default: ``results``)."""
    from embedlab.viz.plots import leaderboard, tradeoff

    records = load_records(results)
    failures = load_failures(results)
    out = Path(output) if output is not None else Path(results)
    out.mkdir(parents=True, exist_ok=True)
    written = {"leaderboard": out / "leaderboard.png"}
    leaderboard(records, out=written["leaderboard"])
    if _has_tradeoff(records):
        written["tradeoff"] = out / "tradeoff.png"
        tradeoff(records, out=written["tradeoff"])  # groups variants under base_model
    parts = [f"# {title}", "",
             f"{len({r['model'] for r in records})} model(s), "
             f"{len({r['task'] for r in records})} task(s); main score x 100 (MTEB's main "
             "metric of each task type); – where a task did not run.", "",
             score_table(records), "", "## Models", "", settings_table(records), "",
             f"![leaderboard]({written['leaderboard'].name})", ""]
    if "tradeoff" in written:
        parts += ["## Precision and dimension", "", f"![tradeoff]({written['tradeoff'].name})",
                  ""]
    if failures:
        parts += ["## Failed", "", "| model | task | error |", "|---|---|---|"]
        parts += [f"| {f.get('model')} | {f.get('task')} | "
                  f"{str(f.get('error', '')).replace('|', '/')} |" for f in failures]
        parts.append("")
    seeds = sorted({str(r.get("seed")) for r in records if r.get("seed") is not None})
    versions: dict[str, Any] = next((r["versions"] for r in records if isinstance(r.get("versions"), dict)), {})
    parts += ["## Settings", "", f"- seed: {', '.join(seeds) or 'unknown'}",
              "- versions: " + (", ".join(f"{k} {v}" for k, v in versions.items())
                                or "unknown"), ""]
    written["markdown"] = out / "report.md"
    atomic_write_bytes(written["markdown"], "\n".join(parts).encode("utf-8"))
    return written
