"""Stream a training corpus as sentences of word tokens, without holding it in memory.

A :class:`Corpus` is built from a file, a folder (every ``.txt``/``.md`` file below it, in
sorted order), a list of those, or an iterable of sentences (token lists or strings).
Iterating it yields one ``list[str]`` per sentence and can be repeated: files are reopened
each time.  Bytes that are not valid UTF-8 are replaced by U+FFFD; :attr:`Corpus.stats`
counts them per file and a warning names the file.

>>> list(Corpus(["The cat is fluffy. The dog is fluffy."]))
[['the', 'cat', 'is', 'fluffy'], ['the', 'dog', 'is', 'fluffy']]
>>> tokenize("It's 42 degrees, isn't it?", keep_numbers=False)
["it's", 'degrees', "isn't", 'it']
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedlab.errors import EmbedlabError
from embedlab.text.chunking import paragraph_spans, sentence_spans

log = logging.getLogger(__name__)

#: A word: letters/digits, with inner apostrophes kept ("isn't", "o'clock").
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
TEXT_SUFFIXES = (".txt", ".md", ".text")
#: Sentences longer than this are cut into pieces (as gensim and the word2vec C tool do).
MAX_SENTENCE_LENGTH = 10_000


class CorpusError(EmbedlabError, ValueError):
    """A corpus that cannot be read or holds nothing to train on."""


def tokenize(text: str, lowercase: bool = True, keep_numbers: bool = True) -> list[str]:
    """Word tokens of ``text``: runs of letters and digits, inner apostrophes kept.

    ``keep_numbers=False`` drops tokens that are numbers ("42", "3.5", "1,000").
    """
    if lowercase:
        text = text.lower()
    words = [w.replace("\u2019", "'") for w in _WORD.findall(text)]
    if not keep_numbers:
        words = [w for w in words if not _DIGITS.fullmatch(w)]
    return words


@dataclass
class CorpusStats:
    """What the last full pass over a corpus saw."""

    files: int = 0
    sentences: int = 0
    words: int = 0
    decode_errors: dict[str, int] = field(default_factory=dict)  # file -> replaced chars

    @property
    def replaced_characters(self) -> int:
        return sum(self.decode_errors.values())


def corpus_files(source: str | os.PathLike[str]) -> list[Path]:
    """The text files of a path: the file itself, or the text files below a folder."""
    path = Path(source)
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*")
                       if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
        if not files:
            raise CorpusError(f"{path} holds no text files ({', '.join(TEXT_SUFFIXES)}); "
                              "point at a folder of plain-text files or at a file")
        return files
    raise CorpusError(f"corpus path {path} does not exist; check the path")


class Corpus:
    """A re-iterable stream of tokenized sentences.

    Args:
        source: a path (file or folder), a list of paths, or an iterable of sentences where
            each sentence is a list of tokens (used as given) or a string (tokenized).
            A one-shot iterator is read once and kept in memory so it can be re-iterated.
        lowercase, keep_numbers: tokenizer options (see :func:`tokenize`).
        split_sentences: split text into sentences; otherwise each paragraph (text between
            blank lines) or each string is one sentence.
        max_sentence_length: longer sentences are cut into pieces of this many tokens
            (``None`` keeps them whole, as documents for Doc2Vec).
        by_line: each non-empty line of a file is one sentence (one document per line, as
            the Lee corpus and gensim's ``TaggedLineDocument``); no sentence splitting.
    """

    def __init__(self, source: Any, lowercase: bool = True, keep_numbers: bool = True,
                 split_sentences: bool = True,
                 max_sentence_length: int | None = MAX_SENTENCE_LENGTH,
                 by_line: bool = False) -> None:
        self.by_line = by_line
        self.lowercase = lowercase
        self.keep_numbers = keep_numbers
        self.split_sentences = split_sentences
        self.max_sentence_length = max_sentence_length
        self.stats = CorpusStats()
        self._files: list[Path] | None = None
        self._items: Iterable[Any] | None = None
        if isinstance(source, str | os.PathLike):
            self._files = corpus_files(source)
        elif isinstance(source, Corpus):
            self._files, self._items = source._files, source._items
        elif isinstance(source, list | tuple) and source and all(
                isinstance(s, os.PathLike) or (isinstance(s, str) and _looks_like_path(s))
                for s in source):
            self._files = [f for s in source for f in corpus_files(s)]
        elif isinstance(source, bytes) or not hasattr(source, "__iter__"):
            raise CorpusError(
                f"corpus must be a path, a list of paths or an iterable of sentences, "
                f"got {type(source).__name__}")
        else:
            self._items = list(source) if iter(source) is source else source

    # -- iteration --------------------------------------------------------------------
    def __iter__(self) -> Iterator[list[str]]:
        stats = CorpusStats()
        self.stats = stats
        if self._files is not None:
            for path in self._files:
                stats.files += 1
                for sentence in self._file_sentences(path, stats):
                    yield from self._emit(sentence, stats)
        else:
            assert self._items is not None
            for i, item in enumerate(self._items):
                if isinstance(item, str) and not self.split_sentences:
                    tokens = self._tokenize(item)  # one document each, even if empty
                    if tokens:
                        yield from self._emit(tokens, stats)
                    else:
                        stats.sentences += 1
                        yield []
                elif isinstance(item, str):
                    for sentence in self._text_sentences(item):
                        yield from self._emit(sentence, stats)
                elif isinstance(item, list | tuple):
                    for j, tok in enumerate(item):
                        if not isinstance(tok, str):
                            raise CorpusError(
                                f"sentence {i} token {j} is {type(tok).__name__}, not str; "
                                "give sentences as lists of strings")
                    if not item:  # kept, so sentence i still lines up with document i
                        stats.sentences += 1
                        yield []
                    else:
                        yield from self._emit(list(item), stats)
                else:
                    raise CorpusError(
                        f"sentence {i} is {type(item).__name__}; give each sentence as a "
                        "list of tokens or a string")

    def _emit(self, sentence: list[str], stats: CorpusStats) -> Iterator[list[str]]:
        if not sentence:
            return
        stats.sentences += 1
        stats.words += len(sentence)
        n = self.max_sentence_length
        if n is None or len(sentence) <= n:
            yield sentence
        else:
            for start in range(0, len(sentence), n):
                yield sentence[start:start + n]

    def _text_sentences(self, text: str) -> Iterator[list[str]]:
        tok = self._tokenize
        if not self.split_sentences:
            yield tok(text)
            return
        for ps, pe in paragraph_spans(text):
            for ss, se in sentence_spans(text, ps, pe):
                yield tok(text[ss:se])

    def _tokenize(self, text: str) -> list[str]:
        return tokenize(text, self.lowercase, self.keep_numbers)

    def _file_sentences(self, path: Path, stats: CorpusStats) -> Iterator[list[str]]:
        """Sentences of one file, read paragraph by paragraph (bounded memory)."""
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CorpusError(f"cannot read corpus file {path}: {exc.strerror}") from exc
        replaced = 0
        with handle:
            lines: list[str] = []
            size = 0
            for raw in handle:
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    line = raw.decode("utf-8", errors="replace")
                    replaced += line.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
                if self.by_line:
                    if line.strip():
                        yield self._tokenize(line.lstrip("\ufeff"))
                    continue
                if line.strip():
                    lines.append(line)
                    size += len(line)
                    if size < 1 << 20:  # a "paragraph" over 1 MB is flushed in pieces
                        continue
                if lines:
                    yield from self._text_sentences("".join(lines).lstrip("\ufeff"))
                    lines, size = [], 0
            if lines:
                yield from self._text_sentences("".join(lines).lstrip("\ufeff"))
        if replaced:
            stats.decode_errors[str(path)] = replaced
            log.warning("%s: %d bytes were not valid UTF-8 and were replaced by U+FFFD",
                        path, replaced)


def _looks_like_path(text: str) -> bool:
    return os.path.exists(text)
