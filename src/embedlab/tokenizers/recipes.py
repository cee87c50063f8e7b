"""Ready pipelines to train: character BPE, byte-level BPE and BERT WordPiece.

Each recipe is the pipeline of the matching HF ``tokenizers`` implementation:

* ``bpe``: ``CharBPETokenizer`` — BERT normalizer (no lowercasing), BERT pre-tokenizer,
  BPE with the ``</w>`` end-of-word suffix and ``<unk>``;
* ``bytelevel-bpe``: ``ByteLevelBPETokenizer`` — GPT-2's byte-level pre-tokenizer (no prefix
  space), the 256 byte characters as initial alphabet, so no text is ever unknown;
* ``wordpiece``: ``BertWordPieceTokenizer`` — BERT normalizer (lowercasing), BERT
  pre-tokenizer, WordPiece with ``##`` and ``[UNK]``, ``[CLS] … [SEP]`` added on encoding.

>>> tok = train_tokenizer_from_iterator(["low lower lowest newer newest"] * 4,
...                                     "bytelevel-bpe", vocab_size=270, show_progress=False)
>>> tok.decode(tok.encode("newest lowest").ids)
'newest lowest'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .bpe import BPE
from .decoders import BPEDecoder, WordPieceDecoder
from .decoders import ByteLevel as ByteLevelDecoder
from .models import WordPiece
from .normalizers import BertNormalizer
from .post_processors import BertProcessing
from .post_processors import ByteLevel as ByteLevelProcessing
from .pre_tokenizers import BertPreTokenizer, ByteLevel
from .tokenizer import Tokenizer
from .trainers import BpeTrainer, WordPieceTrainer

MODELS = ("bpe", "bytelevel-bpe", "wordpiece")
DEFAULT_SPECIAL_TOKENS = {
    "bpe": ["<unk>"],
    "bytelevel-bpe": ["<|endoftext|>"],
    "wordpiece": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
}
# tokens the pipeline itself uses, so they must be among the special tokens
REQUIRED_SPECIAL_TOKENS = {"bpe": ["<unk>"], "bytelevel-bpe": [],
                           "wordpiece": ["[UNK]", "[CLS]", "[SEP]"]}


def new_tokenizer(
    model: str,
    vocab_size: int = 30000,
    min_frequency: int = 0,
    special_tokens: Sequence[str] | None = None,
    limit_alphabet: int | None = None,
    show_progress: bool = True,
    max_token_length: int | None = None,
) -> tuple[Tokenizer, BpeTrainer]:
    """An untrained tokenizer of the recipe ``model`` and the trainer that goes with it."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; use one of {', '.join(MODELS)}")
    specials = list(DEFAULT_SPECIAL_TOKENS[model] if special_tokens is None else special_tokens)
    missing = [t for t in REQUIRED_SPECIAL_TOKENS[model] if t not in specials]
    if missing:
        raise ValueError(
            f"the {model} pipeline needs the special token(s) {', '.join(missing)}, missing "
            f"from {specials}; add them to the special tokens")
    opts: dict[str, Any] = dict(vocab_size=vocab_size, min_frequency=min_frequency,
                                special_tokens=specials, limit_alphabet=limit_alphabet,
                                show_progress=show_progress, max_token_length=max_token_length)
    trainer: BpeTrainer
    if model == "bpe":
        tok = Tokenizer(BPE(unk_token="<unk>", end_of_word_suffix="</w>"),
                        normalizer=BertNormalizer(lowercase=False),
                        pre_tokenizer=BertPreTokenizer(), decoder=BPEDecoder("</w>"))
        trainer = BpeTrainer(end_of_word_suffix="</w>", **opts)
    elif model == "bytelevel-bpe":
        tok = Tokenizer(BPE(), pre_tokenizer=ByteLevel(add_prefix_space=False),
                        post_processor=ByteLevelProcessing(trim_offsets=False),
                        decoder=ByteLevelDecoder())
        trainer = BpeTrainer(initial_alphabet=ByteLevel.alphabet(), **opts)
    else:
        if opts["limit_alphabet"] is None:
            opts["limit_alphabet"] = 1000
        tok = Tokenizer(WordPiece({}, unk_token="[UNK]"), normalizer=BertNormalizer(),
                        pre_tokenizer=BertPreTokenizer(), decoder=WordPieceDecoder())
        trainer = WordPieceTrainer(**opts)
    return tok, trainer


def _finish(tok: Tokenizer, model: str) -> Tokenizer:
    if model == "wordpiece":
        sep, cls = tok.token_to_id("[SEP]"), tok.token_to_id("[CLS]")
        assert sep is not None and cls is not None  # required special tokens
        tok.post_processor = BertProcessing(("[SEP]", sep), ("[CLS]", cls))
    return tok


def train_tokenizer(files: Iterable[str | Path], model: str, **options: Any) -> Tokenizer:
    """Train the recipe ``model`` on UTF-8 text files (options: see ``new_tokenizer``)."""
    tok, trainer = new_tokenizer(model, **options)
    return _finish(tok.train(list(files), trainer), model)


def train_tokenizer_from_iterator(texts: Iterable[str], model: str, **options: Any) -> Tokenizer:
    """Train the recipe ``model`` on texts from any iterable."""
    tok, trainer = new_tokenizer(model, **options)
    return _finish(tok.train_from_iterator(texts, trainer), model)
