"""Small helpers shared by the ``{"type": ..., params}`` registries of every stage."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from embedlab.errors import TokenizerFileError

T = TypeVar("T")


def build(kind: str, registry: Mapping[str, Callable[[dict[str, Any]], T]], spec: Any) -> T:
    """Build a stage from its JSON dict; ``kind`` ("normalizer", ...) names the field in errors."""
    if not isinstance(spec, dict):
        raise TokenizerFileError(f"{kind}: expected an object, got {type(spec).__name__}")
    type_name = spec.get("type")
    if not isinstance(type_name, str):
        raise TokenizerFileError(f"{kind}.type: missing or not a string")
    factory = registry.get(type_name)
    if factory is None:
        known = ", ".join(sorted(registry))
        raise TokenizerFileError(f"{kind}.type: unknown type {type_name!r} (known: {known})")
    try:
        return factory(spec)
    except TokenizerFileError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenizerFileError(f"{kind} ({type_name}): bad parameters: {exc!r}") from exc


def get_bool(spec: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    v = spec.get(key, default)
    if not isinstance(v, bool):
        raise TokenizerFileError(f"{where}.{key}: expected a boolean, got {v!r}")
    return v


def get_str(spec: Mapping[str, Any], key: str, default: str | None, where: str) -> str:
    v = spec.get(key, default)
    if not isinstance(v, str):
        raise TokenizerFileError(f"{where}.{key}: expected a string, got {v!r}")
    return v
