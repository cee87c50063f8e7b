"""Training histories of word2vec, Doc2Vec and GloVe: one row type and one file format.

Each model's ``history`` is a list of :class:`EpochStats`, one per epoch. ``embedlab train
... --history FILE.json`` writes it with :func:`write_history`; :func:`read_history` reads it
back (``embedlab plot training`` draws it). The file::

    {"format_version": 1, "model": "word2vec",
     "epochs": [{"epoch": 1, "loss": 2.31, "seconds": 0.8, "words": 17000,
                 "words_per_second": 21250.0}, ...]}

word2vec and Doc2Vec count words, GloVe co-occurrence pairs (``pairs``,
``pairs_per_second``); ``loss`` is NaN (``null`` in the file) when it was not computed.

Example:
    >>> h = [EpochStats(1, words=1000, effective_words=900, seconds=0.5, loss=2.0)]
    >>> history_rows(h)[0]["words_per_second"]
    2000.0
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedlab.errors import EmbedlabError
from embedlab.files import atomic_write_bytes

#: Version of the history file; bump when its rows change.
HISTORY_FORMAT_VERSION = 1


class HistoryFileError(EmbedlabError, ValueError):
    """A training-history file is missing, unreadable or not a history; names the file."""


@dataclass
class EpochStats:
    """What one training epoch did: ``words`` read (word2vec, Doc2Vec) or co-occurrence
    ``pairs`` trained on (GloVe), the mean loss per prediction (NaN when not computed), its
    seconds, and the learning rate at its end (``alpha``, NaN for GloVe's AdaGrad)."""

    epoch: int
    words: int = 0
    effective_words: int = 0
    seconds: float = 0.0
    loss: float = math.nan
    alpha: float = math.nan
    pairs: int = 0

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds > 0 else math.nan

    @property
    def pairs_per_second(self) -> float:
        return self.pairs / self.seconds if self.seconds > 0 else math.nan


@dataclass(frozen=True)
class TrainingProgress:
    """What a ``progress`` callback of word2vec, Doc2Vec and GloVe receives.

    ``stage`` is ``"cooccur"`` (GloVe counting: ``done`` sentences so far) or ``"train"``
    (``done`` of ``total`` words or pairs in ``epoch`` of ``epochs``, after ``seconds`` in
    this epoch, ``loss`` the mean loss so far, NaN when not computed). word2vec and Doc2Vec
    report after every block of sentences, GloVe after every epoch."""

    stage: str
    epoch: int = 0
    epochs: int = 0
    done: int = 0
    total: int = 0
    seconds: float = 0.0
    loss: float = math.nan
    unit: str = "words"

    @property
    def rate(self) -> float:
        """``unit`` per second in this epoch so far."""
        return self.done / self.seconds if self.seconds > 0 else math.nan


def history_rows(history: list[EpochStats]) -> list[dict[str, Any]]:
    """The rows of the history file for ``history``."""
    rows = []
    for h in history:
        row: dict[str, Any] = {"epoch": h.epoch, "loss": h.loss, "seconds": h.seconds}
        if h.pairs:
            row.update(pairs=h.pairs, pairs_per_second=h.pairs_per_second)
        else:
            row.update(words=h.words, words_per_second=h.words_per_second)
        rows.append(row)
    return rows


def write_history(path: str | os.PathLike[str], model: str,
                  history: list[EpochStats]) -> None:
    """Write ``history`` of a ``model`` kind ("word2vec", "doc2vec", "glove") atomically."""
    rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in history_rows(history)]
    doc = {"format_version": HISTORY_FORMAT_VERSION, "model": model, "epochs": rows}
    atomic_write_bytes(Path(path), (json.dumps(doc, indent=2) + "\n").encode())


def read_history(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A history file as ``{"model", "epochs": [rows]}`` (``model`` defaults to the file's
    stem); a file without epochs, of a newer format or not JSON is a HistoryFileError."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HistoryFileError(f"training history not found: {p}; write one with "
                               "`embedlab train ... --history FILE.json`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HistoryFileError(f"cannot read training history {p}: {exc}") from None
    if not isinstance(data, dict) or not data.get("epochs") or not isinstance(
            data["epochs"], list):
        raise HistoryFileError(f"{p} records no epochs; expected {{\"model\": ..., \"epochs\": "
                               "[{\"epoch\": 1, \"loss\": ...}, ...]}")
    version = data.get("format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise HistoryFileError(f"{p}: format_version must be a positive integer, not "
                               f"{version!r}")
    if version > HISTORY_FORMAT_VERSION:
        raise HistoryFileError(f"{p} has format_version {version}, newer than this embedlab "
                               f"reads ({HISTORY_FORMAT_VERSION}); upgrade embedlab")
    for row in data["epochs"]:
        if isinstance(row, dict) and row.get("loss") is None:
            row["loss"] = math.nan  # not computed
    data.setdefault("model", p.stem)
    return data
