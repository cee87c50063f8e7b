"""Sentence vectors and STS-B quality against sentence-transformers (torch) and MTEB's scores.

Every STS-B test sentence goes through the ONNX Runtime paths.  The slow numpy reference path
runs on every sentence when EMBEDLAB_FULL=1 and on the first 300 otherwise (CI).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from embedlab.encoders import load_encoder
from oracles import require
from sts_data import read_stsb

pytestmark = pytest.mark.slow
FULL = os.environ.get("EMBEDLAB_FULL") == "1"
MTEB_STSB = {"all-MiniLM-L6-v2": 82.03, "all-mpnet-base-v2": 83.42}


@pytest.fixture(scope="module", params=["all-MiniLM-L6-v2", "all-mpnet-base-v2"])
def reference(request, data_dir):
    """(model name, folder, sentences, ST vectors, pairs, gold) for one model."""
    folder = request.getfixturevalue("minilm_dir" if "MiniLM" in request.param else "mpnet_dir")
    st = require("sentence_transformers")
    first, second, gold = read_stsb(data_dir)
    sentences = list(dict.fromkeys(first + second))
    model = st.SentenceTransformer(str(folder), device="cpu")
    vectors = model.encode(sentences, batch_size=32, convert_to_numpy=True)
    return request.param, folder, sentences, np.asarray(vectors), (first, second), gold


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def _sts_spearman(vectors: dict[str, np.ndarray], pairs, gold) -> float:
    from scipy.stats import spearmanr

    a = np.stack([vectors[s] for s in pairs[0]])
    b = np.stack([vectors[s] for s in pairs[1]])
    return float(spearmanr(gold, _cosines(a, b)).statistic * 100)


def test_onnx_float32_matches_sentence_transformers(reference) -> None:
    name, folder, sentences, expected, pairs, gold = reference
    got = load_encoder(folder, cache=False).encode(sentences)
    cos = _cosines(got, expected)
    assert cos.min() >= 0.99999, f"{name}: worst cosine {cos.min():.7f}"
    score = _sts_spearman(dict(zip(sentences, got, strict=True)), pairs, gold)
    assert abs(score - MTEB_STSB[name]) <= 0.1, f"{name}: STS-B Spearman {score:.2f}"


def test_numpy_matches_sentence_transformers(reference) -> None:
    name, folder, sentences, expected, _, _ = reference
    n = len(sentences) if FULL else 300
    got = load_encoder(folder, backend="numpy", cache=False).encode(sentences[:n])
    cos = _cosines(got, expected[:n])
    assert cos.min() >= 0.99999, f"{name}: worst cosine {cos.min():.7f}"


def test_int8_stays_close(reference) -> None:
    name, folder, sentences, expected, pairs, gold = reference
    got = load_encoder(folder, quantize="int8", cache=False).encode(sentences)
    cos = _cosines(got, expected)
    assert cos.mean() >= 0.99, f"{name}: int8 mean cosine {cos.mean():.4f}"
    score = _sts_spearman(dict(zip(sentences, got, strict=True)), pairs, gold)
    assert abs(score - MTEB_STSB[name]) <= 1.0, f"{name}: int8 STS-B Spearman {score:.2f}"
