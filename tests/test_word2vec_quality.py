"""Quality against gensim on the same corpus, hyper-parameters and evaluators (slow).

CI trains on the first 12 Gutenberg books for 3 epochs; ``EMBEDLAB_FULL=1`` trains on all
80 books (7.7M words) for 5 epochs, the setting of ``benchmarks/word2vec.py``.  Tolerances:
1.5 points at full size, as the issue asks; on the reduced corpus scores are small and
seed noise is larger, so 3 points.  Doc2Vec on the Lee corpus is full size everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from oracles import require

gensim_models = require("gensim.models")

from embedlab.static import Doc2Vec, Word2Vec, WordVectors  # noqa: E402
from embedlab.text.corpus import Corpus  # noqa: E402

pytestmark = pytest.mark.slow
FULL = os.environ.get("EMBEDLAB_FULL") == "1"
BOOKS, EPOCHS, TOL = (None, 5, 1.5) if FULL else (12, 3, 3.0)


@pytest.fixture(scope="module")
def sentences(data_dir: Path) -> list[list[str]]:
    files = sorted((data_dir / "corpus" / "gutenberg").glob("*.txt"))[:BOOKS]
    return list(Corpus(files))


def _scores(wv: WordVectors, word_dir: Path) -> dict[str, float]:
    acc, _ = wv.evaluate_analogies(word_dir / "questions-words.txt", restrict_vocab=30000)
    ws = wv.evaluate_word_pairs(word_dir / "wordsim353.tsv")
    sl = wv.evaluate_word_pairs(word_dir / "simlex999.txt")
    return {"analogy": 100 * acc, "wordsim353": 100 * ws[1][0], "simlex999": 100 * sl[1][0]}


@pytest.mark.parametrize("sg", [1, 0], ids=["skipgram", "cbow"])
def test_word2vec_quality_matches_gensim(sentences: list[list[str]], data_dir: Path,
                                         sg: int) -> None:
    params = dict(sg=sg, vector_size=100, window=5, negative=5, min_count=5, sample=1e-3,
                  epochs=EPOCHS, workers=2, seed=1)
    ours = Word2Vec(**params).fit(sentences).wv
    theirs = gensim_models.Word2Vec(sentences, **params).wv
    theirs_wv = WordVectors(list(theirs.index_to_key), theirs.vectors)
    a, b = _scores(ours, data_dir / "word"), _scores(theirs_wv, data_dir / "word")
    print(f"sg={sg} embedlab {a} gensim {b}")
    assert a["analogy"] > 0.5  # something was learned
    for key in a:
        assert a[key] >= b[key] - TOL, (key, a, b)


def _lee_score(vectors: np.ndarray, human: np.ndarray) -> float:
    from scipy.stats import pearsonr

    v = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    iu = np.triu_indices(len(v), 1)
    return float(pearsonr((v @ v.T)[iu], human[iu])[0])


@pytest.mark.parametrize("dm", [0, 1], ids=["dbow", "dm"])
def test_doc2vec_lee_correlation_within_005_of_gensim(data_dir: Path, dm: int) -> None:
    folder = data_dir / "docsim"
    opts = dict(by_line=True, split_sentences=False, max_sentence_length=None)
    train = list(Corpus(folder / "lee_background.cor", **opts))
    test = list(Corpus(folder / "lee.cor", **opts))
    human = np.loadtxt(folder / "similarities0-1.txt")
    params = dict(dm=dm, vector_size=50, min_count=2, epochs=40, workers=1)
    ours, theirs = [], []
    for seed in (1, 2, 3):  # the score moves by ~0.02 between seeds; compare means
        model = Doc2Vec(seed=seed, **params).fit(train)
        ours.append(_lee_score(np.array([model.infer_vector(d) for d in test]), human))
        tagged = [gensim_models.doc2vec.TaggedDocument(d, [i]) for i, d in enumerate(train)]
        g = gensim_models.Doc2Vec(tagged, seed=seed, **params)
        theirs.append(_lee_score(np.array([g.infer_vector(d) for d in test]), human))
    print(f"dm={dm} embedlab {ours} gensim {theirs}")
    assert np.mean(ours) >= np.mean(theirs) - 0.05
    assert np.mean(ours) > 0.25
