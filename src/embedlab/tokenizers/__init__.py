"""Pure-Python tokenizers reading HF ``tokenizer.json``, with ids identical to HF ``tokenizers``.

One module per stage, as in HF: ``normalizers``, ``pre_tokenizers``, ``models``,
``post_processors``, ``decoders`` and ``added_tokens``; ``tokenizer`` ties them together.
"""

from __future__ import annotations

from .added_tokens import AddedToken, AddedVocabulary
from .decoders import WordPieceDecoder
from .encoding import Encoding
from .models import WordPiece
from .normalizers import NFC, NFD, NFKC, NFKD, BertNormalizer, Lowercase, StripAccents
from .normalizers import Sequence as NormalizerSequence
from .post_processors import RobertaProcessing, TemplateProcessing
from .pre_tokenizers import BertPreTokenizer, Whitespace, WhitespaceSplit
from .pre_tokenizers import Sequence as PreTokenizerSequence
from .tokenizer import Tokenizer

__all__ = [
    "NFC",
    "NFD",
    "NFKC",
    "NFKD",
    "AddedToken",
    "AddedVocabulary",
    "BertNormalizer",
    "BertPreTokenizer",
    "Encoding",
    "Lowercase",
    "NormalizerSequence",
    "PreTokenizerSequence",
    "RobertaProcessing",
    "StripAccents",
    "TemplateProcessing",
    "Tokenizer",
    "Whitespace",
    "WhitespaceSplit",
    "WordPiece",
    "WordPieceDecoder",
]
