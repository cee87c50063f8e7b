"""Clustering: mini-batch k-means with k = the number of labels, scored by V-measure."""

from __future__ import annotations

import os
import time
from collections.abc import Hashable, Sequence
from typing import Any

from embedlab.eval.base import EncodeOptions, EvalError, Task, TaskResult, encode
from embedlab.eval.metrics import mean_std, v_measure
from embedlab.eval.tasks._io import check_lengths, field, finish, model_name, read_jsonl, task_name


class ClusteringTask(Task):
    """Texts with labels, optionally grouped into several sets clustered separately.

    Each set is clustered by scikit-learn's ``MiniBatchKMeans`` (``n_clusters`` = the
    set's number of labels, ``batch_size=500``, ``n_init="auto"``, ``random_state=seed``)
    as MTEB's clustering evaluator does; the main score is the mean V-measure over the
    sets, ``v_measure_std`` their spread.

    File format: JSON lines ``{"text": ..., "label": ...}``, with an optional ``"set"``
    naming the clustering set a text belongs to.

    Example:
        >>> task = ClusteringTask("toy", ["cat", "dog", "car", "bus"], [0, 0, 1, 1])
        >>> task.evaluate(encoder).main_score  # doctest: +SKIP
        1.0
    """

    type = "clustering"
    main_metric = "v_measure"

    def __init__(self, name: str, texts: Sequence[str], labels: Sequence[Hashable],
                 sets: Sequence[Hashable] | None = None) -> None:
        super().__init__(name)
        check_lengths(name, texts=texts, labels=labels)
        if sets is not None:
            check_lengths(name, texts=texts, sets=sets)
        self.texts, self.labels = list(texts), list(labels)
        self.sets: dict[Hashable, list[int]] = {}
        for i, s in enumerate(sets if sets is not None else [None] * len(texts)):
            self.sets.setdefault(s, []).append(i)
        for s, rows in self.sets.items():
            if len({self.labels[i] for i in rows}) < 2:
                where = f"set {s!r}" if sets is not None else "the task"
                raise EvalError(f"task {name}: {where} has a single label; clustering "
                                "needs at least two labels")

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], name: str | None = None) -> ClusteringTask:
        texts, labels, sets = [], [], []
        for line, obj in read_jsonl(path):
            texts.append(field(obj, "text", str, path, line))
            labels.append(field(obj, "label", (str, int), path, line))
            sets.append(obj.get("set"))
        if not texts:
            raise EvalError(f"{path}: no texts; expected lines {{\"text\": ..., \"label\": ...}}")
        try:
            return cls(task_name(path, name), texts, labels,
                       sets if any(s is not None for s in sets) else None)
        except EvalError as exc:
            raise EvalError(f"{path}: {exc}") from None

    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        from sklearn.cluster import MiniBatchKMeans

        started = time.perf_counter()
        vectors = encode(encoder, self.texts, options, model_name(encoder))
        measures = []
        for rows in self.sets.values():
            labels = [self.labels[i] for i in rows]
            model = MiniBatchKMeans(n_clusters=len(set(labels)), batch_size=500,
                                    n_init="auto", random_state=seed)
            assigned = model.fit_predict(vectors[rows])
            measures.append(v_measure(labels, assigned.tolist()))
        mean, std = mean_std(measures)
        scores = {"v_measure": mean, "v_measure_std": std, "v_measures": measures}
        return finish(self, mean, scores, started, encoder, {"n_texts": len(self.texts)})
