"""Load encoder weights from safetensors into one naming scheme shared by BERT and MPNet."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np

from embedlab.errors import ModelFileError
from embedlab.files import atomic_write_bytes, sha256_file
from embedlab.models.config import EncoderConfig

# Our canonical name -> the checkpoint's name, per architecture.  ``{i}`` is the layer.
_BERT_LAYER = {
    "q.weight": "attention.self.query.weight",
    "q.bias": "attention.self.query.bias",
    "k.weight": "attention.self.key.weight",
    "k.bias": "attention.self.key.bias",
    "v.weight": "attention.self.value.weight",
    "v.bias": "attention.self.value.bias",
    "o.weight": "attention.output.dense.weight",
    "o.bias": "attention.output.dense.bias",
    "ln1.weight": "attention.output.LayerNorm.weight",
    "ln1.bias": "attention.output.LayerNorm.bias",
    "ffn_in.weight": "intermediate.dense.weight",
    "ffn_in.bias": "intermediate.dense.bias",
    "ffn_out.weight": "output.dense.weight",
    "ffn_out.bias": "output.dense.bias",
    "ln2.weight": "output.LayerNorm.weight",
    "ln2.bias": "output.LayerNorm.bias",
}
_MPNET_LAYER = {
    **_BERT_LAYER,
    "q.weight": "attention.attn.q.weight",
    "q.bias": "attention.attn.q.bias",
    "k.weight": "attention.attn.k.weight",
    "k.bias": "attention.attn.k.bias",
    "v.weight": "attention.attn.v.weight",
    "v.bias": "attention.attn.v.bias",
    "o.weight": "attention.attn.o.weight",
    "o.bias": "attention.attn.o.bias",
    "ln1.weight": "attention.LayerNorm.weight",
    "ln1.bias": "attention.LayerNorm.bias",
}
_EMBEDDINGS = {
    "word_embeddings": "embeddings.word_embeddings.weight",
    "position_embeddings": "embeddings.position_embeddings.weight",
    "emb_ln.weight": "embeddings.LayerNorm.weight",
    "emb_ln.bias": "embeddings.LayerNorm.bias",
}


def checkpoint_names(cfg: EncoderConfig) -> dict[str, str]:
    """Map each canonical parameter name to its name in the checkpoint."""
    names = dict(_EMBEDDINGS)
    if cfg.arch == "bert":
        names["token_type_embeddings"] = "embeddings.token_type_embeddings.weight"
        layer = _BERT_LAYER
    else:
        names["relative_attention_bias"] = "encoder.relative_attention_bias.weight"
        layer = _MPNET_LAYER
    for i in range(cfg.num_layers):
        for ours, theirs in layer.items():
            names[f"layers.{i}.{ours}"] = f"encoder.layer.{i}.{theirs}"
    return names


def load_weights(path: str | Path, cfg: EncoderConfig) -> dict[str, np.ndarray]:
    """Read ``model.safetensors`` into ``{canonical name: float32 array}``.

    Checkpoints saved with a ``bert.``/``mpnet.`` prefix (as by ``*ForMaskedLM``) load too.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model weights not found: {path}")
    try:
        raw = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"model weights {path} are unreadable or corrupt: {exc}") from None
    # config.json's layer count is checked against the file before any per-layer work: the
    # name table grows with it, so a damaged count (2**64) would otherwise exhaust memory
    layer = _BERT_LAYER if cfg.arch == "bert" else _MPNET_LAYER
    needed = len(_EMBEDDINGS) + 1 + cfg.num_layers * len(layer)
    if needed > len(raw):
        raise ModelFileError(
            f"model weights {path} hold {len(raw)} tensors, fewer than the {needed} that "
            f"config.json's num_hidden_layers ({cfg.num_layers}) implies; the config does "
            "not belong to these weights")
    out: dict[str, np.ndarray] = {}
    for ours, theirs in checkpoint_names(cfg).items():
        arr = raw.get(theirs)
        if arr is None:
            arr = raw.get(f"{cfg.arch}.{theirs}")
        if arr is None:
            raise ModelFileError(f"model weights {path} lack tensor {theirs!r}")
        out[ours] = np.ascontiguousarray(arr, dtype=np.float32)
    _check_shapes(out, cfg, path)
    return out


def expected_shapes(cfg: EncoderConfig) -> dict[str, tuple[int, ...]]:
    """The shape config.json implies for every canonical parameter."""
    h, inter = cfg.hidden_size, cfg.intermediate_size
    shapes: dict[str, tuple[int, ...]] = {
        "word_embeddings": (cfg.vocab_size, h),
        "position_embeddings": (cfg.max_position_embeddings, h),
        "emb_ln.weight": (h,), "emb_ln.bias": (h,),
    }
    if cfg.arch == "bert":
        shapes["token_type_embeddings"] = (cfg.type_vocab_size, h)
    else:
        shapes["relative_attention_bias"] = (cfg.relative_attention_num_buckets, cfg.num_heads)
    for i in range(cfg.num_layers):
        p = f"layers.{i}."
        for name in ("q", "k", "v", "o"):
            shapes[p + name + ".weight"], shapes[p + name + ".bias"] = (h, h), (h,)
        for name in ("ln1", "ln2"):
            shapes[p + name + ".weight"], shapes[p + name + ".bias"] = (h,), (h,)
        shapes[p + "ffn_in.weight"], shapes[p + "ffn_in.bias"] = (inter, h), (inter,)
        shapes[p + "ffn_out.weight"], shapes[p + "ffn_out.bias"] = (h, inter), (h,)
    return shapes


def _check_shapes(w: dict[str, np.ndarray], cfg: EncoderConfig, path: Path) -> None:
    # Every tensor, not a sample: a table shorter than config.json says (positions, token
    # types, buckets) would otherwise fail as an IndexError inside a forward pass.
    for name, shape in expected_shapes(cfg).items():
        if w[name].shape != shape:
            raise ModelFileError(
                f"model weights {path}: {name} has shape {w[name].shape}, config.json says {shape}"
            )


def file_sha256(path: str | Path) -> str:
    """sha256 of a file, memoized beside embedlab's ONNX cache by (path, size, mtime)."""
    from embedlab import paths

    path = Path(path).resolve()
    st = path.stat()
    memo_file = paths.onnx_cache_dir() / "hashes.json"
    key = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    try:
        memo = json.loads(memo_file.read_text())
    except (OSError, ValueError):
        memo = {}
    if key in memo:
        return str(memo[key])
    memo[key] = sha256_file(path)
    with contextlib.suppress(OSError):  # the memo only saves time; without it, hash again
        atomic_write_bytes(memo_file, json.dumps(memo).encode())
    return str(memo[key])
