"""GloVe on the Gutenberg corpus: co-occurrence build, per-epoch time, peak memory, quality.

Runs :class:`embedlab.static.glove.GloVe` (window 15, min_count 5, 100-d by default):
the vocabulary scan, the co-occurrence count (time, non-zero entries), each training
epoch at ``--workers`` threads, the process's peak resident memory after each stage, and
the quality of the result: analogy accuracy (questions-words, ``restrict_vocab=30000``)
and Spearman correlation on WordSim-353 and SimLex-999 (evaluated with gensim's
``KeyedVectors``).

``--peer mittens`` also times the ``mittens`` package (the only other GloVe
implementation that installs from PyPI here for Python 3.11: ``glove-python-binary`` has
no wheel for it, ``glove_python``/``glove-python3`` ship C files that no longer compile,
``glove-py`` needs a build step that fails).  mittens trains on a dense matrix, so both
are timed on the table of the ``--peer-vocab`` most frequent words.

    python benchmarks/glove.py [--epochs 25] [--workers 2] [--x-max 100]
        [--peer mittens --peer-python /path/to/venv-with-mittens/bin/python]

Writes ``benchmarks/results/glove.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def evaluate(words: list[str], vectors: np.ndarray, word_dir: Path) -> dict[str, float]:
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors)
    analogy, _ = kv.evaluate_word_analogies(str(word_dir / "questions-words.txt"),
                                            restrict_vocab=30000)
    out = {"analogy_accuracy": round(float(analogy), 4)}
    for name, file in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")):
        _pearson, spearman, oov = kv.evaluate_word_pairs(str(word_dir / file))
        out[f"{name}_spearman"] = round(float(spearman.statistic), 4)
        out[f"{name}_oov_percent"] = round(float(oov), 1)
    return out


_MITTENS = """
import sys, time, json
import numpy as np
from mittens import GloVe
x = np.load(sys.argv[1]); epochs = int(sys.argv[2])
model = GloVe(n=int(sys.argv[3]), xmax=100, alpha=0.75, learning_rate=0.05,
              max_iter=epochs, display_progress=0)
start = time.perf_counter()
model.fit(x)
print(json.dumps({"epoch_seconds": (time.perf_counter() - start) / epochs}))
"""


def run_mittens(matrix: np.ndarray, vector_size: int, epochs: int,
                python: str) -> dict[str, object]:
    """Time mittens (numpy implementation) in a child process of ``python``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.npy"
        np.save(path, matrix)
        done = subprocess.run([python, "-c", _MITTENS, str(path), str(epochs),
                               str(vector_size)], capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {"epoch_seconds": round(out["epoch_seconds"], 4)}


def main(argv: list[str] | None = None) -> int:
    from embedlab import paths
    from embedlab.static.cooccur import count_encoded
    from embedlab.static.glove import GloVe
    from embedlab.static.history import TrainingProgress
    from embedlab.static.vocab import scan

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(paths.data_dir() / "corpus" / "gutenberg"))
    ap.add_argument("--window", type=int, default=15)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--vector-size", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--x-max", type=float, default=100.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit-mb", type=float, default=2048.0)
    ap.add_argument("--peer", choices=["mittens"], default=None)
    ap.add_argument("--peer-vocab", type=int, default=5000)
    ap.add_argument("--peer-epochs", type=int, default=3)
    ap.add_argument("--peer-python", default=sys.executable,
                    help="interpreter with the peer package installed")
    ap.add_argument("--out", default=str(RESULTS / "glove.json"))
    args = ap.parse_args(argv)
    word_dir = Path(args.corpus).parent.parent / "word"

    result: dict[str, object] = {"corpus": args.corpus, "window": args.window,
                                 "min_count": args.min_count,
                                 "vector_size": args.vector_size, "epochs": args.epochs,
                                 "workers": args.workers, "x_max": args.x_max}
    t = time.perf_counter()
    vocab, data = scan(args.corpus, min_count=args.min_count)
    result["scan_seconds"] = round(time.perf_counter() - t, 2)
    result["tokens"] = len(data.ids)
    result["vocab"] = len(vocab)
    print(f"scan: {result['scan_seconds']} s, {len(data.ids)} tokens, {len(vocab)} words",
          flush=True)
    t = time.perf_counter()
    matrix, info = count_encoded(data.ids, data.starts, len(vocab), args.window,
                                 memory_limit_mb=args.memory_limit_mb,
                                 workers=args.workers)
    result["cooccur_seconds"] = round(time.perf_counter() - t, 2)
    result["nonzeros"] = int(matrix.nnz)
    result["cooccur_runs"] = info["runs"]
    result["peak_mb_after_cooccur"] = round(peak_mb())
    data.close()
    print(f"co-occurrence: {result['cooccur_seconds']} s, {matrix.nnz} non-zeros, "
          f"peak {result['peak_mb_after_cooccur']} MB", flush=True)

    def show(p: TrainingProgress) -> None:
        print(f"  epoch {p.epoch}/{p.epochs}: loss {p.loss:.5f}, {p.seconds:.1f} s", flush=True)

    model = GloVe(vector_size=args.vector_size, window=args.window, min_count=args.min_count,
                  x_max=args.x_max, epochs=args.epochs, workers=args.workers,
                  progress=show)
    model.fit_cooccurrence(matrix, vocab.words, vocab.counts)
    assert model.word_vectors is not None
    times = model.epoch_times
    result["epoch_seconds"] = round(float(np.median(times)), 2)
    result["epoch_seconds_all"] = [round(s, 2) for s in times]
    result["loss_history"] = [round(v, 5) for v in model.loss_history]
    result["peak_mb"] = round(peak_mb())
    result["quality"] = evaluate(model.words, model.word_vectors, word_dir)
    print(json.dumps(result["quality"]), flush=True)

    if args.peer:
        n = args.peer_vocab
        small = matrix[:n, :n]
        dense = small.toarray()
        ours = GloVe(vector_size=args.vector_size, epochs=args.peer_epochs,
                     workers=args.workers).fit_cooccurrence(small, vocab.words[:n])
        result["peer"] = {
            "name": args.peer, "vocab": n, "nonzeros": int(small.nnz),
            "epochs": args.peer_epochs,
            "embedlab_epoch_seconds": round(float(np.median(ours.epoch_times)), 4),
            args.peer: run_mittens(dense, args.vector_size, args.peer_epochs,
                                   args.peer_python),
        }
        print(json.dumps(result["peer"]), flush=True)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
