"""Persistent collections of documents and vectors with exact, HNSW, binary and hybrid search.

>>> import tempfile, numpy as np
>>> from embedlab.store import Collection
>>> col = Collection.create(tempfile.mkdtemp() + "/c", metric="dot")
>>> col.add(vectors=np.eye(3, dtype=np.float32), ids=["x", "y", "z"])
['x', 'y', 'z']
>>> col.search(np.array([0, 1, 0], np.float32), k=1)[0].id
'y'
"""

from __future__ import annotations

from embedlab.store.catalog import CollectionInfo, drop, list_collections
from embedlab.store.collection import DEFAULT_CONFIG, Collection, Document
from embedlab.store.errors import (
    CollectionError,
    CollectionExistsError,
    CollectionNotFoundError,
    CorruptCollectionError,
    DuplicateIdError,
    FormatVersionError,
    ModelMismatchError,
)
from embedlab.store.schema import FORMAT_VERSION
from embedlab.store.search import Hit

__all__ = ["DEFAULT_CONFIG", "FORMAT_VERSION", "Collection", "CollectionError",
           "CollectionExistsError", "CollectionInfo", "CollectionNotFoundError", "CorruptCollectionError", "Document",
           "DuplicateIdError", "FormatVersionError", "Hit", "ModelMismatchError", "drop",
           "list_collections"]
