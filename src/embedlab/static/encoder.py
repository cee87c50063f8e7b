"""Deprecated: ``StaticEncoder`` lives in :mod:`embedlab.encoders.static` (its layer)."""

import warnings

from embedlab.encoders.static import POOLINGS, TOKEN_PATTERN, StaticEncoder  # noqa: F401

warnings.warn("embedlab.static.encoder moved to embedlab.encoders.static; the old path goes "
              "in the next release", DeprecationWarning, stacklevel=2)
