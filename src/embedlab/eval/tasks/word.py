"""Word-level tasks: analogies and word-pair similarity, on word vectors."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

from embedlab.eval.base import EncodeOptions, EvalError, Task, TaskResult
from embedlab.eval.tasks._io import finish, model_name, task_name


def word_vectors(encoder: Any, task: Task) -> Any:
    """The :class:`~embedlab.static.WordVectors` behind ``encoder`` (or ``encoder`` itself)."""
    from embedlab.static import WordVectors

    if isinstance(encoder, WordVectors):
        return encoder
    wv = getattr(encoder, "wv", None)
    if isinstance(wv, WordVectors):
        return wv
    raise EvalError(f"task {task.name} ({task.type}) needs word vectors; model "
                    f"{model_name(encoder)} is a sentence encoder. Use a word-vector model "
                    "such as glove-6b-50d or a file written by `embedlab train`")


def _check_file(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.is_file():
        raise EvalError(f"{p}: no such task file")
    return p


class AnalogyTask(Task):
    """Word analogies ``a b c d`` (``a : b :: c : d``) in word2vec's ``questions-words``
    format (``: section`` headers).  The main score is 3CosAdd accuracy over the
    questions whose four words are known (``restrict_vocab`` most frequent words), as
    gensim's ``evaluate_word_analogies`` computes it; per-section accuracies and the
    out-of-vocabulary ratio are secondary.

    Example:
        >>> AnalogyTask("google", "questions-words.txt").evaluate(glove).main_score
        ... # doctest: +SKIP
        0.5
    """

    type = "analogy"
    main_metric = "accuracy"

    def __init__(self, name: str, path: str | os.PathLike[str],
                 restrict_vocab: int = 300000) -> None:
        super().__init__(name)
        self.path = _check_file(path)
        self.restrict_vocab = restrict_vocab

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], name: str | None = None) -> AnalogyTask:
        return cls(task_name(path, name), path)

    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        started = time.perf_counter()
        wv = word_vectors(encoder, self)
        try:
            result = wv.evaluate_analogies(self.path, restrict_vocab=self.restrict_vocab)
        except ValueError as exc:
            raise EvalError(str(exc)) from None
        score, sections = result[0], result[1]
        if result.questions == result.oov:
            raise EvalError(f"{self.path}: no analogy question has all four words in the "
                            f"vocabulary of model {model_name(encoder)}")
        scores: dict[str, Any] = {
            "accuracy": float(score), "oov_ratio": float(result.oov_ratio) / 100,
            "questions": int(result.questions),
            "sections": {s["section"]: (len(s["correct"]) / (len(s["correct"])
                                                              + len(s["incorrect"]))
                                        if s["correct"] or s["incorrect"] else 0.0)
                         for s in sections[:-1]}}
        return finish(self, float(score), scores, started, encoder)


class WordPairsTask(Task):
    """Word pairs with human similarity scores (``word1<TAB>word2<TAB>score``, ``#``
    comments), e.g. WordSim-353 or SimLex-999.  The main score is the Spearman
    correlation of the words' cosine similarity with the human scores (pairs with an
    unknown word left out), as gensim's ``evaluate_word_pairs``; Pearson and the
    out-of-vocabulary ratio are secondary.

    Example:
        >>> WordPairsTask("ws353", "wordsim353.tsv").evaluate(glove).main_score
        ... # doctest: +SKIP
        0.5
    """

    type = "word-pairs"
    main_metric = "spearman"

    def __init__(self, name: str, path: str | os.PathLike[str],
                 restrict_vocab: int = 300000) -> None:
        super().__init__(name)
        self.path = _check_file(path)
        self.restrict_vocab = restrict_vocab

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], name: str | None = None) -> WordPairsTask:
        return cls(task_name(path, name), path)

    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        started = time.perf_counter()
        wv = word_vectors(encoder, self)
        try:
            result = wv.evaluate_word_pairs(self.path, restrict_vocab=self.restrict_vocab)
        except ValueError as exc:
            raise EvalError(str(exc)) from None
        pearson, spearman, oov = result[0], result[1], result[2]
        spearman_value = float(spearman[0])
        scores = {"spearman": spearman_value, "pearson": float(pearson[0]),
                  "oov_ratio": float(oov) / 100}
        if math.isnan(spearman_value):
            raise EvalError(f"{self.path}: the correlation is undefined (fewer than two "
                            "known pairs, or constant scores)")
        return finish(self, spearman_value, scores, started, encoder)
