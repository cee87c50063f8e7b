"""Embedding quantization, bit-for-bit compatible with sentence-transformers.

:func:`quantize_embeddings` gives the same arrays (values and dtype) as
``sentence_transformers.quantization.quantize_embeddings`` (checked against version 6.2) for
every precision that library supports. Differences, all on inputs where that library fails or
returns garbage:

* ``"float16"`` is supported here (plain ``astype(np.float16)``); sentence-transformers rejects it.
* int8/uint8 quantization of embeddings holding NaN, or with non-finite ``ranges``, raises
  ValueError here; sentence-transformers casts NaN to an integer (platform-dependent garbage).
* Invalid arguments raise ValueError/TypeError with a message naming the bad value.

Scalar (int8/uint8) quantization maps each dimension's ``[min, max]`` range onto 256 buckets:
``q = clip(floor((x - min) / step), 0, 255)`` with ``step = (max - min) / 255`` computed in
float32, and a zero step (``min == max``) replaced by 1. int8 is ``q - 128``. Because of
float32 rounding, a value equal to its dimension's max usually lands in bucket 254, not 255
(sentence-transformers does the same; we keep it for bit-exactness). Binary
quantization packs the sign bits ``x > 0`` with ``np.packbits`` along the last axis
(``ubinary``, uint8); ``binary`` is the same bytes minus 128 as int8.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

#: Precisions accepted by :func:`quantize_embeddings`.
PRECISIONS: tuple[str, ...] = ("float32", "float16", "int8", "uint8", "binary", "ubinary")


def _to_numpy(embeddings: Any) -> np.ndarray:
    """ndarray from an ndarray, nested list or torch tensor (bfloat16 is upcast to float32)."""
    if hasattr(embeddings, "detach") and hasattr(embeddings, "cpu"):  # torch.Tensor, duck-typed
        tensor = embeddings.detach()
        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()
        return np.asarray(tensor.cpu().numpy())
    return np.asarray(embeddings)


def _check_precision(precision: str) -> None:
    if precision not in PRECISIONS:
        raise ValueError(
            f"unknown precision {precision!r}; valid precisions: {', '.join(PRECISIONS)}"
        )


def calibration_ranges(calibration_embeddings: npt.ArrayLike) -> np.ndarray:
    """Per-dimension ``[min; max]`` of calibration embeddings (n, d): a (2, d) array.

    The dtype is that of the input (sentence-transformers casts to float32 when quantizing).

    >>> calibration_ranges(np.array([[0.0, 1.0], [2.0, -1.0]]))
    array([[ 0., -1.],
           [ 2.,  1.]])
    """
    cal = _to_numpy(calibration_embeddings)
    if cal.ndim != 2 or cal.shape[0] == 0:
        raise ValueError(
            f"calibration_embeddings must be a non-empty (n, d) array, got shape {cal.shape}"
        )
    if cal.dtype.kind not in "biuf":
        raise TypeError(f"calibration_embeddings must hold real numbers, got dtype {cal.dtype}")
    return np.vstack((cal.min(axis=0), cal.max(axis=0)))


def _scalar_params(
    emb: np.ndarray,
    precision: str,
    ranges: npt.ArrayLike | None,
    calibration_embeddings: npt.ArrayLike | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(starts, steps), each (d,) float32, from ranges, calibration data or the embeddings."""
    dim = emb.shape[-1]
    if ranges is None:
        if calibration_embeddings is None:
            if emb.ndim == 1 or emb.shape[0] == 1:
                raise ValueError(
                    f"cannot compute {precision} quantization ranges from a single embedding; "
                    "pass `ranges` (shape (2, d)) or `calibration_embeddings` (shape (n, d))"
                )
            if emb.shape[0] < 100:
                logger.warning(
                    "computing %s quantization ranges from only %d embeddings; pass `ranges` or "
                    "`calibration_embeddings` from a larger representative set",
                    precision,
                    emb.shape[0],
                )
            ranges = calibration_ranges(emb)
        else:
            ranges = calibration_ranges(calibration_embeddings)
    rng = _to_numpy(ranges)
    if rng.shape != (2, dim):
        raise ValueError(f"ranges must have shape (2, {dim}) (min row, max row), got {rng.shape}")
    if rng.dtype.kind not in "biuf":
        raise TypeError(f"ranges must hold real numbers, got dtype {rng.dtype}")
    rng32 = rng.astype(np.float32, copy=False)
    if not np.isfinite(rng32).all():
        raise ValueError("ranges (or the data they were computed from) contain NaN or inf")
    starts = rng32[0]
    steps = (rng32[1] - starts) / np.float32(255)
    steps[steps == 0] = 1  # a constant dimension: avoid dividing by zero, as ST does
    return starts, steps


