"""One training-history type for word2vec, Doc2Vec and GloVe, and its file."""

from __future__ import annotations

import json
import math

import pytest

from embedlab.static import Doc2Vec, GloVe, Word2Vec
from embedlab.static.history import (
    HISTORY_FORMAT_VERSION,
    EpochStats,
    HistoryFileError,
    read_history,
    write_history,
)

CORPUS = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "sat", "on", "a", "log"]] * 20


@pytest.mark.parametrize("make, counted", [
    (lambda: Word2Vec(vector_size=4, min_count=1, epochs=2, workers=1), "words"),
    (lambda: Doc2Vec(vector_size=4, min_count=1, epochs=2, workers=1), "words"),
    (lambda: GloVe(vector_size=4, min_count=1, epochs=2, workers=1), "pairs"),
], ids=["word2vec", "doc2vec", "glove"])
def test_every_model_keeps_a_list_of_epoch_stats(make, counted, tmp_path) -> None:
    model = make().fit(CORPUS)
    assert [type(h) for h in model.history] == [EpochStats, EpochStats]
    assert [h.epoch for h in model.history] == [1, 2]
    assert all(getattr(h, counted) > 0 and h.seconds > 0 for h in model.history)
    path = tmp_path / "h.json"
    write_history(path, "m", model.history)
    data = read_history(path)
    assert data["format_version"] == HISTORY_FORMAT_VERSION and data["model"] == "m"
    rows = data["epochs"]
    assert [r["epoch"] for r in rows] == [1, 2]
    assert all(r[f"{counted}_per_second"] > 0 for r in rows)


def test_glove_loss_history_reads_the_history() -> None:
    model = GloVe(vector_size=4, min_count=1, epochs=3, workers=1).fit(CORPUS)
    assert model.loss_history == [h.loss for h in model.history]
    assert model.epoch_times == [h.seconds for h in model.history]


def test_a_loss_not_computed_is_null_in_the_file_and_nan_when_read(tmp_path) -> None:
    path = tmp_path / "h.json"
    write_history(path, "word2vec", [EpochStats(1, words=10, seconds=1.0)])
    assert json.loads(path.read_text())["epochs"][0]["loss"] is None  # valid JSON, no NaN
    assert math.isnan(read_history(path)["epochs"][0]["loss"])


@pytest.mark.parametrize("content, match", [
    ("{", "cannot read"), ('{"epochs": []}', "records no epochs"),
    ('{"format_version": 9, "epochs": [{"epoch": 1}]}', "newer than this embedlab"),
])
def test_bad_history_files_are_named(tmp_path, content, match) -> None:
    path = tmp_path / "h.json"
    path.write_text(content)
    with pytest.raises(HistoryFileError, match=match):
        read_history(path)
    with pytest.raises(HistoryFileError, match="not found"):
        read_history(tmp_path / "missing.json")


def test_word2vec_reports_typed_progress_per_block() -> None:
    from embedlab.static.history import TrainingProgress

    seen: list[TrainingProgress] = []
    Word2Vec(vector_size=4, min_count=1, epochs=2, workers=1, compute_loss=True,
             progress=seen.append).fit(CORPUS)
    assert seen and all(isinstance(s, TrainingProgress) for s in seen)
    assert {(s.stage, s.unit, s.epochs) for s in seen} == {("train", "words", 2)}
    last = [s for s in seen if s.epoch == 2][-1]
    assert last.done == last.total == 240 and last.loss > 0 and last.rate > 0
    without = []
    Word2Vec(vector_size=4, min_count=1, epochs=1, workers=1, progress=without.append).fit(CORPUS)
    assert all(math.isnan(s.loss) for s in without)  # loss not computed: NaN, not 0
