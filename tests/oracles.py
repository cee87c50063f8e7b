"""Import an oracle or peer library for a test module: skip outside CI, fail under CI.

``pytest.importorskip`` at module level skips a whole file silently when its oracle is
missing, even under ``CI=true``; :func:`require` makes that a failure there.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def require(name: str, reason: str | None = None) -> ModuleType:
    """The module ``name``; a missing one skips the caller outside CI and fails under CI."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        message = reason or f"{name} is not installed ({exc}); make install sets it up"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=True)
