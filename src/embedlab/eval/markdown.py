"""The Markdown of an evaluation report: score and settings tables over result records.

:func:`embedlab.viz.report.write_report` writes ``report.md`` with these tables and the
charts beside it (``embedlab eval report RESULTS``); ``embedlab.eval.report`` gives the
same names under their earlier path.

Example:
    >>> from embedlab.eval.results import load_results
    >>> print(score_table(load_results("results")))      # doctest: +SKIP
    | task | type | metric | all-MiniLM-L6-v2 |
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from embedlab.eval.results import load_failures, load_results

__all__ = ["has_tradeoff", "load_failures", "load_records", "markdown_report", "score_table",
           "settings_table"]


def load_records(results: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The result records of a folder (:func:`embedlab.eval.results.load_results`)."""
    return load_results(results)


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


def has_tradeoff(records: list[dict[str, Any]]) -> bool:
    """Whether one model ran at several precisions or dimensions (worth a trade-off chart)."""
    by_base: dict[str, set[tuple[str, Any]]] = {}
    for r in records:
        by_base.setdefault(str(r.get("base_model", r["model"])), set()).add(
            (str(r.get("precision", "float32")), r.get("dimension")))
    return any(len(v) > 1 for v in by_base.values())


def markdown_report(records: list[dict[str, Any]], failures: list[dict[str, str]], *,
                    title: str = "Embedding evaluation",
                    images: dict[str, str] | None = None) -> str:
    """The text of ``report.md``: scores, models, the charts named in ``images``
    (``{"leaderboard": "leaderboard.png", "tradeoff": ...}``), failures and settings."""
    images = images or {}
    parts = [f"# {title}", "",
             f"{len({r['model'] for r in records})} model(s), "
             f"{len({r['task'] for r in records})} task(s); main score x 100 (MTEB's main "
             "metric of each task type); – where a task did not run.", "",
             score_table(records), "", "## Models", "", settings_table(records), ""]
    if "leaderboard" in images:
        parts += [f"![leaderboard]({images['leaderboard']})", ""]
    if "tradeoff" in images:
        parts += ["## Precision and dimension", "", f"![tradeoff]({images['tradeoff']})", ""]
    if failures:
        parts += ["## Failed", "", "| model | task | error |", "|---|---|---|"]
        parts += [f"| {f.get('model')} | {f.get('task')} | "
                  f"{str(f.get('error', '')).replace('|', '/')} |" for f in failures]
        parts.append("")
    seeds = sorted({str(r.get("seed")) for r in records if r.get("seed") is not None})
    versions: dict[str, Any] = next(
        (r["versions"] for r in records if isinstance(r.get("versions"), dict)), {})
    parts += ["## Settings", "", f"- seed: {', '.join(seeds) or 'unknown'}",
              "- versions: " + (", ".join(f"{k} {v}" for k, v in versions.items())
                                or "unknown"), ""]
    return "\n".join(parts)
