"""Run a transformer encoder folder: eagerly in numpy, or as a cached ONNX Runtime graph."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from embedlab import paths
from embedlab.errors import ModelFileError
from embedlab.files import atomic_write_bytes, sha256_file
from embedlab.models.config import EncoderConfig
from embedlab.models.int8_graph import QUANT_FORMAT_VERSION
from embedlab.models.onnx_graph import GRAPH_FORMAT_VERSION, build_onnx_model
from embedlab.models.transformer import NumpyOps, encoder_forward
from embedlab.models.weights import file_sha256, load_weights

log = logging.getLogger(__name__)

BACKENDS = ("onnx", "numpy")
QUANTIZATIONS = (None, "int8")


class TransformerRunner:
    """Token embeddings ``(batch, seq, hidden) float32`` from a model folder's weights.

    Example:
        >>> runner = TransformerRunner("~/.cache/embedlab/models/all-MiniLM-L6-v2")  # doctest: +SKIP
        >>> runner(ids, mask, types).shape                                            # doctest: +SKIP
        (2, 9, 384)
    """

    def __init__(self, folder: str | Path, backend: str = "onnx", quantize: str | None = None,
                 threads: int | None = None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend {backend!r} is not known; choose one of {BACKENDS}")
        if quantize not in QUANTIZATIONS:
            raise ValueError(f"quantize {quantize!r} is not known; choose None or 'int8'")
        if quantize and backend != "onnx":
            raise ValueError("quantize='int8' needs backend='onnx'")
        self.folder = Path(folder).expanduser()
        self.backend = backend
        self.quantize = quantize
        self.config = EncoderConfig.from_file(self.folder / "config.json")
        self.weights_path = self.folder / "model.safetensors"
        if not self.weights_path.is_file():
            raise ModelFileError(f"model weights not found: {self.weights_path}")
        from embedlab.models.store import verify_model_file

        self.weights_sha256 = (verify_model_file(self.weights_path)
                               or file_sha256(self.weights_path))
        self._threads = threads or min(os.cpu_count() or 1, 8)
        self._numpy: NumpyOps | None = None
        self._session: Any = None

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray,
                 token_type_ids: np.ndarray | None = None) -> np.ndarray:
        input_ids = np.ascontiguousarray(input_ids, dtype=np.int64)
        attention_mask = np.ascontiguousarray(attention_mask, dtype=np.int64)
        if token_type_ids is None:
            token_type_ids = np.zeros_like(input_ids)
        if self.backend == "numpy":
            if self._numpy is None:
                self._numpy = NumpyOps(load_weights(self.weights_path, self.config))
            out = encoder_forward(self._numpy, self.config, input_ids, attention_mask,
                                  token_type_ids)
            return self._finite(np.asarray(out, dtype=np.float32))
        feed = {"input_ids": input_ids, "attention_mask": attention_mask}
        if self.config.arch == "bert":
            feed["token_type_ids"] = np.ascontiguousarray(token_type_ids, dtype=np.int64)
        return self._finite(self.session.run(["token_embeddings"], feed)[0])

    def _finite(self, out: np.ndarray) -> np.ndarray:
        """``out``, or ModelFileError when it holds NaN or infinity (never emitted as JSON)."""
        if not np.isfinite(out).all():
            raise ModelFileError(
                f"model {self.folder} produced NaN or infinite values; its weights "
                f"{self.weights_path} are damaged; pull the model again "
                "(`embedlab pull NAME --force`) or restore the folder")
        return out

    @property
    def session(self) -> Any:
        if self._session is None:
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self._threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            # ORT's worker threads busy-wait between runs by default: fastest for one long
            # batch job, wasteful when a server or other work shares the cores.
            # EMBEDLAB_ORT_SPIN=0 turns it off (`embedlab serve` does so).
            spin = os.environ.get("EMBEDLAB_ORT_SPIN", "1").strip() not in ("0", "false", "no")
            opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
            path = self.graph_path()
            try:
                self._session = ort.InferenceSession(str(path), opts,
                                                     providers=["CPUExecutionProvider"])
            except Exception as exc:  # ORT raises its own types for unreadable graphs
                # A damaged cached graph is only a cache: rebuild it from the weights.
                log.warning("cached ONNX graph %s is unreadable (%s); rebuilding it", path, exc)
                path.unlink(missing_ok=True)
                self._session = ort.InferenceSession(str(self.graph_path()), opts,
                                                     providers=["CPUExecutionProvider"])
        return self._session

    def graph_path(self) -> Path:
        """The cached ONNX graph for these weights, built (and quantized) on first use."""
        suffix = f"-{self.quantize}q{QUANT_FORMAT_VERSION}" if self.quantize else ""
        name = f"{self.weights_sha256[:20]}-{self.config.arch}-g{GRAPH_FORMAT_VERSION}{suffix}.onnx"
        path = paths.onnx_cache_dir() / name
        if path.is_file() and _graph_intact(path):
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.quantize:
            float_runner = TransformerRunner(self.folder, "onnx", None, self._threads)
            _quantize_int8(float_runner.graph_path(), path)
        else:
            log.info("building ONNX graph for %s (cached at %s)", self.folder, path)
            model = build_onnx_model(self.config, load_weights(self.weights_path, self.config))
            atomic_write_bytes(path, model.SerializeToString())
        _record_graph(path)
        return path


_GRAPHS = "graphs.json"  # beside the cached graphs: {name: [size, mtime_ns, sha256]}


def _graph_records(folder: Path) -> dict[str, Any]:
    try:
        records = json.loads((folder / _GRAPHS).read_text())
    except (OSError, ValueError):
        return {}
    return records if isinstance(records, dict) else {}


def _record_graph(path: Path, sha256: str | None = None) -> None:
    """Record a cached graph's (size, mtime_ns, sha256) when it is written."""
    st = path.stat()
    records = _graph_records(path.parent)
    records[path.name] = [st.st_size, st.st_mtime_ns, sha256 or sha256_file(path)]
    try:
        atomic_write_bytes(path.parent / _GRAPHS, json.dumps(records).encode())
    except OSError as exc:  # only a cache: verify again next time
        log.debug("could not record ONNX graph digest %s: %s", path, exc)


def _graph_intact(path: Path) -> bool:
    """False (with a warning, the file removed) when a cached graph's bytes changed since it
    was written; hashed only when its size or mtime differs from the record."""
    record = _graph_records(path.parent).get(path.name)
    st = path.stat()
    if not isinstance(record, list) or len(record) != 3:
        _record_graph(path)  # written before digests were recorded
        return True
    if record[:2] == [st.st_size, st.st_mtime_ns]:
        return True
    actual = sha256_file(path)
    if actual == record[2]:
        _record_graph(path, actual)
        return True
    log.warning("cached ONNX graph %s does not match the sha256 recorded when it was built; "
                "rebuilding it", path)
    path.unlink(missing_ok=True)
    return False


def _quantize_int8(float_graph: Path, out: Path) -> None:
    """Write the int8 version of a cached float graph (see :mod:`embedlab.models.int8_graph`)."""
    import onnx

    from embedlab.models.int8_graph import quantize_graph_int8

    model = quantize_graph_int8(onnx.load(str(float_graph)))
    atomic_write_bytes(out, model.SerializeToString())
