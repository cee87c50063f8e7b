"""The threaded block runner of word2vec and Doc2Vec training.

The corpus is cut into blocks of about :data:`BLOCK_WORDS` words; each block is one call of
a numba kernel (which releases the GIL), seeded by a fixed function of (seed, epoch, block)
so that a block trains the same way whichever thread takes it. :class:`BlockRunner` hands the
blocks of an epoch to ``workers`` threads and reports progress once per block.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from embedlab.errors import check_positive
from embedlab.static.history import TrainingProgress

#: Sentences are trained in blocks of about this many words (one kernel call each).
BLOCK_WORDS = 10_000


def block_seed(seed: int, epoch: int, block: int) -> int:
    """The LCG seed of one block: a fixed function of (seed, epoch, block)."""
    x = (seed * 0x9E3779B97F4A7C15 + epoch * 0xBF58476D1CE4E5B9 + block * 0x94D049BB133111EB
         + 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 31
    return (x & 0x7FFFFFFFFFFFFFFF) or 1


def plan_blocks(starts: np.ndarray, block_words: int = BLOCK_WORDS) -> list[tuple[int, int, int]]:
    """``(first sentence, end sentence, words before)`` per block of about block_words."""
    blocks = []
    n = len(starts) - 1
    s = 0
    while s < n:
        target = starts[s] + block_words
        e = int(np.searchsorted(starts, target, side="left"))
        e = max(e, s + 1)
        e = min(e, n)
        blocks.append((s, e, int(starts[s])))
        s = e
    return blocks


class BlockRunner:
    """Runs blocks of a kernel on ``workers`` threads and reports progress once per block."""

    def __init__(self, workers: int, progress: Callable[[TrainingProgress], None] | None):
        check_positive("workers", workers)
        self.workers = workers
        self.progress = progress

    def run_epoch(self, n_blocks: int, run_block: Callable[[int], tuple[int, int, float]],
                  info: dict[str, Any]) -> tuple[int, int, float, float]:
        """Run blocks 0..n-1; returns (words, effective words, loss, seconds)."""
        lock = threading.Lock()
        state: dict[str, Any] = {"next": 0, "words": 0, "effective": 0, "loss": 0.0}
        t0 = time.perf_counter()

        def worker() -> None:
            while True:
                with lock:
                    b = state["next"]
                    if b >= n_blocks or state.get("stop"):
                        return
                    state["next"] = b + 1
                try:
                    words, effective, loss = run_block(b)
                except BaseException:  # the other threads take no further block
                    with lock:
                        state["stop"] = True
                    raise
                with lock:
                    state["words"] += words
                    state["effective"] += effective
                    state["loss"] += loss
                    if self.progress is not None:
                        elapsed = time.perf_counter() - t0
                        mean = (state["loss"] / max(state["effective"], 1)
                                if info.get("compute_loss") else math.nan)
                        self.progress(TrainingProgress(
                            "train", info["epoch"], info["epochs"], state["words"],
                            info["total_words"], elapsed, mean))

        if self.workers == 1:
            worker()
        else:
            with ThreadPoolExecutor(self.workers) as pool:
                futures = [pool.submit(worker) for _ in range(self.workers)]
                try:
                    for f in futures:
                        f.result()
                except BaseException:  # Ctrl-C here: the threads stop after their block
                    with lock:
                        state["stop"] = True
                    raise
        return (int(state["words"]), int(state["effective"]), float(state["loss"]),
                time.perf_counter() - t0)
