"""`embedlab plot ...` and `embedlab projector`, run as a user runs them (a subprocess)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from embedlab.static import WordVectors
from oracles import require

require("matplotlib", reason="plots need matplotlib (the viz extra)")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "embedlab", *args], capture_output=True,
                          text=True, timeout=300)


def _png_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as im:
        assert im.format == "PNG"
        return im.size


@pytest.fixture(scope="module")
def vec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "paris", "france", "rome", "italy"] + [
        f"w{i}" for i in range(52)]
    path = tmp_path_factory.mktemp("vec") / "toy.bin"
    WordVectors(words, rng.normal(size=(60, 10)).astype(np.float32)).save(path)
    return path


def test_plot_words_lists_unknown_words_then_skips_them(vec_file, tmp_path) -> None:
    out = tmp_path / "w.png"
    proc = run("plot", "words", "--vectors", str(vec_file), "--words",
               "king,queen,man,woman,notaword", "--group", "places=paris,rome",
               "--out", str(out), "--size", "700x500")
    assert proc.returncode == 0, proc.stderr
    assert "skipping 1 word(s) not in the vocabulary: notaword" in proc.stderr
    assert _png_size(out) == (700, 500)


def test_plot_words_on_glove(glove_dir, tmp_path) -> None:
    out = tmp_path / "glove.svg"
    proc = run("plot", "words", "--vectors", "glove-6b-50d", "--words",
               "king,queen,man,woman", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "<svg" in out.read_text()[:2000]


def test_plot_words_bad_input_is_a_clean_error(vec_file, tmp_path) -> None:
    proc = run("plot", "words", "--vectors", str(vec_file), "--words", "xx,yy",
               "--out", str(tmp_path / "x.png"))
    assert proc.returncode == 2 and "none of the words" in proc.stderr
    proc = run("plot", "words", "--vectors", str(tmp_path / "missing.bin"), "--words", "a",
               "--out", str(tmp_path / "x.png"))
    assert proc.returncode == 1 and "not found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_plot_analogy_heatmap_leaderboard_training(vec_file, tmp_path) -> None:
    proc = run("plot", "analogy", "--vectors", str(vec_file), "--pairs",
               "man:woman,king:queen", "--out", str(tmp_path / "a.png"))
    assert proc.returncode == 0, proc.stderr
    proc = run("plot", "heatmap", "--vectors", str(vec_file), "--words",
               "king,queen,paris,rome", "--out", str(tmp_path / "h.png"), "--size", "500x400")
    assert proc.returncode == 0, proc.stderr
    assert _png_size(tmp_path / "h.png") == (500, 400)
    results = tmp_path / "results"
    for model, score in (("a", 0.8), ("b", 0.6)):
        (results / model).mkdir(parents=True)
        (results / model / "sts.json").write_text(json.dumps(
            {"task": "sts", "type": "sts", "main_score": score, "scores": {}, "dimension": 64}))
    proc = run("plot", "leaderboard", str(results), "--out", str(tmp_path / "l.png"))
    assert proc.returncode == 0, proc.stderr
    proc = run("plot", "tradeoff", str(results), "--out", str(tmp_path / "t.png"))
    assert proc.returncode == 0, proc.stderr
    hist = tmp_path / "hist.json"
    hist.write_text(json.dumps({"model": "glove", "epochs": [
        {"epoch": 1, "loss": 0.3, "seconds": 1}, {"epoch": 2, "loss": 0.2, "seconds": 1}]}))
    proc = run("plot", "training", str(hist), "--out", str(tmp_path / "c.png"))
    assert proc.returncode == 0, proc.stderr
    for name in "alhtc":
        assert (tmp_path / f"{name}.png").stat().st_size > 2000


def test_projector_writes_one_standalone_page(vec_file, tmp_path) -> None:
    out = tmp_path / "page.html"
    tb = tmp_path / "tb"
    proc = run("projector", "--vectors", str(vec_file), "--limit", "50", "--out", str(out),
               "--tensorboard", str(tb))
    assert proc.returncode == 0, proc.stderr
    html = out.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    assert '"king"' in html and "embedlab projector" in html
    assert len((tb / "vectors.tsv").read_text().splitlines()) == 50


def test_projector_bad_inputs_are_clean_errors(vec_file, tmp_path) -> None:
    proc = run("projector", "--vectors", str(vec_file), "--limit", "20", "--methods", "tsne",
               "--out", str(tmp_path / "p.html"))
    assert proc.returncode == 1
    assert "t-SNE needs at least 32 points here, got 20" in proc.stderr
    from embedlab.store import Collection

    Collection.create(tmp_path / "empty", metric="cosine").close()
    proc = run("projector", "--collection", str(tmp_path / "empty"), "--out",
               str(tmp_path / "p.html"))
    assert proc.returncode == 1 and "empty" in proc.stderr
    nan = tmp_path / "nan.bin"
    vectors = np.ones((5, 3), np.float32)
    vectors[2, 0] = np.nan
    WordVectors(list("abcde"), vectors).save(nan)
    proc = run("projector", "--vectors", str(nan), "--out", str(tmp_path / "p.html"))
    assert proc.returncode == 1 and "NaN" in proc.stderr and "'c'" in proc.stderr
    proc = run("projector", "--vectors", str(vec_file), "--collection", "x")
    assert proc.returncode == 2 and "exactly one of" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_projector_port_in_use(vec_file) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        proc = run("projector", "--vectors", str(vec_file), "--port", str(port))
    assert proc.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in proc.stderr
    assert "--port" in proc.stderr and "Traceback" not in proc.stderr


def test_projector_serves_the_page(vec_file) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "embedlab", "projector", "--vectors",
                             str(vec_file), "--port", "0", "--dims", "2"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    try:
        url = None
        assert proc.stderr is not None
        for line in proc.stderr:
            m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if m:
                url = m.group(1)
                break
        assert url, "the projector did not print its address"
        html = urllib.request.urlopen(url, timeout=10).read().decode()
        assert '"served":true' in html and '"queen"' in html
    finally:
        proc.terminate()
        proc.wait(timeout=10)
