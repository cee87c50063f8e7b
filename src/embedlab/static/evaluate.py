"""Word-vector benchmarks: analogy accuracy and correlation with human word-pair scores.

Both follow gensim's ``KeyedVectors.evaluate_word_analogies`` / ``evaluate_word_pairs``
rule for rule, so the numbers agree with gensim's on the same vectors:

* only the first ``restrict_vocab`` words are searched and known; with
  ``case_insensitive=True`` words are compared upper-cased and a word with several case
  variants takes the vector of its first (most frequent) variant;
* a question or pair with a word outside that vocabulary is skipped and counted
  (``dummy4unknown=True`` scores it as wrong / similarity 0 instead);
* analogy files hold ``: section`` header lines, then ``a b c d`` lines (``a`` is to ``b``
  as ``c`` is to ``d``); lines without four words are skipped and counted as invalid;
* word-pair files hold ``word1<TAB>word2<TAB>score`` lines; lines starting with ``#`` are
  comments, and lines whose score is not a number (a header row) are skipped and counted.

Bytes that are not UTF-8 are replaced (U+FFFD) and the lines concerned counted in
``.replaced_lines`` rather than stopping the run.

>>> import numpy as np, tempfile, os
>>> from embedlab.static import WordVectors
>>> wv = WordVectors(["a", "b", "c", "d"], np.array([[1, 0], [0, 1], [1, 0.1], [0.1, 1]],
...                  np.float32))
>>> qs = os.path.join(tempfile.mkdtemp(), "q.txt")
>>> _ = open(qs, "w").write(": toy\\na b c d\\na b c zzz\\n")
>>> result = evaluate_analogies(wv, qs)
>>> result[0], [(s["section"], len(s["correct"])) for s in result[1]], result.oov
(1.0, [('toy', 1), ('Total accuracy', 1)], 1)
"""

from __future__ import annotations

import itertools
import logging
import os
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


class AnalogyResult(tuple):
    """``(score, sections)`` as gensim returns, plus the out-of-vocabulary counts.

    ``oov``: questions with a word outside the searched vocabulary; ``questions``: valid
    question lines; ``oov_ratio``: ``100 * oov / questions``; ``invalid``: lines skipped for
    not holding four words; ``replaced_lines``: lines that held bytes that are not UTF-8.
    """

    oov: int
    questions: int
    invalid: int
    replaced_lines: int

    def __new__(cls, score: float, sections: list[dict[str, Any]], oov: int, questions: int,
                invalid: int, replaced_lines: int) -> AnalogyResult:
        self = super().__new__(cls, (score, sections))
        self.oov, self.questions = oov, questions
        self.invalid, self.replaced_lines = invalid, replaced_lines
        return self

    @property
    def oov_ratio(self) -> float:
        return float(self.oov) / self.questions * 100 if self.questions else 0.0


class WordPairsResult(tuple):
    """``(pearson, spearman, oov_ratio)`` as gensim returns, plus counts.

    ``pearson`` and ``spearman`` are scipy results (``statistic``, ``pvalue``; index 0 is
    the coefficient); ``oov_ratio`` is a percentage.  ``oov``: pairs with an unknown word;
    ``pairs``: pairs scored; ``invalid``: lines skipped (header rows, bad scores).
    """

    oov: int
    pairs: int
    invalid: int
    replaced_lines: int

    def __new__(cls, pearson: Any, spearman: Any, oov_ratio: float, oov: int, pairs: int,
                invalid: int, replaced_lines: int) -> WordPairsResult:
        self = super().__new__(cls, (pearson, spearman, oov_ratio))
        self.oov, self.pairs, self.invalid, self.replaced_lines = oov, pairs, invalid, replaced_lines
        return self


