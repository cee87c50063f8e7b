"""``embedlab eval``: evaluate models on built-in or user tasks; ``eval tasks``, ``eval report``.

    embedlab eval --model all-MiniLM-L6-v2 --model glove-6b-50d --task stsb --task sts:my.tsv \\
        --output results
    embedlab eval --model all-MiniLM-L6-v2 glove-6b-50d --task stsb msrp --output results
    embedlab eval report results
"""

from __future__ import annotations

import sys
from typing import Any

import click

_MULTI = {"-m": "--model", "--model": "--model", "-t": "--task", "--task": "--task"}
_TYPES_HELP = ("sts:FILE.tsv, pair-classification:FILE.tsv, bitext-mining:FILE.tsv, "
               "classification:FILE.jsonl, clustering:FILE.jsonl, reranking:FILE.jsonl, "
               "summarization:FILE.jsonl, retrieval:BEIR_DIR, docsim:DIR, analogy:FILE, "
               "word-pairs:FILE")


class _EvalGroup(click.Group):
    """A group whose --model/--task take several values: ``--model a b --task x y``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rewritten: list[str] = []
        current: str | None = None
        taken = False  # whether the current --model/--task already has its value
        for arg in args:
            if arg.startswith("-"):
                name = arg.split("=", 1)[0]
                current = _MULTI.get(name)
                taken = "=" in arg
                rewritten.append(arg)
            elif current is not None and taken:
                rewritten += [current, arg]
            else:
                taken = current is not None
                rewritten.append(arg)
        return super().parse_args(ctx, rewritten)


@click.group("eval", cls=_EvalGroup, invoke_without_command=True)
@click.option("-m", "--model", "models", multiple=True, metavar="NAME_OR_PATH",
              help="Model name, model folder or word-vector file (repeatable; several may "
                   "follow one --model).")
@click.option("-t", "--task", "tasks", multiple=True, metavar="NAME_OR_FILE",
              help="Built-in task (see `embedlab eval tasks`) or TYPE:PATH: " + _TYPES_HELP)
@click.option("-o", "--output", type=click.Path(file_okay=False), default=None,
              help="Results folder: DIR/<model>/<task>.json.")
@click.option("--precision", type=click.Choice(["float32", "int8", "binary"]),
              default="float32", show_default=True, help="Score quantized vectors.")
@click.option("--dimensions", type=click.IntRange(min=1), default=None,
              help="Keep the first N dimensions (Matryoshka truncation).")
@click.option("--seed", type=int, default=42, show_default=True,
              help="Seed of classifiers, sampling and clustering.")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="At most N items per built-in task (quick runs, CI).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the embedding cache.")
@click.pass_context
def eval_group(ctx: click.Context, models: tuple[str, ...], tasks: tuple[str, ...],
               output: str | None, precision: str, dimensions: int | None, seed: int,
               batch_size: int, limit: int | None, no_cache: bool) -> None:
    """Evaluate embedding models MTEB-style and write one JSON result per model x task.

    Prints a leaderboard (main score x 100). A task that fails is reported and the rest
    finish; the exit code is 1 when any failed.
    """
    if ctx.invoked_subcommand is not None:
        if models or tasks or output:
            raise click.UsageError("give --model/--task/--output without a subcommand")
        return
    missing = [flag for flag, value in (("--model", models), ("--task", tasks),
                                        ("--output", output)) if not value]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)}; e.g. embedlab eval --model "
                               "all-MiniLM-L6-v2 --task stsb --output results")
    from rich.console import Console

    from embedlab.eval.runner import evaluate, leaderboard_table

    def progress(message: str) -> None:
        click.echo(f"evaluating {message}", err=True)

    report = evaluate(list(models), list(tasks), str(output), precision=precision,
                      dimensions=dimensions, seed=seed, batch_size=batch_size, limit=limit,
                      cache=not no_cache, progress=progress)
    Console(width=max(80, 24 + 16 * (len(report.models) + 1))).print(leaderboard_table(report))
    for skip in report.skipped:
        click.echo(f"skipped {skip['model']} on {skip['task']}: {skip['reason']}", err=True)
    for failure in report.failures:
        click.echo(f"FAILED {failure['model']} on {failure['task']}: {failure['error']}",
                   err=True)
    click.echo(f"results in {report.output}/<model>/<task>.json; "
               f"`embedlab eval report {report.output}` writes a report", err=True)
    if report.failures:
        sys.exit(1)


@eval_group.command("tasks")
def tasks_command() -> None:
    """List the built-in tasks (data from $EMBEDLAB_DATA or ../shared/data)."""
    from rich.console import Console
    from rich.table import Table

    from embedlab.eval.builtin import list_tasks

    table = Table(title="built-in tasks (also TYPE:PATH: " + _TYPES_HELP + ")")
    for column in ("name", "type", "data"):
        table.add_column(column)
    for task in list_tasks():
        table.add_row(task.name, task.type, task.description)
    Console(width=120).print(table)


@eval_group.command("report")
@click.argument("results", type=click.Path(file_okay=False))
@click.option("-o", "--output", type=click.Path(file_okay=False), default=None,
              help="Where report.md and the charts go (default: RESULTS).")
@click.option("--title", default="Embedding evaluation", show_default=True)
def report_command(results: str, output: str | None, title: str) -> None:
    """Write a Markdown report (report.md) and PNG charts from a results folder."""
    from embedlab.viz.report import write_report

    written: dict[str, Any] = write_report(results, output, title=title)
    for path in written.values():
        click.echo(str(path))
