"""Evaluation result files: ``RESULTS/<model>/<task>.json`` records and ``failures.json``.

The runner writes them (``format_version`` 1); this module is their one reader, used by
reports, ``embedlab plot leaderboard`` and anything else that reads a results folder.

Example:
    >>> records = load_results("results")          # doctest: +SKIP
    >>> sorted(records[0])[:3]                     # doctest: +SKIP
    ['base_model', 'bytes_per_vector', 'dimension']
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from embedlab.eval.base import EvalError

log = logging.getLogger(__name__)

#: Written into every result record and failures.json; bump when the record changes.
FORMAT_VERSION = 1


def _check_version(data: dict[str, Any], path: Path) -> None:
    version = data.get("format_version", FORMAT_VERSION)  # records by hand may leave it out
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise EvalError(f"{path}: format_version must be a positive integer, not {version!r}")
    if version > FORMAT_VERSION:
        raise EvalError(f"{path} has format_version {version}, newer than this embedlab "
                        f"reads ({FORMAT_VERSION}); upgrade embedlab")


def load_results(folder: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of ``FOLDER/<model>/<task>.json``, sorted by path; each gets ``model``
    (the folder name) and ``task`` (the file name) unless it names them. Files without
    ``main_score`` are skipped with a warning; none at all is an :class:`EvalError`."""
    root = Path(folder)
    if not root.is_dir():
        raise EvalError(f"results folder not found: {root}; give the folder that holds "
                        "<model>/<task>.json files")
    records: list[dict[str, Any]] = []
    for path in sorted(root.glob("*/*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EvalError(f"cannot read {path}: {exc}") from None
        if not isinstance(data, dict) or "main_score" not in data:
            log.warning("skipping %s: no main_score", path)
            continue
        _check_version(data, path)
        data.setdefault("model", path.parent.name)
        data.setdefault("task", path.stem)
        records.append(data)
    if not records:
        raise EvalError(f"no results in {root}; expected {root}/<model>/<task>.json files with "
                        "task and main_score (run the evaluation first)")
    return records


def load_failures(folder: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The failed (model, task) pairs recorded in ``FOLDER/failures.json`` (none: ``[]``)."""
    path = Path(folder) / "failures.json"
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise EvalError(f"{path} is not a JSON object with a 'failures' list")
    _check_version(data, path)
    failures = data.get("failures", [])
    return [f for f in failures if isinstance(f, dict)] if isinstance(failures, list) else []
