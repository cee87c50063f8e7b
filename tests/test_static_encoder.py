"""StaticEncoder: mean and SIF pooling of word vectors behind the Encoder interface."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.encoders import StaticEncoder
from embedlab.encoders.base import Encoder
from embedlab.static import WordVectors
from sts_data import read_stsb

WORDS = ["the", "a", "cat", "dog", "sat", "ran", "mat", "park", "on", "in"]


@pytest.fixture(scope="module")
def wv() -> WordVectors:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(WORDS), 8)).astype(np.float32)
    counts = np.array([500, 400, 30, 25, 20, 15, 10, 8, 300, 250], dtype=np.int64)
    return WordVectors(WORDS, vectors, counts)


TEXTS = ["The cat sat on the mat.", "A dog ran in the park!", "the cat ran",
         "a dog sat on a mat", "The park", "cat dog cat"]


def test_is_an_encoder(wv: WordVectors) -> None:
    enc = StaticEncoder(wv, name="toy")
    assert isinstance(enc, Encoder)
    assert enc.name == "toy" and enc.dimension == 8 and enc.fingerprint.startswith("static:")
    assert enc.encode("the cat").shape == (8,)
    assert enc.encode(TEXTS).shape == (6, 8)
    assert enc.encode(TEXTS, precision="int8").dtype == np.int8
    assert enc.encode(TEXTS, dimensions=4).shape == (6, 4)


def test_mean_pooling_lowercases_and_skips_unknown_words(wv: WordVectors) -> None:
    enc = StaticEncoder(wv, normalize=False)
    got = enc.encode(["The CAT, unknownword sat!"])[0]
    np.testing.assert_allclose(got, wv[["the", "cat", "sat"]].mean(axis=0), rtol=1e-6)
    assert enc.tokenize("The CAT, isn't") == ["the", "cat", "isn", "t"]
    cased = StaticEncoder(wv, normalize=False, lowercase=False)
    np.testing.assert_allclose(cased.encode(["The CAT sat"])[0], wv["sat"], rtol=1e-6)


def test_no_known_word_gives_a_zero_vector(wv: WordVectors) -> None:
    for pooling in ("mean", "sif"):
        enc = StaticEncoder(wv, pooling=pooling).fit(TEXTS)
        out = enc.encode(["", "zebra quokka", "the cat"])
        assert not out[0].any() and not out[1].any()
        assert np.linalg.norm(out[2]) == pytest.approx(1.0, abs=1e-5)


def test_results_do_not_depend_on_batching(wv: WordVectors) -> None:
    enc = StaticEncoder(wv, pooling="sif").fit(TEXTS)
    whole = enc.encode(TEXTS, batch_size=32)
    np.testing.assert_allclose(enc.encode(TEXTS, batch_size=1), whole, atol=1e-6)
    np.testing.assert_allclose(enc.encode(TEXTS[::-1])[::-1], whole, atol=1e-6)


def _reference_sif(wv: WordVectors, texts: list[str], fit_texts: list[str],
                   a: float) -> np.ndarray:
    """Arora et al.'s recipe written out: weighted average, then remove the top component
    (sklearn TruncatedSVD, as in their released code)."""
    from sklearn.decomposition import TruncatedSVD

    assert wv.counts is not None
    p = wv.counts / wv.counts.sum()

    def weighted(text: str) -> np.ndarray:
        words = [w for w in text.lower().replace(".", " ").replace("!", " ").split() if w in wv]
        return np.mean([a / (a + p[wv.index[w]]) * wv[w] for w in words], axis=0)

    ref = np.array([weighted(t) for t in fit_texts])
    svd = TruncatedSVD(n_components=1, n_iter=20, random_state=0).fit(ref)
    u = svd.components_[0]
    emb = np.array([weighted(t) for t in texts])
    return emb - np.outer(emb @ u, u)


def test_sif_matches_the_published_recipe(wv: WordVectors) -> None:
    a = 1e-2
    enc = StaticEncoder(wv, pooling="sif", sif_a=a, normalize=False)
    unfitted = enc.encode(TEXTS)
    p = wv.counts / wv.counts.sum()  # type: ignore[operator]
    weights = a / (a + p[[wv.index[w] for w in ("the", "cat", "sat", "on", "the", "mat")]])
    manual = (weights[:, None] * wv[["the", "cat", "sat", "on", "the", "mat"]]).mean(axis=0)
    np.testing.assert_allclose(unfitted[0], manual, rtol=1e-5)
    before = enc.fingerprint
    enc.fit(TEXTS)
    assert enc.fingerprint != before
    fitted = enc.encode(TEXTS)
    np.testing.assert_allclose(fitted, _reference_sif(wv, TEXTS, TEXTS, a), atol=1e-5)
    assert enc.components is not None
    np.testing.assert_allclose(fitted @ enc.components.T, 0, atol=1e-5)


def test_sif_without_counts_uses_zipf(wv: WordVectors) -> None:
    plain = WordVectors(wv.words, wv.vectors)
    enc = StaticEncoder(plain, pooling="sif")
    assert enc.weights is not None
    assert np.all(np.diff(enc.weights) > 0)  # rarer (later) words weigh more


def test_bad_settings(wv: WordVectors) -> None:
    with pytest.raises(ValueError, match="pooling"):
        StaticEncoder(wv, pooling="cls")
    with pytest.raises(ValueError, match="sif_a"):
        StaticEncoder(wv, pooling="sif", sif_a=0)
    with pytest.raises(ValueError, match="at least 1 texts"):
        StaticEncoder(wv, pooling="sif").fit(["zebra"])


def test_load_encoder_pooling_for_word_vectors(glove_dir: Path) -> None:
    from embedlab.encoders import load_encoder
    from embedlab.errors import EmbedlabError

    assert load_encoder("glove-6b-50d", pooling="sif").pooling == "sif"
    with pytest.raises(EmbedlabError, match="'mean' or 'sif'"):
        load_encoder("glove-6b-50d", pooling="cls")


def test_glove_sts_benchmark(glove_dir: Path, data_dir: Path) -> None:
    """Mean and SIF GloVe sentence vectors on STS-B dev: SIF (fitted on the dev sentences'
    train split) beats the mean, as Arora et al. report."""
    from scipy.stats import spearmanr

    wv = WordVectors.load(glove_dir)
    first, second, gold = read_stsb(data_dir, "dev")
    train_a, train_b, _ = read_stsb(data_dir, "train")
    scores = {}
    for pooling in ("mean", "sif"):
        enc = StaticEncoder(wv, pooling=pooling)
        if pooling == "sif":
            enc.fit(train_a[:2000] + train_b[:2000])
        a, b = enc.encode(first), enc.encode(second)
        scores[pooling] = spearmanr(gold, (a * b).sum(axis=1)).statistic
    assert scores["mean"] > 0.4
    assert scores["sif"] > scores["mean"]


def test_load_encoder_accepts_a_word_vector_file(tmp_path) -> None:
    import numpy as np

    from embedlab.encoders import StaticEncoder, load_encoder
    from embedlab.static import WordVectors

    wv = WordVectors(["cat", "dog"], np.array([[1, 0], [0, 2]], np.float32))
    path = tmp_path / "v.bin"
    wv.save(path)
    enc = load_encoder(path)
    assert isinstance(enc, StaticEncoder)
    # mean of [1, 0] and [0, 2] is [0.5, 1]; normalized by default: [1, 2] / sqrt(5)
    np.testing.assert_allclose(enc.encode(["cat dog"])[0], np.array([1, 2]) / np.sqrt(5),
                               atol=1e-6)
