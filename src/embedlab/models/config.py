"""Transformer encoder hyper-parameters read from a model folder's ``config.json``."""

from __future__ import annotations

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
        try:
            cfg = cls(
                arch=arch,
                hidden_size=int(raw["hidden_size"]),
                num_layers=int(raw["num_hidden_layers"]),
                num_heads=int(raw["num_attention_heads"]),
                intermediate_size=int(raw["intermediate_size"]),
                vocab_size=int(raw["vocab_size"]),
                max_position_embeddings=int(raw.get("max_position_embeddings", 512)),
                layer_norm_eps=float(raw.get("layer_norm_eps", 1e-12)),
                type_vocab_size=int(raw.get("type_vocab_size", 2 if arch == "bert" else 0)),
                pad_token_id=int(raw.get("pad_token_id", 0 if arch == "bert" else 1)),
                hidden_act=act,
                relative_attention_num_buckets=int(raw.get("relative_attention_num_buckets", 32)),
            )
        except KeyError as exc:
            raise ModelFileError(f"{path}: missing field {exc.args[0]!r}") from None
        if cfg.hidden_size % cfg.num_heads:
            raise ModelFileError(
                f"{path}: hidden_size ({cfg.hidden_size}) is not divisible by "
                f"num_attention_heads ({cfg.num_heads})"
            )
        return cfg
