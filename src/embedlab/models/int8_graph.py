"""Int8 weight-and-activation quantization of an encoder graph, run by ONNX Runtime.

Every MatMul against a weight becomes ONNX Runtime's ``MatMulIntegerToFloat`` with

* weights: symmetric int8, one scale per output column (per channel), fixed at build time;
* activations: symmetric int8, one scale per token (row), computed at run time
  (``QuantizeLinear`` along the token axis, as uint8 around zero point 128, which takes
  the fast u8 x s8 kernels), multiplied back after the integer product.

Per-token activation scales matter: ONNX Runtime's ``quantize_dynamic`` uses one scale per
tensor, and a few tokens with very large activations (MPNet's feed-forward outputs reach 90
where typical values are below 3) then flatten every other token.  Measured on 400 STS-B
sentences: all-mpnet-base-v2 reaches 0.997 mean cosine to float32 this way against 0.91 with
``quantize_dynamic(per_channel=True)``; all-MiniLM-L6-v2 0.997 against 0.994.
"""

from __future__ import annotations

from typing import Any

import numpy as np

QUANT_FORMAT_VERSION = 3


def quantize_weight(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(in, out)`` float weight -> int8 weight and ``(out,)`` float32 column scales."""
    scale = np.maximum(np.abs(weight).max(axis=0) / 127.0, 1e-12).astype(np.float32)
    q = np.clip(np.round(weight / scale), -127, 127).astype(np.int8)
    return q, scale


def quantize_graph_int8(model: Any) -> Any:
    """A copy of an ``onnx.ModelProto`` whose weight MatMuls run in int8."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    inits = {init.name: init for init in graph.initializer}
    new_inits: list[Any] = [
        numpy_helper.from_array(np.array(127.0, dtype=np.float32), "q8_127"),
        numpy_helper.from_array(np.array(1e-10, dtype=np.float32), "q8_eps"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "q8_one"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "q8_axis1"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "q8_zero_i64"),
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "q8_minus_one"),
        numpy_helper.from_array(np.array(128, dtype=np.uint8), "q8_zero_point"),
    ]
    quantized: dict[str, tuple[str, str, str]] = {}  # activation -> (codes, row scales, lead)
    nodes: list[Any] = []
    dropped: set[str] = set()
    n = helper.make_node

    def quantize_activation(x: str, width: int) -> tuple[str, str, str]:
        # Rows are tokens: flatten (batch, seq, width) to (tokens, width), take each row's
        # largest magnitude as its scale and quantize with QuantizeLinear along axis 0.
        # Shared by every MatMul reading x (q, k and v read the same hidden states).
        if x not in quantized:
            p = f"{x}_q8"
            flat_shape = p + "_flat_shape"
            new_inits.append(numpy_helper.from_array(np.array([-1, width], np.int64), flat_shape))
            nodes.extend([
                n("Shape", [x], [p + "_shape"]),
                n("Slice", [p + "_shape", "q8_zero_i64", "q8_minus_one"], [p + "_lead"]),
                n("Reshape", [x, flat_shape], [p + "_flat"]),
                n("ReduceMax", [p + "_flat"], [p + "_max"], axes=[-1], keepdims=0),
                n("ReduceMin", [p + "_flat"], [p + "_min"], axes=[-1], keepdims=0),
                n("Neg", [p + "_min"], [p + "_neg_min"]),
                n("Max", [p + "_max", p + "_neg_min", "q8_eps"], [p + "_amax"]),
                n("Div", [p + "_amax", "q8_127"], [p + "_scale"]),
                n("Shape", [p + "_scale"], [p + "_rows"]),
                n("ConstantOfShape", [p + "_rows"], [p + "_zero_point"],
                  value=helper.make_tensor("zero", TensorProto.UINT8, [1], [128])),
                n("QuantizeLinear", [p + "_flat", p + "_scale", p + "_zero_point"],
                  [p + "_codes"], axis=0),
                n("Unsqueeze", [p + "_scale", "q8_axis1"], [p + "_row_scale"]),
            ])
            quantized[x] = (p + "_codes", p + "_row_scale", p + "_lead")
        return quantized[x]

    for node in graph.node:
        weight = inits.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None or len(weight.dims) != 2:
            nodes.append(node)
            continue
        w_q, w_scale = quantize_weight(numpy_helper.to_array(weight))
        codes, row_scale, lead = quantize_activation(node.input[0], w_q.shape[0])
        wq_name, ws_name = weight.name + "_int8", weight.name + "_scale"
        out_width = weight.name + "_out_width"
        new_inits += [numpy_helper.from_array(w_q, wq_name),
                      numpy_helper.from_array(w_scale, ws_name),
                      numpy_helper.from_array(np.array([w_q.shape[1]], np.int64), out_width)]
        dropped.add(weight.name)
        p = node.name or node.output[0]
        nodes.extend([
            # int8 x int8 -> int32, times the weight's column scales, in one fused kernel.
            n("MatMulIntegerToFloat", [codes, wq_name, "q8_one", ws_name, "q8_zero_point"],
              [p + "_cols"],
              domain="com.microsoft"),
            n("Mul", [p + "_cols", row_scale], [p + "_flat_out"]),
            n("Concat", [lead, out_width], [p + "_out_shape"], axis=0),
            n("Reshape", [p + "_flat_out", p + "_out_shape"], list(node.output)),
        ])
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [init for init in graph.initializer if init.name not in dropped]
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model
