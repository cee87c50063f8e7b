"""word2vec training: embedlab vs gensim, same corpus, same hyper-parameters, same run.

Each engine trains in its own child process (so peak memory is its own) on the Gutenberg
corpus tokenized once by embedlab's tokenizer: skip-gram and CBOW, negative sampling,
vector_size 100, window 5, negative 5, min_count 5, sample 1e-3, 5 epochs, 2 workers.
``embedlab-pairwise`` (optional) draws fresh skip-gram negatives per pair instead of
per centre word.  gensim is run two ways: from the in-memory sentences (its usual input) and from a
``corpus_file`` (its fastest multi-core mode).  Reported per run: wall time of the whole
fit (vocabulary + training), words per second (corpus words x epochs / fit time), peak
resident memory, analogy accuracy on questions-words (top 30,000 words) and WordSim-353 /
SimLex-999 Spearman, all evaluated by gensim's evaluators on each engine's vectors.

Every engine runs ``--repeats`` times (default 3), the engines interleaved round by round so
that a busy spell of the machine hits all of them; the figures are medians with their range.

    python benchmarks/word2vec.py [--epochs 5] [--workers 2] [--books N] [--modes sg,cbow]
                                  [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from embedlab import paths

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stats import median_range, spread

HERE = Path(__file__).resolve().parent


def corpus_sentences(books: int | None) -> list[list[str]]:
    from embedlab.text.corpus import Corpus

    folder = paths.data_dir() / "corpus" / "gutenberg"
    files = sorted(folder.glob("*.txt"))[:books]
    return list(Corpus(files))


def evaluate(words: list[str], vectors: np.ndarray) -> dict[str, float]:
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors)
    word = paths.data_dir() / "word"
    acc, _ = kv.evaluate_word_analogies(str(word / "questions-words.txt"),
                                        restrict_vocab=30000)
    ws = kv.evaluate_word_pairs(str(word / "wordsim353.tsv"))
    sl = kv.evaluate_word_pairs(str(word / "simlex999.txt"))
    return {"analogy": 100 * acc, "wordsim353": 100 * ws[1][0], "simlex999": 100 * sl[1][0]}


def child(engine: str, sg: int, args: argparse.Namespace) -> dict[str, object]:
    sentences = corpus_sentences(args.books)
    n_words = sum(len(s) for s in sentences)
    params = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3,
                  epochs=args.epochs, workers=args.workers, seed=1, sg=sg)
    if engine.startswith("embedlab"):
        from embedlab.static import Word2Vec

        # "embedlab-pairwise": fresh negatives per (centre, context) pair, as the C tool
        shared = engine != "embedlab-pairwise"
        start = time.perf_counter()
        model = Word2Vec(shared_negatives=shared, **params).fit(sentences)
        seconds = time.perf_counter() - start
        words, vectors = model.wv.words, model.wv.vectors
    else:
        from gensim.models import Word2Vec as GensimWord2Vec

        if engine == "gensim-file":
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as tmp:
                for s in sentences:
                    tmp.write(" ".join(s) + "\n")
            del sentences
            start = time.perf_counter()
            model = GensimWord2Vec(corpus_file=tmp.name, **params)
            seconds = time.perf_counter() - start
            os.unlink(tmp.name)
        else:
            start = time.perf_counter()
            model = GensimWord2Vec(sentences, **params)
            seconds = time.perf_counter() - start
        words, vectors = list(model.wv.index_to_key), model.wv.vectors
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"engine": engine, "sg": sg, "seconds": seconds, "corpus_words": n_words,
            "words_per_second": n_words * args.epochs / seconds, "peak_mb": peak_mb,
            "vocab": len(words), **evaluate(words, vectors)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--books", type=int, default=None, help="use only the first N books")
    ap.add_argument("--modes", default="sg,cbow")
    ap.add_argument("--engines", default="embedlab,gensim,gensim-file")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each engine (median)")
    ap.add_argument("--child", nargs=2, metavar=("ENGINE", "SG"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), args)))
        return
    import gensim

    rows = []
    for mode in args.modes.split(","):
        sg = 1 if mode == "sg" else 0
        for rep in range(args.repeats):
            for engine in args.engines.split(","):
                cmd = [sys.executable, __file__, "--child", engine, str(sg), "--epochs",
                       str(args.epochs), "--workers", str(args.workers)]
                if args.books:
                    cmd += ["--books", str(args.books)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                row = json.loads(out.strip().splitlines()[-1])
                row["repeat"] = rep
                rows.append(row)
                print(f"{mode:4s} {engine:12s} run {rep + 1}: {row['seconds']:7.1f} s  "
                      f"{row['words_per_second']:>10,.0f} words/s  {row['peak_mb']:6.0f} MB  "
                      f"analogy {row['analogy']:5.2f}  ws353 {row['wordsim353']:5.2f}  "
                      f"simlex {row['simlex999']:5.2f}", flush=True)
    print()
    summary = []
    for mode in args.modes.split(","):
        sg = 1 if mode == "sg" else 0
        for engine in args.engines.split(","):
            runs = [r for r in rows if r["sg"] == sg and r["engine"] == engine]
            med = {k: median_range([r[k] for r in runs])[0]
                   for k in ("seconds", "words_per_second", "peak_mb", "analogy",
                             "wordsim353", "simlex999")}
            summary.append({"mode": mode, "engine": engine, **med,
                            "seconds_range": median_range([r["seconds"] for r in runs])[1:]})
            print(f"{mode:4s} {engine:12s} median fit "
                  f"{spread([r['seconds'] for r in runs], '.1f', ' s')}  "
                  f"{med['words_per_second']:>10,.0f} words/s  {med['peak_mb']:6.0f} MB  "
                  f"analogy {med['analogy']:5.2f}  ws353 {med['wordsim353']:5.2f}  "
                  f"simlex {med['simlex999']:5.2f}")
    print()
    for mode in args.modes.split(","):
        sg = 1 if mode == "sg" else 0
        ours = [r for r in rows if r["sg"] == sg and r["engine"] == "embedlab"]
        for peer in args.engines.split(","):
            if peer.startswith("embedlab"):
                continue
            theirs = [r for r in rows if r["sg"] == sg and r["engine"] == peer]
            # the ratio of each round (same machine state), then their median and range
            ratios = [a["words_per_second"] / b["words_per_second"]
                      for a, b in zip(ours, theirs, strict=True)]
            print(f"{mode:4s} embedlab / {peer:12s} speed {spread(ratios, '.2f', 'x')}")
    result = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
              "gensim": gensim.__version__, "epochs": args.epochs, "workers": args.workers,
              "repeats": args.repeats, "summary": summary, "rows": rows}
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "word2vec.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
