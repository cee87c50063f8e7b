"""Pure-Python tokenizers reading and writing HF ``tokenizer.json``, with ids, tokens and
offsets identical to HF ``tokenizers``.

One module per stage, as in HF: ``normalizers``, ``pre_tokenizers``, ``models`` (WordPiece,
BPE), ``post_processors``, ``decoders`` and ``added_tokens``; ``tokenizer`` ties them together,
``bytelevel`` holds the GPT-2 byte table and ``explain`` the segmentation traces.

>>> from embedlab.tokenizers import Tokenizer, BPE, ByteLevel, ByteLevelDecoder
>>> tok = Tokenizer(BPE({c: i for i, c in enumerate("Ġabc")}, []),
...                 pre_tokenizer=ByteLevel(add_prefix_space=False), decoder=ByteLevelDecoder())
>>> tok.encode("ab c").tokens
['a', 'b', 'Ġ', 'c']
"""

from __future__ import annotations

from .added_tokens import AddedToken, AddedVocabulary
from .bpe import BPE, MergeStep
from .decoders import BPEDecoder, ByteFallback, Fuse, WordPieceDecoder
from .decoders import ByteLevel as ByteLevelDecoder
from .decoders import Metaspace as MetaspaceDecoder
from .decoders import Replace as ReplaceDecoder
from .decoders import Sequence as DecoderSequence
from .decoders import Strip as StripDecoder
from .encoding import Encoding
from .explain import Explanation, format_explanation
from .models import MatchStep, WordPiece
from .normalizers import (
    NFC,
    NFD,
    NFKC,
    NFKD,
    BertNormalizer,
    Lowercase,
    Prepend,
    Replace,
    Strip,
    StripAccents,
)
from .normalizers import Sequence as NormalizerSequence
from .post_processors import BertProcessing, RobertaProcessing, TemplateProcessing
from .post_processors import ByteLevel as ByteLevelProcessing
from .post_processors import Sequence as PostProcessorSequence
from .pre_tokenizers import (
    BertPreTokenizer,
    ByteLevel,
    Digits,
    Metaspace,
    Punctuation,
    SplitPattern,
    Whitespace,
    WhitespaceSplit,
)
from .pre_tokenizers import Sequence as PreTokenizerSequence
from .tokenizer import Tokenizer

__all__ = [
    "BPE",
    "NFC",
    "NFD",
    "NFKC",
    "NFKD",
    "AddedToken",
    "AddedVocabulary",
    "BPEDecoder",
    "BertNormalizer",
    "BertPreTokenizer",
    "BertProcessing",
    "ByteFallback",
    "ByteLevel",
    "ByteLevelDecoder",
    "ByteLevelProcessing",
    "DecoderSequence",
    "Digits",
    "Encoding",
    "Explanation",
    "Fuse",
    "Lowercase",
    "MatchStep",
    "MergeStep",
    "Metaspace",
    "MetaspaceDecoder",
    "NormalizerSequence",
    "PostProcessorSequence",
    "PreTokenizerSequence",
    "Prepend",
    "Punctuation",
    "Replace",
    "ReplaceDecoder",
    "RobertaProcessing",
    "SplitPattern",
    "Strip",
    "StripAccents",
    "StripDecoder",
    "TemplateProcessing",
    "Tokenizer",
    "Whitespace",
    "WhitespaceSplit",
    "WordPiece",
    "WordPieceDecoder",
    "format_explanation",
]
