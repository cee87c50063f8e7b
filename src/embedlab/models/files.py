"""Reading the small JSON files of a model folder, with errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedlab.errors import ModelFileError


def read_json_object(path: Path, what: str, required: bool = True) -> dict[str, Any]:
    """The JSON object in ``path``; ``{}`` for a missing optional file.

    ``what`` names the file's role in messages ("model config", "pooling config").
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if not required:
            return {}
        raise ModelFileError(f"{what} not found: {path}") from None
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{what} {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ModelFileError(f"{what} {path} should hold a JSON object")
    return data
