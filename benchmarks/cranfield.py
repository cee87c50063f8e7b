"""Cranfield retrieval quality: nDCG@10 of dense, BM25 and hybrid search in an embedlab collection.

The 1,400 Cranfield abstracts (title + text, ``.T`` + ``.W``) go into one collection with
all-MiniLM-L6-v2 (float32 ONNX graph by default); each of the 225 queries of ``cran.qry`` is
searched three ways:

- dense: ``collection.search(query, k=10)`` (exact cosine);
- BM25: the collection's own FTS5 table (``documents_fts``), queried exactly as the hybrid
  mode's keyword stage does (every word quoted, OR-ed, ``ORDER BY rank``: FTS5's BM25);
  the collection exposes BM25 only inside ``hybrid=True``;
- hybrid: ``collection.search(query, k=10, hybrid=True)`` (reciprocal rank fusion, k=60).

Judgements: ``cranqrel`` lines are ``query doc grade``; the query number is the query's
position in ``cran.qry`` (1-225), not its ``.I`` label. Gain = 5 - grade for grades 1-4
(1 most relevant -> gain 4, 4 -> gain 1) and 1 for -1 (judged relevant without a grade).
nDCG@10 = DCG@10 / IDCG@10 with DCG = sum(gain_i / log2(i + 1)) over ranks i = 1..10 and the
ideal ranking built from all judged documents of the query. Every query counts (a query
with no hit scores 0). Prints the table; writes JSON to benchmarks/results/cranfield-<model>.json.

    python benchmarks/cranfield.py [--model all-MiniLM-L6-v2] [--quantize none|int8]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from embedlab import paths

RESULTS = Path(__file__).resolve().parent / "results"
K = 10


def read_smart(path: Path) -> list[dict[str, str]]:
    """Records of a SMART-format file: ``{"I": label, "T": ..., "A": ..., "B": ..., "W": ...}``."""
    records: list[dict[str, str]] = []
    field = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"^\.([ITABW])\b\s*(.*)$", line)
        if m:
            field = m.group(1)
            if field == "I":
                records.append({"I": m.group(2).strip()})
            else:
                records[-1].setdefault(field, "")
            continue
        if field and field != "I" and records:
            records[-1][field] = (records[-1][field] + " " + line.strip()).strip()
    return records


def gain(grade: int) -> float:
    return float(5 - grade) if 1 <= grade <= 4 else 1.0


def read_qrels(path: Path) -> dict[int, dict[str, float]]:
    """query position (1-based) -> {doc label: gain}."""
    out: dict[int, dict[str, float]] = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            q, doc, grade = int(parts[0]), str(int(parts[1])), int(parts[2])
            out.setdefault(q, {})[doc] = max(out.get(q, {}).get(doc, 0.0), gain(grade))
    return out


def ndcg(ranked: list[str], judged: dict[str, float], k: int = K) -> float:
    dcg = sum(judged.get(d, 0.0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(judged.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def bm25_ranking(db: Path, text: str, k: int) -> list[str]:
    """Document ids by FTS5 BM25, as the hybrid mode's keyword stage ranks them."""
    from embedlab.store.search import fts_query

    match = fts_query(text)
    if not match:
        return []
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT d.id FROM documents_fts f JOIN documents d ON d.seq = f.rowid "
            "WHERE documents_fts MATCH ? ORDER BY f.rank LIMIT ?", [match, k]).fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--quantize", default="none", help="none (float32) or int8")
    args = ap.parse_args()

    from embedlab.encoders import load_encoder
    from embedlab.store import Collection

    folder = paths.data_dir() / "retrieval" / "cranfield"
    docs = read_smart(folder / "cran.all.1400")
    queries = read_smart(folder / "cran.qry")
    qrels = read_qrels(folder / "cranqrel")
    quantize = None if args.quantize == "none" else args.quantize
    enc = load_encoder(args.model, quantize=quantize)

    tmp = Path(tempfile.mkdtemp(prefix="embedlab-cranfield-"))
    try:
        col = Collection.create(tmp / "cranfield", encoder=enc)
        texts = [(d.get("T", "") + "\n" + d.get("W", "")).strip() for d in docs]
        start = time.perf_counter()
        col.add(texts=texts, ids=[str(int(d["I"])) for d in docs])
        index_s = time.perf_counter() - start
        db = col.path / "collection.sqlite"
        scores: dict[str, list[float]] = {"dense": [], "bm25": [], "hybrid": []}
        for pos, q in enumerate(queries, start=1):
            text = q.get("W", "")
            judged = qrels.get(pos, {})
            runs = {"dense": [h.id for h in col.search(text, k=K)],
                    "bm25": bm25_ranking(db, text, K),
                    "hybrid": [h.id for h in col.search(text, k=K, hybrid=True)]}
            for name, ranked in runs.items():
                scores[name].append(ndcg(ranked, judged))
        col.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    result: dict[str, Any] = {
        "model": args.model, "precision": args.quantize if quantize else "float32",
        "documents": len(docs), "queries": len(queries),
        "judged_queries": sum(1 for i in range(1, len(queries) + 1) if qrels.get(i)),
        "gain": "5 - grade for grades 1-4, 1 for -1", "k": K, "index_s": index_s,
        "ndcg_at_10": {name: float(np.mean(v)) for name, v in scores.items()},
        "machine": {"platform": platform.platform(), "python": platform.python_version()}}
    print(f"Cranfield: {len(docs)} abstracts, {len(queries)} queries, {args.model} "
          f"({result['precision']}), indexed in {index_s:.1f} s")
    print(f"{'method':10} {'nDCG@10':>8}")
    for name, v in result["ndcg_at_10"].items():
        print(f"{name:10} {v:8.4f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"cranfield-{args.model}.json"
    out.write_text(json.dumps(result, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
