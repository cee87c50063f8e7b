"""Medians and spreads for the benchmarks: a speed figure is the median of several runs,
shown with its range, never a single best run."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def median_range(values: Sequence[float]) -> tuple[float, float, float]:
    """``(median, min, max)`` of the runs."""
    if not values:
        raise ValueError("no runs to summarize")
    return statistics.median(values), min(values), max(values)


def spread(values: Sequence[float], fmt: str = ".2f", unit: str = "") -> str:
    """``"1.23x (1.10-1.31, 3 runs)"``-style text: the median, then the range."""
    med, lo, hi = median_range(values)
    return f"{med:{fmt}}{unit} ({lo:{fmt}}-{hi:{fmt}}, {len(values)} runs)"
