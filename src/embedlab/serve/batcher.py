"""Request batching: concurrent requests for one model share ``encode`` calls.

Each request puts its texts on an asyncio queue; one worker task per model takes the first
waiting request, gathers more for ``window_s`` (or until ``max_texts`` texts), and runs one
``encode`` for all of them in a single-thread executor (the encoder is not thread-safe, and
ONNX Runtime uses every core anyway). ``encode`` returns the same vectors whatever the batch,
so a batched request gets exactly what ``embedlab embed`` gives for its texts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embedlab.encoders.base import Encoder

log = logging.getLogger(__name__)


class ContextLengthError(ValueError):
    """A text has more tokens than the model reads, and the request asked not to truncate."""

    def __init__(self, index: int, tokens: int, limit: int) -> None:
        super().__init__(
            f"input {index} has more than {limit} tokens, the model's limit "
            "(send truncate=true to cut it)")


@dataclass
class EmbedJob:
    """One request's texts and where its answer goes."""

    texts: list[str]
    truncate: bool
    future: asyncio.Future[tuple[np.ndarray, list[int]]] = field(repr=False)


class ClosedError(RuntimeError):
    """The batcher was closed (its model was unloaded); resubmit to a fresh one."""


class Batcher:
    """Gathers :class:`EmbedJob`s for one encoder and answers them in shared batches.

    ``count_tokens(texts)`` gives each text's untruncated token count (special tokens
    included); the vectors are ``encode(normalize=False)`` output, ``(n, dim) float32``,
    normalized by the caller after any dimension truncation, exactly as ``encode`` does.
    """

    def __init__(self, encoder: Encoder, count_tokens: Callable[[list[str]], list[int]],
                 max_length: int, window_s: float = 0.003, max_texts: int = 256,
                 batch_size: int = 32) -> None:
        self.encoder = encoder
        self.count_tokens = count_tokens
        self.max_length = max_length
        self.window_s = window_s
        self.max_texts = max_texts
        self.batch_size = batch_size
        self.closed = False
        self._queue: asyncio.Queue[EmbedJob | None] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedlab-encode")
        self._task: asyncio.Task[None] | None = None

    async def embed(self, texts: list[str], truncate: bool = True) -> tuple[np.ndarray, list[int]]:
        """``(vectors (n, dim) float32, token counts seen by the model)`` for ``texts``."""
        if self.closed:
            raise ClosedError("model was unloaded")
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        future: asyncio.Future[tuple[np.ndarray, list[int]]] = (
            asyncio.get_running_loop().create_future())
        self._queue.put_nowait(EmbedJob(texts, truncate, future))
        return await future

    def close(self) -> None:
        """Finish the queued jobs, then stop the worker and its thread."""
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(None)
            if self._task is None:
                self._executor.shutdown(wait=False)

    async def aclose(self) -> None:
        self.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                first = await self._queue.get()
                if first is None:
                    return
                jobs, stop = await self._gather(first)
                live = [j for j in jobs if not j.future.cancelled()]
                if live:
                    try:
                        results = await loop.run_in_executor(self._executor, self._work, live)
                    except Exception as exc:  # answer every waiter, keep serving
                        log.exception("encoding a batch of %d requests failed", len(live))
                        results = [exc] * len(live)
                    for job, result in zip(live, results, strict=True):
                        if job.future.done():
                            continue
                        if isinstance(result, BaseException):
                            job.future.set_exception(result)
                        else:
                            job.future.set_result(result)
                if stop:
                    return
        finally:
            self._executor.shutdown(wait=False)

    async def _gather(self, first: EmbedJob) -> tuple[list[EmbedJob], bool]:
        jobs, total = [first], len(first.texts)
        deadline = asyncio.get_running_loop().time() + self.window_s
        while total < self.max_texts:
            timeout = deadline - asyncio.get_running_loop().time()
            try:
                job = (self._queue.get_nowait() if timeout <= 0 else
                       await asyncio.wait_for(self._queue.get(), timeout))
            except (asyncio.QueueEmpty, TimeoutError):
                break
            if job is None:
                return jobs, True
            jobs.append(job)
            total += len(job.texts)
        return jobs, False

    def _work(self, jobs: list[EmbedJob]) -> list[Any]:
        """Runs in the encoder thread: count tokens, refuse over-long inputs, encode the rest."""
        all_texts = [t for job in jobs for t in job.texts]
        counts = self.count_tokens(all_texts)
        results: list[Any] = []
        accepted: list[tuple[int, int, int]] = []  # (job index, start, stop) in all_texts
        start = 0
        for i, job in enumerate(jobs):
            stop = start + len(job.texts)
            too_long = next((k for k in range(start, stop) if counts[k] > self.max_length), None)
            if not job.truncate and too_long is not None:
                results.append(ContextLengthError(too_long - start, counts[too_long],
                                                  self.max_length))
            else:
                results.append(None)
                accepted.append((i, start, stop))
            start = stop
        texts = [t for _, a, b in accepted for t in all_texts[a:b]]
        vectors = self.encoder.encode(texts, batch_size=self.batch_size, normalize=False)
        offset = 0
        for i, a, b in accepted:
            seen = [min(c, self.max_length) for c in counts[a:b]]
            results[i] = (vectors[offset:offset + b - a], seen)
            offset += b - a
        return results
