"""Emit the encoder of :mod:`embedlab.models.transformer` as an ONNX graph, without torch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from embedlab.models.config import EncoderConfig
from embedlab.models.transformer import encoder_forward

OPSET = 17
GRAPH_FORMAT_VERSION = 4  # bump when the emitted graph changes, so cached graphs rebuild


class OnnxOps:
    """Builds ONNX nodes; each tensor is the name of a value in the graph."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.w = weights
        self.nodes: list[Any] = []
        self.initializers: dict[str, np.ndarray] = {}
        self._count = 0

    # -- plumbing ---------------------------------------------------------------------------
    def _name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def _node(self, op: str, inputs: list[str], hint: str | None = None, **attrs: Any) -> str:
        from onnx import helper

        out = self._name(hint or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def _init(self, name: str, value: np.ndarray) -> str:
        if name not in self.initializers:
            self.initializers[name] = value
        return name

    def _scalar(self, value: float | int, dtype: Any) -> str:
        arr = np.array(value, dtype=dtype)
        return self._init(f"const_{arr.dtype}_{value}", arr)

    def _ints(self, values: list[int]) -> str:
        return self._init("ints_" + "_".join(str(v).replace("-", "m") for v in values),
                          np.array(values, dtype=np.int64))

    # -- ops ----------------------------------------------------------------------------------
    def param(self, name: str) -> str:
        return self._init(name, self.w[name])

    def const(self, name: str, value: np.ndarray) -> str:
        return self._init(name, value)

    def gather(self, table: str, ids: str) -> str:
        return self._node("Gather", [table, ids], axis=0)

    def add(self, a: str, b: str) -> str:
        return self._node("Add", [a, b])

    def linear(self, x: str, prefix: str) -> str:
        # MatMul against the transposed weight, stored once as an initializer: this is the
        # pattern ONNX Runtime's int8 quantizer and its MatMul+Add fusion recognize.
        weight_t = self._init(prefix + ".weight_t",
                              np.ascontiguousarray(self.w[prefix + ".weight"].T))
        y = self._node("MatMul", [x, weight_t], hint=prefix.replace(".", "_") + "_matmul")
        return self._node("Add", [y, self.param(prefix + ".bias")])

    def qkv(self, x: str, prefix: str) -> tuple[str, str, str]:
        # One (hidden, 3 * hidden) product instead of three: fewer, larger GEMMs, and the
        # int8 graph quantizes x once for all three.
        names = [prefix + n for n in ("q", "k", "v")]
        weight = self._init(prefix + "qkv.weight_t", np.ascontiguousarray(
            np.concatenate([self.w[n + ".weight"].T for n in names], axis=1)))
        bias = self._init(prefix + "qkv.bias",
                          np.concatenate([self.w[n + ".bias"] for n in names]))
        y = self._node("MatMul", [x, weight], hint=prefix.replace(".", "_") + "qkv_matmul")
        y = self._node("Add", [y, bias])
        from onnx import helper

        outs = [self._name(n.replace(".", "_")) for n in names]
        sizes = self._ints([self.w[names[0] + ".weight"].shape[0]] * 3)
        self.nodes.append(helper.make_node("Split", [y, sizes], outs, name=outs[0] + "_split",
                                           axis=-1))
        return outs[0], outs[1], outs[2]

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        return self._node("LayerNormalization",
                          [x, self.param(prefix + ".weight"), self.param(prefix + ".bias")],
                          axis=-1, epsilon=float(eps))

    def gelu(self, x: str) -> str:
        # 0.5 * x * (1 + erf(x / sqrt 2)), the exact GELU; ORT fuses this into one kernel.
        scaled = self._node("Div", [x, self._scalar(math.sqrt(2.0), np.float32)])
        erf = self._node("Erf", [scaled])
        one_plus = self._node("Add", [erf, self._scalar(1.0, np.float32)])
        prod = self._node("Mul", [x, one_plus])
        return self._node("Mul", [prod, self._scalar(0.5, np.float32)])

    def _seq_len(self, input_ids: str) -> str:
        shape = self._node("Shape", [input_ids])
        return self._node("Gather", [shape, self._scalar(1, np.int64)], axis=0)

    def arange_positions(self, input_ids: str) -> str:
        s = self._seq_len(input_ids)
        rng = self._node("Range", [self._scalar(0, np.int64), s, self._scalar(1, np.int64)])
        return self._node("Unsqueeze", [rng, self._ints([0])])

    def padding_positions(self, input_ids: str, pad_id: int) -> str:
        is_pad = self._node("Equal", [input_ids, self._scalar(pad_id, np.int64)])
        keep = self._node("Cast", [self._node("Not", [is_pad])], to=7)  # int64
        cum = self._node("CumSum", [keep, self._scalar(1, np.int64)])
        return self._node("Add", [self._node("Mul", [cum, keep]),
                                  self._scalar(pad_id, np.int64)])

    def mask_bias(self, attention_mask: str) -> str:
        # MultiHeadAttention takes the (batch, seq) 0/1 key mask itself, as int32.
        return self._node("Cast", [attention_mask], to=6)

    def relative_bias(self, buckets: str, table: str, input_ids: str) -> str:
        s = self._node("Unsqueeze", [self._seq_len(input_ids), self._ints([0])])
        ends = self._node("Concat", [s, s], axis=0)
        square = self._node("Slice", [buckets, self._ints([0, 0]), ends, self._ints([0, 1])])
        values = self._node("Gather", [table, square], axis=0)  # (s, s, heads)
        return self._node("Unsqueeze", [self._node("Transpose", [values], perm=[2, 0, 1]),
                                        self._ints([0])])

    def attention(self, q: str, k: str, v: str, bias: str, extra_bias: str | None,
                  num_heads: int) -> str:
        # ONNX Runtime's fused multi-head attention: splits heads, scales by 1/sqrt(d),
        # adds the relative-position bias, masks padded keys and applies softmax in one
        # kernel, without the transposes the plain-op version needs.
        inputs = [q, k, v, "", bias]
        if extra_bias is not None:
            inputs.append(extra_bias)
        from onnx import helper

        out = self._name("attention")
        self.nodes.append(helper.make_node("MultiHeadAttention", inputs, [out], name=out,
                                           domain="com.microsoft", num_heads=num_heads))
        return out


def build_onnx_model(cfg: EncoderConfig, weights: dict[str, np.ndarray]) -> Any:
    """An ``onnx.ModelProto`` computing ``token_embeddings`` from token ids and mask."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    ops = OnnxOps(weights)
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if cfg.arch == "bert" else [])
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
              for n in names]
    out = encoder_forward(ops, cfg, "input_ids", "attention_mask",
                          "token_type_ids" if cfg.arch == "bert" else None)
    ops.nodes.append(helper.make_node("Identity", [out], ["token_embeddings"]))
    output = helper.make_tensor_value_info("token_embeddings", TensorProto.FLOAT,
                                           ["batch", "sequence", cfg.hidden_size])
    graph = helper.make_graph(
        ops.nodes, f"embedlab_{cfg.arch}", inputs, [output],
        initializer=[numpy_helper.from_array(v, name=k) for k, v in ops.initializers.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                  helper.make_opsetid("com.microsoft", 1)],
                              producer_name="embedlab")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
