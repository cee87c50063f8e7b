"""Tokenizer training and encoding: embedlab vs HF ``tokenizers``, same corpus, same run.

For each pipeline (character BPE with "</w>", byte-level BPE, BERT WordPiece) both libraries
train the same tokenizer on the Gutenberg corpus (80 books, 43 MB, vocabulary 30,000), then
encode the same text with ``encode_batch`` on 2 threads (HF: its Rayon pool; embedlab: 2
worker processes, as its encoder is pure Python). Reported: training seconds (word counting +
merges, numba kernels already compiled), encoding MB/s of UTF-8 input, the ratios, and how far
the two vocabularies differ (0 for BPE and byte-level BPE; WordPiece and "</w>" spellings take
HF's hash-map order, so a few tokens may differ there).

    python benchmarks/tokenization.py [--books N] [--vocab-size 30000] [--encode-mb 8]

``--sweep 1,3,6,12,24,40,80`` instead times training alone on the first N books for each N
(``--sweep-model``, vocabulary ``--sweep-vocab``), both libraries ``--repeats`` times
interleaved, and prints the median times and the median ratio with its range: where the
fixed costs (reading, word counting) dominate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("RAYON_NUM_THREADS", "2")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

from embedlab import paths

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stats import median_range, spread

HERE = Path(__file__).resolve().parent
MODELS = ("bpe", "bytelevel-bpe", "wordpiece")
_WORKER: Any = None


def hf_pipeline(model: str, vocab_size: int) -> tuple[Any, Any]:
    """HF's tokenizer and trainer with the settings of embedlab's recipe ``model``."""
    import tokenizers as hf
    from tokenizers import decoders, models, normalizers, pre_tokenizers, processors, trainers

    from embedlab.tokenizers.recipes import DEFAULT_SPECIAL_TOKENS

    specials = DEFAULT_SPECIAL_TOKENS[model]
    if model == "bpe":
        tok = hf.Tokenizer(models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"))
        tok.normalizer = normalizers.BertNormalizer(lowercase=False)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.BPEDecoder(suffix="</w>")
        return tok, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                        end_of_word_suffix="</w>", show_progress=False)
    if model == "bytelevel-bpe":
        tok = hf.Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
        tok.decoder = decoders.ByteLevel()
        return tok, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                        show_progress=False)
    tok = hf.Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    return tok, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials,
                                          limit_alphabet=1000, show_progress=False)


def _init_worker(path: str) -> None:
    global _WORKER
    from embedlab.tokenizers import Tokenizer

    _WORKER = Tokenizer.from_file(path)


def _encode_chunk(texts: list[str]) -> int:
    return sum(len(e.ids) for e in _WORKER.encode_batch(texts))


def encode_embedlab(path: Path, batches: list[list[str]], workers: int) -> tuple[float, int]:
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(str(path),)) as pool:
        list(pool.map(_encode_chunk, [b[:50] for b in batches[:workers]]))  # warm the pool
        start = time.perf_counter()
        n = sum(pool.map(_encode_chunk, batches))
        return time.perf_counter() - start, n


def encode_hf(path: Path, batches: list[list[str]]) -> tuple[float, int]:
    import tokenizers as hf

    tok = hf.Tokenizer.from_file(str(path))
    tok.encode_batch(batches[0][:50])
    start = time.perf_counter()
    n = sum(len(e.ids) for b in batches for e in tok.encode_batch(b))
    return time.perf_counter() - start, n


def run_model(model: str, files: list[Path], args: argparse.Namespace, lines: list[str],
              out_dir: Path) -> dict[str, Any]:
    from embedlab.tokenizers.recipes import train_tokenizer, train_tokenizer_from_iterator

    train_tokenizer_from_iterator(["warm up the kernels"], model, vocab_size=300,
                                  show_progress=False)
    start = time.perf_counter()
    ours = train_tokenizer(files, model, vocab_size=args.vocab_size, show_progress=False)
    el_train = time.perf_counter() - start
    hf_tok, hf_trainer = hf_pipeline(model, args.vocab_size)
    start = time.perf_counter()
    hf_tok.train([str(f) for f in files], hf_trainer)
    hf_train = time.perf_counter() - start
    v_el = ours.model.get_vocab()
    v_hf = hf_tok.get_vocab(with_added_tokens=False)
    el_path = out_dir / f"embedlab-{model}.json"
    ours.save(el_path)
    hf_path = out_dir / f"hf-{model}.json"
    hf_tok.save(str(hf_path))

    mb = sum(len(t.encode("utf-8")) for t in lines) / 1e6
    batches = [lines[i:i + args.batch] for i in range(0, len(lines), args.batch)]
    el_secs, el_n = encode_embedlab(el_path, batches, args.threads)
    hf_secs, hf_n = encode_hf(el_path, batches)  # HF encodes with embedlab's file
    row = {
        "model": model, "vocab_size": args.vocab_size,
        "train_s": {"embedlab": round(el_train, 2), "hf": round(hf_train, 2),
                    "ratio": round(el_train / hf_train, 2)},
        "encode_mb_s": {"embedlab": round(mb / el_secs, 3), "hf": round(mb / hf_secs, 3),
                        "ratio": round(hf_secs / el_secs, 3)},
        "encode_tokens_equal": el_n == hf_n,
        "vocab_identical": v_el == v_hf,
        "vocab_tokens_differing": len(set(v_el) ^ set(v_hf)),
    }
    print(f"{model:14s} train {el_train:6.1f} s vs HF {hf_train:6.1f} s "
          f"(x{el_train / hf_train:.2f}) | encode {mb / el_secs:6.2f} MB/s vs HF "
          f"{mb / hf_secs:6.2f} MB/s (embedlab/HF {hf_secs / el_secs:.3f}) | vocab identical "
          f"{v_el == v_hf} ({row['vocab_tokens_differing']} tokens differ)", flush=True)
    return row


def sweep(files: list[Path], args: argparse.Namespace) -> dict[str, Any]:
    """Training time of both libraries on the first N books, for each N of ``--sweep``."""
    from embedlab.tokenizers.recipes import train_tokenizer, train_tokenizer_from_iterator

    model, vocab = args.sweep_model, args.sweep_vocab
    train_tokenizer_from_iterator(["warm up the kernels"], model, vocab_size=300,
                                  show_progress=False)
    rows = []
    for n in (int(x) for x in args.sweep.split(",")):
        subset = files[:n]
        ours, theirs = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            train_tokenizer(subset, model, vocab_size=vocab, show_progress=False)
            ours.append(time.perf_counter() - start)
            hf_tok, hf_trainer = hf_pipeline(model, vocab)
            start = time.perf_counter()
            hf_tok.train([str(f) for f in subset], hf_trainer)
            theirs.append(time.perf_counter() - start)
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        mb = sum(f.stat().st_size for f in subset) / 1e6
        rows.append({"books": n, "mb": round(mb, 1), "embedlab_s": median_range(ours)[0],
                     "hf_s": median_range(theirs)[0], "ratio": median_range(ratios)})
        print(f"{n:3d} books {mb:5.1f} MB  embedlab {spread(ours, '.2f', ' s')}  "
              f"HF {spread(theirs, '.2f', ' s')}  embedlab/HF {spread(ratios, '.2f', 'x')}",
              flush=True)
    return {"model": model, "vocab_size": vocab, "repeats": args.repeats, "rows": rows}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--books", type=int, default=None, help="first N books (default: all)")
    p.add_argument("--vocab-size", type=int, default=30000)
    p.add_argument("--encode-mb", type=float, default=8.0, help="MB of text to encode")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=2000, help="lines per encode_batch call")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--sweep", default=None, help="book counts, e.g. 1,3,6,12,24,40,80")
    p.add_argument("--sweep-model", default="bytelevel-bpe", choices=MODELS)
    p.add_argument("--sweep-vocab", type=int, default=8000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    folder = paths.data_dir() / "corpus" / "gutenberg"
    files = sorted(folder.glob("*.txt"))[: args.books]
    if not files:
        sys.exit(f"no books in {folder}")
    if args.sweep:
        result = sweep(files, args)
        out_dir = HERE / "results"
        out_dir.mkdir(exist_ok=True)
        (out_dir / "tokenizers-sweep.json").write_text(json.dumps(result, indent=2))
        return
    lines: list[str] = []
    size = 0
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(line)
                size += len(line.encode("utf-8"))
        if size >= args.encode_mb * 1e6:
            break
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    rows = [run_model(m, files, args, lines, out_dir) for m in args.models.split(",")]
    for m in args.models.split(","):
        for prefix in ("embedlab", "hf"):
            (out_dir / f"{prefix}-{m}.json").unlink(missing_ok=True)
    result = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
              "python": platform.python_version(), "books": len(files),
              "corpus_mb": round(sum(f.stat().st_size for f in files) / 1e6, 1),
              "encode_mb": round(size / 1e6, 1), "threads": args.threads, "results": rows}
    (out_dir / "tokenizers.json").write_text(json.dumps(result, indent=2))
    print(f"wrote {out_dir / 'tokenizers.json'}")


if __name__ == "__main__":
    main()
