"""Pair classification: are two sentences a positive pair (paraphrase, duplicate)?"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

from embedlab.eval.base import EncodeOptions, EvalError, Task, TaskResult, encode
from embedlab.eval.metrics import pair_classification_scores
from embedlab.eval.tasks._io import check_lengths, finish, model_name, read_tsv, task_name

_LABELS = {"0": 0, "1": 1, "false": 0, "true": 1}


class PairClassificationTask(Task):
    """Sentence pairs labelled 1 (positive) or 0.

    For cosine, dot product, Euclidean and Manhattan distance: average precision of the
    pair scores, and accuracy and F1 at their best thresholds (MTEB's
    ``PairClassificationEvaluator``).  The main score is ``max_ap``, the best AP over
    the four.

    File format: tab-separated with a header row naming ``sentence1``, ``sentence2`` and
    ``label`` (0/1).

    Example:
        >>> task = PairClassificationTask("toy", ["a cat", "a car"], ["a kitten", "a pie"],
        ...                               [1, 0])
        >>> task.evaluate(encoder).main_score  # doctest: +SKIP
        1.0
    """

    type = "pair-classification"
    main_metric = "max_ap"

    def __init__(self, name: str, sentences1: Sequence[str], sentences2: Sequence[str],
                 labels: Sequence[int]) -> None:
        super().__init__(name)
        check_lengths(name, sentences1=sentences1, sentences2=sentences2, labels=labels)
        bad = [x for x in labels if x not in (0, 1)]
        if bad:
            raise EvalError(f"task {name}: labels must be 0 or 1, got {bad[0]!r}")
        if len(set(labels)) < 2:
            raise EvalError(f"task {name}: every label is {labels[0]}; pair classification "
                            "needs both positive (1) and negative (0) pairs")
        self.sentences1, self.sentences2 = list(sentences1), list(sentences2)
        self.labels = [int(x) for x in labels]

    @classmethod
    def from_file(cls, path: str | os.PathLike[str],
                  name: str | None = None) -> PairClassificationTask:
        first, second, labels = [], [], []
        for line, row in read_tsv(path, ("sentence1", "sentence2", "label")):
            value = _LABELS.get(row["label"].strip().lower())
            if value is None:
                raise EvalError(f"{path}, line {line}: label must be 0 or 1, got "
                                f"{row['label']!r}")
            first.append(row["sentence1"])
            second.append(row["sentence2"])
            labels.append(value)
        if not labels:
            raise EvalError(f"{path}: no sentence pairs after the header row")
        try:
            return cls(task_name(path, name), first, second, labels)
        except EvalError as exc:
            raise EvalError(f"{path}: {exc}") from None

    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        started = time.perf_counter()
        unique = list(dict.fromkeys(self.sentences1 + self.sentences2))
        index = {s: i for i, s in enumerate(unique)}
        vectors = encode(encoder, unique, options, model_name(encoder))
        a = vectors[[index[s] for s in self.sentences1]]
        b = vectors[[index[s] for s in self.sentences2]]
        scores = pair_classification_scores(a, b, self.labels)
        return finish(self, scores["max_ap"], scores, started, encoder,
                      {"n_pairs": len(self.labels)})
