"""WordVectors: files (against gensim's reader and writer), queries and benchmarks.

gensim is the reference: the same vectors must give the same neighbours, analogy answers
and benchmark numbers.  The GloVe 6B 50d checks need `embedlab pull glove-6b-50d`.
"""

from __future__ import annotations

import logging
import os
import random
from pathlib import Path

import numpy as np
import pytest

from embedlab.encoders import StaticEncoder
from embedlab.errors import EmbedlabError
from embedlab.static import UnknownWordError, VectorFileError, WordVectors
from oracles import require

gensim_kv = require("gensim.models.keyedvectors")
KeyedVectors = gensim_kv.KeyedVectors


def _words(n: int) -> list[str]:
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        w = "".join(rng.choice(letters) for _ in range(rng.randint(2, 6)))
        if w not in seen:
            seen.add(w)
            out.append(w)
    # case variants later in the list (as in vocabularies sorted by frequency)
    for i in range(0, 30, 3):
        out[n - 1 - i] = out[i].capitalize()
    out.append("naïve")
    return out


@pytest.fixture(scope="module")
def small() -> WordVectors:
    words = _words(400)
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((len(words), 16)).astype(np.float32)
    counts = np.arange(len(words), 0, -1, dtype=np.int64) * 10
    return WordVectors(words, vectors, counts)


def _gensim(wv: WordVectors) -> KeyedVectors:
    kv = KeyedVectors(wv.vector_size)
    kv.add_vectors(wv.words, wv.vectors)
    return kv


@pytest.fixture(scope="module")
def glove(glove_dir: Path) -> WordVectors:
    return WordVectors.load("glove-6b-50d")


@pytest.fixture(scope="module")
def glove_gensim(glove: WordVectors) -> KeyedVectors:
    return _gensim(glove)


# --------------------------------------------------------------------------- construction


def test_container_protocol(small: WordVectors) -> None:
    w0, w1 = small.words[:2]
    assert len(small) == 401 and small.vector_size == 16
    assert w0 in small and "not a word" not in small
    assert small.index[w1] == 1
    assert small.vectors.dtype == np.float32
    np.testing.assert_array_equal(small[w0], small.vectors[0])
    np.testing.assert_array_equal(small[[w1, w0]], small.vectors[[1, 0]])


def test_constructor_checks() -> None:
    with pytest.raises(ValueError, match="2 words but 3 vectors"):
        WordVectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="'a' appears twice"):
        WordVectors(["a", "a"], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="counts"):
        WordVectors(["a"], np.zeros((1, 2)), counts=np.array([1, 2]))


