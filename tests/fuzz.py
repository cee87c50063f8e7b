"""Shared settings and strategies of the property-based (hypothesis) fuzzing suite.

The default suite runs a few dozen examples per property, derandomized under ``CI=true`` so
that a CI failure reproduces; ``EMBEDLAB_FUZZ=long`` (``make test-slow``) runs
``LONG_FACTOR`` times as many, from a random seed. Every case has a time budget and a peak
memory budget (the process's peak RSS is reset before each case through
``/proc/self/clear_refs``, so the bound is per case, not per process).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

LONG = os.environ.get("EMBEDLAB_FUZZ") == "long"
#: How many more examples the long run tries than the default suite.
LONG_FACTOR = 10
#: Errors embedlab documents for bad input: its own, and TypeError/ValueError for arguments.
DOCUMENTED = (TypeError, ValueError)


def fuzz(examples: int) -> Any:
    """Hypothesis settings for a property: ``examples`` cases (times LONG_FACTOR when long)."""
    return settings(
        max_examples=examples * (LONG_FACTOR if LONG else 1),
        deadline=None,  # the budget below bounds each case instead, with a clearer message
        # CI runs a fixed sequence (a red build names a case anyone can rerun); elsewhere
        # each run draws new cases
        derandomize=os.environ.get("CI") == "true",
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=True,
    )


def _rss_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


class BudgetBlown(BaseException):
    """A case far past its budget, stopped while it runs (a BaseException, so that no
    ``except Exception`` in the code under test can swallow it)."""


#: A running case is stopped once it exceeds this many times its budget (the budget itself
#: is checked after the block; this bound keeps one runaway case from taking the machine).
HARD_FACTOR = 4


@contextmanager
def budget(seconds: float, megabytes: float, what: Any = "") -> Iterator[None]:
    """Fail unless the block takes under ``seconds`` and raises the process's peak resident
    memory by under ``megabytes`` over its resident memory at the start.

    A watchdog thread stops a runaway block (``HARD_FACTOR`` times either budget, plus
    slack) by raising :class:`BudgetBlown` in the main thread, rather than letting it
    exhaust the machine's memory: the check after the block could never run then."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # resets VmHWM (peak RSS) to the current RSS
        start_rss = _rss_kib("VmRSS")
    except OSError:  # pragma: no cover - not Linux: time only
        start_rss = None
    start = time.perf_counter()
    with _watchdog(seconds * HARD_FACTOR + 5, megabytes * HARD_FACTOR + 256, start_rss, what):
        yield
    elapsed = time.perf_counter() - start
    assert elapsed < seconds, f"{elapsed:.2f} s > budget {seconds} s for {what!r:.200}"
    if start_rss is not None:
        grown = (_rss_kib("VmHWM") - start_rss) / 1024
        assert grown < megabytes, f"peak RSS +{grown:.0f} MB > {megabytes} MB for {what!r:.200}"


@contextmanager
def _watchdog(seconds: float, megabytes: float, start_rss: int | None,
              what: Any) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only
        return
    why: list[str] = []
    done = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        raise BudgetBlown(f"stopped: {why[0] if why else 'over budget'} for {what!r:.300}")

    def watch() -> None:
        t0 = time.perf_counter()
        while not done.wait(0.02):
            if time.perf_counter() - t0 > seconds:
                why.append(f"running past {seconds:.0f} s")
            elif start_rss is not None and (_rss_kib("VmRSS") - start_rss) / 1024 > megabytes:
                why.append(f"resident memory grew past {megabytes:.0f} MB")
            else:
                continue
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGUSR2)
            return

    previous = signal.signal(signal.SIGUSR2, on_signal)
    thread = threading.Thread(target=watch, daemon=True, name="fuzz-budget")
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        signal.signal(signal.SIGUSR2, previous)


#: Text of any Unicode, lone surrogates included (Python strings can hold them).
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
#: Text over the printable planes, weighted to what breaks tokenizers: marks, CJK, spaces.
tricky_text = st.text(st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from([*"\u0301\u0308\u200b\u00a0\u3000\ufeff\u202e\t\r\n ", "\U0001f600",
                     "\U0001f1e6", "\u4e2d", "\u00e9", "\u0130", "\u1e9e"]),
), max_size=400)

json_scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
                | st.floats(allow_nan=True, allow_infinity=True) | any_text)
#: Any JSON value (NaN and infinities included, as Python's json writes them).
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(any_text, inner, max_size=6),
    max_leaves=25)

_where_keys = st.one_of(st.sampled_from(["n", "topic", "year", "", "a.b", 'q"x', "\x00", "$and",
                                         "k" * 300]), any_text)
_where_values = st.one_of(json_scalars, st.lists(json_scalars, max_size=5))
_operators = st.sampled_from(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin",
                              "$exists", "$bad"])
_condition = st.one_of(_where_values, st.dictionaries(_operators, _where_values, min_size=1,
                                                      max_size=3), json_values)
#: Metadata filters, mostly well-formed (the operators of embedlab.store.filters), some not.
where_filters = st.recursive(
    st.dictionaries(_where_keys, _condition, max_size=3),
    lambda inner: st.dictionaries(st.sampled_from(["$and", "$or", "$not"]),
                                  st.lists(inner, max_size=4) | inner, min_size=1, max_size=2),
    max_leaves=12)


def collection_digest(col: Any) -> str:
    """A digest of everything a collection stores: ids, texts, metadata, sources, offsets
    and vectors (a rejected write must leave it unchanged)."""
    docs = col.get()
    digest = hashlib.sha256(json.dumps(
        [(d.id, d.text, d.metadata, d.source, d.start, d.end) for d in docs]).encode())
    if docs:
        digest.update(col.get_vectors([d.id for d in docs]).tobytes())
    return digest.hexdigest()
