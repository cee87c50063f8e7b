"""quantize_embeddings must give the very arrays sentence-transformers gives."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from embedlab.encoders.quantize import (
    PRECISIONS,
    calibration_ranges,
    dequantize_embeddings,
    quantize_embeddings,
)
from oracles import require

st_quant = require("sentence_transformers.quantization")
ST_PRECISIONS = ("float32", "int8", "uint8", "binary", "ubinary")
RNG = np.random.default_rng(1234)


def _st(emb: Any, precision: str, **kw: Any) -> np.ndarray:
    out = st_quant.quantize_embeddings(emb, precision=precision, **kw)
    assert isinstance(out, np.ndarray)
    return out


def _same(ours: np.ndarray, theirs: np.ndarray) -> None:
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs, equal_nan=ours.dtype.kind == "f")


SHAPES = [(2, 1), (5, 7), (16, 8), (130, 384), (33, 1023), (3, 9)]


@pytest.mark.parametrize("precision", ST_PRECISIONS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_identical_to_sentence_transformers(
    precision: str, shape: tuple[int, int], dtype: type
) -> None:
    emb = RNG.normal(size=shape).astype(dtype)
    _same(quantize_embeddings(emb, precision), _st(emb, precision))


@pytest.mark.parametrize("precision", ST_PRECISIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_identical_with_ranges_and_calibration(precision: str, shape: tuple[int, int]) -> None:
    emb = (RNG.normal(size=shape) * 3).astype(np.float32)
    calib = RNG.normal(size=(50, shape[1])).astype(np.float32)  # emb values fall outside it too
    ranges = np.vstack((calib.min(0), calib.max(0)))
    _same(quantize_embeddings(emb, precision, ranges=ranges), _st(emb, precision, ranges=ranges))
    _same(
        quantize_embeddings(emb, precision, calibration_embeddings=calib),
        _st(emb, precision, calibration_embeddings=calib),
    )
    ranges64 = ranges.astype(np.float64) * 1.1
    _same(
        quantize_embeddings(emb, precision, ranges=ranges64),
        _st(emb, precision, ranges=ranges64),
    )
    # one embedding, 1-D: fine once ranges are known
    _same(
        quantize_embeddings(emb[0], precision, ranges=ranges), _st(emb[0], precision, ranges=ranges)
    )


@settings(max_examples=80, deadline=None)
@given(
    emb=hnp.arrays(
        np.float32,
        st.tuples(st.integers(2, 8), st.integers(1, 20)),
        elements=st.floats(-1e3, 1e3, width=32),
    ),
    precision=st.sampled_from(ST_PRECISIONS),
)
def test_identical_property(emb: np.ndarray, precision: str) -> None:
    _same(quantize_embeddings(emb, precision), _st(emb, precision))


def test_float16_not_in_sentence_transformers() -> None:
    emb = RNG.normal(size=(4, 6)).astype(np.float32)
    _same(quantize_embeddings(emb, "float16"), emb.astype(np.float16))
    with pytest.raises(ValueError):
        _st(emb, "float16")


def test_hand_worked() -> None:
    emb = np.array([[0.0, 1.0, -2.0, 0.1, 3.0, -0.1, 5.0, 0.0, 7.0]], dtype=np.float32)
    _same(quantize_embeddings(emb, "ubinary"), np.array([[0b01011010, 0b10000000]], np.uint8))
    _same(quantize_embeddings(emb, "binary"), np.array([[0b01011010 - 128, 0]], np.int8))
    ranges = np.array([[0.0] * 9, [255.0] * 9], dtype=np.float32)  # step 1
    expected = np.array([[0, 1, 0, 0, 3, 0, 5, 0, 7]])
    _same(quantize_embeddings(emb, "uint8", ranges=ranges), expected.astype(np.uint8))
    _same(quantize_embeddings(emb, "int8", ranges=ranges), (expected - 128).astype(np.int8))


@pytest.mark.parametrize("precision", ["int8", "uint8"])
def test_constant_dimension_matches(precision: str) -> None:
    # min == max: ST replaces the zero step by 1, so the column maps to floor(x - min), clipped
    emb = RNG.normal(size=(10, 5)).astype(np.float32)
    emb[:, 2] = 0.75
    ours = quantize_embeddings(emb, precision)
    _same(ours, _st(emb, precision))
    assert (ours[:, 2] == (0 if precision == "uint8" else -128)).all()
    ranges = np.array([[0.5] * 5, [0.5] * 5], dtype=np.float32)
    shifted = emb + 1.5  # x - min = 1.75 in the constant column -> bucket 1
    ours = quantize_embeddings(shifted, precision, ranges=ranges)
    _same(ours, _st(shifted, precision, ranges=ranges))
    assert (ours[:, 2] == (1 if precision == "uint8" else -127)).all()


@pytest.mark.parametrize("precision", PRECISIONS)
def test_empty(precision: str) -> None:
    emb = np.zeros((0, 10), dtype=np.float32)
    ours = quantize_embeddings(emb, precision)
    width = 2 if precision.endswith("binary") else 10
    assert ours.shape == (0, width)
    if precision != "float16":
        _same(ours, _st(emb, precision))


def test_inputs_lists_and_tensors() -> None:
    torch = require("torch")
    emb = RNG.normal(size=(6, 12)).astype(np.float32)
    for precision in ST_PRECISIONS:
        _same(quantize_embeddings(emb.tolist(), precision), _st(emb.tolist(), precision))
        tensor = torch.from_numpy(emb).to(torch.bfloat16).requires_grad_(True)
        _same(quantize_embeddings(tensor, precision), _st(tensor.detach(), precision))


def test_few_rows_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="embedlab.encoders.quantize"):
        quantize_embeddings(RNG.normal(size=(5, 3)), "int8")
    assert "only 5 embeddings" in caplog.text


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda e: quantize_embeddings(e, "int4"), ValueError, "valid precisions: float32"),
        (lambda e: quantize_embeddings(e[:1], "int8"), ValueError, "single embedding"),
        (lambda e: quantize_embeddings(e[0], "uint8"), ValueError, "single embedding"),
        (lambda e: quantize_embeddings(e.astype(np.int8), "int8"), TypeError, "dtype int8"),
        (lambda e: quantize_embeddings(e[None], "int8"), ValueError, "1-D"),
        (
            lambda e: quantize_embeddings(e, "int8", ranges=np.zeros((2, 3))),
            ValueError,
            r"\(2, 4\)",
        ),
        (
            lambda e: quantize_embeddings(e, "int8", calibration_embeddings=np.zeros((0, 4))),
            ValueError,
            "non-empty",
        ),
        (lambda e: dequantize_embeddings(e, "int8"), ValueError, "ranges"),
    ],
)
def test_errors(call: Callable[[np.ndarray], object], exc: type, match: str) -> None:
    emb = RNG.normal(size=(3, 4)).astype(np.float32)
    with pytest.raises(exc, match=match):
        call(emb)


def test_nan_and_inf() -> None:
    emb = RNG.normal(size=(4, 4)).astype(np.float32)
    emb[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):  # ST casts NaN to garbage integers here
        quantize_embeddings(emb, "uint8")
    for precision in ("float32", "binary", "ubinary"):  # well defined: match ST
        _same(quantize_embeddings(emb, precision), _st(emb, precision))
    emb[1, 1] = np.inf
    ranges = np.array([[-1.0] * 4, [1.0] * 4], dtype=np.float32)
    _same(quantize_embeddings(emb, "int8", ranges=ranges), _st(emb, "int8", ranges=ranges))
    with pytest.raises(ValueError, match="NaN or inf"):
        quantize_embeddings(emb, "int8")  # ranges from data holding inf


@pytest.mark.parametrize("precision", ["int8", "uint8"])
def test_dequantize_roundtrip(precision: str) -> None:
    emb = RNG.normal(size=(200, 16)).astype(np.float32)
    ranges = calibration_ranges(emb)
    q = quantize_embeddings(emb, precision, ranges=ranges)
    back = dequantize_embeddings(q, precision, ranges=ranges)
    step = (ranges[1] - ranges[0]) / 255
    assert back.dtype == np.float32
    assert np.all(emb - back >= -1e-5) and np.all(emb - back <= step * 1.0001 + 1e-6)


@pytest.mark.parametrize("precision", ["binary", "ubinary"])
def test_dequantize_binary(precision: str) -> None:
    emb = RNG.normal(size=(7, 13)).astype(np.float32)
    bits = dequantize_embeddings(quantize_embeddings(emb, precision), precision, dim=13)
    np.testing.assert_array_equal(bits, (emb > 0).astype(np.float32))
