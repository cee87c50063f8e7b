"""Errors raised by persistent collections.

Every store error is a :class:`CollectionError` (a ``ValueError``); the subclasses let callers
(the HTTP API, the command line) react by type rather than by message:

- :class:`CollectionNotFoundError`: no collection at a path;
- :class:`CollectionExistsError`: a collection (or other files) already at a path;
- :class:`DuplicateIdError`: ``add`` of an id that is stored already;
- :class:`ModelMismatchError`: an encoder (model weights, dimension or precision) other than
  the one the collection was built with, or an encoder for a model-less collection;
- :class:`FormatVersionError`: a collection file of another format version, or not one.
- :class:`CorruptCollectionError`: a ``collection.sqlite`` that SQLite cannot read.
"""

from __future__ import annotations

from embedlab.errors import EmbedlabError


class CollectionError(EmbedlabError, ValueError):
    """A collection is missing, of a newer format, built with another model, or misused.

    The message names the bad value (path, id, operator, model) and what to do instead.
    """


class CollectionNotFoundError(CollectionError):
    """There is no collection at the given path."""


class CollectionExistsError(CollectionError):
    """A collection (or another non-empty folder) is already at the given path."""


class DuplicateIdError(CollectionError):
    """``add`` was given ids that the collection already holds (``upsert`` replaces them)."""


class ModelMismatchError(CollectionError):
    """The encoder differs from the one the collection was built with (weights, dimension or
    precision), or the collection holds vectors given directly and has no model."""


class FormatVersionError(CollectionError):
    """The file is not a collection database, or one of a format this version cannot read."""


class CorruptCollectionError(FormatVersionError):
    """A collection database that SQLite cannot read (overwritten, truncated, not SQLite)."""
