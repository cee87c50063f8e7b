"""Readers for the shared STS-B file used by several tests."""

from __future__ import annotations

from pathlib import Path


def read_stsb(data_dir: Path, split: str = "test") -> tuple[list[str], list[str], list[float]]:
    """Sentence pairs and gold scores of ``sts-<split>.csv`` (extra trailing fields ignored)."""
    first, second, scores = [], [], []
    path = data_dir / "sts" / "stsbenchmark" / f"sts-{split}.csv"
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        scores.append(float(fields[4]))
        first.append(fields[5])
        second.append(fields[6])
    return first, second, scores
