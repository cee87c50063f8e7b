"""Tests for embedlab.similarity: pairwise matrices against scipy's cdist, top-k against argsort."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.spatial.distance import cdist

from embedlab.similarity import (
    METRICS,
    cosine_similarity,
    dot_product,
    euclidean_distance,
    hamming_distance,
    manhattan_distance,
    pairwise,
    topk,
)
from embedlab.similarity import metrics as metrics_mod
from embedlab.similarity import search as topk_mod
from oracles import require

RNG = np.random.default_rng(0)
FLOAT_METRICS = ("cosine", "dot", "euclidean", "manhattan")


def _oracle(a: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if metric == "cosine":
        return 1.0 - cdist(a64, b64, "cosine")
    if metric == "dot":
        return a64 @ b64.T
    if metric == "euclidean":
        return cdist(a64, b64, "euclidean")
    if metric == "manhattan":
        return cdist(a64, b64, "cityblock")
    raise AssertionError(metric)


def _bits(n: int, nbits: int) -> np.ndarray:
    return RNG.integers(0, 2, size=(n, nbits)).astype(bool)


# ---------------------------------------------------------------- hand-worked examples


def test_hand_worked_examples() -> None:
    a = np.array([[1.0, 0.0], [3.0, 4.0]], dtype=np.float32)
    b = np.array([[0.0, 1.0], [3.0, 4.0], [0.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(
        cosine_similarity(a, b), [[0.0, 0.6, 0.0], [0.8, 1.0, 0.0]], atol=1e-6
    )
    np.testing.assert_array_equal(dot_product(a, b), [[0, 3, 0], [4, 25, 0]])
    np.testing.assert_allclose(
        euclidean_distance(a, b), [[np.sqrt(2), np.sqrt(20), 1], [np.sqrt(18), 0, 5]], atol=1e-6
    )
    np.testing.assert_array_equal(manhattan_distance(a, b), [[2, 6, 1], [6, 0, 7]])
    x = np.packbits(np.array([[1, 0, 1, 1, 0, 0, 0, 0, 1]], dtype=bool), axis=-1)
    y = np.packbits(np.array([[0, 0, 1, 1, 0, 0, 0, 0, 0], [1] * 9], dtype=bool), axis=-1)
    np.testing.assert_array_equal(hamming_distance(x, y), [[2, 5]])


def test_dtypes_and_shapes() -> None:
    a, b = RNG.normal(size=(3, 5)), RNG.normal(size=(4, 5))
    for metric in FLOAT_METRICS:
        out = pairwise(a, b, metric)
        assert out.shape == (3, 4) and out.dtype == np.float32
    out = pairwise(
        np.packbits(_bits(3, 20), axis=-1), np.packbits(_bits(4, 20), axis=-1), "hamming"
    )
    assert out.shape == (3, 4) and out.dtype == np.int64
    assert pairwise(a[0], b, "dot").shape == (1, 4)  # 1-D is one row
    assert pairwise(a, b[0], "dot").shape == (3, 1)


@pytest.mark.parametrize("metric", METRICS)
def test_empty_inputs(metric: str) -> None:
    dt = np.uint8 if metric == "hamming" else np.float32
    assert pairwise(np.zeros((0, 4), dt), np.zeros((3, 4), dt), metric).shape == (0, 3)
    assert pairwise(np.zeros((2, 4), dt), np.zeros((0, 4), dt), metric).shape == (2, 0)
    idx, sc = topk(np.zeros((0, 4), dt), np.zeros((3, 4), dt), 2, metric)
    assert idx.shape == (0, 2) and sc.shape == (0, 2)
    idx, sc = topk(np.zeros((2, 4), dt), np.zeros((0, 4), dt), 2, metric)
    assert idx.shape == (2, 0) and idx.dtype == np.int64 and sc.dtype == np.float32


# ---------------------------------------------------------------- scipy oracle


@pytest.mark.parametrize("metric", FLOAT_METRICS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int8])
def test_against_cdist(metric: str, dtype: type) -> None:
    a = (RNG.normal(size=(17, 33)) * 10).astype(dtype)
    b = (RNG.normal(size=(23, 33)) * 10).astype(dtype)
    expected = _oracle(a, b, metric)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(pairwise(a, b, metric), expected, rtol=1e-5, atol=1e-5 * scale)


def test_cosine_zero_vectors_and_sklearn() -> None:
    sklearn_pairwise = require("sklearn.metrics.pairwise")
    a = RNG.normal(size=(5, 8)).astype(np.float32)
    a[2] = 0.0
    b = RNG.normal(size=(6, 8)).astype(np.float32)
    b[0] = 0.0
    out = cosine_similarity(a, b)
    assert not np.isnan(out).any()
    assert (out[2] == 0).all() and (out[:, 0] == 0).all()
    np.testing.assert_allclose(out, sklearn_pairwise.cosine_similarity(a, b), atol=1e-6)
    assert np.abs(cosine_similarity(a, a)).max() <= 1.0


def test_euclidean_self_distance_is_tiny() -> None:
    a = RNG.normal(size=(50, 384)).astype(np.float32)
    assert np.abs(np.diag(euclidean_distance(a, a))).max() < 1e-5


@pytest.mark.parametrize("nbits", [1, 7, 8, 9, 64, 100, 384])
def test_hamming_against_cdist(nbits: int) -> None:
    a, b = _bits(9, nbits), _bits(11, nbits)
    expected = np.rint(cdist(a, b, "hamming") * nbits).astype(np.int64)
    packed_a, packed_b = np.packbits(a, axis=-1), np.packbits(b, axis=-1)
    np.testing.assert_array_equal(hamming_distance(packed_a, packed_b), expected)
    np.testing.assert_array_equal(hamming_distance(a, b), expected)  # bool = unpacked bits
    # int8 "binary" codes (packed - 128, as sentence-transformers makes them)
    int8_a = (packed_a.astype(np.int16) - 128).astype(np.int8)
    int8_b = (packed_b.astype(np.int16) - 128).astype(np.int8)
    np.testing.assert_array_equal(hamming_distance(int8_a, int8_b), expected)
    np.testing.assert_array_equal(hamming_distance(int8_a, packed_b), expected)


def test_hamming_without_bitwise_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    a, b = _bits(4, 77), _bits(6, 77)
    expected = np.rint(cdist(a, b, "hamming") * 77).astype(np.int64)
    np.testing.assert_array_equal(hamming_distance(a, b), expected)


@pytest.mark.parametrize("metric", ["manhattan", "hamming"])
def test_chunking_gives_same_result(metric: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if metric == "hamming":
        a, b = np.packbits(_bits(13, 200), axis=-1), np.packbits(_bits(29, 200), axis=-1)
    else:
        a, b = RNG.normal(size=(13, 50)), RNG.normal(size=(29, 50))
    full = pairwise(a, b, metric)
    for budget in (1, 100, 50 * 8 * 3, 50 * 8 * 29 * 2 + 5):  # row splits and column splits
        monkeypatch.setattr(metrics_mod, "CHUNK_BYTES", budget)
        np.testing.assert_allclose(pairwise(a, b, metric), full, rtol=1e-6)


# ---------------------------------------------------------------- errors


def test_errors() -> None:
    a = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match="cosine, dot, euclidean, manhattan, hamming"):
        pairwise(a, a, "chebyshev")
    with pytest.raises(ValueError, match="valid metrics"):
        topk(a, a, 1, "nope")
    with pytest.raises(ValueError, match=r"d=3.*d=4"):
        pairwise(a, np.zeros((2, 4)), "dot")
    with pytest.raises(ValueError, match=r"d=3.*d=4"):
        topk(a, np.zeros((2, 4)), 1)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        pairwise(np.zeros((2, 2, 2)), a, "dot")
    with pytest.raises(TypeError, match="dtype"):
        hamming_distance(a, a)
    with pytest.raises(TypeError, match="real numbers"):
        pairwise(np.array([["x"]]), np.array([["y"]]), "dot")
    with pytest.raises(ValueError, match="k must be >= 0"):
        topk(a, a, -1)
    with pytest.raises(TypeError, match="k must be an int"):
        topk(a, a, 1.5)  # type: ignore[arg-type]
    assert pairwise(a, a, "cityblock").shape == (2, 2)  # alias


# ---------------------------------------------------------------- top-k


def _brute_topk(scores: np.ndarray, k: int, similarity: bool) -> np.ndarray:
    keys = -scores.astype(np.float64) if similarity else scores.astype(np.float64)
    return np.argsort(keys, axis=1, kind="stable")[:, :k]


@pytest.mark.parametrize("metric", METRICS)
def test_topk_matches_brute_force(metric: str) -> None:
    if metric == "hamming":
        q, c = np.packbits(_bits(20, 24), axis=-1), np.packbits(_bits(300, 24), axis=-1)
    else:
        q, c = RNG.normal(size=(20, 16)).astype(np.float32), RNG.normal(size=(300, 16))
        c = c.astype(np.float32)
    full = pairwise(q, c, metric)
    for k in (1, 5, 300, 1000):
        idx, sc = topk(q, c, k, metric)
        expected = _brute_topk(full, min(k, 300), metric in ("cosine", "dot"))
        np.testing.assert_array_equal(idx, expected)
        np.testing.assert_array_equal(sc, np.take_along_axis(full, expected, 1).astype(np.float32))
        assert idx.dtype == np.int64 and sc.dtype == np.float32


def test_topk_ties_break_by_lower_index() -> None:
    corpus = np.array([[1, 0], [0, 1], [1, 0], [1, 0], [0, 1]], dtype=np.float32)
    idx, sc = topk([[1.0, 0.0], [0.0, 1.0]], corpus, 2)
    assert idx.tolist() == [[0, 2], [1, 4]]
    assert sc.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    idx, _ = topk([[1.0, 0.0]], corpus, 4, "euclidean")
    assert idx.tolist() == [[0, 2, 3, 1]]


def test_topk_chunked_and_nan(monkeypatch: pytest.MonkeyPatch) -> None:
    q, c = RNG.normal(size=(37, 8)), RNG.normal(size=(50, 8))
    c[3] = np.nan
    monkeypatch.setattr(topk_mod, "TOPK_CHUNK_BYTES", 1)
    idx, _ = topk(q, c, 50, "dot")
    assert (idx[:, -1] == 3).all()  # NaN ranks last
    monkeypatch.setattr(topk_mod, "TOPK_CHUNK_BYTES", 10**9)
    np.testing.assert_array_equal(topk(q, c, 50, "dot")[0], idx)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n=st.integers(0, 6),
    m=st.integers(0, 12),
    d=st.integers(1, 6),
    k=st.integers(0, 15),
    metric=st.sampled_from(METRICS),
)
def test_topk_property(data: st.DataObject, n: int, m: int, d: int, k: int, metric: str) -> None:
    # small integers make plenty of exact ties
    if metric == "hamming":
        elems = st.integers(0, 255)
        q = data.draw(hnp.arrays(np.uint8, (n, d), elements=elems))
        c = data.draw(hnp.arrays(np.uint8, (m, d), elements=elems))
    else:
        elems = st.integers(-3, 3).map(float)
        q = data.draw(hnp.arrays(np.float32, (n, d), elements=elems))
        c = data.draw(hnp.arrays(np.float32, (m, d), elements=elems))
    idx, sc = topk(q, c, k, metric)
    assert idx.shape == sc.shape == (n, min(k, m))
    full = pairwise(q, c, metric).astype(np.float32)
    expected = _brute_topk(full, min(k, m), metric in ("cosine", "dot"))
    np.testing.assert_array_equal(idx, expected)


@settings(max_examples=60, deadline=None)
@given(
    a=hnp.arrays(
        np.float64, st.tuples(st.integers(0, 5), st.just(4)), elements=st.floats(-100, 100)
    ),
    b=hnp.arrays(
        np.float64, st.tuples(st.integers(0, 5), st.just(4)), elements=st.floats(-100, 100)
    ),
)
def test_pairwise_property(a: np.ndarray, b: np.ndarray) -> None:
    for metric in ("euclidean", "manhattan", "dot"):
        got = pairwise(a, b, metric)
        expected = _oracle(a, b, metric) if len(a) and len(b) else np.zeros((len(a), len(b)))
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=2e-3)
    cos = cosine_similarity(a, b)
    assert not np.isnan(cos).any() and np.all(np.abs(cos) <= 1.0)
    np.testing.assert_allclose(euclidean_distance(a, b), euclidean_distance(b, a).T)
