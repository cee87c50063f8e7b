"""Int8 weight-and-activation quantization of an encoder graph, run by ONNX Runtime.

Every MatMul against a weight becomes ``MatMulInteger`` with

* weights: symmetric int8, one scale per output column (per channel), fixed at build time;
* activations: symmetric int8, one scale per token (row), computed at run time, fed to
  ``MatMulInteger`` as uint8 with zero point 128 (the fast u8 x s8 kernel).

Per-token activation scales matter: ONNX Runtime's ``quantize_dynamic`` uses one scale per
tensor, and a few tokens with very large activations (MPNet's feed-forward outputs reach 90
where typical values are below 3) then flatten every other token.  Measured on 400 STS-B
sentences: all-mpnet-base-v2 reaches 0.997 mean cosine to float32 this way against 0.91 with
``quantize_dynamic(per_channel=True)``; all-MiniLM-L6-v2 0.997 against 0.994.
"""

from __future__ import annotations

from typing import Any

import numpy as np

QUANT_FORMAT_VERSION = 1


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
        numpy_helper.from_array(np.float32(127.0), "q8_127"),
        numpy_helper.from_array(np.float32(1e-10), "q8_eps"),
        numpy_helper.from_array(np.float32(128.0), "q8_shift"),
        numpy_helper.from_array(np.uint8(128), "q8_zero_point"),
    ]
    quantized_inputs: dict[str, tuple[str, str]] = {}  # activation -> (uint8 codes, scales)
    nodes: list[Any] = []
    dropped: set[str] = set()

    def quantize_activation(x: str) -> tuple[str, str]:
        # Shared by every MatMul reading x (q, k and v read the same hidden states).
        if x not in quantized_inputs:
            p = f"{x}_q8"
            nodes.extend([
                helper.make_node("Abs", [x], [p + "_abs"]),
                helper.make_node("ReduceMax", [p + "_abs"], [p + "_amax"], axes=[-1],
                                 keepdims=1),
                helper.make_node("Max", [p + "_amax", "q8_eps"], [p + "_amax_safe"]),
                helper.make_node("Div", [p + "_amax_safe", "q8_127"], [p + "_scale"]),
                helper.make_node("Div", [x, p + "_scale"], [p + "_scaled"]),
                helper.make_node("Round", [p + "_scaled"], [p + "_rounded"]),
                helper.make_node("Add", [p + "_rounded", "q8_shift"], [p + "_shifted"]),
                helper.make_node("Cast", [p + "_shifted"], [p + "_codes"], to=TensorProto.UINT8),
            ])
            quantized_inputs[x] = (p + "_codes", p + "_scale")
        return quantized_inputs[x]

    for node in graph.node:
        weight = inits.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None or len(weight.dims) != 2:
            nodes.append(node)
            continue
        codes, act_scale = quantize_activation(node.input[0])
        w_q, w_scale = quantize_weight(numpy_helper.to_array(weight))
        wq_name, ws_name = weight.name + "_int8", weight.name + "_scale"
        new_inits += [numpy_helper.from_array(w_q, wq_name),
                      numpy_helper.from_array(w_scale, ws_name)]
        dropped.add(weight.name)
        p = node.name or node.output[0]
        nodes.extend([
            helper.make_node("MatMulInteger", [codes, wq_name, "q8_zero_point"], [p + "_i32"]),
            helper.make_node("Cast", [p + "_i32"], [p + "_f32"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [p + "_f32", act_scale], [p + "_rows"]),
            helper.make_node("Mul", [p + "_rows", ws_name], list(node.output)),
        ])
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [init for init in graph.initializer if init.name not in dropped]
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    onnx.checker.check_model(model)
    return model
