"""Corpus streaming and the one-pass vocabulary scan."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from embedlab.static.vocab import scan
from embedlab.text.corpus import Corpus, CorpusError, tokenize


def test_tokenize_options() -> None:
    text = "It's 3.5 o'clock; 1,000 Cats — don’t_stop!"
    assert tokenize(text) == ["it's", "3", "5", "o'clock", "1", "000", "cats", "don't",
                              "stop"]
    assert tokenize(text, lowercase=False, keep_numbers=False) == [
        "It's", "o'clock", "Cats", "don't", "stop"]


def test_files_and_folders_stream_sentences(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("The cat sat. The dog ran.\n\nA new paragraph here.\n")
    (tmp_path / "sub" / "b.md").write_text("Mr. Smith left early. He was tired.")
    (tmp_path / "skip.bin").write_bytes(b"\x00\x01")
    got = list(Corpus(tmp_path))
    assert got == [["the", "cat", "sat"], ["the", "dog", "ran"], ["a", "new", "paragraph",
                   "here"], ["mr", "smith", "left", "early"], ["he", "was", "tired"]]
    assert list(Corpus(tmp_path / "a.txt", split_sentences=False)) == [
        ["the", "cat", "sat", "the", "dog", "ran"], ["a", "new", "paragraph", "here"]]
    corpus = Corpus([tmp_path / "a.txt", str(tmp_path / "sub" / "b.md")])
    assert len(list(corpus)) == 5 and len(list(corpus)) == 5  # re-iterable
    assert corpus.stats.files == 2 and corpus.stats.words == 17


def test_generators_are_kept_so_the_corpus_can_be_reread() -> None:
    corpus = Corpus(s.split() for s in ["a b", "c"])
    assert list(corpus) == [["a", "b"], ["c"]]
    assert list(corpus) == [["a", "b"], ["c"]]


def test_non_utf8_bytes_are_replaced_counted_and_reported(tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("café naïve\n".encode("latin-1") + "déjà vu\n".encode())
    corpus = Corpus(path, split_sentences=False)
    with caplog.at_level(logging.WARNING):
        words = list(corpus)
    assert words == [["caf", "na", "ve", "déjà", "vu"]]
    assert corpus.stats.decode_errors == {str(path): 2}
    assert "latin1.txt" in caplog.text and "not valid UTF-8" in caplog.text


def test_long_sentences_are_cut() -> None:
    got = list(Corpus([["w"] * 25], max_sentence_length=10))
    assert [len(s) for s in got] == [10, 10, 5]


@pytest.mark.parametrize("bad,match", [
    (42, "path, a list of paths"), ("/no/such/corpus", "does not exist"),
    ([["a", 3]], "token 1 is int"), ([{"a": 1}], "sentence 0 is dict"),
])
def test_bad_corpora_are_named(bad: object, match: str) -> None:
    with pytest.raises(CorpusError, match=match):
        list(Corpus(bad))


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no text files"):
        Corpus(tmp_path)


def _random_sentences(n: int, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    return [[f"w{int(z)}" for z in rng.zipf(1.3, int(rng.integers(0, 20))) % 500]
            for _ in range(n)]


@pytest.mark.parametrize("min_count,max_vocab", [(1, None), (3, None), (2, 25)])
def test_scan_matches_a_counter_oracle(min_count: int, max_vocab: int | None) -> None:
    sents = _random_sentences(2000)
    vocab, data = scan(sents, min_count=min_count, max_vocab=max_vocab)
    counts = Counter(w for s in sents for w in s)
    first_seen = {w: i for i, w in reversed(list(enumerate(w for s in sents for w in s)))}
    want = sorted((w for w, c in counts.items() if c >= min_count),
                  key=lambda w: (-counts[w], first_seen[w]))[:max_vocab]
    assert vocab.words == want
    assert vocab.counts.tolist() == [counts[w] for w in want]
    keep = set(want)
    expected = [[vocab.index[w] for w in s if w in keep] for s in sents]
    got = [data.ids[data.starts[i]:data.starts[i + 1]].tolist() for i in range(len(sents))]
    assert got == expected
    assert data.raw_words == sum(len(s) for s in sents)


def test_spilled_scan_equals_in_memory_scan() -> None:
    sents = _random_sentences(3000, seed=1)
    v1, d1 = scan(sents, min_count=2)
    v2, d2 = scan(sents, min_count=2, spill_words=1000)
    assert isinstance(d2.ids, np.memmap)
    assert v1.words == v2.words
    assert np.array_equal(d1.ids, np.asarray(d2.ids))
    assert np.array_equal(d1.starts, d2.starts)
    d2.close()


def test_scan_errors() -> None:
    with pytest.raises(CorpusError, match="empty"):
        scan([[]])
    with pytest.raises(CorpusError, match="lower min_count"):
        scan([["a", "b"]], min_count=2)
    with pytest.raises(ValueError, match="min_count"):
        scan([["a"]], min_count=0)
