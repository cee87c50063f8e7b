"""Compare models on every built-in task, and MiniLM's precision and dimension trade-offs.

Runs all-MiniLM-L6-v2, all-mpnet-base-v2 and glove-6b-50d (mean pooling of word vectors)
on the built-in suite, then all-MiniLM-L6-v2 at int8 and binary precision and at 256 and
128 dimensions (float32 at 384 is the first run). Results go to one folder
(``<model>/<task>.json``); the Markdown table (main score x 100) is printed and written to
benchmarks/results/eval-compare.md with the report and charts of ``embedlab eval report``.

    python benchmarks/eval_compare.py [--output DIR] [--cache PATH] [--limit N]
        [--mpnet-tasks stsb,sickr,...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from embedlab.eval.builtin import list_tasks
from embedlab.eval.markdown import score_table, settings_table
from embedlab.eval.runner import evaluate
from embedlab.viz.report import write_report

RESULTS = Path(__file__).resolve().parent / "results"
MINILM, MPNET, GLOVE = "all-MiniLM-L6-v2", "all-mpnet-base-v2", "glove-6b-50d"
VARIANTS = [{"precision": "int8"}, {"precision": "binary"}, {"dimensions": 256},
            {"dimensions": 128}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(RESULTS / "eval-compare"))
    parser.add_argument("--cache", default=None, help="embedding cache file (default: the "
                        "user cache)")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--mpnet-tasks", default=None,
                        help="comma-separated subset for all-mpnet-base-v2 (slow on 2 cores)")
    parser.add_argument("--skip", default="", help="comma-separated runs to leave out: "
                        "minilm,glove,variants,mpnet")
    args = parser.parse_args()
    tasks = [t.name for t in list_tasks()]
    skip = set(filter(None, args.skip.split(",")))
    common: dict[str, Any] = {"limit": args.limit,
                              "cache": Path(args.cache) if args.cache else True}
    plan: list[tuple[str, str, list[str], dict[str, Any]]] = []
    if "minilm" not in skip:
        plan.append(("minilm", MINILM, tasks, {}))
    if "glove" not in skip:
        plan.append(("glove", GLOVE, tasks, {}))
    if "variants" not in skip:
        plan += [("variants", MINILM, tasks, v) for v in VARIANTS]
    if "mpnet" not in skip:
        plan.append(("mpnet", MPNET, args.mpnet_tasks.split(",") if args.mpnet_tasks
                     else tasks, {}))
    for group, model, run_tasks, options in plan:
        started = time.perf_counter()
        report = evaluate([model], run_tasks, args.output, **common, **options)
        print(f"{group} {model} {options or ''}: {len(report.records)} tasks in "
              f"{time.perf_counter() - started:.1f} s; failed: "
              f"{[f['task'] for f in report.failures]}", flush=True)
    written = write_report(args.output, title="Model comparison on the built-in tasks")
    from embedlab.eval.markdown import load_records

    records = load_records(args.output)
    table = score_table(records) + "\n\n" + settings_table(records)
    print(table)
    (RESULTS / "eval-compare.md").write_text(table + "\n")
    print(f"wrote {RESULTS / 'eval-compare.md'} and {', '.join(map(str, written.values()))}")


if __name__ == "__main__":
    main()
