"""Exception types raised by embedlab; the CLI turns them into friendly messages."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class EmbedlabError(Exception):
    """Base class of every error embedlab raises on purpose."""


class ModelNotFoundError(EmbedlabError, LookupError):
    """A model name is unknown, or known but not pulled into the store."""


class ModelFileError(EmbedlabError, ValueError):
    """A model file is missing, unreadable or inconsistent; the message names the file."""


class PullError(EmbedlabError):
    """Fetching a model into the store failed; the store holds no partial model."""


class TokenizerFileError(EmbedlabError, ValueError):
    """A tokenizer.json (or vocab.txt) is malformed; the message names the field."""


class NotFittedError(EmbedlabError, ValueError, AttributeError):
    """A trainable object (a model, vocabulary, encoder or projection) was used before
    ``fit``; a ValueError and an AttributeError, as scikit-learn's."""


class CacheError(EmbedlabError):
    """The embedding cache could not be used."""


class MissingDependencyError(EmbedlabError, ImportError):
    """An optional library is not installed; the message gives the pip command."""


def require(module: str, requirements: str, purpose: str, extra: str) -> ModuleType:
    """Import ``module`` for ``purpose``, or raise :class:`MissingDependencyError` giving the
    pip command: ``requirements`` (what to install) and the embedlab ``extra`` holding it.

    >>> require("json", "json", "Reading JSON", "serve").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the {module!r} package, which is not installed ({exc}); install "
            f"it with: pip install {requirements}   (or pip install 'embedlab[{extra}]')"
        ) from None


def check_positive(name: str, value: Any, *, integer: bool = True, allow_zero: bool = False,
                   optional: bool = False) -> None:
    """Raise ValueError naming ``name`` unless ``value`` is a positive integer (a number
    when ``integer`` is false; zero allowed with ``allow_zero``; None with ``optional``).
    Booleans are refused: ``True`` is not a count.

    >>> check_positive("window", 5)
    >>> check_positive("window", 0)
    Traceback (most recent call last):
    ...
    ValueError: window must be a positive integer, got 0
    """
    if optional and value is None:
        return
    kinds = (int,) if integer else (int, float)
    ok = isinstance(value, kinds) and not isinstance(value, bool) and (
        value >= 0 if allow_zero else value > 0)
    if not ok:
        what = "a non-negative" if allow_zero else "a positive"
        what += " integer" if integer else " number"
        raise ValueError(f"{name} must be {what}{' or None' if optional else ''}, "
                         f"got {value!r}")
