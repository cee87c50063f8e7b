"""The FAISS HNSW index file of a collection, rebuilt from SQLite whenever it is not current.

``index.faiss`` is a ``faiss.IndexIDMap`` over ``faiss.IndexHNSWFlat`` (labels are document
``seq`` numbers), readable with ``faiss.read_index``. ``index.json`` beside it records the
format version, the collection ``generation`` and document ``count`` it reflects, the metric,
dimension, HNSW settings and the sha256 of ``index.faiss``. Both are written atomically
(temp file + rename), the index first, so a crash between the two leaves a description that
does not match and the index is rebuilt. A missing, stale or corrupt index is rebuilt with a
logged warning.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

INDEX_NAME = "index.faiss"
INFO_NAME = "index.json"
INDEX_FORMAT_VERSION = 1


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_write(path: Path, write: Any) -> None:
    """Call ``write(tmp_path)`` then rename the temp file over ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepare(vectors: np.ndarray, metric: str) -> np.ndarray:
    """Vectors as FAISS sees them: unit rows for cosine (then inner product), float32."""
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = np.ascontiguousarray(x / np.where(norms > 0, norms, 1), dtype=np.float32)
    return x


class HnswIndex:
    """Loads, validates, (re)builds and queries a collection's HNSW index file.

    Example:
        >>> import tempfile, numpy as np
        >>> idx = HnswIndex(Path(tempfile.mkdtemp()), "cosine", 4, {"hnsw_m": 8})
        >>> x = np.eye(4, dtype=np.float32)
        >>> idx.ensure(generation=1, labels=np.arange(4), vectors=x)
        >>> idx.search(x[2], 1, ef_search=16).tolist()
        [2]
    """

    def __init__(self, folder: Path, metric: str, dimension: int, config: dict[str, Any]):
        self.folder = folder
        self.metric = metric
        self.dimension = dimension
        self.m = int(config.get("hnsw_m", 32))
        self.ef_construction = int(config.get("hnsw_ef_construction", 200))
        self._index: Any = None
        self._generation: int | None = None

    @property
    def path(self) -> Path:
        return self.folder / INDEX_NAME

    def _expected(self, generation: int, count: int) -> dict[str, Any]:
        return {"format_version": INDEX_FORMAT_VERSION, "generation": generation,
                "count": count, "metric": self.metric, "dimension": self.dimension,
                "hnsw_m": self.m, "hnsw_ef_construction": self.ef_construction}

    def is_current(self, generation: int) -> bool:
        return self._index is not None and self._generation == generation

    def ensure(self, generation: int, labels: np.ndarray, vectors: np.ndarray) -> None:
        """Make the in-memory index reflect ``generation``: load the file or rebuild it."""
        if self.is_current(generation):
            return
        expected = self._expected(generation, len(labels))
        problem = self._try_load(expected)
        if problem is None:
            return
        logger.warning("rebuilding HNSW index %s (%s) over %d vectors", self.path, problem,
                       len(labels))
        self._build(expected, labels, vectors)

    def _try_load(self, expected: dict[str, Any]) -> str | None:
        """Load the file when it matches ``expected``; else return why not."""
        import faiss

        info_path = self.folder / INFO_NAME
        if not self.path.is_file() or not info_path.is_file():
            return "index file missing"
        try:
            info = json.loads(info_path.read_text())
        except (OSError, ValueError) as exc:
            return f"unreadable {INFO_NAME}: {exc}"
        if not isinstance(info, dict):
            return f"unreadable {INFO_NAME}"
        if info.get("format_version", 0) > INDEX_FORMAT_VERSION:
            return f"index format version {info.get('format_version')} is newer"
        stale = {k: (info.get(k), v) for k, v in expected.items() if info.get(k) != v}
        if stale:
            return "stale: " + ", ".join(f"{k} {a!r} != {b!r}" for k, (a, b) in stale.items())
        if info.get("sha256") != _sha256(self.path):
            return "corrupt: checksum mismatch"
        try:
            index = faiss.read_index(str(self.path))
        except RuntimeError as exc:
            return f"corrupt: {exc}"
        if index.ntotal != expected["count"] or index.d != self.dimension:
            return "corrupt: size mismatch"
        self._index, self._generation = index, expected["generation"]
        return None

    def _build(self, expected: dict[str, Any], labels: np.ndarray, vectors: np.ndarray) -> None:
        import faiss

        faiss_metric = {"cosine": faiss.METRIC_INNER_PRODUCT, "dot": faiss.METRIC_INNER_PRODUCT,
                        "euclidean": faiss.METRIC_L2, "manhattan": faiss.METRIC_L1}[self.metric]
        hnsw = faiss.IndexHNSWFlat(self.dimension, self.m, faiss_metric)
        hnsw.hnsw.efConstruction = self.ef_construction
        index = faiss.IndexIDMap(hnsw)
        if len(labels):
            index.add_with_ids(prepare(vectors, self.metric),
                               np.ascontiguousarray(labels, dtype=np.int64))
        _atomic_write(self.path, lambda tmp: faiss.write_index(index, tmp))
        info = {**expected, "sha256": _sha256(self.path)}
        _atomic_write(self.folder / INFO_NAME,
                      lambda tmp: Path(tmp).write_text(json.dumps(info, indent=1)))
        self._index, self._generation = index, expected["generation"]

    def search(self, query: np.ndarray, k: int, ef_search: int,
               allowed: np.ndarray | None = None) -> np.ndarray:
        """Labels of up to ``k`` approximate nearest vectors (best first), within ``allowed``."""
        import faiss

        if self._index is None:
            raise RuntimeError("HnswIndex.search before ensure()")
        q = prepare(query[None, :], self.metric)
        params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
        params.efSearch = max(ef_search, k)
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            params.sel = selector
        _, labels = self._index.search(q, k, params=params)
        out = labels[0]
        return out[out >= 0]
