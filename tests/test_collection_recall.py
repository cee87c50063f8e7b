"""HNSW recall on real sentence embeddings: a collection's HNSW mode against its exact mode.

Gutenberg sentences (``benchmarks/corpus.py``: header/licence skipped, 5-60 words, deduplicated,
fixed shuffle) embedded with all-MiniLM-L6-v2 (int8 ONNX graph); 1,000 held-out sentences are
the queries. 20,000 corpus sentences by default (and under CI), 100,000 with
``EMBEDLAB_FULL=1``. The collection uses the default index settings (DEFAULT_CONFIG).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from embedlab.encoders import load_encoder
from embedlab.store import Collection

pytestmark = pytest.mark.slow

FULL = os.environ.get("EMBEDLAB_FULL") == "1"
N = 100_000 if FULL else 20_000
K = 10
MIN_RECALL = 0.98
CORPUS_PY = Path(__file__).resolve().parents[1] / "benchmarks" / "corpus.py"


def _corpus_module():
    spec = importlib.util.spec_from_file_location("embedlab_bench_corpus", CORPUS_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sentence_vectors(data_dir: Path, minilm_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    corpus = _corpus_module()
    texts, queries = corpus.sentences(data_dir, N)
    enc = load_encoder(minilm_dir, quantize="int8", cache=False)
    vectors = np.asarray(enc.encode(queries + texts, batch_size=64), dtype=np.float32)
    return vectors[len(queries):], vectors[:len(queries)]


def test_corpus_is_clean_and_held_out(data_dir: Path) -> None:
    corpus = _corpus_module()
    texts, queries = corpus.sentences(data_dir, 5_000)
    assert len(queries) == 1_000 and len(texts) == 5_000
    assert not set(texts) & set(queries)
    assert len(set(texts)) == len(texts)
    for s in texts + queries:
        assert 5 <= len(s.split()) <= 60
        assert "Gutenberg" not in s, s  # header and licence text skipped
    assert corpus.sentences(data_dir, 1_000)[0] == texts[:1_000]  # deterministic prefix


def test_hnsw_recall_at_10_on_real_sentence_embeddings(
        tmp_path: Path, sentence_vectors: tuple[np.ndarray, np.ndarray]) -> None:
    base, queries = sentence_vectors
    col = Collection.create(tmp_path / "gutenberg", metric="cosine")
    for i in range(0, len(base), 10_000):
        col.add(ids=[str(j) for j in range(i, min(i + 10_000, len(base)))],
                vectors=base[i:i + 10_000])
    col.build_index()

    truth = queries @ base.T  # the exact mode must agree with brute force
    hits = 0
    exact_hits = 0
    for q, scores in zip(queries, truth, strict=True):
        expected = set(np.argsort(-scores, kind="stable")[:K].tolist())
        exact = {int(h.id) for h in col.search(q, k=K, mode="exact")}
        approx = [int(h.id) for h in col.search(q, k=K, mode="hnsw")]
        assert len(approx) == K
        exact_hits += len(exact & expected)
        hits += len(set(approx) & exact)
    col.close()
    nq = len(queries)
    assert exact_hits / (K * nq) >= 0.999  # float32 ties aside, exact mode is exact
    recall = hits / (K * nq)
    assert recall >= MIN_RECALL, f"HNSW recall@{K} {recall:.4f} < {MIN_RECALL} over {len(base)}"