def quantize_embeddings(
    embeddings: npt.ArrayLike,
    precision: str,
    ranges: npt.ArrayLike | None = None,
    calibration_embeddings: npt.ArrayLike | None = None,
) -> np.ndarray:
    """Quantize float embeddings, identically to sentence-transformers' function of that name.

    Args:
        embeddings: (n, d) or (d,) float embeddings (ndarray, nested list or torch tensor).
        precision: one of :data:`PRECISIONS`.
        ranges: (2, d) per-dimension min (row 0) and max (row 1) for int8/uint8.
        calibration_embeddings: (k, d) embeddings to take the ranges from when ``ranges`` is
            None; when both are None the ranges come from ``embeddings`` (needs >= 2 rows).

    Returns:
        float32 / float16 of the input's shape; int8 / uint8 of the input's shape;
        int8 (``binary``) / uint8 (``ubinary``) of shape (n, ceil(d / 8)).

    >>> x = np.array([[0.5, -1.0, 2.0], [-0.5, 1.0, 0.0]], dtype=np.float32)
    >>> quantize_embeddings(x, "ubinary")
    array([[160],
           [ 64]], dtype=uint8)
    >>> quantize_embeddings(x, "uint8")
    array([[254,   0, 254],
           [  0, 254,   0]], dtype=uint8)
    """
    _check_precision(precision)
    emb = _to_numpy(embeddings)
    if emb.dtype in (np.int8, np.uint8):
        raise TypeError(
            f"embeddings to quantize must be float, got dtype {emb.dtype} (already quantized?)"
        )
    if emb.dtype.kind not in "biuf":
        raise TypeError(f"embeddings must hold real numbers, got dtype {emb.dtype}")
    if emb.ndim not in (1, 2):
        raise ValueError(f"embeddings must be 1-D (d,) or 2-D (n, d), got shape {emb.shape}")

    if precision == "float32":
        return emb.astype(np.float32)
    if precision == "float16":
        return emb.astype(np.float16)
    if precision in ("binary", "ubinary"):
        packed = np.packbits(emb > 0, axis=-1)
        # "binary" is packed - 128 wrapped to int8, i.e. the top bit flipped
        return (packed ^ np.uint8(0x80)).view(np.int8) if precision == "binary" else packed

    # int8 / uint8
    if emb.ndim == 2 and emb.shape[0] == 0:
        return np.zeros(emb.shape, dtype=np.uint8 if precision == "uint8" else np.int8)
    if np.isnan(emb).any():
        raise ValueError(f"embeddings contain NaN; cannot quantize them to {precision}")
    starts, steps = _scalar_params(emb, precision, ranges, calibration_embeddings)
    buckets = np.floor((emb - starts) / steps)
    np.clip(buckets, 0, 255, out=buckets)
    if precision == "uint8":
        return buckets.astype(np.uint8)
    return (buckets - 128).astype(np.int8)


def dequantize_embeddings(
    quantized: npt.ArrayLike,
    precision: str,
    ranges: npt.ArrayLike | None = None,
    dim: int | None = None,
) -> np.ndarray:
    """Approximate inverse of :func:`quantize_embeddings`, as float32.

    int8/uint8 need the (2, d) ``ranges`` used to quantize and return ``min + q * step`` (the
    lower edge of each bucket, like sentence-transformers' rescoring). binary/ubinary return
    the unpacked bits as 0.0/1.0, trimmed to ``dim`` columns when given. float16/float32 are
    cast to float32.

    >>> dequantize_embeddings(np.array([[160]], dtype=np.uint8), "ubinary", dim=3)
    array([[1., 0., 1.]], dtype=float32)
    """
    _check_precision(precision)
    q = _to_numpy(quantized)
    if precision in ("float32", "float16"):
        return q.astype(np.float32)
    if precision in ("binary", "ubinary"):
        expected = np.int8 if precision == "binary" else np.uint8
        if q.dtype != expected:
            raise TypeError(
                f"{precision} codes must have dtype {np.dtype(expected)}, got {q.dtype}"
            )
        raw = q.view(np.uint8) ^ np.uint8(0x80) if precision == "binary" else q
        bits = np.unpackbits(raw, axis=-1)
        if dim is not None:
            if not 0 <= dim <= bits.shape[-1]:
                raise ValueError(f"dim must be in [0, {bits.shape[-1]}], got {dim}")
            bits = bits[..., :dim]
        return bits.astype(np.float32)
    if ranges is None:
        raise ValueError(f"dequantizing {precision} needs the (2, d) ranges used to quantize")
    if q.ndim not in (1, 2):
        raise ValueError(f"quantized must be 1-D or 2-D, got shape {q.shape}")
    starts, steps = _scalar_params(q.astype(np.float32), precision, ranges, None)
    values = q.astype(np.float64) + (128 if precision == "int8" else 0)
    return (values * steps + starts).astype(np.float32)
