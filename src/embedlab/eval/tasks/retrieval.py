"""Retrieval: exact cosine search of a corpus, scored against graded judgements."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.eval.base import EncodeOptions, EvalError, Task, TaskResult, encode
from embedlab.eval.metrics import RETRIEVAL_K, retrieval_scores
from embedlab.eval.tasks._io import field, finish, model_name, read_jsonl, read_tsv, to_float
from embedlab.similarity import normalize_rows


def top_k(scores: np.ndarray, doc_ids: list[str], k: int) -> dict[str, float]:
    """The ``k`` best documents of one query as ``{doc id: score}``, exact at ties.

    Documents tied with the k-th score are ordered by descending id (trec_eval's order).
    """
    k = min(k, len(scores))
    if k <= 0:
        return {}
    cut = np.partition(scores, len(scores) - k)[len(scores) - k]
    chosen = np.nonzero(scores >= cut)[0]
    ranked = sorted(chosen.tolist(), key=lambda i: (float(scores[i]), doc_ids[i]),
                    reverse=True)[:k]
    return {doc_ids[i]: float(scores[i]) for i in ranked}


class RetrievalTask(Task):
    """A corpus, queries and relevance judgements (``qrels``: grade > 0 is relevant).

    Every query with a relevant document is searched exactly by cosine similarity over
    the whole corpus (top 100 kept, ties by descending document id as trec_eval breaks
    them); the scores are nDCG@k (graded gain, log2 discount; the main score is
    ``ndcg_at_10``), MAP@k, MRR@k, recall@k and precision@k for k in 1, 3, 5, 10, 100,
    as MTEB computes them with pytrec_eval.

    File format: a BEIR folder: ``corpus.jsonl`` (``_id``, ``text``, optional ``title``,
    embedded as ``title + " " + text``), ``queries.jsonl`` (``_id``, ``text``) and
    ``qrels/test.tsv`` (header ``query-id``, ``corpus-id``, ``score``).

    Example:
        >>> task = RetrievalTask("toy", {"d1": "cats purr", "d2": "tax law"},
        ...                      {"q1": "pets"}, {"q1": {"d1": 1}})
        >>> task.evaluate(encoder).scores["recall_at_1"]  # doctest: +SKIP
        1.0
    """

    type = "retrieval"
    main_metric = "ndcg_at_10"

    def __init__(self, name: str, corpus: Mapping[str, str], queries: Mapping[str, str],
                 qrels: Mapping[str, Mapping[str, int]]) -> None:
        super().__init__(name)
        if not corpus:
            raise EvalError(f"task {name}: the corpus is empty")
        if not queries:
            raise EvalError(f"task {name}: there are no queries")
        for qid, rels in qrels.items():
            if qid not in queries:
                raise EvalError(f"task {name}: the judgements name query {qid!r}, which is "
                                "not among the queries")
            for doc in rels:
                if doc not in corpus:
                    raise EvalError(f"task {name}: the judgements of query {qid!r} name "
                                    f"document {doc!r}, which is not in the corpus")
        self.corpus = {str(k): v for k, v in corpus.items()}
        self.queries = {str(k): v for k, v in queries.items()}
        self.qrels = {str(q): {str(d): int(g) for d, g in rels.items()}
                      for q, rels in qrels.items()}
        self.judged = [q for q, rels in self.qrels.items() if any(g > 0 for g in rels.values())]
        if not self.judged:
            raise EvalError(f"task {name}: no query has a relevant document (grade > 0)")

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], name: str | None = None,
                  split: str = "test") -> RetrievalTask:
        folder = Path(path)
        if not folder.is_dir():
            raise EvalError(f"{folder}: a retrieval task is a BEIR folder holding "
                            "corpus.jsonl, queries.jsonl and qrels/<split>.tsv")
        corpus_file, queries_file = folder / "corpus.jsonl", folder / "queries.jsonl"
        qrels_file = folder / "qrels" / f"{split}.tsv"
        corpus: dict[str, str] = {}
        for line, obj in read_jsonl(corpus_file):
            doc = str(field(obj, "_id", (str, int), corpus_file, line))
            text = field(obj, "text", str, corpus_file, line)
            title = obj.get("title") or ""
            if doc in corpus:
                raise EvalError(f"{corpus_file}, line {line}: document id {doc!r} repeats")
            corpus[doc] = f"{title} {text}".strip() if title else text
        queries: dict[str, str] = {}
        for line, obj in read_jsonl(queries_file):
            qid = str(field(obj, "_id", (str, int), queries_file, line))
            if qid in queries:
                raise EvalError(f"{queries_file}, line {line}: query id {qid!r} repeats")
            queries[qid] = field(obj, "text", str, queries_file, line)
        qrels: dict[str, dict[str, int]] = {}
        for line, row in read_tsv(qrels_file, ("query-id", "corpus-id", "score")):
            qid, doc = row["query-id"].strip(), row["corpus-id"].strip()
            if qid not in queries:
                raise EvalError(f"{qrels_file}, line {line}: query {qid!r} is not in "
                                f"{queries_file.name}")
            if doc not in corpus:
                raise EvalError(f"{qrels_file}, line {line}: document {doc!r} is not in "
                                f"{corpus_file.name}")
            grade = to_float(row["score"], "score", qrels_file, line)
            qrels.setdefault(qid, {})[doc] = int(grade)
        if not corpus:
            raise EvalError(f"{corpus_file}: no documents")
        if not queries:
            raise EvalError(f"{queries_file}: no queries")
        if not qrels:
            raise EvalError(f"{qrels_file}: no judgements after the header row")
        try:
            return cls(name or folder.name, corpus, queries, qrels)
        except EvalError as exc:
            raise EvalError(f"{folder}: {exc}") from None

    def search(self, vectors_queries: np.ndarray, vectors_corpus: np.ndarray,
               k: int = max(RETRIEVAL_K)) -> dict[str, dict[str, float]]:
        """``{query id: {doc id: cosine}}`` of the top ``k`` documents of each judged query."""
        doc_ids = list(self.corpus)
        unit_corpus = normalize_rows(vectors_corpus)
        run: dict[str, dict[str, float]] = {}
        for start in range(0, len(self.judged), 256):
            block = self.judged[start:start + 256]
            queries = vectors_queries[start:start + 256]
            sims = normalize_rows(queries) @ unit_corpus.T
            for qid, row in zip(block, sims, strict=True):
                run[qid] = top_k(row, doc_ids, k)
        return run

    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        started = time.perf_counter()
        texts = list(self.corpus.values()) + [self.queries[q] for q in self.judged]
        vectors = encode(encoder, texts, options, model_name(encoder))
        n = len(self.corpus)
        run = self.search(vectors[n:], vectors[:n])
        scores = retrieval_scores(run, {q: self.qrels[q] for q in self.judged})
        return finish(self, scores["ndcg_at_10"], scores, started, encoder,
                      {"n_queries": len(self.judged), "n_documents": n})
