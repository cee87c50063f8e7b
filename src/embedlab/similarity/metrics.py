"""Vectorized pairwise similarity and distance matrices between two sets of vectors.

Every function takes ``a`` of shape (n, d) and ``b`` of shape (m, d) (a 1-D input is one row)
and returns an (n, m) matrix: float32 for the float metrics, int64 for Hamming distances.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

#: Metric names accepted by :func:`pairwise` and :func:`embedlab.similarity.topk`.
METRICS: tuple[str, ...] = ("cosine", "dot", "euclidean", "manhattan", "hamming")
#: Metrics where a higher score is better (the others are distances: lower is better).
SIMILARITY_METRICS: frozenset[str] = frozenset({"cosine", "dot"})
_ALIASES = {"dot_product": "dot", "cityblock": "manhattan", "l1": "manhattan", "l2": "euclidean"}

#: Upper bound, in bytes, of the (rows, cols, d) temporaries built by Manhattan and Hamming.
CHUNK_BYTES = 64 * 1024**2

_POPCOUNT_TABLE = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def normalize_metric(metric: str) -> str:
    """Return the canonical metric name, or raise ValueError listing the valid names.

    >>> normalize_metric("cityblock")
    'manhattan'
    """
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a str, got {type(metric).__name__}; valid: {METRICS}")
    name = _ALIASES.get(metric.lower(), metric.lower())
    if name not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; valid metrics: {', '.join(METRICS)}")
    return name


def as_matrix(x: npt.ArrayLike, name: str) -> np.ndarray:
    """Return ``x`` as a 2-D numeric array; a 1-D input becomes one row.

    >>> as_matrix([1.0, 2.0], "a").shape
    (1, 2)
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D (n, d), got shape {arr.shape}")
    return arr


def check_dims(a: np.ndarray, b: np.ndarray, unit: str = "") -> None:
    """Raise ValueError quoting both dimensions when the rows of ``a`` and ``b`` differ in width.

    >>> check_dims(np.zeros((2, 3)), np.zeros((4, 3)))
    """
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"dimension mismatch: a has d={a.shape[1]}{unit}, b has d={b.shape[1]}{unit}"
        )


def _work_dtype(*arrays: np.ndarray) -> type[np.floating]:
    """float64 when any input is float64, float32 otherwise."""
    return np.float64 if any(x.dtype == np.float64 for x in arrays) else np.float32


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm; all-zero rows stay zero. Shape (n, d), float32/float64."""
    x = x.astype(_work_dtype(x), copy=False)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1)


def cosine_from_unit(a_unit: np.ndarray, b_unit: np.ndarray) -> np.ndarray:
    """Cosine similarity of already unit-normalized rows, clipped to [-1, 1]. (n, m) float32."""
    out = a_unit @ b_unit.T
    np.clip(out, -1.0, 1.0, out=out)
    return out.astype(np.float32, copy=False)


def cosine_similarity(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Cosine similarity matrix, (n, m) float32; a zero vector has similarity 0 to everything.

    >>> cosine_similarity([[1.0, 0.0]], [[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    array([[1., 0., 0.]], dtype=float32)
    """
    a2, b2 = as_matrix(a, "a"), as_matrix(b, "b")
    check_dims(a2, b2)
    wd = _work_dtype(a2, b2)
    return cosine_from_unit(_unit_rows(a2).astype(wd), _unit_rows(b2).astype(wd))


