"""The ``embedlab`` command: a thin layer over the library, one module per command group.

Heavy libraries (onnxruntime, numba) are imported inside commands, never at start-up, so
``embedlab --help`` stays fast.
"""

from __future__ import annotations

import logging
import re
import sys

import click

from embedlab import __version__
from embedlab.cli.cache import cache_group
from embedlab.cli.collections import collections_group, index_command, search_command
from embedlab.cli.embed import embed_command, similarity_command
from embedlab.cli.eval import eval_group
from embedlab.cli.models import models_command, pull_command, rm_command
from embedlab.cli.serve import serve_command
from embedlab.cli.text import text_group
from embedlab.cli.tokenizer import tokenizer_group
from embedlab.cli.train import train_group
from embedlab.cli.vectors import analogy_command, neighbors_command
from embedlab.cli.viz import plot_group, projector_command
from embedlab.errors import EmbedlabError

#: This run's -v count, for :func:`main` (which shows a bug's traceback only with -v).
_run = {"verbose": 0}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="embedlab")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """embedlab: local-first text embeddings.

    Models live in ~/.cache/embedlab/models (or $EMBEDLAB_HOME/models); get one with
    `embedlab pull all-MiniLM-L6-v2`.
    """
    _run["verbose"] = verbose
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


cli.add_command(embed_command)
cli.add_command(similarity_command)
cli.add_command(pull_command)
cli.add_command(models_command)
cli.add_command(rm_command)
cli.add_command(cache_group)
cli.add_command(serve_command)
cli.add_command(index_command)
cli.add_command(search_command)
cli.add_command(collections_group)
cli.add_command(neighbors_command)
cli.add_command(analogy_command)
cli.add_command(train_group)
cli.add_command(text_group)
cli.add_command(tokenizer_group)
cli.add_command(plot_group)
cli.add_command(projector_command)
cli.add_command(eval_group)


# Hints in library messages that name the Python API, and their command-line wording.
_PYTHON_HINTS = (
    (re.compile(r"create it with Collection\.create(\(\))?"),
     "create it with `embedlab index FILES -c DIR`"),
    (re.compile(r"use Collection\.open\([^)]*\)"),
     "add files to it with `embedlab index FILES -c DIR`"),
)


def cli_wording(message: str) -> str:
    """``message`` with Python-API hints (``Collection.open(...)``) given as CLI commands.

    >>> cli_wording("no collection at c (no x); create it with Collection.create")
    'no collection at c (no x); create it with `embedlab index FILES -c DIR`'
    """
    for pattern, wording in _PYTHON_HINTS:
        message = pattern.sub(wording, message)
    return message


def main(argv: list[str] | None = None) -> None:
    """Entry point: library errors become one-line messages and exit code 1.

    Errors of the user's input or environment (embedlab's own, ValueError, OSError) are one
    ``error:`` line. Anything else is a bug in embedlab: one line saying so, or with ``-v``
    the traceback."""
    _run["verbose"] = 0
    try:
        cli.main(args=argv, prog_name="embedlab", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (EmbedlabError, ValueError, OSError) as exc:
        click.echo(f"error: {cli_wording(str(exc))}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if _run["verbose"]:  # -v: the traceback
            raise
        click.echo(f"error: internal error ({type(exc).__name__}: {exc}); this is a bug in "
                   "embedlab: run the command again with -v for the traceback and report it",
                   err=True)
        sys.exit(1)
