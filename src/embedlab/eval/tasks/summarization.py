"""Summarization: rank machine summaries by their best cosine to a human summary."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from embedlab.eval.base import EncodeOptions, EvalError, Task, TaskResult, encode
from embedlab.eval.metrics import cosine_matrix, pearson, spearman
from embedlab.eval.tasks._io import (
    check_lengths,
    field,
    finish,
    model_name,
    read_jsonl,
    str_list,
    task_name,
    to_float,
)


class SummarizationTask(Task):
    """For each text: human summaries, machine summaries and human scores of the latter.

    Each machine summary scores its maximum cosine (and dot product) to the text's human
    summaries; the Spearman and Pearson correlations with the human scores are averaged
    over texts, as MTEB's ``SummarizationEvaluator`` does (texts where the human or model
    scores are all equal are skipped).  The main score is ``cosine_spearman``.

    File format: JSON lines ``{"human_summaries": [...], "machine_summaries": [...],
    "relevance": [...]}``, one score per machine summary (SummEval's layout, as MTEB
    ships it; other fields are ignored).

    Example:
        >>> task = SummarizationTask("toy", [["cats purr"]], [["cats purr", "tax law"]],
        ...                          [[5.0, 1.0]])
        >>> task.evaluate(encoder).main_score  # doctest: +SKIP
        1.0
    """

    type = "summarization"
    main_metric = "cosine_spearman"

    def __init__(self, name: str, human_summaries: Sequence[Sequence[str]],
                 machine_summaries: Sequence[Sequence[str]],
                 relevance: Sequence[Sequence[float]]) -> None:
        super().__init__(name)
        check_lengths(name, human_summaries=human_summaries,
                      machine_summaries=machine_summaries, relevance=relevance)
        for i, (human, machine, rel) in enumerate(
                zip(human_summaries, machine_summaries, relevance, strict=True)):
            if not human:
                raise EvalError(f"task {name}: text {i + 1} has no human summary")
            if len(machine) != len(rel):
                raise EvalError(f"task {name}: text {i + 1} has {len(machine)} machine "
                                f"summaries but {len(rel)} relevance scores")
            if len(machine) < 2:
                raise EvalError(f"task {name}: text {i + 1} needs at least two machine "
                                "summaries to correlate")
        self.human = [list(h) for h in human_summaries]
        self.machine = [list(m) for m in machine_summaries]
        self.relevance = [[float(x) for x in r] for r in relevance]

    @classmethod
    def from_file(cls, path: str | os.PathLike[str],
                  name: str | None = None) -> SummarizationTask:
        human, machine, relevance = [], [], []
        for line, obj in read_jsonl(path):
            human.append(str_list(obj, "human_summaries", path, line))
            machine.append(str_list(obj, "machine_summaries", path, line))
            rel = field(obj, "relevance", list, path, line)
            relevance.append([to_float(str(x), "relevance score", path, line) for x in rel])
            if not human[-1]:
                raise EvalError(f"{path}, line {line}: 'human_summaries' is empty")
            if len(rel) != len(machine[-1]):
                raise EvalError(f"{path}, line {line}: {len(machine[-1])} machine summaries "
                                f"but {len(rel)} relevance scores; give one per summary")
        if not human:
            raise EvalError(f"{path}: no texts")
        try:
            return cls(task_name(path, name), human, machine, relevance)
        except EvalError as exc:
            raise EvalError(f"{path}: {exc}") from None

    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        started = time.perf_counter()
        flat = [s for h in self.human for s in h] + [s for m in self.machine for s in m]
        vectors = encode(encoder, flat, options, model_name(encoder))
        n_human = sum(len(h) for h in self.human)
        human_vecs = np.split(vectors[:n_human], np.cumsum([len(h) for h in self.human])[:-1])
        machine_vecs = np.split(vectors[n_human:],
                                np.cumsum([len(m) for m in self.machine])[:-1])
        per: dict[str, list[float]] = {k: [] for k in (
            "cosine_spearman", "cosine_pearson", "dot_spearman", "dot_pearson")}
        skipped = 0
        for hv, mv, gold in zip(human_vecs, machine_vecs, self.relevance, strict=True):
            cos = cosine_matrix(mv, hv).max(axis=1).astype(np.float64)
            dot = (mv.astype(np.float64) @ hv.astype(np.float64).T).max(axis=1)
            if len(set(gold)) == 1 or len(set(cos.tolist())) == 1 or len(set(dot.tolist())) == 1:
                skipped += 1
                continue
            per["cosine_spearman"].append(spearman(gold, cos))
            per["cosine_pearson"].append(pearson(gold, cos))
            per["dot_spearman"].append(spearman(gold, dot))
            per["dot_pearson"].append(pearson(gold, dot))
        if not per["cosine_spearman"]:
            raise EvalError(f"task {self.name}: every text was skipped: its human scores or "
                            f"the scores of model {model_name(encoder)} are all equal")
        scores: dict[str, Any] = {k: float(np.mean(v)) for k, v in per.items()}
        scores["skipped_texts"] = skipped
        return finish(self, scores["cosine_spearman"], scores, started, encoder,
                      {"n_texts": len(self.human)})
