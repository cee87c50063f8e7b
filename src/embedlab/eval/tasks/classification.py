"""Classification: logistic regression on embeddings of an undersampled training set."""

from __future__ import annotations

import os
import time
import warnings
from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from embedlab.eval.base import EncodeOptions, EvalError, Task, TaskResult, encode
from embedlab.eval.metrics import accuracy, f1_macro, mean_std, precision_recall_f1
from embedlab.eval.tasks._io import check_lengths, field, finish, model_name, read_jsonl, task_name


def undersample(labels: Sequence[Hashable], samples_per_label: int, n_experiments: int,
                seed: int) -> list[list[int]]:
    """Training indices of each experiment, drawn as MTEB draws them.

    One index array is reshuffled per experiment by ``RandomState(seed)`` and the first
    ``samples_per_label`` items of each label are kept.
    """
    rng = np.random.RandomState(seed)
    idxs = np.arange(len(labels))
    runs = []
    for _ in range(n_experiments):
        rng.shuffle(idxs)
        counts: dict[Hashable, int] = defaultdict(int)
        chosen = []
        for i in idxs.tolist():
            if counts[labels[i]] < samples_per_label:
                chosen.append(int(i))
                counts[labels[i]] += 1
        runs.append(chosen)
    return runs


class ClassificationTask(Task):
    """Texts with labels, split into train and test.

    Each of ``n_experiments`` experiments trains scikit-learn's ``LogisticRegression``
    (``max_iter=100``, ``random_state=seed``) on ``samples_per_label`` training texts per
    label and predicts the test texts, as MTEB's logReg classification evaluator does.
    The main score is the mean accuracy; ``f1`` (macro), ``f1_weighted`` and the
    standard deviations over experiments are secondary.

    File format: JSON lines ``{"text": ..., "label": ..., "split": "train" | "test"}``
    (labels are strings or integers).

    Example:
        >>> task = ClassificationTask("toy", ["good", "bad"], ["pos", "neg"],
        ...                           ["great", "awful"], ["pos", "neg"])
        >>> task.evaluate(encoder).scores["f1"]  # doctest: +SKIP
        1.0
    """

    type = "classification"
    main_metric = "accuracy"

    def __init__(self, name: str, train_texts: Sequence[str], train_labels: Sequence[Hashable],
                 test_texts: Sequence[str], test_labels: Sequence[Hashable],
                 n_experiments: int = 10, samples_per_label: int = 8) -> None:
        super().__init__(name)
        try:
            check_lengths(name, train_texts=train_texts, train_labels=train_labels)
        except EvalError as exc:
            raise EvalError(f"{exc} in the train split") from None
        try:
            check_lengths(name, test_texts=test_texts, test_labels=test_labels)
        except EvalError as exc:
            raise EvalError(f"{exc} in the test split") from None
        if n_experiments < 1 or samples_per_label < 1:
            raise EvalError(f"task {name}: n_experiments and samples_per_label must be at "
                            f"least 1, got {n_experiments} and {samples_per_label}")
        classes = set(train_labels)
        if len(classes) < 2:
            raise EvalError(f"task {name}: the train split has a single label "
                            f"({next(iter(classes))!r}); a classifier needs at least two")
        self.train_texts, self.train_labels = list(train_texts), list(train_labels)
        self.test_texts, self.test_labels = list(test_texts), list(test_labels)
        self.n_experiments = n_experiments
        self.samples_per_label = samples_per_label

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], name: str | None = None,
                  **kwargs: Any) -> ClassificationTask:
        split: dict[str, tuple[list[str], list[Hashable]]] = {"train": ([], []),
                                                             "test": ([], [])}
        for line, obj in read_jsonl(path):
            text = field(obj, "text", str, path, line)
            label = field(obj, "label", (str, int), path, line)
            which = field(obj, "split", str, path, line)
            if which not in split:
                raise EvalError(f"{path}, line {line}: split must be 'train' or 'test', "
                                f"got {which!r}")
            split[which][0].append(text)
            split[which][1].append(label)
        for which, (texts, _) in split.items():
            if not texts:
                raise EvalError(f"{path}: the {which} split is empty; mark lines with "
                                f"\"split\": \"{which}\"")
        try:
            return cls(task_name(path, name), *split["train"], *split["test"], **kwargs)
        except EvalError as exc:
            raise EvalError(f"{path}: {exc}") from None

    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        started = time.perf_counter()
        runs = undersample(self.train_labels, self.samples_per_label, self.n_experiments, seed)
        used = sorted({i for run in runs for i in run})
        row = {i: r for r, i in enumerate(used)}
        vectors = encode(encoder, [self.train_texts[i] for i in used] + self.test_texts,
                         options, model_name(encoder))
        x_test = vectors[len(used):]
        experiments = []
        for run in runs:
            clf = LogisticRegression(max_iter=100, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(vectors[[row[i] for i in run]], [self.train_labels[i] for i in run])
            predicted = clf.predict(x_test).tolist()
            experiments.append({
                "accuracy": accuracy(self.test_labels, predicted),
                "f1": f1_macro(self.test_labels, predicted),
                "f1_weighted": precision_recall_f1(self.test_labels, predicted, "weighted")[2]})
        acc, acc_std = mean_std([e["accuracy"] for e in experiments])
        f1, f1_std = mean_std([e["f1"] for e in experiments])
        scores = {"accuracy": acc, "accuracy_std": acc_std, "f1": f1, "f1_std": f1_std,
                  "f1_weighted": mean_std([e["f1_weighted"] for e in experiments])[0],
                  "experiments": experiments}
        return finish(self, acc, scores, started, encoder,
                      {"n_train": len(self.train_texts), "n_test": len(self.test_texts)})
