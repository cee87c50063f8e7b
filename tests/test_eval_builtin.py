"""The built-in tasks over the shared data: sizes as the data README states them, splits,
Cranfield judgements and BM25 candidates (checked against BM25 computed here by hand)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from embedlab.eval.base import TASK_TYPES, EvalError
from embedlab.eval.bm25 import bm25_top_k
from embedlab.eval.builtin import list_tasks, load_task

NAMES = ["stsb", "sickr", "msrp", "cranfield", "cranfield-rerank", "tatoeba-deu",
         "tatoeba-fra", "tatoeba-spa", "tatoeba-ita", "tatoeba-nld", "tatoeba-por",
         "spamassassin", "brown-classification", "brown-clustering", "questions-words",
         "wordsim353", "simlex999", "lee"]


def test_list_tasks_names_and_types():
    tasks = list_tasks()
    assert [t.name for t in tasks] == NAMES
    assert all(t.type in TASK_TYPES and t.description for t in tasks)


def test_unknown_name_and_missing_folder(tmp_path):
    with pytest.raises(EvalError, match=r"unknown built-in task 'stsx'; choose from stsb, "):
        load_task("stsx")
    with pytest.raises(EvalError, match="set EMBEDLAB_DATA"):
        load_task("stsb", data_dir=tmp_path / "nowhere")
    with pytest.raises(EvalError, match=r"sts-test\.csv: missing from the evaluation data"):
        load_task("stsb", data_dir=tmp_path)
    with pytest.raises(EvalError, match="limit must be a positive"):
        load_task("stsb", data_dir=tmp_path, limit=0)


def test_sts_and_pair_sizes(data_dir):
    stsb = load_task("stsb", data_dir)
    assert len(stsb.scores) == 1379 and min(stsb.scores) == 0 and max(stsb.scores) == 5
    assert len(load_task("sickr", data_dir).scores) == 9927  # train + trial + test
    msrp = load_task("msrp", data_dir)
    assert len(msrp.labels) == 1725 and set(msrp.labels) == {0, 1}
    assert len(load_task("stsb", data_dir, limit=10).sentences1) == 10


def test_stsb_rows_match_the_file(data_dir):
    line = (Path(data_dir) / "sts" / "stsbenchmark" / "sts-test.csv").read_text(
        encoding="utf-8").splitlines()[0].split("\t")
    task = load_task("stsb", data_dir, limit=2)
    assert (task.sentences1[0], task.sentences2[0], task.scores[0]) == (
        line[5], line[6], float(line[4]))


def test_cranfield_judgements(data_dir):
    task = load_task("cranfield", data_dir)
    assert len(task.corpus) == 1400 and len(task.queries) == 225
    lines = [ln.split() for ln in (Path(data_dir) / "retrieval" / "cranfield" / "cranqrel")
             .read_text().splitlines() if ln.strip()]
    assert sum(len(r) for r in task.qrels.values()) == len({(a, int(b)) for a, b, _ in lines})
    # First line "1 184 2": grade 2 -> gain 3; grade -1 (judged, no grade) -> gain 1.
    assert task.qrels["1"]["184"] == 3
    q, d, _ = next(r for r in lines if r[2] == "-1")
    assert task.qrels[q][str(int(d))] == 1
    assert task.queries["1"].startswith("what similarity laws must be obeyed")
    assert task.corpus["1"].startswith("experimental investigation of the aerodynamics")
    small = load_task("cranfield", data_dir, limit=5)
    assert list(small.queries) == ["1", "2", "3", "4", "5"] and len(small.corpus) < 100
    assert all(d in small.corpus for rels in small.qrels.values() for d in rels)


def test_cranfield_rerank_candidates(data_dir):
    task = load_task("cranfield-rerank", data_dir)
    retrieval = load_task("cranfield", data_dir)
    assert 200 <= len(task.queries) <= 225
    relevant = {t for q, rels in retrieval.qrels.items() for d in rels
                for t in [retrieval.corpus[d]]}
    for pos, neg in zip(task.positives, task.negatives, strict=True):
        assert pos and neg and len(pos) + len(neg) <= 100
        assert set(pos) <= relevant


def test_bitext_and_docsim_sizes(data_dir):
    for lang in ("deu", "fra", "spa", "ita", "nld", "por"):
        task = load_task(f"tatoeba-{lang}", data_dir)
        assert len(task.sources) == len(task.targets) == 1000
    assert load_task("tatoeba-fra", data_dir).sources[0] != load_task(
        "tatoeba-fra", data_dir).targets[0]
    assert len(load_task("lee", data_dir).documents) == 50


def test_spamassassin_split(data_dir):
    task = load_task("spamassassin", data_dir)
    # 6,046 e-mails, 142 of them repeats of another's text.
    assert len(task.test_texts) == 2048 and len(task.train_texts) == 6046 - 142 - 2048
    assert set(task.test_labels) == set(task.train_labels) == {"spam", "ham"}
    assert not set(task.test_texts) & set(task.train_texts)
    again = load_task("spamassassin", data_dir)
    assert again.test_texts == task.test_texts  # fixed split


def test_brown_split_by_document(data_dir):
    task = load_task("brown-classification", data_dir)
    assert len(task.test_texts) == 2048
    assert len(set(task.test_labels)) == len(set(task.train_labels)) == 15
    assert all(len(t.split()) >= 10 for t in task.test_texts)
    assert not set(task.test_texts) & set(task.train_texts)
    clustering = load_task("brown-clustering", data_dir)
    assert clustering.texts == task.test_texts  # the same paragraphs: one encoding
    small = load_task("brown-classification", data_dir, limit=60)
    assert len(small.test_texts) == 60 and len(set(small.test_labels)) >= 8


def test_word_tasks_point_at_the_files(data_dir):
    assert load_task("questions-words", data_dir).path.name == "questions-words.txt"
    assert load_task("simlex999", data_dir).path.name == "simlex999.txt"


def _bm25_by_hand(corpus, query, k1=1.2, b=0.75):
    """Okapi BM25 as SQLite documents FTS5's bm25(): idf = ln((N - n + 0.5) / (n + 0.5)),
    floored at 1e-6."""
    docs = {d: re.findall(r"\w+", t.lower()) for d, t in corpus.items()}
    avgdl = sum(map(len, docs.values())) / len(docs)
    scores = {}
    for d, words in docs.items():
        score = 0.0
        for term in set(re.findall(r"\w+", query.lower())):
            n = sum(term in w for w in docs.values())
            f = words.count(term)
            if not f:
                continue
            idf = max(math.log((len(docs) - n + 0.5) / (n + 0.5)), 1e-6)
            score += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(words) / avgdl))
        if score:
            scores[d] = score
    return sorted(scores, key=lambda d: -scores[d])


def test_bm25_matches_the_formula():
    corpus = {"a": "wing wing slipstream flow", "b": "wing", "c": "heat transfer in a wing",
              "d": "boundary layer flow heat", "e": "supersonic flow over a flat plate",
              "f": "slipstream effects on the boundary layer of a wing at high speed",
              "g": "shock waves", "h": "laminar flow", "i": "flutter", "j": "buckling"}
    for query in ("wing slipstream", "heat flow", "boundary layer wing", "flat plate shock"):
        assert bm25_top_k(corpus, {"q": query}, k=10)["q"] == _bm25_by_hand(corpus, query), query
    assert bm25_top_k(corpus, {"q": "wing"}, k=2)["q"] == _bm25_by_hand(corpus, "wing")[:2]
    assert bm25_top_k(corpus, {"q": "nothing matches", "e": "..."}) == {"q": [], "e": []}


@pytest.mark.slow
def test_every_builtin_runs_on_reduced_inputs(data_dir, minilm_dir, glove_dir, tmp_path):
    from embedlab.eval.runner import evaluate

    report = evaluate([str(minilm_dir), str(glove_dir)], NAMES, tmp_path, limit=40,
                      data_dir=data_dir, cache=tmp_path / "cache.sqlite")
    assert report.failures == []
    done = {(r["model"], r["task"]): r["main_score"] for r in report.records}
    assert len(done) == 15 + 18
    assert all(-1 <= s <= 1 for s in done.values())
    # Quality floors far below the published figures, to catch a broken pipeline.
    assert done["all-MiniLM-L6-v2", "stsb"] > 0.75
    assert done["all-MiniLM-L6-v2", "cranfield"] > done["glove-6b-50d", "cranfield"]
    assert done["glove-6b-50d", "wordsim353"] > 0.4
    assert done["glove-6b-50d", "questions-words"] > 0.3


@pytest.mark.parametrize("alias, own", [
    ("STSBenchmark", "stsb"), ("stsbenchmark", "stsb"), ("SICK-R", "sickr"),
    ("TatoebaBitextMining:deu-eng", "tatoeba-deu"), ("Tatoeba/fra-eng", "tatoeba-fra"),
    ("stsb", "stsb"),
])
def test_mteb_task_names_are_aliases(alias, own) -> None:
    from embedlab.eval.builtin import is_builtin, resolve_name

    assert resolve_name(alias) == own and is_builtin(alias)


@pytest.mark.parametrize("name", ["STSBenchmarkMultilingual", "TatoebaBitextMining:xxx-eng",
                                  "TatoebaBitextMining", "SICK-E"])
def test_unknown_mteb_names_are_refused(name) -> None:
    from embedlab.eval.builtin import is_builtin, load_task

    assert not is_builtin(name)
    with pytest.raises(EvalError, match="unknown built-in task.*STSBenchmark"):
        load_task(name)


def test_an_alias_loads_the_same_task(data_dir) -> None:
    from embedlab.eval.builtin import load_task

    ours, theirs = load_task("stsb", data_dir, limit=5), load_task("STSBenchmark", data_dir,
                                                                  limit=5)
    assert ours.name == theirs.name == "stsb"
    assert ours.sentences1 == theirs.sentences1 and ours.scores == theirs.scores
