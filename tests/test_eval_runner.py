"""The evaluation runner, its result files, the report and the `embedlab eval` command, on
tiny user files and deterministic fake encoders (scores checked with SciPy / scikit-learn)."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from embedlab.cli import cli
from embedlab.encoders import Encoder
from embedlab.eval.base import EvalError
from embedlab.eval.runner import (
    evaluate,
    leaderboard_rows,
    leaderboard_table,
    load_task_spec,
    model_label,
    print_leaderboard,
)
from embedlab.viz.report import write_report

WORDS = ["cat", "dog", "car", "bus", "tree", "leaf", "sun", "moon", "red", "blue"]


class HashEncoder(Encoder):
    """Sum of fixed random word vectors: deterministic and fast; similar texts look alike."""

    name = "hash-bow"
    dimension = 16
    fingerprint = ""

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), np.float32)
        for i, text in enumerate(texts):
            for w in text.lower().split() or ["<empty>"]:
                out[i] += np.random.RandomState(zlib.crc32(w.encode())).normal(
                    size=self.dimension)
        return out


class NaNEncoder(HashEncoder):
    name = "broken-model"

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        out = super().encode_batch(texts)
        out[:, 0] = np.nan
        return out


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


STS_ROWS = [("a cat", "a cat sat", 5.0), ("red sun", "red moon", 3.0), ("cat dog", "car bus", 1.0),
            ("blue tree", "blue leaf", 2.5), ("the moon", "a tree", 0.5),
            ("dog car", "car dog sun", 4.5)]


def sts_file(tmp_path: Path, name: str = "pairs.tsv") -> Path:
    lines = ["sentence1\tsentence2\tscore"] + [f"{a}\t{b}\t{s}" for a, b, s in STS_ROWS]
    return write(tmp_path / name, "\n".join(lines) + "\n")


def classification_file(tmp_path: Path) -> Path:
    rng = np.random.RandomState(0)
    rows = []
    for i in range(40):
        label = "pets" if i % 2 else "sky"
        words = ["cat", "dog", "leaf"] if label == "pets" else ["sun", "moon", "blue"]
        text = rng.choice(words) + " " + " ".join(rng.choice(WORDS, 3))
        rows.append({"text": text, "label": label, "split": "train" if i < 28 else "test"})
    return write(tmp_path / "topics.jsonl", "".join(json.dumps(r) + "\n" for r in rows))


def cosine_spearman(encoder: Encoder, rows) -> float:
    a = encoder.encode([r[0] for r in rows])
    b = encoder.encode([r[1] for r in rows])
    cos = np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    return float(stats.spearmanr(cos, [r[2] for r in rows]).statistic)


def test_result_file_layout_and_score(tmp_path):
    report = evaluate([HashEncoder()], [f"sts:{sts_file(tmp_path)}"], tmp_path / "out",
                      seed=7)
    path = tmp_path / "out" / "hash-bow" / "pairs.json"
    data = json.loads(path.read_text())
    assert report.failures == [] and report.records == [data]
    assert data["task"] == "pairs" and data["type"] == "sts"
    assert data["main_metric"] == "cosine_spearman"
    assert data["main_score"] == pytest.approx(cosine_spearman(HashEncoder(), STS_ROWS), abs=1e-6)
    assert 0 <= abs(data["main_score"]) <= 1
    assert data["scores"]["cosine_spearman"] == data["main_score"]
    assert data["model"] == "hash-bow" and data["seed"] == 7
    assert data["precision"] == "float32" and data["dimension"] == 16
    assert data["bytes_per_vector"] == 64
    assert data["versions"]["embedlab"] and data["versions"]["numpy"] == np.__version__
    assert data["wall_seconds"] >= data["seconds"] >= 0
    assert data["format_version"] == 1


@pytest.mark.parametrize(("precision", "dims", "label", "dimension", "size"), [
    ("int8", None, "hash-bow-int8", 16, 16), ("binary", None, "hash-bow-binary", 16, 2),
    ("float32", 8, "hash-bow-8d", 8, 32), ("binary", 8, "hash-bow-binary-8d", 8, 1)])
def test_precision_and_dimensions_are_applied_and_recorded(tmp_path, precision, dims, label,
                                                            dimension, size):
    evaluate([HashEncoder()], [f"sts:{sts_file(tmp_path)}"], tmp_path / "out",
             precision=precision, dimensions=dims)
    data = json.loads((tmp_path / "out" / label / "pairs.json").read_text())
    assert (data["precision"], data["dimension"], data["bytes_per_vector"]) == (
        precision, dimension, size)
    assert data["base_model"] == "hash-bow"
    # Recompute from the quantized vectors themselves (int8 ranges come from one call over
    # the task's distinct sentences).
    unique = list(dict.fromkeys([r[0] for r in STS_ROWS] + [r[1] for r in STS_ROWS]))
    a = HashEncoder().encode(unique, precision=precision, dimensions=dims)
    if precision == "binary":
        a = np.unpackbits(a.astype(np.uint8), axis=1).astype(np.float32) * 2 - 1
    a = a.astype(np.float32)
    x = a[[unique.index(r[0]) for r in STS_ROWS]]
    y = a[[unique.index(r[1]) for r in STS_ROWS]]
    cos = np.sum(x * y, axis=1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1)
    assert data["main_score"] == pytest.approx(
        stats.spearmanr(cos, [r[2] for r in STS_ROWS]).statistic, abs=1e-6)


def test_same_seed_same_scores_other_seed_other_draws(tmp_path):
    task = f"classification:{classification_file(tmp_path)}"
    runs = [evaluate([HashEncoder()], [task], tmp_path / f"o{i}", seed=s).records[0]
            for i, s in enumerate((1, 1, 2))]
    assert runs[0]["scores"] == runs[1]["scores"]
    assert runs[0]["scores"]["experiments"] != runs[2]["scores"]["experiments"]


def test_many_tasks_one_fails_the_rest_finish(tmp_path):
    good = sts_file(tmp_path)
    bad = write(tmp_path / "bad.tsv", "sentence1\tsentence2\nx\ty\n")
    single = write(tmp_path / "one.jsonl", '{"text": "a", "label": "x", "split": "train"}\n'
                   '{"text": "b", "label": "x", "split": "train"}\n'
                   '{"text": "c", "label": "x", "split": "test"}\n')
    tasks = [f"sts:{bad}", f"classification:{single}", "no-such-task", f"sts:{good}",
             f"classification:{classification_file(tmp_path)}"]
    report = evaluate([HashEncoder(), NaNEncoder()], tasks, tmp_path / "out")
    done = {(r["model"], r["task"]) for r in report.records}
    assert done == {("hash-bow", "pairs"), ("hash-bow", "topics")}
    errors = {(f["model"], f["task"]): f["error"] for f in report.failures}
    assert len(errors) == 8
    assert f"{bad}, line 1" in errors["hash-bow", "bad"] and "score" in errors["hash-bow", "bad"]
    assert "single label" in errors["hash-bow", "one"] and str(single) in errors["hash-bow", "one"]
    assert "unknown task 'no-such-task'" in errors["hash-bow", "no-such-task"]
    assert "broken-model" in errors["broken-model", "pairs"]
    assert "NaN" in errors["broken-model", "topics"]
    saved = json.loads((tmp_path / "out" / "failures.json").read_text())["failures"]
    assert {(f["model"], f["task"]) for f in saved} == set(errors)
    assert sorted(p.name for p in (tmp_path / "out" / "hash-bow").iterdir()) == [
        "pairs.json", "topics.json"]
    assert not (tmp_path / "out" / "broken-model").exists()


def test_a_failure_removes_the_stale_result_and_a_success_clears_the_failure(tmp_path):
    path = sts_file(tmp_path)
    out = tmp_path / "out"
    evaluate([HashEncoder()], [f"sts:{path}"], out)
    assert (out / "hash-bow" / "pairs.json").is_file()
    path.write_text("sentence1\tsentence2\tscore\n")
    report = evaluate([HashEncoder()], [f"sts:{path}"], out)
    assert "no sentence pairs" in report.failures[0]["error"]
    assert not (out / "hash-bow" / "pairs.json").exists()
    sts_file(tmp_path)
    evaluate([HashEncoder()], [f"sts:{path}"], out)
    assert json.loads((out / "failures.json").read_text())["failures"] == []


def test_retrieval_qrels_naming_unknown_documents(tmp_path):
    folder = tmp_path / "beir"
    write(folder / "corpus.jsonl", '{"_id": "d1", "text": "cat"}\n{"_id": "d2", "text": "sun"}\n')
    write(folder / "queries.jsonl", '{"_id": "q1", "text": "cat"}\n')
    write(folder / "qrels" / "test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td9\t1\n")
    report = evaluate([HashEncoder()], [f"retrieval:{folder}"], tmp_path / "out")
    error = report.failures[0]["error"]
    assert "test.tsv, line 3" in error and "'d9'" in error and "corpus.jsonl" in error
    write(folder / "qrels" / "test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    report = evaluate([HashEncoder()], [f"retrieval:{folder}"], tmp_path / "out")
    assert report.records[0]["scores"]["ndcg_at_10"] == 1.0  # d1 equals the query text


def test_empty_split_is_named(tmp_path):
    only_train = write(tmp_path / "c.jsonl", '{"text": "a", "label": "x", "split": "train"}\n'
                       '{"text": "b", "label": "y", "split": "train"}\n')
    report = evaluate([HashEncoder()], [f"classification:{only_train}"], tmp_path / "out")
    assert "the test split is empty" in report.failures[0]["error"]
    assert str(only_train) in report.failures[0]["error"]


def test_word_tasks_are_skipped_for_sentence_encoders(tmp_path):
    pairs = write(tmp_path / "ws.tsv", "cat\tdog\t7\nsun\tmoon\t6\ncar\ttree\t1\n")
    report = evaluate([HashEncoder()], [f"word-pairs:{pairs}"], tmp_path / "out")
    assert report.records == [] and report.failures == []
    assert "word vectors" in report.skipped[0]["reason"]


def test_unknown_type_and_untyped_file_hint(tmp_path):
    path = sts_file(tmp_path)
    with pytest.raises(EvalError, match=r"a file needs its type first, e\.g\. sts:"):
        load_task_spec(str(path))
    with pytest.raises(EvalError, match="give the file after the colon"):
        load_task_spec("sts:")


def test_bad_options_and_unloadable_models(tmp_path):
    with pytest.raises(EvalError, match="float32, int8, binary"):
        evaluate([HashEncoder()], ["stsb"], tmp_path, precision="float16")
    report = evaluate([HashEncoder()], [f"sts:{sts_file(tmp_path)}"], tmp_path / "o",
                      dimensions=99)
    assert report.failures[0]["error"] == (
        "model hash-bow: --dimensions 99 is more than the model has (16)")
    report = evaluate([str(tmp_path / "no-such-model")], [f"sts:{sts_file(tmp_path)}"],
                      tmp_path / "o2")
    assert report.failures[0]["model"] == "no-such-model"
    assert "no-such-model" in report.failures[0]["error"]


def test_model_labels():
    assert model_label("all-MiniLM-L6-v2") == "all-MiniLM-L6-v2"
    assert model_label("/models/my model/") == "my_model"
    assert model_label("vectors.txt", "binary", 128) == "vectors.txt-binary-128d"


def test_leaderboard_table(tmp_path):
    report = evaluate([HashEncoder(), NaNEncoder()], [f"sts:{sts_file(tmp_path)}"],
                      tmp_path / "out")
    header, rows = leaderboard_rows(report)
    score = f"{100 * report.records[0]['main_score']:.2f}"
    assert header == ["task", "hash-bow", "broken-model"]
    assert rows == [["pairs", score, "failed"], ["mean", score, "-"]]
    import io

    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=120).print(leaderboard_table(report))
    assert score in buffer.getvalue() and "failed" in buffer.getvalue()
    old = io.StringIO()
    with pytest.warns(DeprecationWarning, match="leaderboard_table"):
        print_leaderboard(report, file=old)
    assert old.getvalue() == buffer.getvalue()


def test_report_markdown_and_charts(tmp_path):
    out = tmp_path / "out"
    tasks = [f"sts:{sts_file(tmp_path)}", f"classification:{classification_file(tmp_path)}"]
    evaluate([HashEncoder()], tasks, out)
    evaluate([HashEncoder()], tasks, out, precision="binary")
    evaluate([NaNEncoder()], tasks[:1], out)
    written = write_report(out)
    text = written["markdown"].read_text()
    pairs = json.loads((out / "hash-bow" / "pairs.json").read_text())["main_score"]
    assert f"| pairs | sts | cosine_spearman | {100 * pairs:.2f} |" in text
    assert "hash-bow-binary" in text and "| broken-model | pairs |" in text
    for key in ("leaderboard", "tradeoff"):
        assert written[key].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture()
def vector_file(tmp_path):
    """A tiny GloVe-format text file: one of the model kinds `--model` accepts."""
    rng = np.random.RandomState(3)
    lines = [w + " " + " ".join(f"{x:.5f}" for x in rng.normal(size=8)) for w in
             [*WORDS, "a", "the"]]
    return write(tmp_path / "tiny.txt", "\n".join(lines) + "\n")


def test_cli_eval_writes_results_and_prints_leaderboard(tmp_path, vector_file):
    data = sts_file(tmp_path)
    pairs = write(tmp_path / "ws.tsv", "cat\tdog\t7\nsun\tmoon\t6\ncar\ttree\t1\nred\tblue\t5\n")
    other = write(tmp_path / "other.txt", vector_file.read_text().replace(" 0.", " 0.1"))
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["eval", "--model", str(vector_file), str(other),
                                      "--task", f"sts:{data}", f"word-pairs:{pairs}",
                                      "--output", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "tiny.txt" / "pairs.json").read_text())
    assert record["seed"] == 3 and record["type"] == "sts"
    assert sorted(p.name for p in out.glob("*/*.json")) == ["pairs.json", "pairs.json",
                                                            "ws.json", "ws.json"]
    assert f"{100 * record['main_score']:.2f}" in result.stdout
    result = CliRunner().invoke(cli, ["eval", "report", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "report.md").is_file() and (out / "leaderboard.png").is_file()


def test_cli_eval_exit_code_and_usage(tmp_path, vector_file):
    bad = write(tmp_path / "bad.tsv", "a\tb\n")
    result = CliRunner().invoke(cli, ["eval", "-m", str(vector_file), "-t", f"sts:{bad}",
                                      "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert f"FAILED tiny.txt on bad: {bad}, line 1" in result.output
    result = CliRunner().invoke(cli, ["eval", "--model", str(vector_file)])
    assert result.exit_code == 2 and "missing --task, --output" in result.output


def test_cli_eval_tasks_lists_builtins():
    result = CliRunner().invoke(cli, ["eval", "tasks"])
    assert result.exit_code == 0
    for name in ("stsb", "sickr", "cranfield-rerank", "tatoeba-por", "brown-clustering",
                 "simlex999", "lee"):
        assert name in result.output


@pytest.mark.parametrize("dimension", [16, 13])
def test_binary_precision_is_the_sign_of_the_float_vectors(dimension):
    """Binary vectors as sentence-transformers defines them: +1 where the float value is
    positive, else -1, for every dimension (13 leaves three padding bits in the last byte,
    which must not become components)."""
    from embedlab.eval.base import EncodeOptions, encode

    class Enc(HashEncoder):
        pass

    enc = Enc()
    enc.dimension = dimension
    texts = ["a cat", "red moon sun", "dog car bus tree", "blue"]
    full = HashEncoder().encode(texts)[:, :dimension]
    enc.encode_batch = lambda t: HashEncoder().encode_batch(t)[:, :dimension]  # type: ignore[method-assign]
    got = encode(enc, texts, EncodeOptions(precision="binary"))
    np.testing.assert_array_equal(got, np.where(full > 0, 1.0, -1.0))
