"""Reranking: order each query's candidates by cosine similarity to the query."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from embedlab.eval.base import EncodeOptions, EvalError, Task, TaskResult, encode
from embedlab.eval.metrics import average_precision, cosine_matrix, reciprocal_rank
from embedlab.eval.tasks._io import (
    check_lengths,
    field,
    finish,
    model_name,
    read_jsonl,
    str_list,
    task_name,
)


class RerankingTask(Task):
    """Queries, each with positive (relevant) and negative candidate texts.

    Candidates are ranked by cosine similarity to the query, as MTEB's
    ``RerankingEvaluator`` does; the main score is ``map``, the mean over queries of
    average precision (tied scores form one step); ``mrr_at_10`` is the mean reciprocal
    rank of the first positive in the top ten (ties keep positives first, the input order).

    File format: JSON lines ``{"query": ..., "positive": [...], "negative": [...]}``; each
    query needs at least one positive and one negative.

    Example:
        >>> task = RerankingTask("toy", ["pets"], [["a cat"]], [["a tax form"]])
        >>> task.evaluate(encoder).main_score  # doctest: +SKIP
        1.0
    """

    type = "reranking"
    main_metric = "map"

    def __init__(self, name: str, queries: Sequence[str], positives: Sequence[Sequence[str]],
                 negatives: Sequence[Sequence[str]]) -> None:
        super().__init__(name)
        check_lengths(name, queries=queries, positives=positives, negatives=negatives)
        for i, (pos, neg) in enumerate(zip(positives, negatives, strict=True)):
            if not pos or not neg:
                which = "positive" if not pos else "negative"
                raise EvalError(f"task {name}: query {i + 1} ({queries[i][:60]!r}) has no "
                                f"{which} candidate; each query needs at least one of each")
        self.queries = list(queries)
        self.positives = [list(p) for p in positives]
        self.negatives = [list(n) for n in negatives]

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], name: str | None = None) -> RerankingTask:
        queries, positives, negatives = [], [], []
        for line, obj in read_jsonl(path):
            queries.append(field(obj, "query", str, path, line))
            positives.append(str_list(obj, "positive", path, line))
            negatives.append(str_list(obj, "negative", path, line))
            if not positives[-1] or not negatives[-1]:
                which = "positive" if not positives[-1] else "negative"
                raise EvalError(f"{path}, line {line}: the {which!r} list is empty; each "
                                "query needs at least one positive and one negative")
        if not queries:
            raise EvalError(f"{path}: no queries")
        return cls(task_name(path, name), queries, positives, negatives)

    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        started = time.perf_counter()
        texts = list(dict.fromkeys(
            self.queries + [t for c in self.positives + self.negatives for t in c]))
        index = {t: i for i, t in enumerate(texts)}
        vectors = encode(encoder, texts, options, model_name(encoder))
        aps, rrs = [], []
        for query, pos, neg in zip(self.queries, self.positives, self.negatives, strict=True):
            candidates = vectors[[index[t] for t in pos + neg]]
            sims = cosine_matrix(vectors[[index[query]]], candidates)[0]
            labels = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
            aps.append(average_precision(labels, sims))
            rrs.append(reciprocal_rank(labels, sims, k=10))
        scores = {"map": float(np.mean(aps)), "mrr_at_10": float(np.mean(rrs))}
        return finish(self, scores["map"], scores, started, encoder,
                      {"n_queries": len(self.queries)})
