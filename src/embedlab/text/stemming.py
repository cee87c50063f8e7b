"""Stemming: cut words down to a stem with the Porter, Snowball or Lancaster algorithm.

* ``algorithm="porter"`` — M. F. Porter's 1980 algorithm (English), as published in the
  Snowball project (package ``snowballstemmer``);
* ``algorithm="snowball"`` — the Snowball stemmer of ``language`` (``"english"`` is
  Porter2, the revised Porter; about 30 other languages: :func:`snowball_languages`);
* ``algorithm="lancaster"`` — the Lancaster (Paice/Husk) stemmer from ``nltk``, more
  aggressive (English).

Words are lower-cased first; a text is split into words by
:func:`~embedlab.text.vocabulary.tokenize`.

>>> stem(["running", "caresses", "ponies", "generously"])
['run', 'caress', 'poni', 'gener']
>>> stem("running generously", algorithm="snowball")
['run', 'generous']
>>> stem_word("happiness")
'happi'

A stem need not be a word: ``"happily"`` stems to ``"happili"`` under both Porter and
Porter2 (the final ``y`` becomes ``i``, and ``-li`` is only removed after one of
``c d e g h k m n r t``); ``"happiness"`` gives ``"happi"``.  For dictionary forms use
:func:`embedlab.text.lemmatize`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Literal

from embedlab.errors import MissingDependencyError  # noqa: F401  (its public home was here)
from embedlab.errors import require as _require
from embedlab.text.vocabulary import tokenize

Algorithm = Literal["porter", "snowball", "lancaster"]
ALGORITHMS: tuple[str, ...] = ("porter", "snowball", "lancaster")

#: pip requirement of each optional library used here and in lemmatization.
PIP_REQUIREMENTS = {
    "snowballstemmer": "snowballstemmer>=2.2",
    "nltk": "nltk>=3.9",
}


def require(module: str, requirements: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the pip command."""
    return _require(module, requirements, purpose, "text")


_local = threading.local()


def snowball_languages() -> list[str]:
    """Languages of ``algorithm="snowball"`` (from ``snowballstemmer``)."""
    snowball = require("snowballstemmer", f"'{PIP_REQUIREMENTS['snowballstemmer']}'",
                       "Snowball stemming")
    return sorted(a for a in snowball.algorithms() if a != "porter")


def _stemmer(algorithm: str, language: str) -> Callable[[str], str]:
    """A cached stemming function, one per thread (the stemmers keep state while working)."""
    cache: dict[tuple[str, str], Callable[[str], str]] = _local.__dict__.setdefault("cache", {})
    key = (algorithm, language)
    if key in cache:
        return cache[key]
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm={algorithm!r} is not known; use one of "
                         f"{', '.join(ALGORITHMS)}")
    if algorithm in ("porter", "lancaster") and language != "english":
        raise ValueError(f"the {algorithm} stemmer is for English only (got language="
                         f"{language!r}); use algorithm='snowball' for other languages")
    fn: Callable[[str], str]
    if algorithm == "lancaster":
        nltk_stem = require("nltk.stem", f"'{PIP_REQUIREMENTS['nltk']}'", "Lancaster stemming")
        fn = nltk_stem.LancasterStemmer().stem
    else:
        snowball = require("snowballstemmer", f"'{PIP_REQUIREMENTS['snowballstemmer']}'",
                           f"{algorithm.capitalize()} stemming")
        name = "porter" if algorithm == "porter" else language.lower()
        if name == "porter" and algorithm == "snowball":
            raise ValueError("language='porter' is not a language: use algorithm='porter'")
        try:
            fn = snowball.stemmer(name).stemWord
        except KeyError:
            raise ValueError(f"no Snowball stemmer for language={language!r}; known: "
                             f"{', '.join(snowball_languages())}") from None
    cache[key] = fn
    return fn


def stem_word(word: str, algorithm: Algorithm = "porter", language: str = "english") -> str:
    """The stem of one word (lower-cased first).

    >>> stem_word("Running"), stem_word("running", "snowball"), stem_word("maximum", "lancaster")
    ('run', 'run', 'maxim')
    """
    return _stemmer(algorithm, language)(word.lower())


def stem(words_or_text: str | Iterable[str], algorithm: Algorithm = "porter",
         language: str = "english") -> list[str]:
    """Stems of a list of words, or of the words of a text, in order.

    >>> stem("The cats were running", algorithm="snowball")
    ['the', 'cat', 'were', 'run']
    >>> stem(["chanteuses", "chantait"], algorithm="snowball", language="french")
    ['chanteux', 'chant']
    """
    words = tokenize(words_or_text) if isinstance(words_or_text, str) else list(words_or_text)
    fn = _stemmer(algorithm, language)
    return [fn(w.lower()) for w in words]
