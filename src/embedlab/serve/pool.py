"""The models a server answers for: the served one (always loaded) and a small LRU of others.

A request names a model by registry name, alias, store folder name (an Ollama-style
``:latest`` tag is ignored); pulled models other than the served one are loaded on first use
and kept while they are among the ``max_loaded`` most recently used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from embedlab.encoders.base import Encoder
from embedlab.errors import EmbedlabError
from embedlab.serve.batcher import Batcher
from embedlab.serve.errors import APIError

log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    """One loaded encoder, its untruncated token counter and its batcher."""

    name: str
    encoder: Encoder
    batcher: Batcher
    load_seconds: float


def _known_names() -> dict[str, str]:
    """Lower-cased name or alias -> canonical name, for every pulled sentence encoder.

    Reads only the store's folder names and manifests (no sizes), so it is cheap per request.
    """
    from embedlab import paths
    from embedlab.models.registry import REGISTRY
    from embedlab.models.store import MANIFEST

    store = paths.models_dir()
    names: dict[str, str] = {}
    for spec in REGISTRY.values():
        if spec.kind != "word-vectors" and (store / spec.name / MANIFEST).is_file():
            names[spec.name.lower()] = spec.name
            for alias in spec.aliases:
                names[alias.lower()] = spec.name
    if store.is_dir():
        for folder in store.iterdir():
            if (folder.name not in REGISTRY and not folder.name.startswith(".")
                    and (folder / "config.json").is_file()):
                names.setdefault(folder.name.lower(), folder.name)
    return names


def _canonical(requested: str, fallback: str) -> str:
    """The registry name for a name or alias (``minilm`` -> ``all-MiniLM-L6-v2``)."""
    from embedlab.models.registry import resolve_name

    if Path(requested).expanduser().is_dir():
        return fallback
    try:
        return resolve_name(requested).name
    except EmbedlabError:
        return fallback


def _token_counter(encoder: Encoder) -> Callable[[list[str]], list[int]]:
    """Token counts (special tokens included) with the encoder's own tokenizer, capped at
    one more than the model's limit: enough to tell an over-long text, and the work per
    text stops there whatever its length."""
    from embedlab.tokenizers import Tokenizer

    folder = getattr(encoder, "folder", None)
    tokenizer = getattr(encoder, "tokenizer", None)
    if folder is None or tokenizer is None:
        return lambda texts: [len(t.split()) for t in texts]
    full = Tokenizer.from_pretrained_folder(Path(folder))
    full.enable_truncation((encoder.max_length or 512) + 1)
    lower = bool(getattr(encoder, "do_lower_case", False))

    def count(texts: list[str]) -> list[int]:
        if lower:
            texts = [t.lower() for t in texts]
        return [len(e.ids) for e in full.encode_batch(texts)]

    return count


class ModelPool:
    """Loaded models by canonical name; :meth:`get` resolves, loads and evicts."""

    def __init__(self, served: str, load: Callable[[str], Encoder], max_loaded: int = 2,
                 window_s: float = 0.003, max_batch_texts: int = 256) -> None:
        self._load = load
        self.max_loaded = max(1, max_loaded)
        self.window_s = window_s
        self.max_batch_texts = max_batch_texts
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self.served = self._open(served)
        self.served_request_name = served

    def _open(self, name: str) -> LoadedModel:
        start = time.perf_counter()
        encoder = self._load(name)
        limit = encoder.max_length or 512
        batcher = Batcher(encoder, _token_counter(encoder), limit, window_s=self.window_s,
                          max_texts=self.max_batch_texts)
        model = LoadedModel(_canonical(name, encoder.name), encoder, batcher,
                            time.perf_counter() - start)
        log.info("loaded %s in %.2fs", model.name, model.load_seconds)
        return model

    def loaded(self) -> list[str]:
        return [self.served.name, *self._models]

    def known(self) -> list[str]:
        names = set(_known_names().values()) | {self.served.name}
        return sorted(names)

    def resolve(self, requested: str) -> str:
        """The canonical name for ``requested``, or a 404 naming the known models."""
        wanted = requested.strip()
        if wanted.lower().endswith(":latest"):
            wanted = wanted[: -len(":latest")]
        served_names = {self.served.name.lower(), self.served_request_name.lower()}
        if wanted.lower() in served_names:
            return self.served.name
        names = _known_names()
        canonical = names.get(wanted.lower())
        if canonical is not None and canonical.lower() in served_names:
            return self.served.name
        if canonical is None:
            from embedlab.models.registry import REGISTRY

            spec = next((s for s in REGISTRY.values() if wanted.lower() in
                         {s.name.lower(), *(a.lower() for a in s.aliases)}), None)
            if spec is not None:
                raise APIError(
                    404, f"model {requested!r} is not pulled on this server (run `embedlab "
                    f"pull {spec.name}`); known models: {', '.join(self.known())}",
                    param="model", code="model_not_found")
            raise APIError(
                404, f"model {requested!r} not found; known models: {', '.join(self.known())}",
                param="model", code="model_not_found")
        return canonical

    async def get(self, requested: str) -> tuple[LoadedModel, float]:
        """``(model, seconds spent loading it for this call)``."""
        name = self.resolve(requested)
        if name == self.served.name:
            return self.served, 0.0
        if name in self._models:
            self._models.move_to_end(name)
            return self._models[name], 0.0
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            if name in self._models:
                return self._models[name], 0.0
            try:
                model = await asyncio.to_thread(self._open, name)
            except EmbedlabError as exc:
                raise APIError(404, f"model {requested!r} could not be loaded: {exc}",
                               param="model", code="model_not_found") from exc
            self._models[name] = model
            while len(self._models) > self.max_loaded:
                _, old = self._models.popitem(last=False)
                log.info("unloading %s", old.name)
                old.batcher.close()
            return model, model.load_seconds

    async def aclose(self) -> None:
        for model in [self.served, *self._models.values()]:
            await model.batcher.aclose()
