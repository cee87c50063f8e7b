"""Vector search: an embedlab collection vs raw FAISS, hnswlib and Chroma, same vectors, same run.

Real all-MiniLM-L6-v2 vectors of Gutenberg sentences (``benchmarks/corpus.py``: ``--n`` corpus
sentences, 1,000 held-out query sentences; int8 encoder by default, cached under
benchmarks/results/). For each engine: index build time, query throughput at k=10 (one query
per call; and one call for all queries where the API takes a batch) and recall@10 against
exact (float32 brute-force) search. HNSW engines share M / efConstruction / efSearch.

- embedlab exact / HNSW: ``Collection`` with texts, ids and vectors added (the collection's
  own overhead: SQLite, the index file, exact rescoring, fetching the hits' rows); build is
  ``add`` + ``build_index()``; the batch figure is one ``search_many`` call. The
  collection's HNSW graph keeps float16 vectors (its default ``hnsw_storage``; hits are
  rescored from float32). HNSW is also timed, in alternating blocks of 100 queries (best of
  3 each, a ratio that holds up on a busy machine), against raw FAISS searching the
  collection's own index file (the collection's overhead alone) and against the raw FAISS
  ``IndexHNSWFlat`` below (what a user of FAISS would build).
- FAISS IndexFlatIP and IndexHNSWFlat, hnswlib (``space="ip"``), Chroma's embedded
  ``PersistentClient`` (cosine, same HNSW settings, added in batches of its max batch size).

Prints a table with the ratios embedlab / raw FAISS and embedlab / Chroma; writes JSON to
benchmarks/results/search-<n>.json.

    python benchmarks/search.py [--n 100000] [--threads 2] [--skip-chroma] [--skip-hnswlib]
    python benchmarks/search.py --sweep "16:64,16:100,24:100,32:100,32:200"   # M:efC, raw FAISS
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus

from embedlab import paths

RESCORE_MARGIN = 32  # embedlab's HNSW mode asks the index for k + 32 and rescores exactly


def exact_topk(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    out = np.empty((len(queries), k), dtype=np.int64)
    for i in range(0, len(queries), 256):
        s = queries[i:i + 256] @ base.T
        part = np.argpartition(-s, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(s, part, 1), axis=1)
        out[i:i + 256] = np.take_along_axis(part, order, 1)
    return out


def recall(found: list[list[int]] | np.ndarray, truth: np.ndarray, k: int) -> float:
    hits = sum(len(set(list(f)[:k]) & set(t[:k].tolist())) for f, t in zip(found, truth, strict=True))
    return hits / (k * len(truth))


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def one_by_one(search: Any, queries: np.ndarray) -> tuple[float, list[list[int]]]:
    search(queries[0])  # warm-up (lazy loads)
    start = time.perf_counter()
    found = [search(q) for q in queries]
    return time.perf_counter() - start, found


def row(name: str, build_s: float | None, single: tuple[float, list[Any]] | None,
        batch: tuple[float, Any] | None, truth: np.ndarray, k: int, nq: int,
        **extra: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"engine": name, "build_s": build_s, **extra}
    if single is not None:
        r["qps_single"] = nq / single[0]
        r["latency_ms"] = 1000 * single[0] / nq
        r["recall_at_k"] = recall(single[1], truth, k)
    if batch is not None:
        r["qps_batch"] = nq / batch[0]
        r.setdefault("recall_at_k", recall(batch[1], truth, k))
    print(f"  {name}: " + ", ".join(f"{a}={b:.4g}" if isinstance(b, float) else f"{a}={b}"
                                    for a, b in r.items() if a != "engine"), flush=True)
    return r


def run_embedlab(base: np.ndarray, queries: np.ndarray, texts: list[str], truth: np.ndarray,
                 args: argparse.Namespace, tmp: Path) -> tuple[list[dict[str, Any]], Any]:
    from embedlab.store import Collection

    k = args.k
    col = Collection.create(tmp / "embedlab", metric="cosine", hnsw_m=args.m,
                            hnsw_ef_construction=args.ef_construction,
                            hnsw_ef_search=args.ef_search)
    ids = [str(i) for i in range(len(base))]

    def add() -> None:
        for i in range(0, len(base), 10_000):
            col.add(texts=texts[i:i + 10_000], ids=ids[i:i + 10_000],
                    vectors=base[i:i + 10_000])

    add_s, _ = timed(add)
    index_s, _ = timed(col.build_index)
    print(f"  embedlab add {add_s:.1f} s, build_index {index_s:.1f} s", flush=True)
    rows = []
    for mode in ("exact", "hnsw"):
        single = one_by_one(
            lambda q, mode=mode: [int(h.id) for h in col.search(q, k=k, mode=mode)], queries)
        batch = timed(lambda mode=mode: [[int(h.id) for h in hits] for hits in
                                         col.search_many(queries, k=k, mode=mode)])
        rows.append(row(f"embedlab {mode}", add_s + (index_s if mode == "hnsw" else 0.0),
                        single, batch, truth, k, len(queries), add_s=add_s,
                        index_s=index_s if mode == "hnsw" else None))
    return rows, col


def alternate(a: Any, b: Any, queries: np.ndarray) -> tuple[float, float]:
    """Seconds for all ``queries`` one by one through ``a`` and through ``b``, alternating
    blocks of 100 queries (a, b, a, b, a, b) so that both see the same machine load and each
    runs after the other (neither inherits the other's warm caches more); the fastest of the 3
    passes of each block counts."""
    total_a = total_b = 0.0
    for i in range(0, len(queries), 100):
        block = queries[i:i + 100]
        best_a = best_b = float("inf")
        for _ in range(3):
            best_a = min(best_a, timed(lambda b_=block: [a(q) for q in b_])[0])
            best_b = min(best_b, timed(lambda b_=block: [b(q) for q in b_])[0])
        total_a, total_b = total_a + best_a, total_b + best_b
    return total_a, total_b


def interleaved(col: Any, queries: np.ndarray, args: argparse.Namespace,
                flat: Any = None) -> dict[str, Any]:
    """embedlab's HNSW search against raw FAISS searching the collection's own index file
    (same graph, float16 vectors by default: the collection's overhead alone) and, when given,
    against FAISS's ``IndexHNSWFlat`` (float32 vectors, built separately with the same
    settings: what a FAISS user runs), each pair timed by :func:`alternate`."""
    import faiss

    index = faiss.read_index(str(col.path / "index.faiss"))
    params = faiss.SearchParametersHNSW()
    params.efSearch = args.ef_search
    k = args.k

    def own(q: np.ndarray) -> Any:
        return col.search(q, k=k, mode="hnsw")

    own_s, same_s = alternate(own, lambda q: index.search(q[None, :], k, params=params), queries)
    out = {"qps_single_interleaved": len(queries) / own_s,
           "faiss_same_index_qps_single_interleaved": len(queries) / same_s}
    print(f"  embedlab hnsw vs FAISS on the same index, interleaved: {len(queries) / own_s:.0f}"
          f" vs {len(queries) / same_s:.0f} q/s ({same_s / own_s:.2f}x)", flush=True)
    if flat is not None:
        own_s, flat_s = alternate(own, lambda q: flat.search(q[None, :], k, params=params),
                                  queries)
        out["qps_single_interleaved_vs_flat"] = len(queries) / own_s
        out["faiss_flat_qps_single_interleaved"] = len(queries) / flat_s
        print(f"  embedlab hnsw vs FAISS IndexHNSWFlat, interleaved: {len(queries) / own_s:.0f}"
              f" vs {len(queries) / flat_s:.0f} q/s ({flat_s / own_s:.2f}x)", flush=True)
    return out


def faiss_hnsw(base: np.ndarray, m: int, ef_construction: int) -> Any:
    import faiss

    index = faiss.IndexHNSWFlat(base.shape[1], m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    index.add(base)
    return index


def run_faiss(base: np.ndarray, queries: np.ndarray, truth: np.ndarray,
              args: argparse.Namespace) -> tuple[list[dict[str, Any]], Any]:
    import faiss

    k, rows = args.k, []
    build, flat = timed(lambda: _flat(base))
    single = one_by_one(lambda q: flat.search(q[None, :], k)[1][0], queries)
    batch = timed(lambda: flat.search(queries, k)[1])
    rows.append(row("FAISS IndexFlatIP", build, single, batch, truth, k, len(queries)))
    build, hnsw = timed(lambda: faiss_hnsw(base, args.m, args.ef_construction))
    hnsw.hnsw.efSearch = args.ef_search
    single = one_by_one(lambda q: hnsw.search(q[None, :], k)[1][0], queries)
    batch = timed(lambda: hnsw.search(queries, k)[1])
    rows.append(row("FAISS IndexHNSWFlat", build, single, batch, truth, k, len(queries)))
    # what embedlab's HNSW mode asks of the index: k + 32 candidates, the best k kept
    wide = hnsw.search(queries, k + RESCORE_MARGIN)[1]
    rows[-1]["recall_at_k_of_k_plus_32"] = recall(wide, truth, k)
    del faiss
    return rows, hnsw


def _flat(base: np.ndarray) -> Any:
    import faiss

    index = faiss.IndexFlatIP(base.shape[1])
    index.add(base)
    return index


def run_hnswlib(base: np.ndarray, queries: np.ndarray, truth: np.ndarray,
                args: argparse.Namespace) -> dict[str, Any]:
    import hnswlib

    k = args.k

    def build() -> Any:
        index = hnswlib.Index(space="ip", dim=base.shape[1])
        index.init_index(max_elements=len(base), ef_construction=args.ef_construction, M=args.m)
        index.set_num_threads(args.threads)
        index.add_items(base, np.arange(len(base)))
        return index

    build_s, index = timed(build)
    index.set_ef(args.ef_search)
    single = one_by_one(lambda q: index.knn_query(q[None, :], k=k)[0][0], queries)
    batch = timed(lambda: index.knn_query(queries, k=k)[0])
    return row("hnswlib", build_s, single, batch, truth, k, len(queries))


def run_chroma(base: np.ndarray, queries: np.ndarray, truth: np.ndarray,
               args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings

    k = args.k
    client = chromadb.PersistentClient(path=str(tmp / "chroma"),
                                       settings=Settings(anonymized_telemetry=False))
    hnsw = {"space": "cosine", "max_neighbors": args.m, "ef_construction": args.ef_construction,
            "ef_search": args.ef_search, "num_threads": args.threads}
    try:
        col = client.create_collection("bench", configuration={"hnsw": hnsw})
    except Exception as exc:  # older configuration syntax
        print(f"  chroma configuration= refused ({exc}); using metadata", flush=True)
        col = client.create_collection("bench", metadata={
            "hnsw:space": "cosine", "hnsw:M": args.m, "hnsw:construction_ef": args.ef_construction,
            "hnsw:search_ef": args.ef_search, "hnsw:num_threads": args.threads})
    step = min(client.get_max_batch_size(), 5000)
    ids = [str(i) for i in range(len(base))]

    def add() -> None:
        for i in range(0, len(base), step):
            col.add(ids=ids[i:i + step], embeddings=base[i:i + step])

    build_s, _ = timed(add)
    single = one_by_one(lambda q: [int(x) for x in col.query(
        query_embeddings=q[None, :], n_results=k, include=[])["ids"][0]], queries)
    batch = timed(lambda: [[int(x) for x in r] for r in col.query(
        query_embeddings=queries, n_results=k, include=[])["ids"]])
    return row("Chroma PersistentClient", build_s, single, batch, truth, k, len(queries),
               chroma_version=chromadb.__version__)


def sweep(base: np.ndarray, queries: np.ndarray, truth: np.ndarray,
          args: argparse.Namespace) -> list[dict[str, Any]]:
    """Raw FAISS HNSW build time and embedlab-style recall (k + 32 candidates) per M:efC."""
    out = []
    for spec in args.sweep.split(","):
        m, efc = (int(x) for x in spec.split(":"))
        build_s, index = timed(lambda m=m, efc=efc: faiss_hnsw(base, m, efc))
        r: dict[str, Any] = {"m": m, "ef_construction": efc, "build_s": build_s}
        for ef in sorted({64, 128, args.ef_search}):
            index.hnsw.efSearch = ef
            t, wide = timed(lambda index=index: [
                index.search(q[None, :], args.k + RESCORE_MARGIN)[1][0] for q in queries])
            r[f"ef{ef}_recall_k_plus_32"] = recall(wide, truth, args.k)
            r[f"ef{ef}_recall_k"] = recall([w[:args.k] for w in wide], truth, args.k)
            r[f"ef{ef}_qps_single_k_plus_32"] = len(queries) / t
        print("  " + ", ".join(f"{a}={b:.4g}" if isinstance(b, float) else f"{a}={b}"
                               for a, b in r.items()), flush=True)
        out.append(r)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=corpus.QUERIES)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--m", type=int, default=None, help="HNSW M (default: embedlab's)")
    ap.add_argument("--ef-construction", type=int, default=None)
    ap.add_argument("--ef-search", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quantize", default="int8", help="encoder: int8 or none (float32)")
    ap.add_argument("--skip-chroma", action="store_true")
    ap.add_argument("--skip-hnswlib", action="store_true")
    ap.add_argument("--skip-embedlab", action="store_true")
    ap.add_argument("--skip-peers", action="store_true", help="no FAISS / hnswlib / Chroma")
    ap.add_argument("--sweep", default="", help="M:efC,... : raw FAISS HNSW build/recall sweep")
    args = ap.parse_args()

    import faiss

    from embedlab.store.collection import DEFAULT_CONFIG

    args.m = args.m or DEFAULT_CONFIG["hnsw_m"]
    args.ef_construction = args.ef_construction or DEFAULT_CONFIG["hnsw_ef_construction"]
    args.ef_search = args.ef_search or DEFAULT_CONFIG["hnsw_ef_search"]
    faiss.omp_set_num_threads(args.threads)
    quantize = None if args.quantize == "none" else args.quantize
    base, queries, texts, _ = corpus.vectors(paths.data_dir(), args.n, quantize, verbose=True)
    queries = queries[:args.queries]
    truth = exact_topk(base, queries, args.k)
    print(f"{len(base)} vectors x {base.shape[1]}, {len(queries)} queries, k={args.k}, "
          f"M={args.m}, efConstruction={args.ef_construction}, efSearch={args.ef_search}, "
          f"threads={args.threads}", flush=True)
    report: dict[str, Any] = {
        "n": len(base), "queries": len(queries), "k": args.k, "m": args.m,
        "ef_construction": args.ef_construction, "ef_search": args.ef_search,
        "threads": args.threads, "encoder": f"all-MiniLM-L6-v2 ({args.quantize})",
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "python": platform.python_version(), "faiss": faiss.__version__}}
    if args.sweep:
        report["sweep"] = sweep(base, queries, truth, args)
        out = corpus.RESULTS / f"search-sweep-{len(base)}.json"
        out.write_text(json.dumps(report, indent=1))
        print(f"wrote {out}")
        return

    rows: list[dict[str, Any]] = []
    tmp = Path(tempfile.mkdtemp(prefix="embedlab-search-bench-"))
    try:
        col = flat_hnsw = None
        if not args.skip_embedlab:
            own, col = run_embedlab(base, queries, texts, truth, args, tmp)
            rows += own
        if not args.skip_peers:
            faiss_rows, flat_hnsw = run_faiss(base, queries, truth, args)
            rows += faiss_rows
        if col is not None:
            rows[len(own) - 1].update(interleaved(col, queries, args, flat_hnsw))
            col.close()
            del col
            if not args.skip_hnswlib:
                rows.append(run_hnswlib(base, queries, truth, args))
            if not args.skip_chroma:
                rows.append(run_chroma(base, queries, truth, args, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    by = {r["engine"]: r for r in rows}

    def ratio(a: str, b: str, key: str = "qps_single") -> float | None:
        if a in by and b in by and by[a].get(key) and by[b].get(key):
            return by[a][key] / by[b][key]
        return None

    report["rows"] = rows
    report["ratios"] = {
        "embedlab exact / FAISS flat (qps single)": ratio("embedlab exact", "FAISS IndexFlatIP"),
        "embedlab hnsw / FAISS HNSW (qps single)": ratio("embedlab hnsw", "FAISS IndexHNSWFlat"),
        "embedlab hnsw / FAISS on its index file (qps single, interleaved)": (
            by["embedlab hnsw"]["qps_single_interleaved"]
            / by["embedlab hnsw"]["faiss_same_index_qps_single_interleaved"]
            if "embedlab hnsw" in by else None),
        "embedlab hnsw / FAISS IndexHNSWFlat (qps single, interleaved)": (
            by["embedlab hnsw"]["qps_single_interleaved_vs_flat"]
            / by["embedlab hnsw"]["faiss_flat_qps_single_interleaved"]
            if "faiss_flat_qps_single_interleaved" in by.get("embedlab hnsw", {}) else None),
        "embedlab hnsw / FAISS HNSW (qps batch)": ratio("embedlab hnsw", "FAISS IndexHNSWFlat",
                                                        "qps_batch"),
        "embedlab hnsw / hnswlib (qps single)": ratio("embedlab hnsw", "hnswlib"),
        "embedlab hnsw / Chroma (qps single)": ratio("embedlab hnsw", "Chroma PersistentClient"),
        "embedlab exact / Chroma (qps single)": ratio("embedlab exact",
                                                      "Chroma PersistentClient"),
        "FAISS HNSW / embedlab hnsw (build time)": ratio("FAISS IndexHNSWFlat", "embedlab hnsw",
                                                         "build_s"),
    }
    print()
    head = f"{'engine':26} {'build s':>9} {'qps 1-by-1':>11} {'ms/query':>9} {'qps batch':>10} {'recall@' + str(args.k):>10}"
    print(head)
    print("-" * len(head))
    for r in rows:
        def f(key: str, fmt: str, r: dict[str, Any] = r) -> str:
            v = r.get(key)
            return format(v, fmt) if v is not None else "-"
        print(f"{r['engine']:26} {f('build_s', '9.1f')} {f('qps_single', '11.0f')} "
              f"{f('latency_ms', '9.3f')} {f('qps_batch', '10.0f')} {f('recall_at_k', '10.4f')}")
    print()
    for name, v in report["ratios"].items():
        if v is not None:
            print(f"{name:45} {v:6.2f}x")
    out = corpus.RESULTS / f"search-{len(base)}.json"
    out.write_text(json.dumps(report, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