def dot_product(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Inner-product matrix ``a @ b.T``, (n, m) float32.

    >>> dot_product([[1.0, 2.0]], [[3.0, 4.0]])
    array([[11.]], dtype=float32)
    """
    a2, b2 = as_matrix(a, "a"), as_matrix(b, "b")
    check_dims(a2, b2)
    wd = _work_dtype(a2, b2)
    out = a2.astype(wd, copy=False) @ b2.astype(wd, copy=False).T
    return out.astype(np.float32, copy=False)


def euclidean_distance(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Euclidean (L2) distance matrix, (n, m) float32.

    Computed as ``sqrt(|a|^2 + |b|^2 - 2 a.b)`` in float64 (clamped at 0) so that the
    cancellation for near-identical rows stays far below float32 resolution.

    >>> euclidean_distance([[0.0, 0.0]], [[3.0, 4.0]])
    array([[5.]], dtype=float32)
    """
    a2, b2 = as_matrix(a, "a"), as_matrix(b, "b")
    check_dims(a2, b2)
    a64, b64 = a2.astype(np.float64, copy=False), b2.astype(np.float64, copy=False)
    sq = np.einsum("ij,ij->i", a64, a64)[:, None] + np.einsum("ij,ij->i", b64, b64)[None, :]
    sq -= 2.0 * (a64 @ b64.T)
    np.maximum(sq, 0.0, out=sq)
    return np.sqrt(sq).astype(np.float32)


def _chunked_pairs(
    a: np.ndarray,
    b: np.ndarray,
    out: np.ndarray,
    kernel: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Fill ``out[i, j] = kernel(...)`` using (rows, cols, d) temporaries of at most CHUNK_BYTES.

    ``kernel(a_chunk[:, None, :], b_chunk[None, :, :], buf)`` must write the elementwise
    result into ``buf`` (shape (rows, cols, d)) and return the (rows, cols) reduction.
    """
    n, d = a.shape
    m = b.shape[0]
    if n == 0 or m == 0:
        return out
    row_bytes = max(1, d * a.itemsize)
    if m * row_bytes <= CHUNK_BYTES:
        cols = m
        rows = max(1, CHUNK_BYTES // (m * row_bytes))
    else:
        rows, cols = 1, max(1, CHUNK_BYTES // row_bytes)
    rows = min(rows, n)
    buf = np.empty(rows * cols * d, dtype=a.dtype)
    for i in range(0, n, rows):
        ai = a[i : i + rows]
        for j in range(0, m, cols):
            bj = b[j : j + cols]
            view = buf[: len(ai) * len(bj) * d].reshape(len(ai), len(bj), d)
            out[i : i + len(ai), j : j + len(bj)] = kernel(ai[:, None, :], bj[None, :, :], view)
    return out


def _l1_kernel(x: np.ndarray, y: np.ndarray, buf: np.ndarray) -> np.ndarray:
    np.subtract(x, y, out=buf)
    np.abs(buf, out=buf)
    return buf.sum(axis=-1)


def manhattan_distance(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Manhattan (L1, cityblock) distance matrix, (n, m) float32.

    Rows are processed in chunks so no (rows, cols, d) temporary exceeds ``CHUNK_BYTES``.

    >>> manhattan_distance([[0.0, 0.0]], [[3.0, -4.0]])
    array([[7.]], dtype=float32)
    """
    a2, b2 = as_matrix(a, "a"), as_matrix(b, "b")
    check_dims(a2, b2)
    wd = _work_dtype(a2, b2)
    out = np.zeros((a2.shape[0], b2.shape[0]), dtype=wd)
    _chunked_pairs(a2.astype(wd, copy=False), b2.astype(wd, copy=False), out, _l1_kernel)
    return out.astype(np.float32, copy=False)


def as_packed_bits(x: npt.ArrayLike, name: str) -> np.ndarray:
    """Packed binary vectors as uint8 bytes, (n, ceil(bits/8)).

    uint8 input is taken as-is (sentence-transformers "ubinary"). int8 input is taken to be
    sentence-transformers "binary" (packed bytes minus 128) and converted back with ``^ 0x80``
    on its uint8 view, so int8 and uint8 codes of the same vectors compare correctly. bool
    input is unpacked bits and gets packed along the last axis.

    >>> as_packed_bits(np.array([[-128, 127]], dtype=np.int8), "a")
    array([[  0, 255]], dtype=uint8)
    """
    arr = np.asarray(x)
    if arr.dtype == np.bool_:
        arr = np.packbits(as_matrix(arr, name), axis=-1)
    elif arr.dtype == np.int8:
        arr = arr.view(np.uint8) ^ np.uint8(0x80)
    elif arr.dtype != np.uint8:
        raise TypeError(
            f"hamming distance needs packed binary codes ({name} has dtype {arr.dtype}); valid "
            "dtypes: uint8 ('ubinary'), int8 ('binary'), bool (unpacked bits). Use "
            "embedlab.encoders.quantize.quantize_embeddings(x, 'ubinary') to pack floats."
        )
    return as_matrix(arr, name)


def _as_words(x: np.ndarray) -> np.ndarray:
    """Packed bytes (n, B) zero-padded to a multiple of 8 and viewed as uint64 words (n, W)."""
    n, nbytes = x.shape
    width = -(-nbytes // 8) * 8
    padded = np.zeros((n, width), dtype=np.uint8)
    padded[:, :nbytes] = x
    return padded.view(np.uint64)


def _xor_popcount_kernel(x: np.ndarray, y: np.ndarray, buf: np.ndarray) -> np.ndarray:
    np.bitwise_xor(x, y, out=buf)
    if hasattr(np, "bitwise_count"):
        counts = np.bitwise_count(buf)
    else:  # numpy < 2.0: table lookup on the bytes
        counts = _POPCOUNT_TABLE[buf.view(np.uint8)]
    return counts.sum(axis=-1, dtype=np.int64)


def hamming_distance(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Number of differing bits between packed binary codes, (n, m) int64.

    See :func:`as_packed_bits` for accepted dtypes. Padding bits added by ``np.packbits``
    are zero in both inputs and never count.

    >>> a = np.packbits([[1, 0, 1, 1]], axis=-1)
    >>> b = np.packbits([[1, 1, 0, 1], [1, 0, 1, 1]], axis=-1)
    >>> hamming_distance(a, b)
    array([[2, 0]])
    """
    a2, b2 = as_packed_bits(a, "a"), as_packed_bits(b, "b")
    check_dims(a2, b2, unit=" bytes")
    out = np.zeros((a2.shape[0], b2.shape[0]), dtype=np.int64)
    return _chunked_pairs(_as_words(a2), _as_words(b2), out, _xor_popcount_kernel)


_FUNCTIONS: dict[str, Callable[[npt.ArrayLike, npt.ArrayLike], np.ndarray]] = {
    "cosine": cosine_similarity,
    "dot": dot_product,
    "euclidean": euclidean_distance,
    "manhattan": manhattan_distance,
    "hamming": hamming_distance,
}


def pairwise(a: npt.ArrayLike, b: npt.ArrayLike, metric: str = "cosine") -> np.ndarray:
    """Pairwise matrix between rows of ``a`` (n, d) and ``b`` (m, d) for a metric in METRICS.

    Returns (n, m) float32, or int64 for ``"hamming"``. Aliases: ``dot_product``,
    ``cityblock``/``l1`` (manhattan), ``l2`` (euclidean).

    >>> pairwise([[1.0, 0.0]], [[0.0, 1.0]], "euclidean").round(4)
    array([[1.4142]], dtype=float32)
    """
    return _FUNCTIONS[normalize_metric(metric)](a, b)


def unitvec_exact(vec: np.ndarray) -> np.ndarray:
    """One vector ``vec`` scaled to unit length (zero stays zero), exactly as gensim's
    ``unitvec``: the norm by BLAS ``dnrm2`` and the scaling in float64, the result in
    ``vec``'s dtype (the float32-exact variant word-vector parity with gensim needs)."""
    from scipy.linalg.blas import dnrm2

    if vec.size == 0:
        return vec
    wide = np.asarray(vec, dtype=np.float64)
    length = float(dnrm2(wide))
    if length > 0.0:
        return (wide * (1.0 / length)).astype(vec.dtype)
    return vec
