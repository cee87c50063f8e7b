"""Sentence-vector parity and STS-B quality: embedlab's paths vs sentence-transformers.

Every STS-B test sentence (1,379 pairs) through sentence-transformers (torch 2.13.0 CPU) and
through embedlab's ONNX Runtime float32, numpy and int8 paths.  Prints the worst and mean
cosine of each path's vectors to sentence-transformers' and the STS-B Spearman (cosine, x100,
as MTEB computes it) next to MTEB's published score; writes JSON to benchmarks/results/.

    python benchmarks/quality.py [--model all-MiniLM-L6-v2] [--skip-numpy]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from embedlab import paths
from embedlab.encoders import load_encoder
from embedlab.models.store import model_path

MTEB_STSB = {"all-MiniLM-L6-v2": 82.03, "all-mpnet-base-v2": 83.42}


def read_pairs() -> tuple[list[str], list[str], list[float]]:
    path = paths.data_dir() / "sts" / "stsbenchmark" / "sts-test.csv"
    a, b, gold = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        gold.append(float(fields[4]))
        a.append(fields[5])
        b.append(fields[6])
    return a, b, gold


def cosines(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.sum(x * y, axis=1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--skip-numpy", action="store_true")
    args = ap.parse_args()
    from sentence_transformers import SentenceTransformer

    a, b, gold = read_pairs()
    sentences = list(dict.fromkeys(a + b))
    folder = model_path(args.model)
    ref = np.asarray(SentenceTransformer(str(folder), device="cpu").encode(sentences,
                                                                           batch_size=32))

    def spearman(vectors: np.ndarray) -> float:
        lookup = dict(zip(sentences, vectors, strict=True))
        scores = cosines(np.stack([lookup[s] for s in a]), np.stack([lookup[s] for s in b]))
        return float(spearmanr(gold, scores).statistic * 100)

    rows = [{"path": "sentence-transformers", "min_cos": 1.0, "mean_cos": 1.0,
             "stsb_spearman": spearman(ref)}]
    runs = [("embedlab onnx float32", "onnx", None), ("embedlab numpy", "numpy", None),
            ("embedlab onnx int8", "onnx", "int8")]
    for label, backend, quantize in runs:
        if backend == "numpy" and args.skip_numpy:
            continue
        vecs = load_encoder(folder, backend=backend, quantize=quantize, cache=False).encode(
            sentences)
        cos = cosines(vecs, ref)
        rows.append({"path": label, "min_cos": float(cos.min()), "mean_cos": float(cos.mean()),
                     "stsb_spearman": spearman(vecs)})
    print(f"\nmodel {args.model}: {len(sentences)} unique STS-B test sentences, "
          f"{len(gold)} pairs; MTEB published STS-B: {MTEB_STSB.get(args.model)}")
    print(f"{'path':26} {'min cos':>10} {'mean cos':>10} {'STS-B':>7}")
    for r in rows:
        print(f"{r['path']:26} {r['min_cos']:10.7f} {r['mean_cos']:10.7f} "
              f"{r['stsb_spearman']:7.2f}")
    out = Path(__file__).parent / "results" / f"quality-{args.model}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"model": args.model, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
