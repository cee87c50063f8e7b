"""The built-in evaluation tasks: public data sets of the shared data folder, by name.

``load_task("stsb")`` builds a :class:`~embedlab.eval.base.Task` from the files under
``$EMBEDLAB_DATA`` (else ``../shared/data``); ``list_tasks()`` says what each is.
``limit=N`` keeps at most N evaluation items (pairs, queries, test texts) for quick runs
and CI; the word-level tasks and Lee's 50 documents are always whole.  Splits made here
(SpamAssassin, Brown) use a fixed seed, so the data never depends on the evaluation seed.

Example:
    >>> [t.name for t in list_tasks()][:3]
    ['stsb', 'sickr', 'msrp']
    >>> load_task("stsb").evaluate(encoder).main_score  # doctest: +SKIP
    0.8203
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embedlab import paths
from embedlab.eval.base import EvalError, Task
from embedlab.eval.bm25 import bm25_top_k
from embedlab.eval.tasks import (
    AnalogyTask,
    BitextMiningTask,
    ClassificationTask,
    ClusteringTask,
    DocSimilarityTask,
    PairClassificationTask,
    RerankingTask,
    RetrievalTask,
    STSTask,
    WordPairsTask,
)
from embedlab.eval.tasks._io import read_tsv, to_float

#: Seed of the train/test splits made here (fixed: the data must not move with --seed).
SPLIT_SEED = 0
#: Test texts kept for SpamAssassin and Brown (MTEB caps its classification test sets alike).
TEST_SIZE = 2048
TATOEBA_LANGUAGES = ("deu", "fra", "spa", "ita", "nld", "por")
SICK_FILES = ("SICK_train.txt", "SICK_trial.txt", "SICK_test_annotated.txt")
Loader = Callable[[Path, "int | None"], Task]


@dataclass(frozen=True)
class BuiltinTask:
    """A built-in task: its name, type, a one-line description and its loader."""

    name: str
    type: str
    description: str
    loader: Loader


_REGISTRY: dict[str, BuiltinTask] = {}


def _register(name: str, type_: str, description: str) -> Callable[[Loader], Loader]:
    def add(loader: Loader) -> Loader:
        _REGISTRY[name] = BuiltinTask(name, type_, description, loader)
        return loader
    return add


def list_tasks() -> list[BuiltinTask]:
    """Every built-in task, in suite order."""
    return list(_REGISTRY.values())


#: MTEB's names of the built-in tasks (matched case-insensitively), for people coming
#: from MTEB; Tatoeba takes its language pair as MTEB names the subset:
#: ``TatoebaBitextMining:deu-eng`` (or ``Tatoeba:deu-eng``, or ``/`` for ``:``).
MTEB_ALIASES = {"stsbenchmark": "stsb", "sick-r": "sickr"}
_TATOEBA = re.compile(r"(?:tatoebabitextmining|tatoeba)[:/]([a-z]{3})-eng", re.IGNORECASE)


def resolve_name(name: str) -> str | None:
    """The built-in task's own name for ``name`` (itself, or an MTEB alias), else None.

    >>> resolve_name("STSBenchmark"), resolve_name("TatoebaBitextMining:deu-eng")
    ('stsb', 'tatoeba-deu')
    """
    if name in _REGISTRY:
        return name
    alias = MTEB_ALIASES.get(name.lower())
    if alias is None and (m := _TATOEBA.fullmatch(name)):
        alias = f"tatoeba-{m.group(1).lower()}"
    return alias if alias in _REGISTRY else None


def is_builtin(name: str) -> bool:
    return resolve_name(name) is not None


def data_root(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder, or an error saying how to point at it."""
    root = Path(data_dir) if data_dir is not None else paths.data_dir()
    if not root.is_dir():
        raise EvalError(f"evaluation data folder not found: {root}; set EMBEDLAB_DATA to the "
                        "folder holding sts/, pairs/, retrieval/, ... (see its README.md)")
    return root


