"""Truncation and padding settings of a tokenizer, and their tokenizer.json form (HF's keys;
a file's values are checked, and a fixed length is bounded so a corrupt file cannot make
every encode allocate gigabytes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embedlab.errors import TokenizerFileError

_STRATEGIES = {"LongestFirst": "longest_first", "OnlyFirst": "only_first",
               "OnlySecond": "only_second"}


@dataclass
class TruncationParams:
    max_length: int
    strategy: str = "longest_first"  # longest_first | only_first | only_second
    direction: str = "right"
    stride: int = 0


@dataclass
class PaddingParams:
    length: int | None = None  # None: pad to the longest encoding of the batch
    pad_id: int = 0
    pad_type_id: int = 0
    pad_token: str = "[PAD]"
    direction: str = "right"
    pad_to_multiple_of: int | None = None


def truncation_to_json(t: TruncationParams | None) -> dict[str, Any] | None:
    if t is None:
        return None
    strategy = {v: k for k, v in _STRATEGIES.items()}[t.strategy]
    return {"direction": t.direction.capitalize(), "max_length": t.max_length,
            "strategy": strategy, "stride": t.stride}


def padding_to_json(p: PaddingParams | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "strategy": "BatchLongest" if p.length is None else {"Fixed": p.length},
        "direction": p.direction.capitalize(),
        "pad_to_multiple_of": p.pad_to_multiple_of,
        "pad_id": p.pad_id,
        "pad_type_id": p.pad_type_id,
        "pad_token": p.pad_token,
    }


def truncation_from_json(v: Any) -> TruncationParams | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        raise TokenizerFileError("truncation: expected an object or null")
    ml = v.get("max_length")
    if not isinstance(ml, int) or isinstance(ml, bool) or ml < 0:
        raise TokenizerFileError(f"truncation.max_length: expected an integer, got {ml!r}")
    raw_strategy = v.get("strategy", "LongestFirst")
    strategy = _STRATEGIES.get(raw_strategy) if isinstance(raw_strategy, str) else None
    if strategy is None:
        raise TokenizerFileError(f"truncation.strategy: unknown {v.get('strategy')!r}")
    direction = str(v.get("direction", "Right")).lower()
    if direction not in ("left", "right"):
        raise TokenizerFileError(f"truncation.direction: unknown {v.get('direction')!r}")
    stride = v.get("stride", 0)
    if stride:
        raise TokenizerFileError("truncation.stride: only 0 is supported")
    return TruncationParams(ml, strategy, direction)


def padding_from_json(v: Any) -> PaddingParams | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        raise TokenizerFileError("padding: expected an object or null")
    strat = v.get("strategy", "BatchLongest")
    length: int | None
    if strat == "BatchLongest":
        length = None
    elif isinstance(strat, dict) and _bounded_int(strat.get("Fixed")):
        length = strat["Fixed"]
    else:
        raise TokenizerFileError(f"padding.strategy: unknown {strat!r}")
    direction = str(v.get("direction", "Right")).lower()
    if direction not in ("left", "right"):
        raise TokenizerFileError(f"padding.direction: unknown {v.get('direction')!r}")
    pad_id, pad_type_id, pad_token = v.get("pad_id", 0), v.get("pad_type_id", 0), v.get(
        "pad_token", "[PAD]"
    )
    if not isinstance(pad_id, int) or not isinstance(pad_type_id, int):
        raise TokenizerFileError("padding.pad_id: expected an integer")
    if not isinstance(pad_token, str):
        raise TokenizerFileError("padding.pad_token: expected a string")
    mult = v.get("pad_to_multiple_of")
    if mult is not None and not (_bounded_int(mult) and mult > 0):
        raise TokenizerFileError("padding.pad_to_multiple_of: expected a positive integer "
                                 f"up to {MAX_PAD_LENGTH} or null")
    return PaddingParams(length, pad_id, pad_type_id, pad_token, direction, mult)


#: Longest fixed padding a file may ask for: a length field of 2**64 would otherwise make
#: every encode allocate that many ids.
MAX_PAD_LENGTH = 1 << 20


def _bounded_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_PAD_LENGTH
