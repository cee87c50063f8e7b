"""What every tokenization model shares (HF's ``Model`` trait): the vocabulary and its
accessors, and the two questions the tokenizer asks of a model — the tokens of one word, and
how it got them (for ``Tokenizer.explain``)."""

from __future__ import annotations

from typing import Any

# ids, tokens, (start, end) offsets relative to the word, all as tuples (cached, shared)
WordResult = tuple[tuple[int, ...], tuple[str, ...], tuple[tuple[int, int], ...]]


class Model:
    """Base of ``BPE`` and ``WordPiece``: ``vocab`` (token -> id) and ``vocab_r`` (id ->
    token) are set by the subclass."""

    type_name = ""
    vocab: dict[str, int]
    vocab_r: dict[int, str]
    _cache: dict[str, WordResult]  # per-word results (the subclass's cache)

    # -- vocabulary -------------------------------------------------------------------
    def token_to_id(self, token: str) -> int | None:
        return self.vocab.get(token)

    def id_to_token(self, id_: int) -> str | None:
        return self.vocab_r.get(id_)

    def get_vocab_size(self) -> int:
        return len(self.vocab)

    def get_vocab(self) -> dict[str, int]:
        return dict(self.vocab)

    # -- what subclasses provide ------------------------------------------------------
    def tokenize_word(self, word: str) -> WordResult:
        raise NotImplementedError

    def explain_word(self, word: str) -> tuple[list[str], list[Any], list[str]]:
        """``(initial symbols, steps, final tokens)`` for one pre-tokenized word."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError
