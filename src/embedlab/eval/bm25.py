"""BM25 candidate lists for reranking tasks, from SQLite's FTS5 (the engine collections use).

Example:
    >>> bm25_top_k({"d1": "wing in a slipstream", "d2": "heat transfer"},
    ...            {"q1": "slipstream wing"}, k=2)
    {'q1': ['d1']}
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from contextlib import closing


def match_expression(text: str) -> str:
    """An FTS5 MATCH expression: every word of ``text`` quoted, joined by OR (as the
    hybrid search of a collection builds it)."""
    return " OR ".join(f'"{w}"' for w in re.findall(r"\w+", text))


def bm25_top_k(corpus: Mapping[str, str], queries: Mapping[str, str],
               k: int = 100) -> dict[str, list[str]]:
    """The ``k`` best documents of each query by FTS5's BM25 (k1 = 1.2, b = 0.75), best
    first; documents with no query word are never candidates, so a list may be shorter.
    Ties keep corpus order."""
    ids = list(corpus)
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE VIRTUAL TABLE docs USING fts5(text)")
        conn.executemany("INSERT INTO docs(rowid, text) VALUES (?, ?)",
                         [(i + 1, corpus[d]) for i, d in enumerate(ids)])
        out: dict[str, list[str]] = {}
        for qid, text in queries.items():
            match = match_expression(text)
            rows = conn.execute("SELECT rowid FROM docs WHERE docs MATCH ? "
                                "ORDER BY rank, rowid LIMIT ?", (match, k)) if match else []
            out[qid] = [ids[r[0] - 1] for r in rows]
    return out
