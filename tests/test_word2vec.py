"""word2vec and Doc2Vec: hand-worked kernel steps, Huffman codes, reproducibility, errors."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import NotFittedError
from embedlab.static import _w2v_kernels as kernels
from embedlab.static.blocks import plan_blocks
from embedlab.static.doc2vec import Doc2Vec
from embedlab.static.huffman import huffman_tree
from embedlab.static.sampling import negative_table, sample_thresholds
from embedlab.static.word2vec import Word2Vec
from embedlab.text.corpus import CorpusError

NO_SAMPLING = np.full(3, 2**32, dtype=np.int64)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


def _sgns_pair(syn0: np.ndarray, syn1: np.ndarray, ctx: int, word: int, negs: list[int],
               alpha: float) -> None:
    """One skip-gram negative-sampling update, written out as in the word2vec paper."""
    l1 = syn0[ctx].astype(np.float64)
    work = np.zeros_like(l1)
    for target, label in [(word, 1.0), *[(n, 0.0) for n in negs]]:
        g = (label - _sigmoid(l1 @ syn1[target])) * alpha
        work += g * syn1[target]
        syn1[target] += g * l1
    syn0[ctx] += work


def _call_words(ids: list[int], syn0: np.ndarray, syn1neg: np.ndarray, sg: int,
                window: int, alpha: float, shared: bool, cbow_mean: int = 1) -> None:
    """Run the kernel on one sentence with every negative draw forced to word 2."""
    arr = np.array(ids, dtype=np.int32)
    v = syn0.shape[0]
    alias_prob = np.zeros(v, dtype=np.int64)  # never keep the uniform pick ...
    alias_idx = np.full(v, 2, dtype=np.int32)  # ... always take its alias: word 2
    kernels.train_words_block(
        arr, np.array([0, len(arr)], np.int64), 0, 1, syn0, syn1neg, np.zeros((1, 1), np.float32),
        alias_prob, alias_idx, NO_SAMPLING, np.zeros((1, 1), np.uint8),
        np.zeros((1, 1), np.int32), np.zeros(1, np.int32), sg, 0, 1, window, cbow_mean,
        alpha, alpha, 0, 1.0, 7, False, shared)


@pytest.mark.parametrize("shared", [True, False])
def test_one_skipgram_negative_sampling_step_matches_hand_computation(shared: bool) -> None:
    rng = np.random.default_rng(0)
    syn0 = rng.normal(0, 0.5, (3, 4)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (3, 4)).astype(np.float32)
    exp0, exp1 = syn0.astype(np.float64), syn1.astype(np.float64)
    # Sentence "w0 w1", window 1: centre w0 is predicted from w1, then w1 from w0;
    # one negative each, forced to w2.
    _sgns_pair(exp0, exp1, ctx=1, word=0, negs=[2], alpha=0.1)
    _sgns_pair(exp0, exp1, ctx=0, word=1, negs=[2], alpha=0.1)
    _call_words([0, 1], syn0, syn1, sg=1, window=1, alpha=0.1, shared=shared)
    np.testing.assert_allclose(syn0, exp0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, exp1, rtol=1e-5, atol=1e-6)
    assert not np.allclose(syn0, rng.normal(0, 0.5, (3, 4)))  # something moved


def test_one_cbow_step_matches_hand_computation() -> None:
    rng = np.random.default_rng(1)
    syn0 = rng.normal(0, 0.5, (3, 4)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (3, 4)).astype(np.float32)
    e0, e1 = syn0.astype(np.float64), syn1.astype(np.float64)
    # Sentence "w0 w1 w0", window 1.  Centre 0: context {w1}; centre 1: {w0, w0} averaged;
    # centre 2: {w1}.  The error is added to every context word.
    for centre, ctx in [(0, [1]), (1, [0, 0]), (0, [1])]:
        h = np.mean([e0[c] for c in ctx], axis=0)
        work = np.zeros(4)
        for target, label in [(centre, 1.0), (2, 0.0)]:
            g = (label - _sigmoid(h @ e1[target])) * 0.05
            work += g * e1[target]
            e1[target] += g * h
        for c in ctx:
            e0[c] += work
    _call_words([0, 1, 0], syn0, syn1, sg=0, window=1, alpha=0.05, shared=True)
    np.testing.assert_allclose(syn0, e0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, e1, rtol=1e-5, atol=1e-6)


def test_huffman_codes_of_a_small_vocabulary_match_hand_worked_tree() -> None:
    # Counts 5,4,3,2,1.  Merges (C tool order, smaller node first, second gets bit 1):
    #   n0 = {w4:0, w3:1} (3);  n1 = {n0:0, w2:1} (6);  n2 = {w1:0, w0:1} (9);
    #   root n3 = {n1:0, n2:1} (15).  Inner node k is output row k; the root is row 3.
    codes, points, lengths = huffman_tree(np.array([5, 4, 3, 2, 1]))
    expected = {0: ([1, 1], [3, 2]), 1: ([1, 0], [3, 2]), 2: ([0, 1], [3, 1]),
                3: ([0, 0, 1], [3, 1, 0]), 4: ([0, 0, 0], [3, 1, 0])}
    for w, (code, point) in expected.items():
        assert lengths[w] == len(code)
        assert codes[w, :lengths[w]].tolist() == code
        assert points[w, :lengths[w]].tolist() == point
    # Huffman optimality: total weighted length equals the sum of merged weights.
    assert int((np.array([5, 4, 3, 2, 1]) * lengths).sum()) == 3 + 6 + 9 + 15


def test_huffman_rejects_unsorted_counts() -> None:
    with pytest.raises(ValueError, match="descending"):
        huffman_tree(np.array([1, 5, 3]))


def test_subsampling_thresholds_follow_the_c_tool_formula() -> None:
    counts = np.array([1000, 100, 10, 1])
    t = 1e-2 * counts.sum()
    want = np.minimum((np.sqrt(counts / t) + 1) * t / counts, 1.0)
    np.testing.assert_allclose(sample_thresholds(counts, 1e-2) / 2**32, want, rtol=1e-9)
    assert (sample_thresholds(counts, 0) == 2**32).all()


def test_alias_table_reproduces_the_unigram_power_distribution() -> None:
    counts = np.array([50, 20, 9, 5, 1])
    threshold, alias = negative_table(counts, 0.75)
    v = len(counts)
    prob = np.zeros(v)
    for i in range(v):  # each slot chosen with 1/v, kept with threshold/2^32
        keep = threshold[i] / 2**32
        prob[i] += keep / v
        prob[alias[i]] += (1 - keep) / v
    want = counts**0.75 / (counts**0.75).sum()
    np.testing.assert_allclose(prob, want, atol=1e-9)


def test_blocks_cover_every_sentence_once() -> None:
    starts = np.cumsum([0, 4000, 9000, 1, 30000, 5, 5])
    blocks = plan_blocks(starts, 10_000)
    covered = [s for lo, hi, _ in blocks for s in range(lo, hi)]
    assert covered == list(range(len(starts) - 1))


def _corpus(n: int = 300) -> list[list[str]]:
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]
    return [[words[int(j)] for j in rng.zipf(1.5, 12) % 40] for _ in range(n)]


@pytest.mark.parametrize("sg,hs,negative", [(1, 0, 5), (0, 0, 5), (1, 1, 0), (0, 1, 3)])
def test_one_worker_with_a_seed_is_bit_for_bit_reproducible(sg: int, hs: int,
                                                            negative: int) -> None:
    kw = dict(sg=sg, hs=hs, negative=negative, vector_size=16, min_count=1, epochs=2,
              workers=1, seed=5)
    a = Word2Vec(**kw).fit(_corpus()).wv.vectors
    b = Word2Vec(**kw).fit(_corpus()).wv.vectors
    c = Word2Vec(**{**kw, "seed": 6}).fit(_corpus()).wv.vectors
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.isfinite(a).all()


def test_several_workers_train_and_record_history() -> None:
    model = Word2Vec(sg=1, vector_size=8, min_count=1, epochs=3, workers=2, seed=1,
                     compute_loss=True).fit(_corpus(2000))
    assert len(model.history) == 3
    assert all(h.words == 2000 * 12 for h in model.history)
    assert np.isfinite(model.wv.vectors).all()
    losses = [h.loss for h in model.history]
    assert losses[-1] < losses[0]  # training reduces the loss


def test_learning_rate_defaults_follow_the_c_tool() -> None:
    """alpha=None stays None (a parameter is kept as given); fit resolves it to the C tool's
    default for the mode, kept as alpha_ and used for the first epoch's rate."""
    corpus = [["a", "b", "c", "a"]] * 20
    for sg, rate in [(1, 0.025), (0, 0.05)]:
        model = Word2Vec(sg=sg, vector_size=4, min_count=1, epochs=1, workers=1)
        assert model.alpha is None
        assert model.fit(corpus).alpha_ == rate and model.alpha is None
    assert Word2Vec(alpha=0.1, min_count=1, vector_size=4, epochs=1).fit(corpus).alpha_ == 0.1


