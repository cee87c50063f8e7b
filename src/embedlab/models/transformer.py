"""The BERT-family encoder (BERT/MiniLM and MPNet), defined once over a small set of ops.

The same ``encoder_forward`` runs eagerly on numpy arrays (:class:`NumpyOps`, the readable
reference) and emits an ONNX graph (:class:`~embedlab.models.onnx_graph.OnnxOps`) that
ONNX Runtime executes.  Architecture differences are confined to the embeddings:

* BERT adds learned absolute positions ``0..S-1`` and token-type embeddings.
* MPNet numbers positions from ``pad_id + 1`` over non-pad tokens (as fairseq/RoBERTa do) and
  adds a relative-position bias to every attention score, shared by all layers and
  bucketed like T5's bidirectional buckets.
"""

from __future__ import annotations

import math
from typing import Any, Protocol, TypeVar

import numpy as np

from embedlab.models.config import EncoderConfig

T = TypeVar("T")


class Ops(Protocol[T]):
    """The primitives the encoder is written in; ``T`` is a tensor (array or graph name)."""

    def param(self, name: str) -> T: ...
    def const(self, name: str, value: np.ndarray) -> T: ...
    def gather(self, table: T, ids: T) -> T: ...
    def add(self, a: T, b: T) -> T: ...
    def linear(self, x: T, prefix: str) -> T: ...
    def qkv(self, x: T, prefix: str) -> tuple[T, T, T]: ...
    def layer_norm(self, x: T, prefix: str, eps: float) -> T: ...
    def gelu(self, x: T) -> T: ...
    def arange_positions(self, input_ids: T) -> T: ...
    def padding_positions(self, input_ids: T, pad_id: int) -> T: ...
    def mask_bias(self, attention_mask: T) -> T: ...
    def relative_bias(self, buckets: T, table: T, input_ids: T) -> T: ...
    def attention(self, q: T, k: T, v: T, bias: T, extra_bias: T | None, num_heads: int) -> T: ...


def encoder_forward(
    ops: Ops[Any], cfg: EncoderConfig, input_ids: Any, attention_mask: Any, token_type_ids: Any
) -> Any:
    """Token embeddings ``(batch, seq, hidden)`` for padded ``input_ids``/``attention_mask``."""
    x = ops.gather(ops.param("word_embeddings"), input_ids)
    rel_bias = None
    if cfg.arch == "mpnet":
        positions = ops.padding_positions(input_ids, cfg.pad_token_id)
        buckets = ops.const("relative_buckets", relative_position_buckets(
            cfg.max_position_embeddings, cfg.relative_attention_num_buckets))
        rel_bias = ops.relative_bias(buckets, ops.param("relative_attention_bias"), input_ids)
    else:
        positions = ops.arange_positions(input_ids)
        x = ops.add(x, ops.gather(ops.param("token_type_embeddings"), token_type_ids))
    x = ops.add(x, ops.gather(ops.param("position_embeddings"), positions))
    x = ops.layer_norm(x, "emb_ln", cfg.layer_norm_eps)

    bias = ops.mask_bias(attention_mask)
    for i in range(cfg.num_layers):
        p = f"layers.{i}."
        q, k, v = ops.qkv(x, p)  # the query, key and value projections of x
        context = ops.attention(q, k, v, bias, rel_bias, cfg.num_heads)
        x = ops.layer_norm(ops.add(ops.linear(context, p + "o"), x), p + "ln1", cfg.layer_norm_eps)
        hidden = ops.gelu(ops.linear(x, p + "ffn_in"))
        x = ops.layer_norm(ops.add(ops.linear(hidden, p + "ffn_out"), x), p + "ln2",
                           cfg.layer_norm_eps)
    return x


def relative_position_buckets(max_len: int, num_buckets: int = 32,
                              max_distance: int = 128) -> np.ndarray:
    """``(max_len, max_len) int64`` bucket of ``key - query`` distance, as MPNet computes it.

    Half the buckets hold keys before the query, half keys after; within each half the first
    ``num_buckets // 4`` distances are exact and the rest grow logarithmically up to
    ``max_distance``.  Computed in float32 like the reference so bucket edges agree.
    """
    pos = np.arange(max_len, dtype=np.int64)
    n = pos[:, None] - pos[None, :]  # query - key
    half = num_buckets // 2
    ret = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    max_exact = half // 2
    with np.errstate(divide="ignore"):
        scaled = (np.log(n.astype(np.float32) / np.float32(max_exact))
                  / np.float32(math.log(max_distance / max_exact)) * np.float32(half - max_exact))
    large = max_exact + np.where(n < max_exact, 0, scaled).astype(np.int64)
    large = np.minimum(large, half - 1)
    return ret + np.where(n < max_exact, n, large)


_NEG = np.float32(np.finfo(np.float32).min)


class NumpyOps:
    """Eager numpy execution of the encoder: slow, readable, the reference for the graph."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.w = weights

    def param(self, name: str) -> np.ndarray:
        return self.w[name]

    def const(self, name: str, value: np.ndarray) -> np.ndarray:
        return value

    def gather(self, table: np.ndarray, ids: np.ndarray) -> np.ndarray:
        return table[ids]

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def linear(self, x: np.ndarray, prefix: str) -> np.ndarray:
        return x @ self.w[prefix + ".weight"].T + self.w[prefix + ".bias"]

    def qkv(self, x: np.ndarray, prefix: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.linear(x, prefix + "q"), self.linear(x, prefix + "k"), self.linear(x, prefix + "v")

    def layer_norm(self, x: np.ndarray, prefix: str, eps: float) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        normed = (x - mean) / np.sqrt(var + np.float32(eps))
        return normed * self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def gelu(self, x: np.ndarray) -> np.ndarray:
        from scipy.special import erf

        return (0.5 * x * (1.0 + erf(x / np.float32(math.sqrt(2.0))))).astype(np.float32)

    def arange_positions(self, input_ids: np.ndarray) -> np.ndarray:
        return np.arange(input_ids.shape[1])[None, :]

    def padding_positions(self, input_ids: np.ndarray, pad_id: int) -> np.ndarray:
        mask = (input_ids != pad_id).astype(np.int64)
        return np.cumsum(mask, axis=1) * mask + pad_id

    def mask_bias(self, attention_mask: np.ndarray) -> np.ndarray:
        return ((1.0 - attention_mask.astype(np.float32)) * _NEG)[:, None, None, :]

    def relative_bias(self, buckets: np.ndarray, table: np.ndarray,
                      input_ids: np.ndarray) -> np.ndarray:
        s = input_ids.shape[1]
        return table[buckets[:s, :s]].transpose(2, 0, 1)[None]

    def attention(self, q: np.ndarray, k: np.ndarray, v: np.ndarray, bias: np.ndarray,
                  extra_bias: np.ndarray | None, num_heads: int) -> np.ndarray:
        b, s, h = q.shape
        d = h // num_heads

        def heads(t: np.ndarray) -> np.ndarray:  # (b, s, h) -> (b, heads, s, d)
            return t.reshape(b, s, num_heads, d).transpose(0, 2, 1, 3)

        scores = heads(q) @ heads(k).transpose(0, 1, 3, 2) * np.float32(1.0 / math.sqrt(d))
        scores = scores + bias
        if extra_bias is not None:
            scores = scores + extra_bias
        scores = scores - scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(-1, keepdims=True)
        return (probs @ heads(v)).transpose(0, 2, 1, 3).reshape(b, s, h)
