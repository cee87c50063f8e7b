"""Exception types raised by embedlab; the CLI turns them into friendly messages."""

from __future__ import annotations


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
