"""Errors raised by persistent collections."""

from __future__ import annotations

from embedlab.errors import EmbedlabError


class CollectionError(EmbedlabError, ValueError):
    """A collection is missing, of a newer format, built with another model, or misused.

    The message names the bad value (path, id, operator, model) and what to do instead.
    """
