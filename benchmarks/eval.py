"""Wall time of the whole built-in evaluation suite for one model, cold and warm cache.

Cold: a new, empty embedding cache file (every text is encoded). Warm: the same run again
over the filled cache (no text is encoded; what is left is task loading, classifiers,
clustering and search). Word-level tasks are skipped for sentence encoders. Prints a table
and writes JSON to benchmarks/results/eval-suite-<model>.json.

    python benchmarks/eval.py [--model all-MiniLM-L6-v2] [--limit N] [--cache PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from rich import print as rich_print

from embedlab.eval.builtin import list_tasks
from embedlab.eval.runner import evaluate, leaderboard_table

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--limit", type=int, default=None, help="items per task (quick run)")
    parser.add_argument("--cache", default=None,
                        help="cache file to start empty and keep (default: a temporary one)")
    parser.add_argument("--output", default=None, help="results folder (default: temporary)")
    args = parser.parse_args()
    tasks = [t.name for t in list_tasks()]
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(args.cache) if args.cache else Path(tmp) / "cache.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{cache}{suffix}").unlink(missing_ok=True)
        output = Path(args.output) if args.output else Path(tmp) / "results"
        runs = {}
        for run in ("cold", "warm"):
            started = time.perf_counter()
            report = evaluate([args.model], tasks, output, cache=cache, limit=args.limit)
            seconds = time.perf_counter() - started
            runs[run] = {"seconds": seconds, "tasks_run": len(report.records),
                         "failed": [f"{f['task']}: {f['error']}" for f in report.failures],
                         "skipped": [s["task"] for s in report.skipped],
                         "task_seconds": {r["task"]: round(r["wall_seconds"], 2)
                                          for r in report.records}}
            print(f"{run}: {seconds:.1f} s for {len(report.records)} tasks", flush=True)
        rich_print(leaderboard_table(report))
    print(f"\n| suite ({args.model}) | wall s | tasks |\n|---|---:|---:|")
    for run, data in runs.items():
        print(f"| {run} cache | {data['seconds']:.1f} | {data['tasks_run']} |")
    print(f"| warm / cold | {runs['warm']['seconds'] / runs['cold']['seconds']:.3f} | |")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"eval-suite-{args.model}.json"
    out.write_text(json.dumps({
        "model": args.model, "limit": args.limit, "runs": runs,
        "scores": {r["task"]: r["main_score"] for r in report.records},
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "date": time.strftime("%Y-%m-%d")}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
