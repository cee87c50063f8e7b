"""Transformer encoder hyper-parameters read from a model folder's ``config.json``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from embedlab.errors import ModelFileError
from embedlab.models.files import read_json_object

ARCHITECTURES = ("bert", "mpnet")


@dataclass(frozen=True)
class EncoderConfig:
    """The shape of a BERT-family encoder.

    Example:
        >>> cfg = EncoderConfig(arch="bert", hidden_size=384, num_layers=6, num_heads=12,
        ...                     intermediate_size=1536, vocab_size=30522)
        >>> cfg.head_dim
        32
    """

    arch: str
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int = 512
    layer_norm_eps: float = 1e-12
    type_vocab_size: int = 2
    pad_token_id: int = 0
    hidden_act: str = "gelu"
    relative_attention_num_buckets: int = 32

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    @property
    def max_tokens(self) -> int:
        """Longest input the position table allows (MPNet reserves pad_id + 1 slots)."""
        if self.arch == "mpnet":
            return self.max_position_embeddings - self.pad_token_id - 1
        return self.max_position_embeddings

    @classmethod
    def from_file(cls, path: str | Path) -> EncoderConfig:
        path = Path(path)
        raw = read_json_object(path, "model config")
        arch = str(raw.get("model_type", "")).lower()
        if arch not in ARCHITECTURES:
            raise ModelFileError(
                f"{path}: model_type {raw.get('model_type')!r} is not supported; "
                f"supported: {', '.join(ARCHITECTURES)}"
            )
        act = raw.get("hidden_act", "gelu")
        if act != "gelu":
            raise ModelFileError(f"{path}: hidden_act {act!r} is not supported; supported: gelu")

        def whole(key: str, default: int | None, minimum: int) -> int:
            if key not in raw and default is None:
                raise ModelFileError(f"{path}: missing field {key!r}")
            return _whole(raw.get(key, default), key, minimum, path)

        eps = raw.get("layer_norm_eps", 1e-12)
        if (isinstance(eps, bool) or not isinstance(eps, (int, float))
                or not math.isfinite(eps) or eps < 0):
            raise ModelFileError(f"{path}: layer_norm_eps must be a finite number >= 0, "
                                 f"got {eps!r:.60}")
        cfg = cls(
            arch=arch,
            hidden_size=whole("hidden_size", None, 1),
            num_layers=whole("num_hidden_layers", None, 1),
            num_heads=whole("num_attention_heads", None, 1),
            intermediate_size=whole("intermediate_size", None, 1),
            vocab_size=whole("vocab_size", None, 1),
            max_position_embeddings=whole("max_position_embeddings", 512, 1),
            layer_norm_eps=float(eps),
            type_vocab_size=whole("type_vocab_size", 2 if arch == "bert" else 0,
                                  1 if arch == "bert" else 0),
            pad_token_id=whole("pad_token_id", 0 if arch == "bert" else 1, 0),
            hidden_act=act,
            relative_attention_num_buckets=whole("relative_attention_num_buckets", 32, 4),
        )
        if cfg.max_tokens < 2:
            raise ModelFileError(
                f"{path}: max_position_embeddings ({cfg.max_position_embeddings}) leaves no "
                f"room for input tokens (pad_token_id {cfg.pad_token_id})")
        if cfg.hidden_size % cfg.num_heads:
            raise ModelFileError(
                f"{path}: hidden_size ({cfg.hidden_size}) is not divisible by "
                f"num_attention_heads ({cfg.num_heads})"
            )
        return cfg


def _whole(value: object, key: str, minimum: int, path: Path) -> int:
    """A config field that must be a whole number >= ``minimum`` (``384`` or ``384.0``)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ModelFileError(f"{path}: {key} must be a whole number >= {minimum}, "
                             f"got {value!r:.60}")
    return value
