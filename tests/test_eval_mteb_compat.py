"""embedlab encoders inside the `mteb` package's own evaluation code, offline on local data.

mteb's tasks normally download their data from the Hugging Face hub; here each task
subclasses mteb's abstract task and loads local pairs in ``load_data``, so mteb's
evaluators, metrics and result objects run unchanged without a network.  Importing mteb
takes many seconds, so those tests are marked slow; the adapter itself is tested fast.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from embedlab.eval.mteb_compat import MTEBEncoder
from embedlab.eval.tasks import PairClassificationTask, STSTask
from oracles import require

FIRST = ["a cat sat", "red sun rose", "cat dog", "blue tree", "the moon", "dog car",
         "a leaf fell", "sun and moon"]
SECOND = ["a cat sat down", "red moon", "car bus", "blue leaf", "a tree", "car dog sun",
          "leaf on a tree", "moon and stars"]
GOLD = [5.0, 3.0, 1.0, 2.5, 0.5, 4.5, 3.5, 4.0]
LABELS = [1, 0, 0, 1, 0, 1, 1, 0]


class HashEncoder:
    """Sum of fixed random word vectors: deterministic, fast."""

    name, dimension = "hash-bow", 12

    def encode(self, texts, **kwargs):
        out = np.zeros((len(texts), self.dimension), np.float32)
        for i, text in enumerate(texts):
            for w in text.split():
                out[i] += np.random.RandomState(zlib.crc32(w.encode())).normal(size=12)
        return out


def test_encode_reads_mteb_batches_and_plain_lists():
    model = MTEBEncoder(HashEncoder())
    batches = [{"text": FIRST[:3]}, {"text": FIRST[3:]}]
    np.testing.assert_array_equal(model.encode(batches), HashEncoder().encode(FIRST))
    np.testing.assert_array_equal(model.encode(FIRST, task_metadata=None, hf_split="test",
                                               hf_subset="default", prompt_type=None,
                                               batch_size=4), HashEncoder().encode(FIRST))
    with pytest.raises(TypeError, match="'text' field"):
        model.encode([{"image": 1}])


def test_similarity_is_cosine():
    model = MTEBEncoder(HashEncoder())
    a, b = HashEncoder().encode(FIRST), HashEncoder().encode(SECOND)
    np.testing.assert_allclose(model.similarity(a, b), cosine_similarity(a, b), atol=1e-6)
    np.testing.assert_allclose(model.similarity_pairwise(a, b),
                               np.diag(cosine_similarity(a, b)), atol=1e-6)


def test_name_follows_mteb_rule():
    assert MTEBEncoder(HashEncoder()).name == "embedlab/hash-bow"
    assert MTEBEncoder(HashEncoder(), name="me/model").name == "me/model"


def _local_tasks(first, second, gold, labels=None):
    mteb = require("mteb", reason="mteb is not installed (pip install mteb)")
    from datasets import Dataset, DatasetDict
    from mteb.abstasks.pair_classification import AbsTaskPairClassification
    from mteb.abstasks.sts import AbsTaskSTS
    from mteb.abstasks.task_metadata import TaskMetadata
    from mteb.mocks.mock_tasks.sts import general_args

    class LocalSTS(AbsTaskSTS):
        metadata = TaskMetadata(type="STS", name="LocalSTS", main_score="cosine_spearman",
                                **general_args)
        min_score, max_score = 0, 5

        def load_data(self, num_proc=None, **kwargs):
            self.dataset = DatasetDict({"test": Dataset.from_dict(
                {"sentence1": first, "sentence2": second, "score": gold})})
            self.data_loaded = True

    class LocalPairs(AbsTaskPairClassification):
        metadata = TaskMetadata(type="PairClassification", name="LocalPairs",
                                main_score="max_ap", **general_args)

        def load_data(self, num_proc=None, **kwargs):
            self.dataset = DatasetDict({"test": Dataset.from_dict(
                {"sentence1": first, "sentence2": second, "labels": labels})})
            self.data_loaded = True

    return mteb, LocalSTS(), LocalPairs()


def _scores(mteb, model, task):
    result = mteb.evaluate(model, task, cache=None, show_progress_bar=False)
    return result.task_results[0].scores["test"][0]


@pytest.mark.slow
def test_mteb_scores_an_embedlab_encoder_as_embedlab_does(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    mteb, sts, pairs = _local_tasks(FIRST, SECOND, GOLD, LABELS)
    model = MTEBEncoder(HashEncoder())
    theirs = _scores(mteb, model, sts)
    ours = STSTask("local", FIRST, SECOND, GOLD).evaluate(HashEncoder()).scores
    for key in ("cosine_spearman", "cosine_pearson", "euclidean_spearman",
                "manhattan_spearman", "manhattan_pearson"):
        assert ours[key] == pytest.approx(theirs[key], abs=1e-6), key
    theirs = _scores(mteb, model, pairs)
    ours = PairClassificationTask("local", FIRST, SECOND, LABELS).evaluate(HashEncoder()).scores
    for key in ("max_ap", "cosine_ap", "cosine_accuracy", "cosine_f1", "max_f1"):
        assert ours[key] == pytest.approx(theirs[key], abs=1e-6), key


@pytest.mark.slow
def test_mteb_reproduces_minilm_stsb_through_the_adapter(monkeypatch, data_dir, minilm_dir):
    from embedlab import load_encoder
    from sts_data import read_stsb

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    first, second, gold = read_stsb(Path(data_dir), "test")
    mteb, sts, _ = _local_tasks(first, second, gold, [0] * len(gold))
    scores = _scores(mteb, MTEBEncoder(load_encoder(minilm_dir, cache=False)), sts)
    assert 100 * scores["main_score"] == pytest.approx(82.03, abs=0.1)  # MTEB leaderboard
