"""Pooling of token embeddings into one sentence vector, as sentence-transformers' Pooling."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedlab.errors import ModelFileError
from embedlab.models.files import read_json_object

POOLING_MODES = ("mean", "cls", "max", "mean_sqrt_len", "weightedmean", "lasttoken")
_CONFIG_KEYS = {
    "cls": "pooling_mode_cls_token",
    "max": "pooling_mode_max_tokens",
    "mean": "pooling_mode_mean_tokens",
    "mean_sqrt_len": "pooling_mode_mean_sqrt_len_tokens",
    "weightedmean": "pooling_mode_weightedmean_tokens",
    "lasttoken": "pooling_mode_lasttoken",
}
# sentence-transformers concatenates the enabled modes in this order.
_ORDER = ("cls", "max", "mean", "mean_sqrt_len", "weightedmean", "lasttoken")


@dataclass(frozen=True)
class PoolingConfig:
    """Which pooling modes to apply; several modes are concatenated.

    Example:
        >>> PoolingConfig(("mean",)).output_dim(384)
        384
    """

    modes: tuple[str, ...] = ("mean",)

    def __post_init__(self) -> None:
        if not self.modes:
            raise ValueError(f"at least one pooling mode is needed; choose from {POOLING_MODES}")
        for mode in self.modes:
            if mode not in POOLING_MODES:
                raise ValueError(f"pooling mode {mode!r} is not known; choose from {POOLING_MODES}")

    def output_dim(self, hidden: int) -> int:
        return hidden * len(self.modes)

    @classmethod
    def from_folder(cls, path: str | Path) -> PoolingConfig:
        path = Path(path) / "config.json"
        raw = read_json_object(path, "pooling config")
        if raw.get("pooling_mode"):  # newer sentence-transformers write one string
            modes: tuple[str, ...] = (
                str(raw["pooling_mode"]).replace("_tokens", "").replace("_token", ""),)
        else:
            modes = tuple(m for m in _ORDER if raw.get(_CONFIG_KEYS[m]))
        if not modes:
            raise ModelFileError(f"{path} enables no pooling mode")
        try:
            return cls(modes)
        except ValueError as exc:  # an unknown pooling_mode
            raise ModelFileError(f"{path}: {exc}") from None


def pool(token_embeddings: np.ndarray, attention_mask: np.ndarray,
         config: PoolingConfig) -> np.ndarray:
    """``(batch, seq, hidden)`` token vectors and ``(batch, seq)`` mask -> ``(batch, dim)``."""
    parts = [_POOLERS[mode](token_embeddings, attention_mask.astype(np.float32))
             for mode in config.modes]
    out = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
    return np.ascontiguousarray(out, dtype=np.float32)


def mean_pool(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    summed = np.einsum("bsh,bs->bh", tokens, mask)
    return summed / np.maximum(mask.sum(1, keepdims=True), 1e-9)


def mean_sqrt_len_pool(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    summed = np.einsum("bsh,bs->bh", tokens, mask)
    return summed / np.sqrt(np.maximum(mask.sum(1, keepdims=True), 1e-9))


def cls_pool(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return tokens[:, 0]


def max_pool(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.where(mask[..., None] > 0, tokens, np.float32(-1e9)).max(axis=1)


def weighted_mean_pool(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    # Later positions weigh more: token i (1-based) has weight i.
    weights = np.arange(1, tokens.shape[1] + 1, dtype=np.float32)[None, :] * mask
    summed = np.einsum("bsh,bs->bh", tokens, weights)
    return summed / np.maximum(weights.sum(1, keepdims=True), 1e-9)


def last_token_pool(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    # Right padding: the last real token sits at (number of real tokens - 1).
    last = np.maximum(mask.sum(1).astype(np.int64) - 1, 0)
    return tokens[np.arange(tokens.shape[0]), last]


_POOLERS = {
    "mean": mean_pool,
    "mean_sqrt_len": mean_sqrt_len_pool,
    "cls": cls_pool,
    "max": max_pool,
    "weightedmean": weighted_mean_pool,
    "lasttoken": last_token_pool,
}
