"""Bitext mining: find each sentence's translation among all target sentences."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from embedlab.eval.base import EncodeOptions, EvalError, Task, TaskResult, encode
from embedlab.eval.metrics import accuracy, cosine_matrix, precision_recall_f1
from embedlab.eval.tasks._io import check_lengths, finish, model_name, read_tsv, task_name


class BitextMiningTask(Task):
    """Aligned sentences: ``targets[i]`` translates ``sources[i]``.

    Each source is matched to its nearest target by cosine similarity (ties: the first
    target); precision, recall and F1 are scikit-learn's ``average="weighted"`` over the
    predicted target indices, as MTEB's ``BitextMiningEvaluator`` computes them.  The
    main score is ``f1``; ``accuracy`` is the share matched correctly.

    File format: tab-separated with a header row naming ``source`` and ``target``.

    Example:
        >>> task = BitextMiningTask("toy", ["chat", "voiture"], ["cat", "car"])
        >>> task.evaluate(encoder).main_score  # doctest: +SKIP
        1.0
    """

    type = "bitext-mining"
    main_metric = "f1"

    def __init__(self, name: str, sources: Sequence[str], targets: Sequence[str]) -> None:
        super().__init__(name)
        check_lengths(name, sources=sources, targets=targets)
        self.sources, self.targets = list(sources), list(targets)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str],
                  name: str | None = None) -> BitextMiningTask:
        sources, targets = [], []
        for _, row in read_tsv(path, ("source", "target")):
            sources.append(row["source"])
            targets.append(row["target"])
        if not sources:
            raise EvalError(f"{path}: no sentence pairs after the header row")
        return cls(task_name(path, name), sources, targets)

    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        started = time.perf_counter()
        n = len(self.sources)
        vectors = encode(encoder, self.sources + self.targets, options, model_name(encoder))
        sources, targets = vectors[:n], vectors[n:]
        predicted: list[int] = []
        for start in range(0, n, 1024):
            sims = cosine_matrix(sources[start:start + 1024], targets)
            predicted.extend(np.argmax(sims, axis=1).tolist())
        gold = list(range(n))
        precision, recall, f1 = precision_recall_f1(gold, predicted, "weighted")
        scores = {"f1": f1, "precision": precision, "recall": recall,
                  "accuracy": accuracy(gold, predicted)}
        return finish(self, f1, scores, started, encoder, {"n_pairs": n})