def _ok_vocab(wv: Any, restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
    """Known words (upper-cased when case-insensitive) to rows; the first variant wins."""
    keys = wv.words[:restrict_vocab]
    if case_insensitive:
        return {k.upper(): wv.index[k] for k in reversed(keys)}
    return {k: wv.index[k] for k in reversed(keys)}


def _lines(path: str | os.PathLike[str], counter: list[int], encoding: str = "utf-8") -> Any:
    """Decoded lines; undecodable bytes are replaced and the line counted in ``counter[0]``."""
    with open(path, "rb") as fh:
        for raw in fh:
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError:
                counter[0] += 1
                yield raw.decode(encoding, errors="replace")


def _section_score(section: dict[str, Any]) -> float:
    correct, incorrect = len(section["correct"]), len(section["incorrect"])
    if correct + incorrect == 0:
        return 0.0
    score = correct / (correct + incorrect)
    log.info("%s: %.1f%% (%i/%i)", section["section"], 100.0 * score, correct,
             correct + incorrect)
    return score


def evaluate_analogies(wv: Any, path: str | os.PathLike[str],
                       restrict_vocab: int = 300000, case_insensitive: bool = True,
                       dummy4unknown: bool = False, method: str = "add") -> AnalogyResult:
    """Analogy accuracy: ``(score, sections)`` with per-section ``correct``/``incorrect``
    lists of 4-tuples and a final ``"Total accuracy"`` section, as gensim returns.

    ``method="add"`` (3CosAdd, gensim's only method) or ``"mul"`` (3CosMul).  The top five
    candidates are taken, the question's own words (in any case variant) skipped.
    """
    if method not in ("add", "mul"):
        raise ValueError(f"unknown analogy method {method!r}; choose 'add' or 'mul'")
    ok_vocab = _ok_vocab(wv, restrict_vocab, case_insensitive)
    stop = min(restrict_vocab, len(wv)) if restrict_vocab else len(wv)
    oov = questions = invalid = 0
    replaced = [0]
    sections: list[dict[str, Any]] = []
    section: dict[str, Any] | None = None
    for line_no, line in enumerate(_lines(path, replaced)):
        if line.startswith(": "):
            if section:
                sections.append(section)
                _section_score(section)
            section = {"section": line.lstrip(": ").strip(), "correct": [], "incorrect": []}
            continue
        if not section:
            raise ValueError(f"{path}, line {line_no + 1}: a question before any ': section' "
                             "header line")
        words = [w.upper() for w in line.split()] if case_insensitive else line.split()
        if len(words) != 4:
            invalid += 1
            log.info("skipping invalid line #%i in %s", line_no, path)
            continue
        a, b, c, expected = words
        questions += 1
        if a not in ok_vocab or b not in ok_vocab or c not in ok_vocab or expected not in ok_vocab:
            oov += 1
            if dummy4unknown:
                section["incorrect"].append((a, b, c, expected))
            continue
        ignore = {a, b, c}
        sims = _predict(wv, ok_vocab, a, b, c, stop, method)
        predicted = None
        for word, _ in sims:
            predicted = word.upper() if case_insensitive else word
            if predicted in ok_vocab and predicted not in ignore:
                break
        if predicted == expected:
            section["correct"].append((a, b, c, expected))
        else:
            section["incorrect"].append((a, b, c, expected))
    if section:
        sections.append(section)
        _section_score(section)
    total = {
        "section": "Total accuracy",
        "correct": list(itertools.chain.from_iterable(s["correct"] for s in sections)),
        "incorrect": list(itertools.chain.from_iterable(s["incorrect"] for s in sections)),
    }
    if questions:
        log.info("quadruplets with out-of-vocabulary words: %.1f%%", 100.0 * oov / questions)
    if replaced[0]:
        log.warning("%s: %d lines held bytes that are not UTF-8 (replaced)", path, replaced[0])
    score = _section_score(total)
    sections.append(total)
    return AnalogyResult(score, sections, oov, questions, invalid, replaced[0])


def _predict(wv: Any, ok_vocab: dict[str, int], a: str, b: str, c: str, stop: int,
             method: str) -> list[tuple[str, float]]:
    """Top five candidates for ``a : b :: c : ?`` among the first ``stop`` rows."""
    rows = [ok_vocab[b], ok_vocab[c], ok_vocab[a]]
    if method == "add":
        weights = np.array([1.0, 1.0, -1.0])
        mean = wv._mean_unit([b, c, a], weights, ok_vocab)
        dists = wv._add_scores(mean, stop)
        return wv._ranked(dists, 5, rows)
    unit = [wv.vectors[r] / wv.norms[r] for r in rows]
    dists = wv._mul_scores(unit[:2], unit[2:], stop)
    return wv._ranked(dists, 5, sorted(set(rows)))


def evaluate_word_pairs(wv: Any, path: str | os.PathLike[str], delimiter: str = "\t",
                        restrict_vocab: int = 300000, case_insensitive: bool = True,
                        dummy4unknown: bool = False, encoding: str = "utf-8") -> WordPairsResult:
    """Pearson and Spearman correlation of cosine similarity with human scores.

    Returns ``(pearson, spearman, oov_ratio)`` like gensim (``oov_ratio`` in percent; with
    ``dummy4unknown`` unknown pairs score 0 and the ratio is over the scored pairs).
    """
    from scipy import stats

    from embedlab.similarity.metrics import unitvec_exact as _unitvec

    ok_vocab = _ok_vocab(wv, restrict_vocab, case_insensitive)
    gold: list[float] = []
    model: list[Any] = []
    oov = invalid = 0
    replaced = [0]
    for line_no, line in enumerate(_lines(path, replaced, encoding)):
        if not line or line.startswith("#"):
            continue
        try:
            parts = line.upper().split(delimiter) if case_insensitive else line.split(delimiter)
            a, b, score_text = parts
            score = float(score_text)
        except (ValueError, TypeError):
            invalid += 1
            log.info("skipping invalid line #%d in %s", line_no, path)
            continue
        if a not in ok_vocab or b not in ok_vocab:
            oov += 1
            if dummy4unknown:
                model.append(0.0)
                gold.append(score)
            continue
        gold.append(score)
        va, vb = wv.vectors[ok_vocab[a]], wv.vectors[ok_vocab[b]]
        model.append(np.dot(_unitvec(va), _unitvec(vb)))  # float32, as gensim keeps it
    if not gold:
        raise ValueError(f"no valid word pairs in {path}: the file is not "
                         f"'word1{delimiter!r}word2{delimiter!r}score' lines, or every pair "
                         "holds an unknown word")
    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    ratio = float(oov) / len(gold) * 100 if dummy4unknown else float(oov) / (len(gold) + oov) * 100
    if replaced[0]:
        log.warning("%s: %d lines held bytes that are not UTF-8 (replaced)", path, replaced[0])
    scored = len(gold) - (oov if dummy4unknown else 0)
    return WordPairsResult(pearson, spearman, ratio, oov, scored, invalid, replaced[0])
