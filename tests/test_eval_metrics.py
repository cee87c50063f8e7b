"""Every evaluation metric against an independent implementation (scikit-learn, SciPy,
pytrec_eval) on hand-made cases, with ties and empty results."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm
from sklearn.metrics.pairwise import (
    paired_cosine_distances,
    paired_euclidean_distances,
    paired_manhattan_distances,
)

from embedlab.eval import metrics as m
from oracles import require

RNG = np.random.default_rng(7)
TIED = [3.0, 1.0, 3.0, 2.0, 2.0, 2.0, 5.0, 1.0]


# ---------------------------------------------------------------------- correlation

def test_correlations_by_hand():
    """Worked by hand: y's ranks are 1, 2, 4, 3, so d = 0, 0, -1, 1 and Spearman is
    1 - 6 * 2 / (4 * 15) = 0.8; ties take their average rank (x = 1, 1, 2, 2 -> 1.5, 1.5,
    3.5, 3.5 against y ranks 1, 2, 3, 4 gives r = 0.8944); Pearson of (1, 2, 3) and (2, 4, 7)
    is 5 / sqrt(2 * 114 / 9) = 0.99340."""
    assert m.spearman([1, 2, 3, 4], [10, 20, 30, 25]) == pytest.approx(0.8, abs=1e-12)
    assert m.spearman([1, 1, 2, 2], [1, 2, 3, 4]) == pytest.approx(2 / math.sqrt(5), abs=1e-12)
    assert m.pearson([1, 2, 3], [2, 4, 7]) == pytest.approx(5 / math.sqrt(2 * 114 / 9),
                                                            abs=1e-12)
    with pytest.raises(ValueError, match="3 values against 2"):
        m.spearman([1, 2, 3], [1, 2])


def test_correlation_of_a_constant_is_nan_as_in_scipy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(stats.spearmanr([1, 1, 1], [1, 2, 3]).statistic)
    assert math.isnan(m.spearman([1, 1, 1], [1, 2, 3]))
    assert math.isnan(m.pearson([1, 2, 3], [5, 5, 5]))
    assert math.isnan(m.pearson([1], [2]))


def test_sts_scores_match_sklearn_distances_and_scipy():
    a = RNG.normal(size=(40, 8)).astype(np.float32)
    b = RNG.normal(size=(40, 8)).astype(np.float32)
    gold = np.round(RNG.uniform(0, 5, size=40), 1)  # rounding gives ties
    got = m.sts_scores(a, b, gold)
    cos = 1 - paired_cosine_distances(a, b)
    expected = {
        "cosine": cos, "dot": np.einsum("ij,ij->i", a, b),
        "euclidean": -paired_euclidean_distances(a, b),
        "manhattan": -paired_manhattan_distances(a, b)}
    for name, scores in expected.items():
        assert got[f"{name}_spearman"] == pytest.approx(stats.spearmanr(gold, scores)[0],
                                                        abs=1e-6)
        assert got[f"{name}_pearson"] == pytest.approx(stats.pearsonr(gold, scores)[0],
                                                       abs=1e-6)
    # MTEB rescales gold to 0-1 first: neither correlation changes.
    scaled = m.sts_scores(a, b, (gold - gold.min()) / (gold.max() - gold.min()))
    assert scaled == pytest.approx(got)


# ----------------------------------------------------------------- classification

CLASS_CASES = [
    (["a", "b", "a", "c", "b"], ["a", "b", "b", "c", "c"]),
    ([0, 0, 0, 1], [0, 0, 0, 0]),                 # a class never predicted
    ([0, 1, 2, 3], [1, 2, 3, 0]),                 # all wrong
    ([0, 1, 2], [0, 1, 9]),                       # a predicted label absent from gold
    (list(RNG.integers(0, 5, 300)), list(RNG.integers(0, 6, 300))),
]


@pytest.mark.parametrize("y_true,y_pred", CLASS_CASES)
def test_accuracy_and_averaged_f1_match_sklearn(y_true, y_pred):
    assert m.accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    for average in ("macro", "weighted"):
        p, r, f = m.precision_recall_f1(y_true, y_pred, average)
        assert p == pytest.approx(skm.precision_score(y_true, y_pred, average=average,
                                                      zero_division=0))
        assert r == pytest.approx(skm.recall_score(y_true, y_pred, average=average,
                                                   zero_division=0))
        assert f == pytest.approx(skm.f1_score(y_true, y_pred, average=average,
                                               zero_division=0))
    assert m.f1_macro(y_true, y_pred) == pytest.approx(
        skm.f1_score(y_true, y_pred, average="macro", zero_division=0))


def test_classification_metrics_of_nothing_are_zero():
    assert m.accuracy([], []) == 0.0
    assert m.precision_recall_f1([], []) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="average"):
        m.precision_recall_f1([1], [1], "micro")


# ------------------------------------------------------------------- ranking, pairs

AP_CASES = [
    ([1, 0, 1], [0.9, 0.8, 0.4]),
    ([1, 0, 1, 0, 1], [0.5, 0.5, 0.5, 0.2, 0.9]),          # a three-way tie
    ([0, 1, 1, 0], [1.0, 1.0, 1.0, 1.0]),                  # every score tied
    ([1, 1], [0.1, 0.3]),                                  # only positives
    (list(RNG.integers(0, 2, 200)), list(np.round(RNG.normal(size=200), 1))),
]


@pytest.mark.parametrize("labels,scores", AP_CASES)
def test_average_precision_matches_sklearn_with_ties(labels, scores):
    assert m.average_precision(labels, scores) == pytest.approx(
        skm.average_precision_score(labels, scores), abs=1e-12)


def test_average_precision_without_positives_is_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert skm.average_precision_score([0, 0], [0.3, 0.1]) == 0
    assert m.average_precision([0, 0], [0.3, 0.1]) == 0.0
    assert m.average_precision([], []) == 0.0


def _brute_force(scores, labels, higher):
    """Best accuracy and F1 over every threshold that splits distinct scores."""
    s = np.asarray(scores, float)
    distinct = np.unique(s)
    if len(distinct) > 1:
        cuts = (distinct[1:] + distinct[:-1]) / 2
    else:
        cuts = distinct - (1 if higher else -1)
    best_acc = best_f1 = 0.0
    for t in cuts:
        pred = (s >= t) if higher else (s <= t)
        best_acc = max(best_acc, skm.accuracy_score(labels, pred))
        best_f1 = max(best_f1, skm.f1_score(labels, pred, zero_division=0))
    return best_acc, best_f1


PAIR_CASES = [
    ([0.9, 0.8, 0.7, 0.2, 0.1], [1, 1, 0, 1, 0]),
    ([0.5, 0.5, 0.5, 0.4, 0.9], [1, 0, 1, 0, 1]),           # ties are never split
    ([0.3, 0.3, 0.3], [1, 0, 1]),                           # one distinct score
    ([0.1, 0.2, 0.3, 0.4], [0, 0, 0, 1]),
    (list(np.round(RNG.normal(size=120), 1)), list(RNG.integers(0, 2, 120))),
]


@pytest.mark.parametrize("scores,labels", PAIR_CASES)
@pytest.mark.parametrize("higher", [True, False])
def test_best_threshold_accuracy_and_f1_match_brute_force_sklearn(scores, labels, higher):
    acc, acc_t = m.best_accuracy(scores, labels, higher)
    f1, precision, recall, f1_t = m.best_f1(scores, labels, higher)
    want_acc, want_f1 = _brute_force(scores, labels, higher)
    assert acc == pytest.approx(want_acc)
    assert f1 == pytest.approx(want_f1)
    s = np.asarray(scores)
    if len(set(scores)) > 1:  # the reported thresholds reproduce the reported figures
        pred = (s >= acc_t) if higher else (s <= acc_t)
        assert skm.accuracy_score(labels, pred) == pytest.approx(acc)
        pred = (s >= f1_t) if higher else (s <= f1_t)
        assert skm.f1_score(labels, pred, zero_division=0) == pytest.approx(f1)
        assert skm.precision_score(labels, pred, zero_division=0) == pytest.approx(precision)
        assert skm.recall_score(labels, pred) == pytest.approx(recall)


def test_best_threshold_matches_mteb_reference_without_ties():
    # MTEB's find_best_acc_and_threshold / find_best_f1_and_threshold on distinct scores.
    scores, labels = [0.9, 0.8, 0.7, 0.2, 0.1], [1, 1, 0, 1, 0]
    assert m.best_accuracy(scores, labels) == pytest.approx((0.8, 0.75))  # first best
    assert m.best_f1(scores, labels) == pytest.approx((6 / 7, 0.75, 1.0, 0.15))
    assert m.best_f1([], []) == (0.0, 0.0, 0.0, 0.0)
    assert m.best_accuracy([], []) == (0.0, 0.0)


def test_pair_classification_scores_use_sklearn_ap_per_similarity():
    a = RNG.normal(size=(60, 6))
    b = a + RNG.normal(scale=1.5, size=(60, 6))
    labels = RNG.integers(0, 2, 60)
    got = m.pair_classification_scores(a, b, labels)
    cos = 1 - paired_cosine_distances(a, b)
    assert got["cosine_ap"] == pytest.approx(skm.average_precision_score(labels, cos))
    assert got["euclidean_ap"] == pytest.approx(
        skm.average_precision_score(labels, -paired_euclidean_distances(a, b)))
    assert got["manhattan_ap"] == pytest.approx(
        skm.average_precision_score(labels, -paired_manhattan_distances(a, b)))
    assert got["dot_ap"] == pytest.approx(
        skm.average_precision_score(labels, np.einsum("ij,ij->i", a, b)))
    assert got["max_ap"] == max(got[f"{n}_ap"] for n in ("cosine", "dot", "euclidean",
                                                         "manhattan"))
    assert got["euclidean_f1_threshold"] > 0  # thresholds of distances are distances


def _trec_mrr_at_k(qrels, run, k):
    """pytrec_eval's reciprocal rank over each query's top k documents (MRR@k)."""
    pytrec_eval = require("pytrec_eval")
    cut = {q: {d: docs[d] for d in sorted(docs, key=docs.get, reverse=True)[:k]}
           for q, docs in run.items()}
    per = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(cut)
    return {q: per[q]["recip_rank"] if q in per else 0.0 for q in qrels}


def test_reciprocal_rank_matches_pytrec_eval_without_ties():
    labels = [[0, 0, 1, 0], [1, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]]
    scores = [[0.9, 0.8, 0.7, 0.1], [0.2, 0.5, 0.4], list(np.linspace(1, 0, 12))]
    qrels = {f"q{i}": {f"d{j}": 1 for j, y in enumerate(ys) if y}
             for i, ys in enumerate(labels)}
    run = {f"q{i}": {f"d{j}": float(s) for j, s in enumerate(ss)}
           for i, ss in enumerate(scores)}
    theirs = _trec_mrr_at_k(qrels, run, 10)
    ours = [m.reciprocal_rank(y, s, k=10) for y, s in zip(labels, scores, strict=True)]
    np.testing.assert_allclose(ours, [theirs[f"q{i}"] for i in range(3)])
    assert ours == pytest.approx([1 / 3, 1 / 3, 0.0])


def test_reciprocal_rank_ties_keep_input_order():
    assert m.reciprocal_rank([0, 1, 0], [0.5, 0.5, 0.5]) == 0.5
    assert m.reciprocal_rank([0, 0], [0.5, 0.1]) == 0.0
    assert m.reciprocal_rank([], []) == 0.0


# ---------------------------------------------------------------------- retrieval

QRELS = {
    "q1": {"d1": 2, "d3": 1, "d7": 0, "d9": 3},
    "q2": {"d2": 1},
    "q3": {"d4": 1, "d5": 2},        # nothing retrieved for q3
    "q4": {"d8": 1, "d6": 1},        # relevant documents never retrieved
}
RUN = {
    "q1": {"d1": 0.9, "d2": 0.9, "d3": 0.5, "d4": 0.5, "d7": 0.5, "d9": 0.1, "d5": 0.05},
    "q2": {"d5": 0.8, "d6": 0.8, "d2": 0.8, "d1": 0.3},   # a three-way tie at the top
    "q3": {},
    "q4": {"d1": 0.4, "d2": 0.3},
}


def test_retrieval_scores_match_pytrec_eval_with_ties_and_empty_runs():
    pytrec_eval = require("pytrec_eval")
    ks = (1, 3, 5, 10, 100)
    measures = {f"ndcg_cut.{','.join(map(str, ks))}", f"map_cut.{','.join(map(str, ks))}",
                f"recall.{','.join(map(str, ks))}", f"P.{','.join(map(str, ks))}",
                "recip_rank"}
    evaluator = pytrec_eval.RelevanceEvaluator(QRELS, measures)
    per_query = evaluator.evaluate({q: r for q, r in RUN.items() if r})
    for q in QRELS:
        ours = m.retrieval_query_scores(m.rank_documents(RUN[q]), QRELS[q], ks)
        theirs = per_query.get(q)
        for k in ks:
            for mine, trec in (("ndcg", "ndcg_cut"), ("map", "map_cut"),
                               ("recall", "recall"), ("precision", "P")):
                want = theirs[f"{trec}_{k}"] if theirs else 0.0
                assert ours[f"{mine}_at_{k}"] == pytest.approx(want, abs=1e-12), (q, mine, k)
        assert ours["mrr_at_100"] == pytest.approx(theirs["recip_rank"] if theirs else 0.0)
    mean = m.retrieval_scores(RUN, QRELS, ks)
    assert mean["ndcg_at_10"] == pytest.approx(
        sum(per_query[q]["ndcg_cut_10"] for q in per_query) / len(QRELS))


def test_retrieval_mrr_at_k_matches_pytrec_eval_on_cut_runs():
    run = {"q1": {"d9": 0.3, "d1": 0.9, "d2": 0.8, "d3": 0.7}, "q2": {"d5": 0.8, "d2": 0.1}}
    qrels = {"q1": {"d9": 1}, "q2": {"d2": 2}}
    ours = m.retrieval_scores(run, qrels, (1, 3, 5))
    for k in (1, 3, 5):
        theirs = _trec_mrr_at_k(qrels, run, k)
        assert ours[f"mrr_at_{k}"] == pytest.approx(np.mean(list(theirs.values())))


def test_rank_documents_breaks_ties_by_descending_id_like_trec_eval():
    assert m.rank_documents({"a": 1.0, "c": 1.0, "b": 2.0, "d": 0.0}) == ["b", "c", "a", "d"]
    assert m.rank_documents({}) == []


def test_retrieval_scores_need_a_relevant_document():
    with pytest.raises(ValueError, match="relevant"):
        m.retrieval_scores({"q": {"d": 1.0}}, {"q": {"d": 0}})


# --------------------------------------------------------------------- clustering

@pytest.mark.parametrize("truth,pred", [
    ([0, 0, 1, 1], [1, 1, 0, 0]),
    ([0, 0, 1, 1], [0, 0, 0, 0]),                 # one cluster
    ([0, 0, 0, 0], [0, 1, 2, 3]),                 # one class
    ([0, 0, 0], [1, 1, 1]),
    (["x", "y", "z", "x", "y"], [0, 1, 1, 0, 2]),
    (list(RNG.integers(0, 6, 400)), list(RNG.integers(0, 4, 400))),
])
def test_v_measure_matches_sklearn(truth, pred):
    assert m.v_measure(truth, pred) == pytest.approx(skm.v_measure_score(truth, pred),
                                                     abs=1e-12)


def test_v_measure_of_nothing_is_one_as_in_sklearn():
    assert m.v_measure([], []) == skm.v_measure_score([], []) == 1.0


def test_mean_std_is_numpy_population_std():
    assert m.mean_std([0.5, 0.7, 0.9]) == pytest.approx((0.7, np.std([0.5, 0.7, 0.9])))
    assert all(math.isnan(x) for x in m.mean_std([]))
