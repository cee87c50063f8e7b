"""The scores behind every evaluation task, written out in NumPy.

Each function computes one figure the way MTEB computes it (MTEB calls scikit-learn,
SciPy and pytrec_eval): the correlations are SciPy's own, the rest are written out in NumPy
and checked against those libraries on hand-made cases with ties and empty results.

Example:
    >>> spearman([1, 2, 3, 4], [10, 20, 30, 25])
    0.8
    >>> average_precision([1, 0, 1], [0.9, 0.8, 0.4])
    0.8333333333333333
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from embedlab.similarity.paired import (  # noqa: F401  (eval's names for them)
    cosine_matrix,
    paired_cosine,
    paired_dot,
    paired_euclidean,
    paired_manhattan,
)

#: Cut-offs of the retrieval scores (``ndcg_at_10`` is the main one).
RETRIEVAL_K = (1, 3, 5, 10, 100)


# ---------------------------------------------------------------------- correlation

def _correlation(kind: str, x: Any, y: Any) -> float:
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if len(a) != len(b):
        raise ValueError(f"{kind}: {len(a)} values against {len(b)}")
    if len(a) < 2 or np.all(a == a[0]) or np.all(b == b[0]):
        return math.nan  # SciPy's answer too, with a warning
    from scipy import stats

    fn = stats.pearsonr if kind == "pearson" else stats.spearmanr
    return float(fn(a, b).statistic)


def pearson(x: Any, y: Any) -> float:
    """Pearson correlation (SciPy's ``pearsonr``); NaN when either side is constant.

    Example:
        >>> round(pearson([1, 2, 3], [2, 4, 7]), 4)
        0.9934
    """
    return _correlation("pearson", x, y)


def spearman(x: Any, y: Any) -> float:
    """Spearman rank correlation (SciPy's ``spearmanr``, average ranks for ties, as MTEB
    computes it); NaN when either side is constant."""
    return _correlation("spearman", x, y)


# -------------------------------------------------------------- vector similarities
# (paired and matrix cosine live in embedlab.similarity, their one home)


def similarity_scores(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Pair scores where higher means more similar: cosine, dot, and negated distances."""
    return {"cosine": paired_cosine(a, b), "dot": paired_dot(a, b),
            "euclidean": -paired_euclidean(a, b), "manhattan": -paired_manhattan(a, b)}


def sts_scores(a: np.ndarray, b: np.ndarray, gold: Any) -> dict[str, float]:
    """Spearman and Pearson of each pair score against gold (MTEB's STS figures).

    Keys ``cosine_spearman`` (MTEB's main score), ``cosine_pearson``, and the same for
    ``euclidean``, ``manhattan`` and ``dot``.
    """
    out: dict[str, float] = {}
    for name, scores in similarity_scores(a, b).items():
        out[f"{name}_spearman"] = spearman(gold, scores)
        out[f"{name}_pearson"] = pearson(gold, scores)
    return out


# ----------------------------------------------------------------- classification

def accuracy(y_true: Sequence[Hashable], y_pred: Sequence[Hashable]) -> float:
    """Share of predictions equal to the gold label (0 for no items)."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"accuracy: {len(y_true)} gold labels against {len(y_pred)}")
    if not len(y_true):
        return 0.0
    return sum(t == p for t, p in zip(y_true, y_pred, strict=True)) / len(y_true)


def precision_recall_f1(y_true: Sequence[Hashable], y_pred: Sequence[Hashable],
                        average: str = "macro") -> tuple[float, float, float]:
    """Per-label precision, recall and F1 averaged as scikit-learn does (zero_division=0).

    ``average="macro"`` weighs every label that occurs in gold or prediction equally;
    ``"weighted"`` weighs each by its gold count (MTEB's bitext mining).
    """
    if average not in ("macro", "weighted"):
        raise ValueError(f"unknown average {average!r}; choose 'macro' or 'weighted'")
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} gold labels against {len(y_pred)} predictions")
    tp: dict[Hashable, int] = {}
    n_true: dict[Hashable, int] = {}
    n_pred: dict[Hashable, int] = {}
    for t, p in zip(y_true, y_pred, strict=True):
        n_true[t] = n_true.get(t, 0) + 1
        n_pred[p] = n_pred.get(p, 0) + 1
        if t == p:
            tp[t] = tp.get(t, 0) + 1
    labels = set(n_true) | set(n_pred)
    if not labels:
        return 0.0, 0.0, 0.0
    sums = [0.0, 0.0, 0.0]
    total_weight = 0.0
    for label in labels:
        hits = tp.get(label, 0)
        p = hits / n_pred[label] if n_pred.get(label) else 0.0
        r = hits / n_true[label] if n_true.get(label) else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        w = 1.0 if average == "macro" else float(n_true.get(label, 0))
        total_weight += w
        sums[0] += w * p
        sums[1] += w * r
        sums[2] += w * f
    if not total_weight:
        return 0.0, 0.0, 0.0
    return sums[0] / total_weight, sums[1] / total_weight, sums[2] / total_weight


def f1_macro(y_true: Sequence[Hashable], y_pred: Sequence[Hashable]) -> float:
    """Macro-averaged F1 over the labels seen in gold or prediction."""
    return precision_recall_f1(y_true, y_pred, "macro")[2]


# ------------------------------------------------------------------- ranking, pairs

def average_precision(labels: Any, scores: Any) -> float:
    """Average precision of ``scores`` (higher = more likely positive) for 0/1 ``labels``.

    Tied scores form one step, as in scikit-learn's ``average_precision_score``; with no
    positive label the result is 0.
    """
    y = np.asarray(labels).astype(bool).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if len(y) != len(s):
        raise ValueError(f"average_precision: {len(y)} labels against {len(s)} scores")
    positives = int(y.sum())
    if not positives:
        return 0.0
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[np.nonzero(s[1:] != s[:-1])[0], len(s) - 1]
    tps = np.cumsum(y)[last]
    precision = tps / (last + 1)
    recall = tps / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _cut_points(scores: np.ndarray, labels: np.ndarray,
                higher_is_similar: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Sorted distinct scores, positives and items above each cut, and the positive count."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels).astype(bool).ravel()
    if len(s) != len(y):
        raise ValueError(f"{len(y)} labels against {len(s)} scores")
    order = np.argsort(-s if higher_is_similar else s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[np.nonzero(s[1:] != s[:-1])[0], len(s) - 1] if len(s) else np.zeros(0, int)
    return s, last, np.cumsum(y)[last] if len(s) else np.zeros(0, int), int(y.sum())


def best_accuracy(scores: Any, labels: Any,
                  higher_is_similar: bool = True) -> tuple[float, float]:
    """Best accuracy over thresholds between distinct scores, and that threshold.

    Pairs scoring at or beyond the threshold are predicted similar (``>=`` when higher is
    more similar, ``<=`` for distances).  Thresholds lie midway between neighbouring
    distinct scores, as in MTEB's ``PairClassificationEvaluator``; tied scores are never
    split.  With a single distinct score every pair is predicted similar.
    """
    s, last, tp, positives = _cut_points(scores, labels, higher_is_similar)
    n = len(s)
    if not n:
        return 0.0, 0.0
    negatives = n - positives
    best, threshold = -1.0, float(s[0])
    cuts = last[:-1] if len(last) > 1 else last
    for cut, hits in zip(cuts, tp, strict=False):
        predicted = cut + 1
        acc = (hits + (negatives - (predicted - hits))) / n
        if acc > best:
            best = acc
            threshold = (s[cut] + s[cut + 1]) / 2 if cut + 1 < n else float(s[cut])
    return float(best), float(threshold)


def best_f1(scores: Any, labels: Any,
            higher_is_similar: bool = True) -> tuple[float, float, float, float]:
    """Best F1 over thresholds, with its precision, recall and threshold (see best_accuracy)."""
    s, last, tp, positives = _cut_points(scores, labels, higher_is_similar)
    n = len(s)
    best = (0.0, 0.0, 0.0, 0.0)
    if not n or not positives:
        return best
    cuts = last[:-1] if len(last) > 1 else last
    for cut, hits in zip(cuts, tp, strict=False):
        if not hits:
            continue
        predicted = cut + 1
        f1 = 2 * hits / (predicted + positives)
        if f1 > best[0]:
            threshold = (s[cut] + s[cut + 1]) / 2 if cut + 1 < n else float(s[cut])
            best = (float(f1), hits / predicted, hits / positives, float(threshold))
    return best


def pair_classification_scores(a: np.ndarray, b: np.ndarray, labels: Any) -> dict[str, float]:
    """AP, best accuracy and best F1 per similarity; ``max_ap`` is MTEB's main score.

    Keys ``{cosine,dot,euclidean,manhattan}_{ap,accuracy,accuracy_threshold,f1,
    f1_threshold,precision,recall}`` (distance thresholds are positive distances), plus
    ``max_ap``, ``max_accuracy`` and ``max_f1`` over the four.
    """
    out: dict[str, float] = {}
    for name, scores in similarity_scores(a, b).items():
        higher = name in ("cosine", "dot")
        raw = scores if higher else -scores
        acc, acc_t = best_accuracy(raw, labels, higher)
        f1, precision, recall, f1_t = best_f1(raw, labels, higher)
        out.update({f"{name}_ap": average_precision(labels, scores),
                    f"{name}_accuracy": acc, f"{name}_accuracy_threshold": acc_t,
                    f"{name}_f1": f1, f"{name}_f1_threshold": f1_t,
                    f"{name}_precision": precision, f"{name}_recall": recall})
    for metric in ("ap", "accuracy", "f1"):
        out[f"max_{metric}"] = max(out[f"{n}_{metric}"] for n in
                                   ("cosine", "dot", "euclidean", "manhattan"))
    return out


def reciprocal_rank(labels: Any, scores: Any, k: int | None = 10) -> float:
    """1 / rank of the first positive among the top ``k`` by score (0 if none).

    Tied scores keep their input order, as a stable sort does.
    """
    y = np.asarray(labels).astype(bool).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    order = np.argsort(-s, kind="mergesort")
    if k is not None:
        order = order[:k]
    hits = np.nonzero(y[order])[0]
    return 1.0 / (hits[0] + 1) if len(hits) else 0.0


# ---------------------------------------------------------------------- retrieval

def rank_documents(scores: Mapping[str, float], k: int | None = None) -> list[str]:
    """Document ids by descending score, ties by descending id (as trec_eval orders them)."""
    ranked = sorted(scores.items(), key=lambda item: (item[1], item[0]), reverse=True)
    return [doc for doc, _ in (ranked if k is None else ranked[:k])]


def retrieval_query_scores(ranked: Sequence[str], relevance: Mapping[str, int],
                           k_values: Sequence[int] = RETRIEVAL_K) -> dict[str, float]:
    """nDCG, MAP, MRR, recall and precision at each k for one query.

    ``ranked`` is the result list, best first; ``relevance`` maps judged documents to
    their grade (> 0 is relevant; the grade is nDCG's gain, with a log2 discount as
    trec_eval uses).  MAP@k divides by all relevant documents, recall@k too; precision@k
    divides by k even when fewer documents came back.
    """
    grades = [max(0, int(relevance.get(doc, 0))) for doc in ranked]
    n_relevant = sum(1 for g in relevance.values() if g > 0)
    ideal = sorted((g for g in relevance.values() if g > 0), reverse=True)
    out: dict[str, float] = {}
    for k in k_values:
        top = grades[:k]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(top))
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal[:k]))
        hits = 0
        precision_sum = 0.0
        first = 0
        for i, g in enumerate(top):
            if g > 0:
                hits += 1
                precision_sum += hits / (i + 1)
                if not first:
                    first = i + 1
        out[f"ndcg_at_{k}"] = dcg / idcg if idcg > 0 else 0.0
        out[f"map_at_{k}"] = precision_sum / n_relevant if n_relevant else 0.0
        out[f"mrr_at_{k}"] = 1.0 / first if first else 0.0
        out[f"recall_at_{k}"] = hits / n_relevant if n_relevant else 0.0
        out[f"precision_at_{k}"] = hits / k
    return out


def retrieval_scores(run: Mapping[str, Mapping[str, float]],
                     qrels: Mapping[str, Mapping[str, int]],
                     k_values: Sequence[int] = RETRIEVAL_K) -> dict[str, float]:
    """Mean of :func:`retrieval_query_scores` over the queries with a relevant document.

    ``run`` maps query id to ``{doc id: score}`` (a query missing from ``run`` scores 0
    everywhere); ``qrels`` maps query id to ``{doc id: grade}``.
    """
    judged = [q for q, rels in qrels.items() if any(g > 0 for g in rels.values())]
    if not judged:
        raise ValueError("no query has a relevant document (grade > 0) in the judgements")
    totals: dict[str, float] = {}
    for q in judged:
        per = retrieval_query_scores(rank_documents(run.get(q, {})), qrels[q], k_values)
        for key, value in per.items():
            totals[key] = totals.get(key, 0.0) + value
    return {key: value / len(judged) for key, value in totals.items()}


# --------------------------------------------------------------------- clustering

def _entropy(counts: np.ndarray) -> float:
    counts = counts[counts > 0].astype(np.float64)
    total = counts.sum()
    if total == 0:
        return 0.0
    p = counts / total
    return float(-(p * np.log(p)).sum())


def v_measure(labels_true: Sequence[Hashable], labels_pred: Sequence[Hashable]) -> float:
    """V-measure: harmonic mean of homogeneity and completeness (scikit-learn's, beta=1).

    Example:
        >>> v_measure([0, 0, 1, 1], [5, 5, 7, 7])
        1.0
    """
    if len(labels_true) != len(labels_pred):
        raise ValueError(f"{len(labels_true)} gold labels against {len(labels_pred)}")
    if not len(labels_true):
        return 1.0
    _, t = np.unique(np.asarray(labels_true, dtype=object).astype(str), return_inverse=True)
    _, p = np.unique(np.asarray(labels_pred, dtype=object).astype(str), return_inverse=True)
    table = np.zeros((t.max() + 1, p.max() + 1), dtype=np.float64)
    np.add.at(table, (t, p), 1)
    h_c = _entropy(table.sum(axis=1))
    h_k = _entropy(table.sum(axis=0))
    n = table.sum()
    nz = table > 0
    joint = table[nz] / n
    # Conditional entropies H(C|K) and H(K|C) from the contingency table.
    col = np.broadcast_to(table.sum(axis=0, keepdims=True), table.shape)[nz] / n
    row = np.broadcast_to(table.sum(axis=1, keepdims=True), table.shape)[nz] / n
    h_c_given_k = float(-(joint * np.log(joint / col)).sum())
    h_k_given_c = float(-(joint * np.log(joint / row)).sum())
    homogeneity = 1.0 if h_c == 0 else 1.0 - h_c_given_k / h_c
    completeness = 1.0 if h_k == 0 else 1.0 - h_k_given_c / h_k
    if homogeneity + completeness == 0:
        return 0.0
    return float(2 * homogeneity * completeness / (homogeneity + completeness))


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation (NumPy's default, as MTEB reports)."""
    arr = np.asarray(values, dtype=np.float64)
    if not len(arr):
        return math.nan, math.nan
    return float(arr.mean()), float(arr.std())
