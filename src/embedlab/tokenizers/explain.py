"""How a model segmented one word: the BPE merges in the order applied, or the WordPiece
longest matches left to right.

``Tokenizer.explain(word)`` returns an :class:`Explanation`, a list of steps (``MergeStep`` for
BPE, ``MatchStep`` for WordPiece) that also prints as a readable trace:

>>> from embedlab.tokenizers.models import BPE
>>> from embedlab.tokenizers import Tokenizer
>>> tok = Tokenizer(BPE({"l": 0, "o": 1, "w": 2, "lo": 3, "low": 4},
...                     [("l", "o"), ("lo", "w")]))
>>> print(tok.explain("low"))
word 'low'
  piece 'low': l o w
    merge #0: 'l' + 'o' -> 'lo' at 0: lo w
    merge #1: 'lo' + 'w' -> 'low' at 0: low
    tokens: low
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .bpe import MergeStep
from .models import MatchStep

Step = MergeStep | MatchStep


@dataclass
class PieceExplanation:
    """One pre-tokenized piece: the model's input string, its starting symbols (BPE), the
    steps, and the resulting tokens."""

    piece: str
    initial: list[str]
    steps: list[Step]
    tokens: list[str]


@dataclass(eq=False)
class Explanation(list[Step]):
    """All steps for a word (a flat list), with the per-piece detail in ``pieces``."""

    word: str = ""
    pieces: list[PieceExplanation] = field(default_factory=list)

    def __post_init__(self) -> None:
        list.__init__(self, [s for p in self.pieces for s in p.steps])

    def __str__(self) -> str:
        return format_explanation(self)

    __repr__ = list.__repr__


def format_explanation(ex: Explanation) -> str:
    """A readable, indented trace of an :class:`Explanation`."""
    lines = [f"word {ex.word!r}"]
    for p in ex.pieces:
        head = f"  piece {p.piece!r}"
        if p.initial:
            head += ": " + " ".join(p.initial)
        lines.append(head)
        lines += [f"    {s}" for s in p.steps]
        lines.append("    tokens: " + " ".join(p.tokens))
    return "\n".join(lines)
