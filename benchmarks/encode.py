"""Sentence-encoding speed: embedlab (numpy, ONNX Runtime float32 and int8) vs sentence-transformers.

Same 2,000 STS-B test sentences, same process, same thread count, batch size 32.
Prints sentences/second, the ratio to sentence-transformers and the cosine of each path's
vectors to sentence-transformers' vectors; writes JSON to benchmarks/results/.

    python benchmarks/encode.py [--model all-MiniLM-L6-v2] [--threads 2] [--n 2000]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from embedlab import paths
from embedlab.encoders import load_encoder
from embedlab.models.store import model_path


def sts_sentences(n: int) -> list[str]:
    path = paths.data_dir() / "sts" / "stsbenchmark" / "sts-test.csv"
    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        out += [fields[5], fields[6]]
    return out[:n]


def timed(fn, repeats: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def cold_start_seconds(model: str, runs: int = 5) -> float:
    exe = Path(sys.executable).with_name("embedlab")
    cmd = [str(exe), "embed", "--model", model, "--no-cache", "--format", "jsonl", "hello"]
    subprocess.run(cmd, check=True, capture_output=True)  # builds/caches the graph
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--skip-numpy", action="store_true")
    args = ap.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    texts = sts_sentences(args.n)
    folder = model_path(args.model)

    st = SentenceTransformer(str(folder), device="cpu")
    st.encode(texts[:64], batch_size=32)
    st_time, st_vecs = timed(lambda: st.encode(texts, batch_size=32, convert_to_numpy=True))
    st_vecs = np.asarray(st_vecs)
    rows = [("sentence-transformers (torch)", st_time, 1.0, 1.0)]

    paths_to_run = [("embedlab numpy", "numpy", None), ("embedlab onnx float32", "onnx", None),
                    ("embedlab onnx int8", "onnx", "int8")]
    if args.skip_numpy:
        paths_to_run = paths_to_run[1:]
    for label, backend, quantize in paths_to_run:
        enc = load_encoder(folder, backend=backend, quantize=quantize, cache=False,
                           threads=args.threads)
        enc.encode(texts[:64], batch_size=32)  # warm-up: graph build, session, allocator
        seconds, vecs = timed(lambda enc=enc: enc.encode(texts, batch_size=32))
        cos = np.sum(np.asarray(vecs) * st_vecs, axis=1) / (
            np.linalg.norm(vecs, axis=1) * np.linalg.norm(st_vecs, axis=1))
        rows.append((label, seconds, st_time / seconds, float(cos.mean()), float(cos.min())))

    cold = cold_start_seconds(args.model)
    print(f"\nmodel {args.model}, {len(texts)} STS-B sentences, batch 32, "
          f"{args.threads} threads, {platform.processor() or platform.machine()}")
    print(f"{'path':32} {'sent/s':>9} {'vs ST':>7} {'mean cos':>10} {'min cos':>9}")
    results = []
    for row in rows:
        label, seconds, ratio, mean_cos = row[:4]
        min_cos = row[4] if len(row) > 4 else 1.0
        rate = len(texts) / seconds
        print(f"{label:32} {rate:9.1f} {ratio:6.2f}x {mean_cos:10.6f} {min_cos:9.6f}")
        results.append({"path": label, "seconds": seconds, "sentences_per_s": rate,
                        "ratio_vs_sentence_transformers": ratio, "mean_cosine_to_st": mean_cos,
                        "min_cosine_to_st": min_cos})
    print(f"cold `embedlab embed hello` (graph cached, no embedding cache): {cold:.2f} s median")
    out = Path(__file__).parent / "results" / f"encode-{args.model}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"model": args.model, "n": len(texts), "threads": args.threads,
                               "machine": platform.platform(), "results": results,
                               "cold_embed_seconds": cold}, indent=2))


if __name__ == "__main__":
    main()
