"""Sentence encoders over a sentence-transformers model folder, without PyTorch."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from embedlab.encoders.base import Encoder
from embedlab.encoders.pooling import PoolingConfig, pool
from embedlab.errors import ModelFileError
from embedlab.models.files import read_json_object
from embedlab.models.runtime import TransformerRunner

_MODULE_TYPES = ("Transformer", "Pooling", "Normalize")
#: At most this many rows x width^2 attention cells per model call (8 texts of 256 tokens):
#: ONNX Runtime keeps its peak working memory, so one batch of long texts sets a process's
#: size for good.
ATTENTION_CELLS = 8 * 256 * 256


def read_modules(folder: Path) -> tuple[PoolingConfig, bool]:
    """The pooling config and whether vectors are normalized, from ``modules.json``.

    A folder without ``modules.json`` is a plain transformer: mean pooling, no normalization
    (what sentence-transformers does too).  A Normalize module needs no folder of its own.
    """
    path = folder / "modules.json"
    if not path.is_file():
        return PoolingConfig(("mean",)), False
    try:
        modules = json.loads(path.read_text(encoding="utf-8"))
        kinds = [(str(m["type"]).rsplit(".", 1)[-1], str(m.get("path", ""))) for m in modules]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(f"{path} is malformed: {exc}") from None
    pooling = PoolingConfig(("mean",))
    normalize = False
    for kind, sub in kinds:
        if kind not in _MODULE_TYPES:
            raise ModelFileError(
                f"{path}: module type {kind!r} is not supported; supported: {_MODULE_TYPES}"
            )
        if kind == "Pooling":
            pooling = PoolingConfig.from_folder(folder / sub)
        elif kind == "Normalize":
            normalize = True
    return pooling, normalize


class TransformerEncoder(Encoder):
    """A BERT/MPNet sentence encoder read from a model folder.

    Texts longer than ``max_length`` tokens (``max_seq_length`` of
    ``sentence_bert_config.json``, 256 for all-MiniLM-L6-v2) are truncated, as
    sentence-transformers does.

    Example:
        >>> enc = TransformerEncoder(model_path("all-MiniLM-L6-v2"))  # doctest: +SKIP
        >>> enc.encode(["a cat", "a dog"]).shape                       # doctest: +SKIP
        (2, 384)
    """

    def __init__(self, folder: str | Path, backend: str = "onnx", quantize: str | None = None,
                 pooling: str | None = None, max_length: int | None = None,
                 threads: int | None = None, name: str | None = None) -> None:
        from embedlab.tokenizers import Tokenizer

        self.folder = Path(folder).expanduser()
        self.runner = TransformerRunner(self.folder, backend, quantize, threads)
        cfg = self.runner.config
        self.name = name or self.folder.name
        self.pooling, self.normalize_default = read_modules(self.folder)
        if pooling is not None:
            self.pooling = PoolingConfig(tuple(pooling.split("+")))
        st_cfg = read_json_object(self.folder / "sentence_bert_config.json",
                                  "sentence-transformers config", required=False)
        st_path = self.folder / "sentence_bert_config.json"
        limit = st_cfg.get("max_seq_length") or cfg.max_tokens
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 2:
            raise ModelFileError(f"{st_path}: max_seq_length must be a whole number >= 2, "
                                 f"got {limit!r:.60}")
        if max_length is not None:
            if max_length < 2:
                raise ValueError(f"max_length must be at least 2, got {max_length}")
            limit = max_length
        self.max_length = min(limit, cfg.max_tokens)
        self.do_lower_case = bool(st_cfg.get("do_lower_case", False))
        self.tokenizer = Tokenizer.from_pretrained_folder(self.folder)
        # An id outside the embedding table would fail inside the model (IndexError in
        # numpy, an ONNX Runtime error): a vocabulary larger than config.json's is a folder
        # error.  _run checks the ids again (post-processors carry ids of their own).
        ids = [*getattr(self.tokenizer.model, "vocab", {}).values(),
               *(t.id for t in self.tokenizer.added_vocabulary.tokens)]
        if ids and (max(ids) >= cfg.vocab_size or min(ids) < 0):
            raise ModelFileError(
                f"{self.folder}: the tokenizer (tokenizer.json or vocab.txt) has token ids "
                f"{min(ids)}..{max(ids)} but config.json's vocab_size is {cfg.vocab_size}; "
                "the files belong to different models")
        self.tokenizer.enable_truncation(self.max_length)
        self.pad_id = cfg.pad_token_id
        self.dimension = self.pooling.output_dim(cfg.hidden_size)
        self.fingerprint = self._fingerprint()
        self._pending: dict[str, tuple[list[int], list[int]]] = {}

    def _fingerprint(self) -> str:
        tok_file = self.folder / "tokenizer.json"
        if not tok_file.is_file():
            tok_file = self.folder / "vocab.txt"
        parts = [
            self.runner.weights_sha256,
            hashlib.sha256(tok_file.read_bytes()).hexdigest() if tok_file.is_file() else "",
            str(self.max_length), str(self.do_lower_case), "+".join(self.pooling.modes),
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]

    def cache_settings(self) -> str:
        return f"{self.runner.backend}:{self.runner.quantize or 'float32'}"

    def _tokenize(self, texts: list[str]) -> list[tuple[list[int], list[int]]]:
        if self.do_lower_case:
            texts = [t.lower() for t in texts]
        return [(e.ids, e.type_ids) for e in self.tokenizer.encode_batch(texts)]

    def sort_lengths(self, texts: list[str]) -> list[int]:
        # Tokenize once here; encode_batch picks the ids up, so sorting by token count
        # (which pads far less than sorting by characters) costs no second pass.
        encoded = self._tokenize(texts)
        self._pending = dict(zip(texts, encoded, strict=True))
        return [len(ids) for ids, _ in encoded]

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """The token ids the model sees for each text (after truncation)."""
        return [ids for ids, _ in self._tokenize(texts)]

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        pending = self._pending
        encoded = [pending.pop(t) if t in pending else self._tokenize([t])[0] for t in texts]
        width = max(len(ids) for ids, _ in encoded)
        # Attention holds rows x heads x width^2 scores: long texts run in fewer rows at a
        # time, so the memory a batch takes stays bounded whatever the batch size asked for.
        rows = max(1, ATTENTION_CELLS // (width * width))
        if len(encoded) > rows:
            return np.concatenate([self._run(encoded[i:i + rows])
                                   for i in range(0, len(encoded), rows)])
        return self._run(encoded)

    def _run(self, encoded: list[tuple[list[int], list[int]]]) -> np.ndarray:
        width = max(len(ids) for ids, _ in encoded)
        ids = np.full((len(encoded), width), self.pad_id, dtype=np.int64)
        types = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.zeros((len(encoded), width), dtype=np.int64)
        for row, (tok, typ) in enumerate(encoded):
            ids[row, :len(tok)] = tok
            types[row, :len(typ)] = typ
            mask[row, :len(tok)] = 1
        vocab_size = self.runner.config.vocab_size
        if ids.size and (int(ids.max()) >= vocab_size or int(ids.min()) < 0):
            raise ModelFileError(
                f"{self.folder}: the tokenizer produced token id {int(ids.max())} or "
                f"{int(ids.min())}, outside config.json's vocab_size {vocab_size}; the "
                "tokenizer files and the model do not match")
        tokens = self.runner(ids, mask, types)
        return pool(tokens, mask, self.pooling)
