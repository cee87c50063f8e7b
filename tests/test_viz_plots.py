"""Each plot kind renders to a valid PNG of the requested size (and SVG where asked)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedlab.static import WordVectors
from embedlab.viz import plots
from embedlab.viz.projection import ProjectionError
from oracles import require

require("matplotlib", reason="plots need matplotlib (the viz extra)")
Image = require("PIL.Image", reason="plots are checked with Pillow (matplotlib's dependency)")

SIZE = (640, 480)


def _check_png(path: Path, size: tuple[int, int] = SIZE) -> None:
    assert path.is_file() and path.stat().st_size > 2000
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size == size
        pixels = np.asarray(im.convert("L"))
    assert pixels.std() > 5  # something was drawn, not a blank page


@pytest.fixture(scope="module")
def toy_wv() -> WordVectors:
    rng = np.random.default_rng(3)
    words = ["king", "queen", "man", "woman", "paris", "france", "rome", "italy", "boy", "girl"]
    return WordVectors(words, rng.normal(size=(len(words), 16)).astype(np.float32))


@pytest.fixture
def results_dir(tmp_path: Path) -> Path:
    rows = [("minilm", "sts", 0.82, 384, "float32"), ("minilm", "retrieval", 0.61, 384,
            "float32"), ("glove", "sts", 0.55, 50, "float32"), ("glove", "retrieval", 0.3, 50,
            "float32")]
    for model, task, score, dim, prec in rows:
        (tmp_path / model).mkdir(exist_ok=True)
        (tmp_path / model / f"{task}.json").write_text(json.dumps(
            {"task": task, "type": "sts", "main_score": score, "scores": {"x": score},
             "dimension": dim, "precision": prec}))
    return tmp_path


def test_word_scatter_png_and_svg(toy_wv, tmp_path, caplog) -> None:
    groups = {"paris": "capital", "rome": "capital", "france": "country", "italy": "country"}
    fig = plots.word_scatter(toy_wv, [*toy_wv.words, "notaword"], groups=groups, name="toy",
                             out=tmp_path / "w.png", size=SIZE)
    _check_png(tmp_path / "w.png")
    assert "notaword" in caplog.text
    title = fig.axes[0].get_title()
    assert "10 words of toy" in title and "PCA (2-D" in title
    assert fig.axes[0].get_legend() is not None
    plots.save(fig, tmp_path / "w.svg")
    assert (tmp_path / "w.svg").read_text().lstrip().startswith("<?xml")


def test_labels_do_not_overlap(tmp_path) -> None:
    rng = np.random.default_rng(0)
    words = [f"word{i:03d}" for i in range(200)]
    wv = WordVectors(words, rng.normal(size=(200, 8)).astype(np.float32))
    fig = plots.word_scatter(wv, words, out=tmp_path / "many.png", size=SIZE)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert 5 < len(boxes) < 200  # some labels placed, crowded ones left out
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)


def test_analogy_arrows(toy_wv, tmp_path) -> None:
    plots.analogy_arrows(toy_wv, [("man", "woman"), ("king", "queen"), ("boy", "girl")],
                         out=tmp_path / "a.png", size=SIZE)
    _check_png(tmp_path / "a.png")


def test_heatmap(toy_wv, tmp_path) -> None:
    words = toy_wv.words[:6]
    fig = plots.similarity_heatmap(words, toy_wv[words], out=tmp_path / "h.png", size=SIZE)
    _check_png(tmp_path / "h.png")
    assert "Cosine similarity of 6 items" in fig.axes[0].get_title()


def test_leaderboard_and_tradeoff(results_dir, tmp_path) -> None:
    plots.leaderboard(results_dir, out=tmp_path / "l.png", size=SIZE)
    _check_png(tmp_path / "l.png")
    plots.tradeoff(results_dir, out=tmp_path / "t.png", size=SIZE)
    _check_png(tmp_path / "t.png")


def test_tradeoff_groups_variant_folders_by_base_model(tmp_path) -> None:
    """``embedlab eval`` writes each precision/dimension of a model to its own folder; the
    chart draws them as one model with one line per precision, not one model per folder."""
    rows = [("m", 384, "float32", 0.80), ("m-128d", 128, "float32", 0.74),
            ("m-int8", 384, "int8", 0.79), ("m-binary", 384, "binary", 0.70)]
    for folder, dim, prec, score in rows:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "sts.json").write_text(json.dumps(
            {"task": "sts", "main_score": score, "dimension": dim, "precision": prec,
             "model": folder, "base_model": "m"}))
    fig = plots.tradeoff(tmp_path, out=tmp_path / "t.png", size=SIZE)
    _check_png(tmp_path / "t.png")
    labels = sorted(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    assert labels == ["binary", "float32", "int8"]  # one model: lines named by precision
    float32 = next(line for line in fig.axes[0].get_lines() if line.get_label() == "float32")
    assert list(float32.get_xdata()) == [128 * 4, 384 * 4]
    assert list(float32.get_ydata()) == [0.74, 0.80]


def test_training_curves(tmp_path) -> None:
    hist = tmp_path / "h.json"
    hist.write_text(json.dumps({"model": "word2vec", "epochs": [
        {"epoch": i, "loss": 3 / i, "words_per_second": 1e5 + i, "seconds": 1.0}
        for i in range(1, 5)]}))
    glove = {"model": "glove", "epochs": [{"epoch": i, "loss": 1 / i, "seconds": 1.0}
                                          for i in range(1, 5)]}
    fig = plots.training_curves([hist, glove], out=tmp_path / "c.png", size=SIZE)
    _check_png(tmp_path / "c.png")
    assert len(fig.axes) == 2
    fig = plots.training_curves([glove], out=tmp_path / "g.png", size=SIZE)
    assert len(fig.axes) == 1  # no throughput recorded: loss only


def test_bad_inputs(toy_wv, tmp_path) -> None:
    with pytest.raises(ProjectionError, match="none of the words"):
        plots.word_scatter(toy_wv, ["xx", "yy"])
    with pytest.raises(plots.PlotError, match=r"\.png or \.svg"):
        plots.word_scatter(toy_wv, toy_wv.words, out=tmp_path / "x.jpg")
    with pytest.raises(plots.PlotError, match="no results"):
        plots.leaderboard(tmp_path)
    with pytest.raises(plots.PlotError, match="not found"):
        plots.training_curves([tmp_path / "missing.json"])
    with pytest.raises(plots.PlotError, match="dimension"):
        plots.tradeoff([{"model": "m", "task": "t", "main_score": 0.5}])