def test_unknown_words_are_all_named(small: WordVectors) -> None:
    w0 = small.words[0]
    with pytest.raises(UnknownWordError, match="'zzq1', 'zzq2'") as info:
        small.most_similar([w0, "zzq1"], ["zzq2"])
    assert isinstance(info.value, KeyError) and isinstance(info.value, EmbedlabError)
    assert info.value.words == ["zzq1", "zzq2"]
    for call in (lambda: small["zzq1"], lambda: small.similarity(w0, "zzq1"),
                 lambda: small.distance("zzq1", w0), lambda: small.doesnt_match([w0, "zzq1"]),
                 lambda: small.analogy(w0, "zzq1", w0),
                 lambda: small.most_similar_cosmul([w0], ["zzq1"])):
        with pytest.raises(UnknownWordError, match="zzq1"):
            call()


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("suffix, binary", [(".txt", False), (".bin", True)])
def test_our_word2vec_files_load_in_gensim(small: WordVectors, tmp_path: Path, suffix: str,
                                           binary: bool) -> None:
    path = tmp_path / f"v{suffix}"
    small.save(path)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == small.words
    np.testing.assert_array_equal(kv.vectors, small.vectors)
    back = WordVectors.load(path)
    assert back.words == small.words and back.load_report is not None
    assert back.load_report.format == ("word2vec-binary" if binary else "word2vec-text")
    np.testing.assert_array_equal(back.vectors, small.vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_word2vec_files_load_in_ours(small: WordVectors, tmp_path: Path,
                                            binary: bool) -> None:
    path = tmp_path / "gensim.vec"
    _gensim(small).save_word2vec_format(str(path), binary=binary)
    back = WordVectors.load(path)
    assert back.words == small.words
    np.testing.assert_array_equal(back.vectors, small.vectors)


def test_c_tool_binary_layout_with_newlines(tmp_path: Path) -> None:
    vectors = np.array([[1.5, -2], [0.25, 3]], np.float32)
    data = b"2 2\n" + b"".join(w + b" " + v.tobytes() + b"\n"
                                for w, v in zip([b"</s>", b"cat"], vectors, strict=True))
    path = tmp_path / "c.bin"
    path.write_bytes(data)
    wv = WordVectors.load(path)
    assert wv.words == ["</s>", "cat"]
    np.testing.assert_array_equal(wv.vectors, vectors)


def test_glove_text_and_embedlab_format_round_trip(small: WordVectors, tmp_path: Path) -> None:
    glove_path = tmp_path / "glove.txt"
    small.save(glove_path, format="glove-text")
    assert not glove_path.read_text().startswith("401 16")
    kv = KeyedVectors.load_word2vec_format(str(glove_path), no_header=True)
    np.testing.assert_array_equal(kv.vectors, small.vectors)
    back = WordVectors.load(glove_path)
    assert back.load_report is not None and back.load_report.format == "glove-text"
    np.testing.assert_array_equal(back.vectors, small.vectors)
    for name in ("own.npz", "own.embedlab"):
        small.save(tmp_path / name)
        own = WordVectors.load(tmp_path / name)
        assert own.words == small.words
        np.testing.assert_array_equal(own.vectors, small.vectors)
        assert own.counts is not None and small.counts is not None
        np.testing.assert_array_equal(own.counts, small.counts)


def test_save_needs_a_known_format(small: WordVectors, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="suffix"):
        small.save(tmp_path / "vectors.dat")
    with pytest.raises(ValueError, match="unknown vector format"):
        small.save(tmp_path / "vectors.dat", format="fasttext")
    bad = WordVectors(["two words"], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="space"):
        bad.save(tmp_path / "v.txt")
    assert os.listdir(tmp_path) == []


def test_a_failed_write_leaves_no_file(small: WordVectors, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "v.txt"
    target.write_text("old")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        small.save(target)
    assert os.listdir(tmp_path) == ["v.txt"] and target.read_text() == "old"


def test_truncated_text_file_names_the_line(small: WordVectors, tmp_path: Path) -> None:
    path = tmp_path / "v.txt"
    small.save(path)
    lines = path.read_bytes().split(b"\n")
    cut = tmp_path / "cut.txt"
    cut.write_bytes(b"\n".join(lines[:11]) + b"\n")  # header + 10 vectors
    with pytest.raises(VectorFileError, match=r"line 12: .*ends after 10 vectors.*announces 401"):
        WordVectors.load(cut)
    half = tmp_path / "half.txt"
    half.write_bytes(b"\n".join(lines[:5]) + b"\n" + lines[5][:20])
    with pytest.raises(VectorFileError, match=r"line 6: \d+ values where 16 were expected"):
        WordVectors.load(half)


def test_truncated_binary_file_names_the_entry(small: WordVectors, tmp_path: Path) -> None:
    path = tmp_path / "v.bin"
    small.save(path)
    cut = tmp_path / "cut.bin"
    cut.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(VectorFileError, match=r"entry 401 .*400 of the 401 vectors.*truncated"):
        WordVectors.load(cut)


def test_bad_values_and_formats(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("2 2\na 1 2\nb 1 x\n")
    with pytest.raises(VectorFileError, match=r"line 3: b?'x' is not a number"):
        WordVectors.load(bad)
    ragged = tmp_path / "ragged.txt"
    ragged.write_text("a 1 2 3\nb 1 2\n")
    with pytest.raises(VectorFileError, match="line 2: 2 values where 3"):
        WordVectors.load(ragged)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(VectorFileError, match="empty"):
        WordVectors.load(empty)
    with pytest.raises(FileNotFoundError, match="not found"):
        WordVectors.load(tmp_path / "missing.bin")


def test_non_utf8_words_are_replaced_and_counted(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"3 2\ncaf\xe9 1 2\nok 3 4\nna\xefve 5 6\n")
    with caplog.at_level(logging.WARNING):
        wv = WordVectors.load(path)
    assert wv.words == ["caf\ufffd", "ok", "na\ufffdve"]
    assert wv.load_report is not None and wv.load_report.replaced_words == 2
    assert "2 words held bytes that are not UTF-8" in caplog.text


def test_duplicates_keep_the_first_vector(tmp_path: Path) -> None:
    path = tmp_path / "dup.txt"
    path.write_text("a 1 2\nb 3 4\na 5 6\n")
    wv = WordVectors.load(path)
    assert wv.words == ["a", "b"] and wv["a"].tolist() == [1, 2]
    assert wv.load_report is not None and wv.load_report.duplicates == 1


def test_registry_name_that_is_not_pulled(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path))
    with pytest.raises(EmbedlabError, match="embedlab pull glove-6b-50d"):
        WordVectors.load("glove-6b-50d")


# --------------------------------------------------------------------------- queries


def test_most_similar_matches_gensim(small: WordVectors) -> None:
    kv = _gensim(small)
    w = small.words
    cases = [([w[0]], []), ([w[1], w[2]], [w[3]]), ([(w[4], 2.0), w[5]], [(w[6], -0.5)]),
             ([small.vectors[7]], []), ([w[8], w[8]], [w[9]])]
    for positive, negative in cases:
        for restrict in (None, 100):
            ours = small.most_similar(positive, negative, topn=12, restrict_vocab=restrict)
            theirs = kv.most_similar(positive, negative, topn=12, restrict_vocab=restrict)
            assert ours == theirs
        assert small.most_similar_cosmul([p for p in positive if not isinstance(p, tuple)],
                                         [n for n in negative if not isinstance(n, tuple)],
                                         topn=12) == kv.most_similar_cosmul(
            [p for p in positive if not isinstance(p, tuple)],
            [n for n in negative if not isinstance(n, tuple)], topn=12)
    np.testing.assert_array_equal(small.most_similar(w[0], topn=None),
                                  kv.most_similar(w[0], topn=None))
    assert small.most_similar(w[0], topn=0) == []


def test_similarity_distance_and_doesnt_match_match_gensim(small: WordVectors) -> None:
    kv = _gensim(small)
    w = small.words
    for a, b in [(w[0], w[1]), (w[5], w[300]), (w[7], w[7])]:
        assert small.similarity(a, b) == float(kv.similarity(a, b))
        assert small.distance(a, b) == pytest.approx(float(kv.distance(a, b)), abs=1e-7)
    diff = small.vectors[0].astype(np.float64) - small.vectors[1]
    assert small.distance(w[0], w[1], "euclidean") == pytest.approx(np.linalg.norm(diff))
    assert small.distance(w[0], w[1], "manhattan") == pytest.approx(np.abs(diff).sum())
    with pytest.raises(ValueError, match="unknown metric"):
        small.distance(w[0], w[1], "dot")
    for group in (w[:4], w[10:17], [w[3], w[3], w[40]]):
        assert small.doesnt_match(group) == kv.doesnt_match(group)


def test_analogy_methods(small: WordVectors) -> None:
    kv = _gensim(small)
    a, b, c = small.words[10:13]
    assert small.analogy(a, b, c, topn=3) == kv.most_similar([b, c], [a], topn=3)
    assert small.analogy(a, b, c, topn=3, method="mul") == kv.most_similar_cosmul(
        [b, c], [a], topn=3)
    with pytest.raises(ValueError, match="'add'"):
        small.analogy(a, b, c, method="sub")


# --------------------------------------------------------------------------- benchmarks


def _questions(wv: WordVectors, path: Path) -> Path:
    rng = random.Random(11)
    words = wv.words
    lines = []
    for s in range(3):
        lines.append(f": section-{s}")
        for _ in range(60):
            quad = [rng.choice(words[:350]) for _ in range(4)]
            if rng.random() < 0.15:
                quad[rng.randrange(4)] = rng.choice(words[350:])  # beyond restrict_vocab
            if rng.random() < 0.1:
                quad[rng.randrange(4)] = "oovword"
            if rng.random() < 0.3:
                quad = [q.upper() for q in quad]
            lines.append(" ".join(quad))
        # a question whose answer is its own input, and an invalid line
        lines.append(f"{words[1]} {words[2]} {words[3]} {words[2]}")
        lines.append("too few words")
        # a question answered exactly by vector arithmetic
        lines.append(f"{words[20]} {words[21]} {words[22]} {words[23]}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
def test_evaluate_analogies_matches_gensim(small: WordVectors, tmp_path: Path,
                                           case_insensitive: bool, dummy4unknown: bool) -> None:
    vectors = small.vectors.copy()
    vectors[23] = vectors[21] - vectors[20] + vectors[22]
    wv = WordVectors(small.words, vectors)
    path = _questions(wv, tmp_path / "q.txt")
    kwargs = {"restrict_vocab": 350, "case_insensitive": case_insensitive,
              "dummy4unknown": dummy4unknown}
    result = wv.evaluate_analogies(path, **kwargs)
    score, sections = result
    g_score, g_sections = _gensim(wv).evaluate_word_analogies(str(path), **kwargs)
    assert score == g_score and sections == g_sections
    assert sections[-1]["section"] == "Total accuracy"
    assert result.questions == 3 * 62 and result.invalid == 3
    assert result.oov > 0 and result.oov_ratio == pytest.approx(100 * result.oov / 186)
    counted = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
    assert counted == (186 if dummy4unknown else 186 - result.oov)
    assert (wv.words[20].upper() if case_insensitive else wv.words[20]) in {
        q[0] for q in sections[-1]["correct"]}


def test_evaluate_analogies_mul_and_errors(small: WordVectors, tmp_path: Path) -> None:
    path = _questions(small, tmp_path / "q.txt")
    score, sections = small.evaluate_analogies(path, restrict_vocab=350, method="mul")
    assert 0 <= score <= 1 and sections[-1]["section"] == "Total accuracy"
    headless = tmp_path / "headless.txt"
    headless.write_text("a b c d\n")
    with pytest.raises(ValueError, match="line 1: a question before any ': section'"):
        small.evaluate_analogies(headless)


def _pairs(wv: WordVectors, path: Path) -> Path:
    rng = random.Random(5)
    lines = ["# comment line", "Word 1\tWord 2\tHuman (mean)"]
    for _ in range(80):
        a, b = rng.choice(wv.words), rng.choice(wv.words)
        if rng.random() < 0.1:
            b = "oovword"
        if rng.random() < 0.3:
            a = a.upper()
        lines.append(f"{a}\t{b}\t{rng.uniform(0, 10):.2f}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("dummy4unknown", [False, True])
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_evaluate_word_pairs_matches_gensim(small: WordVectors, tmp_path: Path,
                                            dummy4unknown: bool, case_insensitive: bool) -> None:
    path = _pairs(small, tmp_path / "pairs.tsv")
    kwargs = {"restrict_vocab": 380, "case_insensitive": case_insensitive,
              "dummy4unknown": dummy4unknown}
    result = small.evaluate_word_pairs(path, **kwargs)
    pearson, spearman, oov_ratio = result
    g_pearson, g_spearman, g_oov = _gensim(small).evaluate_word_pairs(str(path), **kwargs)
    assert pearson[0] == g_pearson[0] and spearman[0] == g_spearman[0]
    assert oov_ratio == g_oov and result.oov > 0 and result.invalid == 1


def test_evaluate_word_pairs_replaces_bad_bytes(small: WordVectors, tmp_path: Path) -> None:
    path = _pairs(small, tmp_path / "pairs.tsv")
    path.write_bytes(path.read_bytes() + b"caf\xe9\tok\t3.0\n")
    result = small.evaluate_word_pairs(path)
    assert result.replaced_lines == 1
    empty = tmp_path / "empty.tsv"
    empty.write_text("# nothing\n")
    with pytest.raises(ValueError, match="no valid word pairs"):
        small.evaluate_word_pairs(empty)


# --------------------------------------------------------------------------- GloVe 6B 50d


def test_glove_loads_by_name(glove: WordVectors, glove_gensim: KeyedVectors) -> None:
    assert len(glove) == 400_000 and glove.vector_size == 50 and glove.words[0] == "the"
    for query in (["king", "woman"], ["frog"], ["paris", "germany"]):
        negative = ["man"] if query[0] == "king" else ["france"] if query[0] == "paris" else []
        assert glove.most_similar(query, negative) == glove_gensim.most_similar(query, negative)
    assert glove.analogy("man", "king", "woman")[0][0] == "queen"


def test_glove_word_pairs_match_gensim(glove: WordVectors, glove_gensim: KeyedVectors,
                                       data_dir: Path) -> None:
    for name in ("wordsim353.tsv", "simlex999.txt"):
        path = data_dir / "word" / name
        ours = glove.evaluate_word_pairs(path)
        theirs = glove_gensim.evaluate_word_pairs(str(path))
        assert ours[0][0] == theirs[0][0] and ours[1][0] == theirs[1][0]
        assert ours[2] == theirs[2]
    assert glove.evaluate_word_pairs(data_dir / "word" / "wordsim353.tsv")[1][0] == \
        pytest.approx(0.5033, abs=1e-4)


def test_glove_analogies_first_sections_match_gensim(glove: WordVectors,
                                                     glove_gensim: KeyedVectors,
                                                     data_dir: Path, tmp_path: Path) -> None:
    lines = (data_dir / "word" / "questions-words.txt").read_text().splitlines()
    picked = lines[:101] + [ln for ln in lines if ln.startswith(": gram")][:1] + \
        lines[lines.index(": gram3-comparative") + 1:][:100]
    path = tmp_path / "q.txt"
    path.write_text("\n".join(picked) + "\n")
    ours = glove.evaluate_analogies(path, restrict_vocab=30000)
    theirs = glove_gensim.evaluate_word_analogies(str(path), restrict_vocab=30000)
    assert ours[0] == theirs[0] and ours[1] == theirs[1]


@pytest.mark.slow
def test_glove_full_analogy_benchmark_matches_gensim(glove: WordVectors,
                                                     glove_gensim: KeyedVectors,
                                                     data_dir: Path) -> None:
    path = data_dir / "word" / "questions-words.txt"
    ours = glove.evaluate_analogies(path, restrict_vocab=30000)
    theirs = glove_gensim.evaluate_word_analogies(str(path), restrict_vocab=30000)
    assert ours[0] == theirs[0] and ours[1] == theirs[1]
    assert ours.questions == 19544 and ours[0] == pytest.approx(0.4969, abs=1e-4)


def test_glove_static_encoder_by_name(glove_dir: Path) -> None:
    from embedlab.encoders import load_encoder

    encoder = load_encoder("glove-6b-50d")
    assert isinstance(encoder, StaticEncoder) and encoder.dimension == 50
    vectors = encoder.encode(["the cat sat on the mat", "a kitten sat on a rug",
                              "stock markets fell sharply"])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_gzip_files_limit_and_modes(small: WordVectors, tmp_path: Path) -> None:
    import gzip
    import stat

    path = tmp_path / "v.txt"
    small.save(path)
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0o600
    packed = tmp_path / "v.txt.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    back = WordVectors.load(packed)
    np.testing.assert_array_equal(back.vectors, small.vectors)
    cut = tmp_path / "cut.txt.gz"
    cut.write_bytes(packed.read_bytes()[:5000])
    with pytest.raises(VectorFileError, match="damaged or cut short"):
        WordVectors.load(cut)
    first = WordVectors.load(path, limit=10)
    assert first.words == small.words[:10]
    small.save(tmp_path / "v.bin")
    assert WordVectors.load(tmp_path / "v.bin", limit=5).words == small.words[:5]


def test_non_utf8_words_in_binary_files(tmp_path: Path) -> None:
    vec = np.array([1, 2], np.float32).tobytes()
    path = tmp_path / "latin1.bin"
    path.write_bytes(b"2 2\ncaf\xe9 " + vec + b"ok " + vec)
    wv = WordVectors.load(path)
    assert wv.words == ["caf\ufffd", "ok"]
    assert wv.load_report is not None and wv.load_report.replaced_words == 1
