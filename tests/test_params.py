"""scikit-learn's conventions for every trainable class (as ``check_estimator`` checks them):
``__init__`` stores its arguments verbatim, ``get_params`` returns exactly them, validation
waits for ``fit``, and two fits with one seed give identical results."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from embedlab.encoders import StaticEncoder
from embedlab.static import Doc2Vec, GloVe, Word2Vec, WordVectors
from embedlab.text import OneHotEncoder, Vocabulary
from embedlab.viz.projection import PCA

CORPUS = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "a", "log"]] * 30
TINY_WV = WordVectors(["the", "cat", "dog"], np.eye(3, dtype=np.float32))

#: Each class with arguments that differ from its defaults (values of telling types: a
#: bool where an int is allowed, an int where a float is, a callable, a string).
GIVEN = {
    Word2Vec: {"sg": True, "vector_size": 8, "window": 2, "min_count": 1, "alpha": None,
               "ns_exponent": 1, "epochs": 2, "workers": 1, "seed": 3,
               "progress": print, "shared_negatives": False},
    Doc2Vec: {"dm": 0, "vector_size": 8, "min_count": 1, "sample": 0, "alpha": 1,
              "epochs": 2, "workers": 1, "dbow_words": True},
    GloVe: {"vector_size": 8, "window": 3, "min_count": 1, "x_max": 10, "epochs": 2,
            "workers": 1, "symmetric": False},
    Vocabulary: {"min_count": 2, "unknown": "unk", "lowercase": True, "order": "alphabetical"},
    OneHotEncoder: {"handle_unknown": "ignore", "sparse_output": False, "dtype": "float64",
                    "max_size": 5},
    PCA: {"n_components": 3},
    StaticEncoder: {"wv": TINY_WV, "pooling": "sif", "sif_a": 1, "token_pattern": r"[a-z]+",
                    "normalize": False, "name": "tiny"},
}


def _init_names(cls: type) -> list[str]:
    return [n for n, p in inspect.signature(cls.__init__).parameters.items()
            if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


@pytest.mark.parametrize("cls", list(GIVEN), ids=lambda c: c.__name__)
def test_get_params_is_the_init_arguments_verbatim(cls) -> None:
    given = GIVEN[cls]
    obj = cls(**given)
    params = obj.get_params()
    assert sorted(params) == sorted(_init_names(cls))
    for name, value in given.items():
        assert params[name] is value, name  # stored as given: not cast, not copied
    defaults = {n: p.default for n, p in inspect.signature(cls.__init__).parameters.items()
                if n in params and n not in given}
    assert {n: params[n] for n in defaults} == defaults
    again = cls(**params)
    assert again.get_params() == params


@pytest.mark.parametrize("cls, bad", [
    (Word2Vec, {"window": 0}), (Word2Vec, {"sg": 2}), (Doc2Vec, {"dm": 5}),
    (GloVe, {"learning_rate": -1}), (Vocabulary, {"unknown": "drop"}),
    (OneHotEncoder, {"handle_unknown": "skip"}), (PCA, {"n_components": 0}),
], ids=lambda x: x.__name__ if isinstance(x, type) else str(x))
def test_validation_waits_for_fit(cls, bad) -> None:
    obj = cls(**bad)  # constructing never fails
    assert obj.get_params()[next(iter(bad))] == next(iter(bad.values()))
    data = np.ones((4, 4)) if cls is PCA else CORPUS
    with pytest.raises(ValueError, match=next(iter(bad))):
        obj.fit(data)


def test_set_params_sets_and_names_unknown_ones() -> None:
    model = Word2Vec().set_params(window=3, epochs=2)
    assert (model.window, model.epochs) == (3, 2)
    with pytest.raises(ValueError, match="no parameter 'windw'.*window"):
        Word2Vec().set_params(windw=3)


def test_corpus_options_are_parameters_too() -> None:
    assert Word2Vec(max_sentence_length=50).get_params()["max_sentence_length"] == 50
    assert Doc2Vec(lowercase=True).get_params()["lowercase"] is True
    assert Doc2Vec().min_count == 5  # every argument is stored, the shared ones included


@pytest.mark.parametrize("make, result", [
    (lambda: Word2Vec(vector_size=8, min_count=1, epochs=2, workers=1, seed=4),
     lambda m: m.wv.vectors),
    (lambda: Doc2Vec(vector_size=8, min_count=1, epochs=2, workers=1, seed=4),
     lambda m: m.dv.vectors),
    (lambda: GloVe(vector_size=8, min_count=1, epochs=3, workers=1, seed=4),
     lambda m: m.word_vectors),
], ids=["Word2Vec", "Doc2Vec", "GloVe"])
def test_two_fits_with_one_seed_are_identical(make, result) -> None:
    first = result(make().fit(CORPUS))
    model = make()
    model.fit(CORPUS)
    np.testing.assert_array_equal(result(model.fit(CORPUS)), first)  # refitting too


@pytest.mark.parametrize("make, learned", [
    (lambda: Word2Vec(vector_size=4, min_count=1, epochs=1, workers=1),
     ["vocab", "syn0", "syn1neg", "syn1", "history", "corpus_stats"]),
    (lambda: Doc2Vec(vector_size=4, min_count=1, epochs=1, workers=1),
     ["vocab", "syn0", "docvecs", "dv", "history"]),
    (lambda: GloVe(vector_size=4, min_count=1, epochs=1, workers=1),
     ["words", "counts", "word_vectors", "weights", "cooccurrence", "history",
      "cooccur_seconds"]),
], ids=["Word2Vec", "Doc2Vec", "GloVe"])
def test_learned_state_ends_in_underscore_and_old_names_read_it(make, learned) -> None:
    model = make().fit(CORPUS)
    for name in learned:
        assert getattr(model, name) is getattr(model, name + "_"), name
        with pytest.raises(AttributeError):
            setattr(model, name, None)  # read-only: the state is fit's
    assert not set(learned) & set(model.get_params())