def load_task(name: str, data_dir: str | os.PathLike[str] | None = None,
              limit: int | None = None) -> Task:
    """The built-in task ``name`` (or its MTEB name, see :data:`MTEB_ALIASES`) over
    ``data_dir`` (default: the shared data folder)."""
    own = resolve_name(name)
    if own is None:
        raise EvalError(f"unknown built-in task {name!r}; choose from "
                        f"{', '.join(_REGISTRY)} (MTEB's names STSBenchmark, SICK-R and "
                        "TatoebaBitextMining:LANG-eng work too), or give a file as TYPE:PATH")
    name = own
    if limit is not None and limit < 1:
        raise EvalError(f"limit must be a positive number of items, got {limit}")
    return _REGISTRY[name].loader(data_root(data_dir), limit)


def _need(path: Path) -> Path:
    if not path.exists():
        raise EvalError(f"{path}: missing from the evaluation data folder (see its README.md)")
    return path


def _cut(items: list[Any], limit: int | None) -> list[Any]:
    return items if limit is None else items[:limit]


# ---------------------------------------------------------------------------- STS


@_register("stsb", "sts", "STS Benchmark test split: 1,379 sentence pairs, gold 0-5")
def _stsb(root: Path, limit: int | None) -> Task:
    path = _need(root / "sts" / "stsbenchmark" / "sts-test.csv")
    first, second, gold = [], [], []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split("\t")
        if len(fields) < 7:
            raise EvalError(f"{path}, line {line_no}: {len(fields)} tab-separated fields; "
                            "expected genre, file, year, id, score, sentence1, sentence2")
        gold.append(to_float(fields[4], "score", path, line_no))
        first.append(fields[5])
        second.append(fields[6])
    return STSTask("stsb", _cut(first, limit), _cut(second, limit), _cut(gold, limit))


@_register("sickr", "sts", "SICK-R: 9,927 pairs of train + trial + test (as MTEB scores it)")
def _sickr(root: Path, limit: int | None) -> Task:
    first, second, gold = [], [], []
    for name in SICK_FILES:
        path = _need(root / "sts" / "sick2014" / name)
        for line, row in read_tsv(path, ("sentence_A", "sentence_B", "relatedness_score")):
            first.append(row["sentence_A"])
            second.append(row["sentence_B"])
            gold.append(to_float(row["relatedness_score"], "relatedness_score", path, line))
    return STSTask("sickr", _cut(first, limit), _cut(second, limit), _cut(gold, limit))


# ---------------------------------------------------------------------------- pairs


@_register("msrp", "pair-classification", "MSR paraphrase corpus test split: 1,725 pairs")
def _msrp(root: Path, limit: int | None) -> Task:
    path = _need(root / "pairs" / "msrp" / "msr-para-test.tsv")
    first, second, labels = [], [], []
    for line, row in read_tsv(path, ("Quality", "#1 String", "#2 String")):
        label = row["Quality"].strip()
        if label not in ("0", "1"):
            raise EvalError(f"{path}, line {line}: label {label!r} is not 0 or 1")
        first.append(row["#1 String"])
        second.append(row["#2 String"])
        labels.append(int(label))
    return PairClassificationTask("msrp", _cut(first, limit), _cut(second, limit),
                                  _cut(labels, limit))


# ---------------------------------------------------------------------------- Cranfield


def read_smart(path: Path) -> list[dict[str, str]]:
    """Records of a SMART-format file (``.I`` label, then ``.T .A .B .W`` text fields)."""
    records: list[dict[str, str]] = []
    key = None
    text = _need(path).read_text(encoding="utf-8", errors="replace")
    for line_no, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^\.([ITABW])\b\s*(.*)$", line)
        if m:
            key = m.group(1)
            if key == "I":
                records.append({"I": m.group(2).strip()})
            elif not records:
                raise EvalError(f"{path}, line {line_no}: field .{key} before any .I record")
            else:
                records[-1].setdefault(key, "")
        elif key and key != "I":
            records[-1][key] = (records[-1][key] + " " + line.strip()).strip()
    return records


