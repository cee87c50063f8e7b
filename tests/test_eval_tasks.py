"""The evaluation task types: file formats, bad input, and scores recomputed with
scikit-learn, SciPy and pytrec_eval from the same vectors."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm
from sklearn.cluster import MiniBatchKMeans
from sklearn.linear_model import LogisticRegression

from embedlab.eval.base import TASK_TYPES, EncodeOptions, EvalError
from embedlab.eval.tasks import (
    TASK_CLASSES,
    AnalogyTask,
    BitextMiningTask,
    ClassificationTask,
    ClusteringTask,
    DocSimilarityTask,
    PairClassificationTask,
    RerankingTask,
    RetrievalTask,
    STSTask,
    SummarizationTask,
    WordPairsTask,
)
from embedlab.eval.tasks.classification import undersample
from oracles import require


class HashEncoder:
    """Sum of fixed random word vectors: deterministic, fast, similar texts look alike."""

    name = "hash-bow"

    def __init__(self, dim: int = 24) -> None:
        self.dim = dim
        self.calls = 0

    def word(self, w: str) -> np.ndarray:
        return np.random.RandomState(zlib.crc32(w.encode())).normal(size=self.dim)

    def encode(self, texts, **kwargs):
        self.calls += 1
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split() or ["<empty>"]:
                out[i] += self.word(w)
        return out


class NaNEncoder(HashEncoder):
    name = "broken-model"

    def encode(self, texts, **kwargs):
        out = super().encode(texts)
        out[0, 0] = np.nan
        return out


def cos(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(path: Path, rows) -> Path:
    return write(path, "".join(json.dumps(r) + "\n" for r in rows))


def test_registry_covers_every_task_type():
    assert set(TASK_CLASSES) == set(TASK_TYPES)
    for type_name, cls in TASK_CLASSES.items():
        assert cls.type == type_name and cls.main_metric


# --------------------------------------------------------------------------- STS

STS_PAIRS = [("a man plays a guitar", "a man plays the guitar", 4.8),
             ("a woman slices an onion", "a woman cuts an onion", 4.2),
             ("a dog runs in a field", "a cat sleeps on a sofa", 1.0),
             ("kids play football", "children play soccer", 3.6),
             ("the stock market fell", "a man plays a flute", 0.2)]
STS_COLUMNS = ([p[0] for p in STS_PAIRS], [p[1] for p in STS_PAIRS], [p[2] for p in STS_PAIRS])


def test_sts_matches_scipy_on_the_same_vectors(tmp_path):
    path = write(tmp_path / "mine.tsv", "id\tsentence1\tsentence2\tscore\n" + "".join(
        f"{i}\t{a}\t{b}\t{s}\n" for i, (a, b, s) in enumerate(STS_PAIRS)))
    task = TASK_CLASSES["sts"].from_file(path)
    assert task.name == "mine"
    enc = HashEncoder()
    result = task.evaluate(enc)
    assert enc.calls == 1  # one encode call for the whole task
    a = enc.encode([p[0] for p in STS_PAIRS])
    b = enc.encode([p[1] for p in STS_PAIRS])
    want = stats.spearmanr([p[2] for p in STS_PAIRS], np.diag(cos(a, b))).statistic
    assert result.main_score == pytest.approx(want)
    assert result.main_metric == "cosine_spearman" and result.type == "sts"
    assert {"cosine_pearson", "euclidean_spearman", "manhattan_spearman",
            "dot_spearman"} <= set(result.scores)
    assert result.to_dict()["seconds"] >= 0


def test_sts_file_errors_name_file_line_and_fix(tmp_path):
    bad = write(tmp_path / "bad.tsv", "sentence1\tsentence2\tgold\na\tb\t1\n")
    with pytest.raises(EvalError, match=r"bad\.tsv, line 1: .*lacks column\(s\) score"):
        STSTask.from_file(bad)
    bad = write(tmp_path / "num.tsv", "sentence1\tsentence2\tscore\na\tb\t1\nc\td\thigh\n")
    with pytest.raises(EvalError, match=r"num\.tsv, line 3: score 'high' is not a number"):
        STSTask.from_file(bad)
    bad = write(tmp_path / "short.tsv", "sentence1\tsentence2\tscore\na\tb\n")
    with pytest.raises(EvalError, match=r"short\.tsv, line 2: 2 tab-separated fields"):
        STSTask.from_file(bad)
    empty = write(tmp_path / "empty.tsv", "sentence1\tsentence2\tscore\n")
    with pytest.raises(EvalError, match="no sentence pairs"):
        STSTask.from_file(empty)
    same = write(tmp_path / "same.tsv", "sentence1\tsentence2\tscore\na\tb\t2\nc\td\t2\n")
    with pytest.raises(EvalError, match="at least two different gold scores"):
        STSTask.from_file(same)
    with pytest.raises(EvalError, match="no such task file"):
        STSTask.from_file(tmp_path / "missing.tsv")


def test_files_with_a_byte_order_mark_read_as_without(tmp_path):
    path = tmp_path / "bom.tsv"
    path.write_bytes("sentence1\tsentence2\tlabel\na\tb\t1\nc\td\t0\n".encode("utf-8-sig"))
    assert PairClassificationTask.from_file(path).labels == [1, 0]
    path = tmp_path / "bom.jsonl"
    path.write_bytes('{"text": "a", "label": 1}\n{"text": "b", "label": 2}\n'.encode("utf-8-sig"))
    assert ClusteringTask.from_file(path).texts == ["a", "b"]


def test_a_model_returning_nan_is_named():
    task = STSTask("t", *STS_COLUMNS)
    with pytest.raises(EvalError, match="broken-model returned NaN"):
        task.evaluate(NaNEncoder())


def test_identical_vectors_give_a_clear_error():
    class Flat(HashEncoder):
        def encode(self, texts, **kwargs):
            return np.ones((len(texts), 4), np.float32)

    with pytest.raises(EvalError, match="cosine_spearman is undefined for model"):
        STSTask("t", *STS_COLUMNS).evaluate(Flat())


def test_encode_options_reach_the_encoder():
    seen = {}

    class Recorder(HashEncoder):
        def encode(self, texts, **kwargs):
            seen.update(kwargs)
            return super().encode(texts)[:, :8]

    STSTask("t", *STS_COLUMNS).evaluate(Recorder(), options=EncodeOptions(
        batch_size=7, dimensions=8))
    assert seen == {"batch_size": 7, "dimensions": 8}


# ---------------------------------------------------------------- classification

TOPICS = {"sport": ["football goal match team", "tennis match serve ball", "team wins cup",
                    "runner wins race", "goal keeper saves ball", "match ends in a draw"],
          "food": ["bread butter jam", "pasta with tomato sauce", "fresh bread and cheese",
                   "soup with bread", "cheese and wine", "tomato soup recipe"],
          "tech": ["new phone battery", "laptop screen and keyboard", "phone app update",
                   "keyboard shortcuts for laptop", "battery of a laptop", "app for phone"]}


def _class_rows():
    rows = []
    for label, texts in TOPICS.items():
        for i, t in enumerate(texts):
            rows.append({"text": t, "label": label, "split": "train" if i < 4 else "test"})
    return rows


def test_undersampling_draws_as_mteb_does():
    labels = ["a"] * 10 + ["b"] * 5 + ["c"] * 3
    runs = undersample(labels, 2, 3, seed=42)
    np.random.seed(42)  # MTEB: a global seed, one index array reshuffled per experiment
    idxs = np.arange(len(labels))
    for run in runs:
        np.random.shuffle(idxs)
        counts: dict[str, int] = {}
        want = []
        for i in idxs:
            if counts.get(labels[i], 0) < 2:
                want.append(int(i))
                counts[labels[i]] = counts.get(labels[i], 0) + 1
        assert run == want


def test_classification_matches_sklearn_pipeline(tmp_path):
    path = jsonl(tmp_path / "topics.jsonl", _class_rows())
    task = ClassificationTask.from_file(path, samples_per_label=2)
    enc = HashEncoder()
    result = task.evaluate(enc, seed=3)
    assert enc.calls == 1
    accs, f1s, weighted = [], [], []
    for run in undersample(task.train_labels, 2, 10, seed=3):
        clf = LogisticRegression(max_iter=100, random_state=3)
        clf.fit(enc.encode([task.train_texts[i] for i in run]),
                [task.train_labels[i] for i in run])
        pred = clf.predict(enc.encode(task.test_texts))
        accs.append(skm.accuracy_score(task.test_labels, pred))
        f1s.append(skm.f1_score(task.test_labels, pred, average="macro"))
        weighted.append(skm.f1_score(task.test_labels, pred, average="weighted"))
    assert result.main_score == pytest.approx(np.mean(accs))
    assert result.scores["f1"] == pytest.approx(np.mean(f1s))
    assert result.scores["accuracy_std"] == pytest.approx(np.std(accs))
    assert result.scores["f1_std"] == pytest.approx(np.std(f1s))
    assert result.scores["f1_weighted"] == pytest.approx(np.mean(weighted))
    assert len(result.scores["experiments"]) == 10
    assert task.evaluate(HashEncoder(), seed=3).main_score == result.main_score


def test_classification_bad_files(tmp_path):
    rows = [r for r in _class_rows() if r["split"] == "train"]
    with pytest.raises(EvalError, match="the test split is empty"):
        ClassificationTask.from_file(jsonl(tmp_path / "a.jsonl", rows))
    one = [dict(r, label="x") for r in _class_rows()]
    with pytest.raises(EvalError, match=r"b\.jsonl: .*single label"):
        ClassificationTask.from_file(jsonl(tmp_path / "b.jsonl", one))
    missing = _class_rows()
    del missing[3]["label"]
    with pytest.raises(EvalError, match=r"c\.jsonl, line 4: missing field 'label'"):
        ClassificationTask.from_file(jsonl(tmp_path / "c.jsonl", missing))
    bad = write(tmp_path / "d.jsonl", '{"text": "a", "label": 1, "split": "train"}\n{oops\n')
    with pytest.raises(EvalError, match=r"d\.jsonl, line 2: not valid JSON"):
        ClassificationTask.from_file(bad)
    split = [dict(_class_rows()[0], split="dev")]
    with pytest.raises(EvalError, match=r"e\.jsonl, line 1: split must be 'train' or 'test'"):
        ClassificationTask.from_file(jsonl(tmp_path / "e.jsonl", split))


# -------------------------------------------------------------------- clustering

def test_clustering_matches_sklearn_kmeans_and_v_measure(tmp_path):
    rows = [{"text": t, "label": label, "set": i % 2}
            for label, texts in TOPICS.items() for i, t in enumerate(texts)]
    task = ClusteringTask.from_file(jsonl(tmp_path / "c.jsonl", rows))
    enc = HashEncoder()
    result = task.evaluate(enc, seed=5)
    want = []
    for s in (0, 1):
        sub = [r for r in rows if r["set"] == s]
        km = MiniBatchKMeans(n_clusters=3, batch_size=500, n_init="auto", random_state=5)
        pred = km.fit_predict(enc.encode([r["text"] for r in sub]))
        want.append(skm.v_measure_score([r["label"] for r in sub], pred))
    assert result.scores["v_measures"] == pytest.approx(want)
    assert result.main_score == pytest.approx(np.mean(want))
    assert result.scores["v_measure_std"] == pytest.approx(np.std(want))


def test_clustering_single_label_is_an_error(tmp_path):
    rows = [{"text": "a", "label": "x"}, {"text": "b", "label": "x"}]
    with pytest.raises(EvalError, match="single label"):
        ClusteringTask.from_file(jsonl(tmp_path / "one.jsonl", rows))
    with pytest.raises(EvalError, match=r"two\.jsonl, line 1: missing field 'text'"):
        ClusteringTask.from_file(jsonl(tmp_path / "two.jsonl", [{"label": 1}]))


# ----------------------------------------------------------- pair classification

def test_pair_classification_matches_sklearn_ap(tmp_path):
    pairs = [(a, b, int(s > 3)) for a, b, s in STS_PAIRS] + [("bread", "bread and jam", 1)]
    path = write(tmp_path / "p.tsv", "sentence1\tsentence2\tlabel\n" + "".join(
        f"{a}\t{b}\t{y}\n" for a, b, y in pairs))
    task = PairClassificationTask.from_file(path)
    enc = HashEncoder()
    result = task.evaluate(enc)
    a = enc.encode([p[0] for p in pairs])
    b = enc.encode([p[1] for p in pairs])
    labels = [p[2] for p in pairs]
    assert result.scores["cosine_ap"] == pytest.approx(
        skm.average_precision_score(labels, np.diag(cos(a, b))))
    assert result.main_score == result.scores["max_ap"]
    bad = write(tmp_path / "q.tsv", "sentence1\tsentence2\tlabel\na\tb\t2\n")
    with pytest.raises(EvalError, match=r"q\.tsv, line 2: label must be 0 or 1"):
        PairClassificationTask.from_file(bad)
    one = write(tmp_path / "r.tsv", "sentence1\tsentence2\tlabel\na\tb\t1\nc\td\t1\n")
    with pytest.raises(EvalError, match="both positive"):
        PairClassificationTask.from_file(one)


# --------------------------------------------------------------------- reranking

def test_reranking_matches_sklearn_ap_and_mrr(tmp_path):
    rows = [{"query": "bread and cheese", "positive": ["fresh bread and cheese"],
             "negative": ["new phone battery", "cheese and wine", "team wins cup"]},
            {"query": "phone", "positive": ["phone app update", "new phone battery"],
             "negative": ["tomato soup recipe"]}]
    task = RerankingTask.from_file(jsonl(tmp_path / "r.jsonl", rows))
    enc = HashEncoder()
    result = task.evaluate(enc)
    aps, rrs = [], []
    for r in rows:
        cands = r["positive"] + r["negative"]
        sims = cos(enc.encode([r["query"]]), enc.encode(cands))[0]
        y = [1] * len(r["positive"]) + [0] * len(r["negative"])
        aps.append(skm.average_precision_score(y, sims))
        first = next(i for i, j in enumerate(np.argsort(-sims)) if y[j])
        rrs.append(1 / (first + 1))
    assert result.main_score == pytest.approx(np.mean(aps))
    assert result.scores["mrr_at_10"] == pytest.approx(np.mean(rrs))
    rows[1]["negative"] = []
    with pytest.raises(EvalError, match=r"s\.jsonl, line 2: the 'negative' list is empty"):
        RerankingTask.from_file(jsonl(tmp_path / "s.jsonl", rows))


# --------------------------------------------------------------------- retrieval

def _beir(folder: Path, qrels: str) -> Path:
    corpus = [{"_id": f"d{i}", "title": "", "text": t}
              for i, t in enumerate(t for ts in TOPICS.values() for t in ts)]
    corpus[0]["title"] = "Sport"
    jsonl(folder / "corpus.jsonl", corpus)
    jsonl(folder / "queries.jsonl", [{"_id": "q1", "text": "bread"},
                                     {"_id": "q2", "text": "laptop battery"},
                                     {"_id": "q3", "text": "unjudged"}])
    write(folder / "qrels" / "test.tsv", "query-id\tcorpus-id\tscore\n" + qrels)
    return folder


def test_retrieval_matches_pytrec_eval_over_a_full_ranking(tmp_path):
    pytrec_eval = require("pytrec_eval")
    folder = _beir(tmp_path / "beir", "q1\td6\t2\nq1\td8\t1\nq1\td0\t0\nq2\td14\t1\n"
                                      "q2\td15\t1\nq2\td13\t1\n")
    task = RetrievalTask.from_file(folder)
    assert task.corpus["d0"] == "Sport football goal match team"
    enc = HashEncoder()
    result = task.evaluate(enc)
    assert enc.calls == 1 and result.extra["n_queries"] == 2
    docs = list(task.corpus)
    sims = cos(enc.encode(["bread", "laptop battery"]), enc.encode(list(task.corpus.values())))
    run = {q: {d: float(s) for d, s in zip(docs, row, strict=True)}
           for q, row in zip(["q1", "q2"], sims, strict=True)}
    evaluator = pytrec_eval.RelevanceEvaluator(task.qrels, {"ndcg_cut.10", "map_cut.10",
                                                            "recall.3", "P.5"})
    per = evaluator.evaluate(run)
    assert result.main_score == pytest.approx(np.mean([v["ndcg_cut_10"] for v in per.values()]))
    assert result.scores["map_at_10"] == pytest.approx(
        np.mean([v["map_cut_10"] for v in per.values()]))
    assert result.scores["recall_at_3"] == pytest.approx(
        np.mean([v["recall_3"] for v in per.values()]))
    assert result.scores["precision_at_5"] == pytest.approx(
        np.mean([v["P_5"] for v in per.values()]))


def test_retrieval_top_k_is_exact_at_ties():
    from embedlab.eval.tasks.retrieval import top_k

    scores = np.array([0.5, 0.9, 0.5, 0.5, 0.1])
    assert list(top_k(scores, ["a", "b", "c", "d", "e"], 3)) == ["b", "d", "c"]
    assert top_k(scores, list("abcde"), 0) == {}
    assert len(top_k(scores, list("abcde"), 100)) == 5


def test_retrieval_bad_folders(tmp_path):
    folder = _beir(tmp_path / "unknown", "q1\td6\t1\nq1\td99\t1\n")
    with pytest.raises(EvalError, match=r"test\.tsv, line 3: document 'd99' is not in "
                                        r"corpus\.jsonl"):
        RetrievalTask.from_file(folder)
    folder = _beir(tmp_path / "noq", "q9\td6\t1\n")
    with pytest.raises(EvalError, match=r"test\.tsv, line 2: query 'q9' is not in"):
        RetrievalTask.from_file(folder)
    folder = _beir(tmp_path / "zero", "q1\td6\t0\n")
    with pytest.raises(EvalError, match="no query has a relevant document"):
        RetrievalTask.from_file(folder)
    folder = _beir(tmp_path / "empty", "")
    with pytest.raises(EvalError, match="no judgements"):
        RetrievalTask.from_file(folder)
    folder = _beir(tmp_path / "cols", "")
    write(folder / "qrels" / "test.tsv", "qid\tdocid\tscore\nq1\td1\t1\n")
    with pytest.raises(EvalError, match="lacks column"):
        RetrievalTask.from_file(folder)
    with pytest.raises(EvalError, match="BEIR folder"):
        RetrievalTask.from_file(tmp_path / "nowhere")
    with pytest.raises(EvalError, match="not in the corpus"):
        RetrievalTask("t", {"d1": "x"}, {"q": "y"}, {"q": {"d2": 1}})


# ----------------------------------------------------------------------- bitext

def test_bitext_matches_sklearn_weighted_scores(tmp_path):
    pairs = [("le chat", "the cat"), ("le chien", "the dog"), ("la voiture", "the car"),
             ("le chat noir", "the black cat"), ("pain", "bread")]
    path = write(tmp_path / "b.tsv", "source\ttarget\n" + "".join(
        f"{s}\t{t}\n" for s, t in pairs))
    task = BitextMiningTask.from_file(path)
    enc = HashEncoder()
    result = task.evaluate(enc)
    pred = np.argmax(cos(enc.encode([p[0] for p in pairs]), enc.encode([p[1] for p in pairs])),
                     axis=1)
    gold = list(range(len(pairs)))
    assert result.main_score == pytest.approx(
        skm.f1_score(gold, pred, average="weighted", zero_division=0))
    assert result.scores["precision"] == pytest.approx(
        skm.precision_score(gold, pred, average="weighted", zero_division=0))
    assert result.scores["recall"] == pytest.approx(
        skm.recall_score(gold, pred, average="weighted", zero_division=0))
    assert result.scores["accuracy"] == pytest.approx(skm.accuracy_score(gold, pred))
    with pytest.raises(EvalError, match="lacks column"):
        BitextMiningTask.from_file(write(tmp_path / "c.tsv", "src\ttgt\na\tb\n"))


# ---------------------------------------------------------------- summarization

def test_summarization_matches_scipy_per_text(tmp_path):
    rows = [{"human_summaries": ["the team won the cup", "a team wins"],
             "machine_summaries": ["team wins cup", "bread and jam", "the cup", "phone"],
             "relevance": [4.5, 1.0, 3.0, 1.5], "text": "ignored"},
            {"human_summaries": ["soup recipe with tomato"],
             "machine_summaries": ["tomato soup", "laptop", "soup with bread"],
             "relevance": [5, 1, 3]},
            {"human_summaries": ["x"], "machine_summaries": ["a", "b"], "relevance": [2, 2]}]
    task = SummarizationTask.from_file(jsonl(tmp_path / "s.jsonl", rows))
    enc = HashEncoder()
    result = task.evaluate(enc)
    want = []
    for r in rows[:2]:
        best = cos(enc.encode(r["machine_summaries"]), enc.encode(r["human_summaries"])).max(1)
        want.append(stats.spearmanr(r["relevance"], best).statistic)
    assert result.main_score == pytest.approx(np.mean(want))
    assert result.scores["skipped_texts"] == 1  # constant human scores, as MTEB skips
    rows[0]["relevance"] = [1.0]
    with pytest.raises(EvalError, match=r"t\.jsonl, line 1: 4 machine summaries but 1"):
        SummarizationTask.from_file(jsonl(tmp_path / "t.jsonl", rows))


# ---------------------------------------------------------------- word, docsim

def _tiny_vectors():
    from embedlab.static import WordVectors

    words = ["king", "queen", "man", "woman", "paris", "france", "rome", "italy", "cat"]
    rng = np.random.RandomState(0)
    vecs = rng.normal(size=(len(words), 10))
    vecs[1] = vecs[0] - vecs[2] + vecs[3]  # queen = king - man + woman
    vecs[7] = vecs[6] - vecs[4] + vecs[5]
    return WordVectors(words, vecs.astype(np.float32))


def test_word_tasks_reuse_word_vector_evaluation(tmp_path):
    wv = _tiny_vectors()
    analogies = write(tmp_path / "a.txt", ": royal\nman woman king queen\n"
                                          ": capitals\nparis france rome italy\n"
                                          "paris france rome spain\n")
    result = AnalogyTask.from_file(analogies).evaluate(wv)
    assert result.main_score == pytest.approx(1.0)
    assert result.scores["sections"] == {"royal": 1.0, "capitals": 1.0}
    assert result.scores["oov_ratio"] == pytest.approx(1 / 3)

    class WithWV:
        name = "static"

        def __init__(self, wv):
            self.wv = wv

    pairs = write(tmp_path / "p.tsv", "# w1\tw2\tscore\nking\tqueen\t9\nking\tcat\t1\n"
                                      "paris\trome\t5\nman\twoman\t7\nfoo\tbar\t3\n")
    result = WordPairsTask.from_file(pairs).evaluate(WithWV(wv))
    pearson, spearman, _ = wv.evaluate_word_pairs(pairs)
    assert result.main_score == pytest.approx(spearman[0])
    assert result.scores["pearson"] == pytest.approx(pearson[0])
    assert result.scores["oov_ratio"] == pytest.approx(0.2)
    with pytest.raises(EvalError, match="needs word vectors; model hash-bow is a sentence"):
        WordPairsTask.from_file(pairs).evaluate(HashEncoder())
    with pytest.raises(EvalError, match="no such task file"):
        AnalogyTask.from_file(tmp_path / "missing.txt")


def test_docsim_on_lee_matches_scipy(data_dir):
    task = DocSimilarityTask.from_file(data_dir / "docsim")
    assert len(task.documents) == 50 and task.human.shape == (50, 50)
    enc = HashEncoder()
    result = task.evaluate(enc)
    sims = cos(enc.encode(task.documents), enc.encode(task.documents))
    upper = np.triu_indices(50, 1)
    assert result.main_score == pytest.approx(
        stats.pearsonr(task.human[upper], sims[upper]).statistic, abs=1e-6)
    assert result.scores["spearman"] == pytest.approx(
        stats.spearmanr(task.human[upper], sims[upper]).statistic, abs=1e-6)


def test_docsim_bad_files(tmp_path):
    docs = write(tmp_path / "d" / "documents.txt", "one\ntwo\nthree\n")
    write(tmp_path / "d" / "matrix.txt", "1 0.5 0.1\n0.5 1 0.2\n")
    with pytest.raises(EvalError, match="must be square"):
        DocSimilarityTask.from_file(tmp_path / "d")
    write(tmp_path / "d" / "matrix.txt", "1 0.5 0.1\n0.5 1 x\n0.1 0.2 1\n")
    with pytest.raises(EvalError, match=r"matrix\.txt, line 2: not a row of numbers"):
        DocSimilarityTask.from_file(docs, matrix=tmp_path / "d" / "matrix.txt")
    with pytest.raises(EvalError, match="documents.txt"):
        DocSimilarityTask.from_file(tmp_path)


@pytest.mark.parametrize("make", [
    lambda: STSTask("t", *STS_COLUMNS),
    lambda: ClassificationTask("t", ["a b", "c d"], [0, 1], ["a", "c"], [0, 1]),
    lambda: ClusteringTask("t", ["a", "b", "c"], [0, 1, 1]),
    lambda: PairClassificationTask("t", ["a", "b"], ["c", "d"], [0, 1]),
    lambda: RerankingTask("t", ["q"], [["a"]], [["b"]]),
    lambda: RetrievalTask("t", {"d": "a", "e": "b"}, {"q": "a"}, {"q": {"d": 1}}),
    lambda: BitextMiningTask("t", ["a", "b"], ["c", "d"]),
    lambda: SummarizationTask("t", [["a"]], [["b", "c"]], [[1, 2]]),
    lambda: DocSimilarityTask("t", ["a", "b", "c"], np.eye(3)),
], ids=lambda make: type(make()).__name__)
def test_every_sentence_task_names_a_model_returning_nan(make):
    with pytest.raises(EvalError, match="broken-model returned NaN"):
        make().evaluate(NaNEncoder())
