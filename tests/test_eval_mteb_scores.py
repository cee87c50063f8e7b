"""Published MTEB main scores reproduced on the shared STS files (slow: encodes ~25,000
sentences per model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab import load_encoder
from embedlab.eval.tasks import STSTask
from sts_data import read_stsb

# MTEB leaderboard, cosine_spearman x 100.
PUBLISHED = {("minilm", "STSBenchmark"): 82.03, ("minilm", "SICK-R"): 77.58,
             ("mpnet", "STSBenchmark"): 83.42, ("mpnet", "SICK-R"): 80.59}
SICK_FILES = ("SICK_train.txt", "SICK_trial.txt", "SICK_test_annotated.txt")


def stsb_task(data_dir: Path) -> STSTask:
    return STSTask("STSBenchmark", *read_stsb(data_dir, "test"))


def sickr_task(data_dir: Path) -> STSTask:
    """MTEB's SICK-R test split: every pair of train, trial and test (9,927)."""
    first, second, gold = [], [], []
    for name in SICK_FILES:
        path = data_dir / "sts" / "sick2014" / name
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t")
        a, b, s = (header.index(c) for c in ("sentence_A", "sentence_B", "relatedness_score"))
        for line in lines[1:]:
            if line.strip():
                fields = line.split("\t")
                first.append(fields[a])
                second.append(fields[b])
                gold.append(float(fields[s]))
    assert len(gold) == 9927
    return STSTask("SICK-R", first, second, gold)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["minilm", "mpnet"])
def test_published_sts_scores(model, data_dir, request):
    folder = request.getfixturevalue(f"{model}_dir")
    encoder = load_encoder(folder, cache=False)
    for task in (stsb_task(data_dir), sickr_task(data_dir)):
        result = task.evaluate(encoder)
        assert result.main_metric == "cosine_spearman"
        assert 100 * result.main_score == pytest.approx(PUBLISHED[model, task.name], abs=0.1), (
            model, task.name, 100 * result.main_score)