def test_training_moves_cooccurring_words_together() -> None:
    # Two disjoint topics: words co-occur only within their topic.
    rng = np.random.default_rng(0)
    a = [f"a{i}" for i in range(5)]
    b = [f"b{i}" for i in range(5)]
    sents = [list(rng.choice(a if k % 2 else b, 8)) for k in range(3000)]
    wv = Word2Vec(sg=1, vector_size=20, window=3, min_count=1, epochs=5, workers=1,
                  seed=1, sample=0).fit(sents).wv
    assert wv.similarity("a0", "a1") > wv.similarity("a0", "b1") + 0.3


@pytest.mark.parametrize("bad,match", [
    ({"vector_size": 0}, "vector_size"), ({"window": -1}, "window"),
    ({"workers": 0}, "workers"), ({"negative": 0, "hs": 0}, "objective"),
    ({"sg": 2}, "sg"), ({"alpha": 0.01, "min_alpha": 0.1}, "min_alpha"),
])
def test_bad_hyper_parameters_are_named(bad: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Word2Vec(**bad).fit([["a", "b"], ["b", "a"]])


def test_empty_corpus_and_nothing_above_min_count_are_clear_errors() -> None:
    with pytest.raises(CorpusError, match="empty"):
        Word2Vec().fit([[], []])
    with pytest.raises(CorpusError, match="min_count=5"):
        Word2Vec(min_count=5).fit([["a", "b"], ["a"]])
    with pytest.raises(NotFittedError, match="fit"):
        _ = Word2Vec().wv


def test_doc2vec_dbow_separates_topics_and_infers_deterministically() -> None:
    rng = np.random.default_rng(0)
    a = [f"a{i}" for i in range(8)]
    b = [f"b{i}" for i in range(8)]
    docs = [list(rng.choice(a if k % 2 else b, 10)) for k in range(400)]
    model = Doc2Vec(dm=0, vector_size=16, min_count=1, epochs=20, workers=1, seed=1,
                    sample=0).fit(docs)
    va = model.infer_vector(["a1", "a2", "a3", "a4"])
    vb = model.infer_vector(["b1", "b2", "b3", "b4"])
    assert np.array_equal(va, model.infer_vector(["a1", "a2", "a3", "a4"]))

    def cos(x: np.ndarray, y: np.ndarray) -> float:
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert cos(va, model.dv[1]) > cos(va, model.dv[0])
    assert cos(vb, model.dv[0]) > cos(vb, model.dv[1])
    assert model.dv.most_similar(1, topn=1)[0][0] % 2 == 1


def test_doc2vec_keeps_tags_and_pv_dm_trains_words() -> None:
    class Tagged:
        def __init__(self, words: list[str], tags: list[str]) -> None:
            self.words, self.tags = words, tags

    docs = [Tagged(s, [f"doc{i % 50}"]) for i, s in enumerate(_corpus(200))]
    model = Doc2Vec(dm=1, vector_size=8, min_count=1, epochs=3, seed=1).fit(docs)
    assert len(model.dv) == 50 and "doc7" in model.dv
    assert model.wv.vectors.shape[1] == 8
    with pytest.raises(KeyError, match="doc99"):
        model.dv["doc99"]


def test_a_failing_block_stops_the_other_workers() -> None:
    """Ctrl-C or an error in one block: the other threads take no further block (they do not
    run out the epoch), so an interrupt is honoured within a block."""
    import time as _time

    from embedlab.static.blocks import BlockRunner

    started = []

    def run_block(b: int) -> tuple[int, int, float]:
        started.append(b)
        _time.sleep(0.002)
        if b == 5:
            raise KeyboardInterrupt
        return 1, 1, 0.0

    with pytest.raises(KeyboardInterrupt):
        BlockRunner(2, None).run_epoch(2000, run_block, {})
    assert 6 <= len(started) < 50
