"""Semantic textual similarity: Spearman of cosine similarity against gold scores."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from typing import Any

from embedlab.eval.base import EncodeOptions, EvalError, Task, TaskResult, encode
from embedlab.eval.metrics import sts_scores
from embedlab.eval.tasks._io import check_lengths, finish, model_name, read_tsv, task_name, to_float


class STSTask(Task):
    """Sentence pairs with gold similarity scores (any scale).

    The main score is MTEB's ``cosine_spearman``: Spearman correlation of the pairs' cosine
    similarity with gold.  Pearson, and both for Euclidean, Manhattan (negated distances)
    and dot product, are the secondary scores.  MTEB rescales gold to 0–1 first, which
    changes neither correlation.  Each distinct sentence is encoded once.

    File format (``--task sts:PATH``): tab-separated with a header row naming
    ``sentence1``, ``sentence2`` and ``score`` (other columns are ignored)::

        sentence1<TAB>sentence2<TAB>score
        A man is playing a guitar.<TAB>A man plays the guitar.<TAB>4.8

    Example:
        >>> task = STSTask("tiny", ["a cat", "a dog", "a car"],
        ...                ["a kitten", "a puppy", "a bus"], [4.5, 4.0, 1.0])
        >>> task.evaluate(encoder).main_score  # doctest: +SKIP
        0.5
    """

    type = "sts"
    main_metric = "cosine_spearman"

    def __init__(self, name: str, sentences1: Sequence[str], sentences2: Sequence[str],
                 scores: Sequence[float]) -> None:
        super().__init__(name)
        check_lengths(name, sentences1=sentences1, sentences2=sentences2, scores=scores)
        self.sentences1 = list(sentences1)
        self.sentences2 = list(sentences2)
        self.scores = [float(s) for s in scores]
        if not all(math.isfinite(s) for s in self.scores):
            raise EvalError(f"task {name}: gold scores must be finite numbers")
        if len(set(self.scores)) < 2:
            raise EvalError(f"task {name}: every gold score is {self.scores[0]}; a "
                            "correlation needs at least two different gold scores")

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], name: str | None = None) -> STSTask:
        first, second, gold = [], [], []
        for line, row in read_tsv(path, ("sentence1", "sentence2", "score")):
            first.append(row["sentence1"])
            second.append(row["sentence2"])
            gold.append(to_float(row["score"], "score", path, line))
        if not gold:
            raise EvalError(f"{path}: no sentence pairs after the header row")
        try:
            return cls(task_name(path, name), first, second, gold)
        except EvalError as exc:
            raise EvalError(f"{path}: {exc}") from None

    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        started = time.perf_counter()
        n = len(self.sentences1)
        unique = list(dict.fromkeys(self.sentences1 + self.sentences2))
        index = {s: i for i, s in enumerate(unique)}
        vectors = encode(encoder, unique, options, model_name(encoder))
        scores = sts_scores(vectors[[index[s] for s in self.sentences1]],
                            vectors[[index[s] for s in self.sentences2]], self.scores)
        return finish(self, scores["cosine_spearman"], scores, started, encoder,
                      {"n_pairs": n})
