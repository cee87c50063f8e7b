"""``report.md`` and its charts from an evaluation results folder (``embedlab eval report``).

Example:
    >>> paths = write_report("results")            # doctest: +SKIP
    >>> paths["markdown"].name                     # doctest: +SKIP
    'report.md'
"""

from __future__ import annotations

import os
from pathlib import Path

from embedlab.eval.markdown import has_tradeoff, markdown_report
from embedlab.eval.results import load_failures, load_results
from embedlab.files import atomic_write_bytes


def write_report(results: str | os.PathLike[str], output: str | os.PathLike[str] | None = None,
                 title: str = "Embedding evaluation") -> dict[str, Path]:
    """Write ``report.md`` and ``leaderboard.png`` (and ``tradeoff.png`` when one model
    ran at several precisions or dimensions) into ``output`` (default: ``results``); the
    paths written, keyed ``markdown``, ``leaderboard`` and ``tradeoff``."""
    from embedlab.viz.plots import leaderboard, tradeoff

    records = load_results(results)
    failures = load_failures(results)
    out = Path(output) if output is not None else Path(results)
    out.mkdir(parents=True, exist_ok=True)
    written = {"leaderboard": out / "leaderboard.png"}
    leaderboard(records, out=written["leaderboard"])
    if has_tradeoff(records):
        written["tradeoff"] = out / "tradeoff.png"
        tradeoff(records, out=written["tradeoff"])  # groups variants under base_model
    text = markdown_report(records, failures, title=title,
                           images={k: p.name for k, p in written.items()})
    written["markdown"] = out / "report.md"
    atomic_write_bytes(written["markdown"], text.encode("utf-8"))
    return written
