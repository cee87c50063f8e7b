"""Exception types raised by embedlab; the CLI turns them into friendly messages."""

from __future__ import annotations

import importlib
from types import ModuleType


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