def _cranfield(root: Path, limit: int | None) -> tuple[dict[str, str], dict[str, str],
                                                       dict[str, dict[str, int]]]:
    """Corpus (title + abstract), queries (ids 1-225: their position in ``cran.qry``) and
    judgements, gain 5 - grade (grade 1 most relevant -> 4) and 1 for -1 (judged, no grade)."""
    folder = root / "retrieval" / "cranfield"
    corpus = {r["I"]: f"{r.get('T', '')} {r.get('W', '')}".strip()
              for r in read_smart(folder / "cran.all.1400")}
    queries = {str(i): r.get("W", "")
               for i, r in enumerate(read_smart(folder / "cran.qry"), 1)}
    qrels: dict[str, dict[str, int]] = {}
    qrel_path = _need(folder / "cranqrel")
    for line_no, line in enumerate(qrel_path.read_text().splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            qid, doc, grade = parts[0], str(int(parts[1])), int(parts[2])
        except (IndexError, ValueError):
            raise EvalError(f"{qrel_path}, line {line_no}: expected 'query doc grade'") from None
        gain = 5 - grade if 1 <= grade <= 4 else 1
        rels = qrels.setdefault(str(int(qid)), {})
        rels[doc] = max(rels.get(doc, 0), gain)
    if limit is not None:
        keep = list(queries)[:limit]
        queries = {q: queries[q] for q in keep}
        qrels = {q: r for q, r in qrels.items() if q in queries}
        # A smaller corpus too: every judged document plus the first 5 x limit others.
        wanted = {d for rels in qrels.values() for d in rels}
        wanted.update(list(corpus)[:5 * limit])
        corpus = {d: t for d, t in corpus.items() if d in wanted}
    return corpus, queries, qrels


@_register("cranfield", "retrieval",
           "Cranfield: 1,400 aeronautics abstracts, 225 queries, graded judgements")
def _cranfield_retrieval(root: Path, limit: int | None) -> Task:
    return RetrievalTask("cranfield", *_cranfield(root, limit))


@_register("cranfield-rerank", "reranking",
           "Cranfield: rerank each query's top-100 BM25 candidates (queries with a relevant "
           "candidate)")
def _cranfield_rerank(root: Path, limit: int | None) -> Task:
    corpus, queries, qrels = _cranfield(root, limit)
    candidates = bm25_top_k(corpus, queries, k=100)
    texts, positives, negatives = [], [], []
    for qid, docs in candidates.items():
        rels = qrels.get(qid, {})
        pos = [corpus[d] for d in docs if rels.get(d, 0) > 0]
        neg = [corpus[d] for d in docs if rels.get(d, 0) <= 0]
        if pos and neg:
            texts.append(queries[qid])
            positives.append(pos)
            negatives.append(neg)
    return RerankingTask("cranfield-rerank", texts, positives, negatives)


# ---------------------------------------------------------------------------- Tatoeba


def _tatoeba_loader(lang: str) -> Loader:
    def load(root: Path, limit: int | None) -> Task:
        folder = root / "bitext" / "tatoeba"
        src_path = _need(folder / f"tatoeba.{lang}-eng.{lang}")
        eng_path = _need(folder / f"tatoeba.{lang}-eng.eng")
        sources = src_path.read_text(encoding="utf-8").splitlines()
        targets = eng_path.read_text(encoding="utf-8").splitlines()
        if len(sources) != len(targets):
            raise EvalError(f"{src_path}: {len(sources)} lines, but {eng_path} has "
                            f"{len(targets)}; the files must be line-aligned")
        return BitextMiningTask(f"tatoeba-{lang}", _cut(sources, limit), _cut(targets, limit))
    return load


for _lang in TATOEBA_LANGUAGES:
    _register(f"tatoeba-{_lang}", "bitext-mining",
              f"Tatoeba {_lang}-eng: find the English translation of 1,000 sentences"
              )(_tatoeba_loader(_lang))


# ---------------------------------------------------------------------------- classification


def _jsonl_gz(path: Path) -> list[dict[str, Any]]:
    rows = []
    with gzip.open(_need(path), "rt", encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise EvalError(f"{path}, line {line_no}: not valid JSON ({exc.msg})") from None
    return rows


@_register("spamassassin", "classification",
           "SpamAssassin e-mails (5,904 distinct), spam or ham: 2,048 test texts, the "
           "rest to train")
def _spamassassin(root: Path, limit: int | None) -> Task:
    rows = _jsonl_gz(root / "classification" / "spamassassin.jsonl.gz")
    # 142 e-mails repeat (same text in two folders): keep one, so none is in both splits.
    rows = list({r["text"]: r for r in reversed(rows)}.values())[::-1]
    order = np.random.RandomState(SPLIT_SEED).permutation(len(rows)).tolist()
    test, train = order[:TEST_SIZE], order[TEST_SIZE:]
    test, train = _cut(test, limit), _cut(train, None if limit is None else 4 * limit)
    return ClassificationTask("spamassassin",
                              [rows[i]["text"] for i in train], [rows[i]["label"] for i in train],
                              [rows[i]["text"] for i in test], [rows[i]["label"] for i in test])


def _brown_split(root: Path, limit: int | None) -> tuple[list[tuple[str, str]],
                                                         list[tuple[str, str]]]:
    """(train, test) paragraphs of ten words or more as ``(text, genre)``: a quarter of each
    genre's documents (seeded) give the test paragraphs, at most 2,048 of them sampled."""
    docs = _jsonl_gz(root / "classification" / "brown.jsonl.gz")
    rng = np.random.RandomState(SPLIT_SEED)
    by_genre: dict[str, list[dict[str, Any]]] = {}
    for doc in sorted(docs, key=lambda d: str(d["id"])):
        by_genre.setdefault(doc["genre"], []).append(doc)
    train: list[tuple[str, str]] = []
    test: list[tuple[str, str]] = []
    for genre in sorted(by_genre):
        group = by_genre[genre]
        order = rng.permutation(len(group)).tolist()
        n_test = max(1, len(group) // 4)
        for rank, i in enumerate(order):
            paragraphs = [(p, genre) for p in group[i]["paragraphs"] if len(p.split()) >= 10]
            (test if rank < n_test else train).extend(paragraphs)
    # Shuffled, so that a limit keeps every genre in proportion.
    picked = rng.choice(len(test), size=min(TEST_SIZE, len(test)), replace=False).tolist()
    train = [train[i] for i in rng.permutation(len(train)).tolist()]
    test = _cut([test[i] for i in picked], limit)
    return _cut(train, None if limit is None else 4 * limit), test


@_register("brown-classification", "classification",
           "Brown corpus paragraphs by genre (15): train and test from different documents")
def _brown_classification(root: Path, limit: int | None) -> Task:
    train, test = _brown_split(root, limit)
    return ClassificationTask("brown-classification", [t for t, _ in train],
                              [g for _, g in train], [t for t, _ in test], [g for _, g in test])


@_register("brown-clustering", "clustering",
           "Brown corpus: cluster 2,048 paragraphs into their 15 genres")
def _brown_clustering(root: Path, limit: int | None) -> Task:
    _, test = _brown_split(root, limit)
    return ClusteringTask("brown-clustering", [t for t, _ in test], [g for _, g in test])


# ---------------------------------------------------------------------------- word level


@_register("questions-words", "analogy",
           "word2vec analogies: 19,544 questions in 14 sections, answers among the 30,000 "
           "most frequent words (word vectors only)")
def _questions_words(root: Path, limit: int | None) -> Task:
    # 30,000: the vocabulary cut of word2vec's own compute-accuracy tool; searching all
    # 300,000 words of a large model takes minutes on two cores.
    return AnalogyTask("questions-words", _need(root / "word" / "questions-words.txt"),
                       restrict_vocab=30000)


@_register("wordsim353", "word-pairs", "WordSim-353 word-pair similarity (word vectors only)")
def _wordsim(root: Path, limit: int | None) -> Task:
    return WordPairsTask("wordsim353", _need(root / "word" / "wordsim353.tsv"))


@_register("simlex999", "word-pairs", "SimLex-999 word-pair similarity (word vectors only)")
def _simlex(root: Path, limit: int | None) -> Task:
    return WordPairsTask("simlex999", _need(root / "word" / "simlex999.txt"))


@_register("lee", "docsim", "Lee corpus: 50 news documents against a human similarity matrix")
def _lee(root: Path, limit: int | None) -> Task:
    return DocSimilarityTask.from_file(_need(root / "docsim"), name="lee")
