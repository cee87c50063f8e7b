"""Shared benchmark inputs: Gutenberg sentences and their all-MiniLM-L6-v2 vectors, cached.

Sentences come from the 80 novels in ``<data>/corpus/gutenberg`` (the Gutenberg header and
licence text skipped: only lines between ``*** START OF`` and ``*** END OF``; producers'
notes dropped), joined into paragraphs, split at sentence ends, kept when 5-60 words long,
deduplicated, then shuffled
with a fixed seed. The first ``QUERIES`` sentences of that order are the held-out queries;
the next ``n`` are the corpus, so every corpus size shares the same queries and a smaller
corpus is a prefix of a larger one.

Vectors are cached as ``benchmarks/results/gutenberg-<model>-<precision>-<n>.npy``.

    python benchmarks/corpus.py [--n 100000] [--quantize int8|none]   # builds the cache
"""

from __future__ import annotations

import argparse
import hashlib
import re
import time
from functools import cache
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
QUERIES = 1000
SEED = 20240601
MIN_WORDS, MAX_WORDS = 5, 60

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")


_START = re.compile(r"^\ufeff?\*+\s*START OF|^\*END\*? ?THE SMALL PRINT", re.IGNORECASE)
_END = re.compile(r"^\*+\s*END OF|^End of (the )?Project Gutenberg", re.IGNORECASE)

#: Producers' and transcribers' notes inside the body (credits, file links).
_NOTE = re.compile(r"Gutenberg|https?:|www\.|^(E-text prepared|Produced) by", re.IGNORECASE)


def book_body(text: str) -> list[str]:
    """The lines of one Gutenberg file after its ``*** START OF`` line (or, in old etexts,
    the end of the "small print") and before its ``*** END OF`` / "End of the Project
    Gutenberg ..." line."""
    lines = text.splitlines()
    start = next((i + 1 for i, ln in enumerate(lines) if _START.match(ln)), 0)
    end = next((i for i, ln in enumerate(lines[start:], start) if _END.match(ln)), len(lines))
    return lines[start:end]


def split_sentences(lines: list[str]) -> list[str]:
    """Sentences of one book: blank lines end paragraphs, wrapped lines are joined."""
    out: list[str] = []
    para: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            para.append(line.strip())
            continue
        if para:
            text = re.sub(r"\s+", " ", " ".join(para)).replace("_", "")
            out += [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
            para = []
    return out


@cache
def all_sentences(data_dir: Path) -> tuple[str, ...]:
    """Every kept sentence of the corpus, deduplicated, in a fixed shuffled order."""
    seen: dict[str, None] = {}
    for path in sorted((Path(data_dir) / "corpus" / "gutenberg").glob("*.txt")):
        body = book_body(path.read_text(encoding="utf-8", errors="replace"))
        for s in split_sentences(body):
            if MIN_WORDS <= len(s.split()) <= MAX_WORDS and not _NOTE.search(s):
                seen.setdefault(s, None)
    unique = list(seen)
    order = np.random.default_rng(SEED).permutation(len(unique))
    return tuple(unique[i] for i in order)


def sentences(data_dir: Path, n: int, queries: int = QUERIES) -> tuple[list[str], list[str]]:
    """``(corpus, queries)``: ``n`` corpus sentences and ``queries`` held-out sentences."""
    every = all_sentences(Path(data_dir))
    if queries + n > len(every):
        raise ValueError(f"only {len(every)} sentences; asked for {n} + {queries}")
    return list(every[queries:queries + n]), list(every[:queries])


def embed(texts: list[str], quantize: str | None = "int8", model: str = "all-MiniLM-L6-v2",
          batch_size: int = 64) -> np.ndarray:
    from embedlab.encoders import load_encoder

    enc = load_encoder(model, quantize=quantize, cache=False)
    return np.asarray(enc.encode(texts, batch_size=batch_size), dtype=np.float32)


def vectors(data_dir: Path, n: int, quantize: str | None = "int8",
            model: str = "all-MiniLM-L6-v2", cache_dir: Path | None = RESULTS,
            verbose: bool = False) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """``(corpus_vectors, query_vectors, corpus_texts, query_texts)``, unit-norm float32.

    With ``cache_dir``, the vectors of the queries followed by the corpus are kept in one
    .npy; a cache for a larger ``n`` serves any smaller one (its prefix).
    """
    corpus, queries = sentences(data_dir, n)
    total = len(queries) + n
    digest = hashlib.sha256("\n".join(queries + corpus[:1000]).encode()).hexdigest()[:8]
    tag = f"gutenberg-{digest}-{model}-{quantize or 'float32'}"
    if cache_dir is not None:
        for path in sorted(Path(cache_dir).glob(f"{tag}-*.npy"),
                           key=lambda p: int(p.stem.rsplit("-", 1)[1])):
            if int(path.stem.rsplit("-", 1)[1]) >= total:
                allv = np.load(path, mmap_mode="r")[:total]
                allv = np.ascontiguousarray(allv, dtype=np.float32)
                return allv[len(queries):], allv[:len(queries)], corpus, queries
    start = time.perf_counter()
    allv = embed(queries + corpus, quantize, model)
    if verbose:
        took = time.perf_counter() - start
        print(f"embedded {total} sentences in {took:.0f} s ({total / took:.0f}/s, "
              f"{quantize or 'float32'})")
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        np.save(Path(cache_dir) / f"{tag}-{total}.npy", allv)
    return allv[len(queries):], allv[:len(queries)], corpus, queries


def main() -> None:
    from embedlab import paths

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--quantize", default="int8", help="int8 or none (float32)")
    args = ap.parse_args()
    q = None if args.quantize == "none" else args.quantize
    every = all_sentences(paths.data_dir())
    print(f"{len(every)} distinct sentences of {MIN_WORDS}-{MAX_WORDS} words")
    x, y, _, _ = vectors(paths.data_dir(), args.n, q, verbose=True)
    print(f"corpus {x.shape}, queries {y.shape}")


if __name__ == "__main__":
    main()
