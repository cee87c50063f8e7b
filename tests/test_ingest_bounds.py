"""Ingest of one huge JSONL line: bounded memory, and chunks that respect the token budget.

Before, the token counter tokenized every sentence of a document in one call (a 6 MB line
took 3.4 GB) and a run of text without whitespace (a CJK line) became one chunk of millions
of characters of which the model read 256 tokens. The chunking phase of ``embedlab index``
(reading the line, counting tokens with the real all-MiniLM-L6-v2 tokenizer, chunking) runs
here in a child process whose peak RSS is measured; the whole command runs on a static model,
whose encoding is cheap, so that the 6 MB line is indexed end to end within the test.
"""

from __future__ import annotations

import json
import random
import sys
import textwrap
from pathlib import Path

from embedlab.store.ingest import COUNT_BATCH
from embedlab.text.chunking import chunk_text
from test_tokenization_bounds import peak_rss

LIMIT_MB = 600


def _english(n_chars: int, seed: int) -> str:
    r = random.Random(seed)
    words = ["the", "model", "reads", "Tokens", "and", "vectors", "of", "text", "It",
             "embeds", "a", "collection", "with", "sentences", "Search", "finds", "them"]
    out, size = [], 0
    while size < n_chars:
        sentence = " ".join(r.choice(words) for _ in range(r.randint(5, 40))).capitalize()
        out.append(sentence + ".")
        size += len(sentence) + 2
    return " ".join(out)[:n_chars]


def _cjk(n: int, seed: int) -> str:
    r = random.Random(seed)
    return "".join(chr(r.randint(0x4E00, 0x9FFF)) for _ in range(n))


def _jsonl(path: Path, text: str) -> Path:
    path.write_text(json.dumps({"text": text, "title": "big"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


_CHUNK_ONLY = textwrap.dedent("""
    import sys
    from pathlib import Path
    from embedlab.encoders import load_encoder
    from embedlab.store.ingest import token_counter
    from embedlab.store.readers import read_document
    from embedlab.text.chunking import chunk_text

    class Coll:  # what token_counter reads of a collection
        encoder = load_encoder("all-MiniLM-L6-v2", cache=False)

    count, limit = token_counter(Coll())
    path = Path(sys.argv[1])
    n = 0
    for doc in read_document(path, path.read_bytes(), "text"):
        for chunk in chunk_text(doc.text, min(200, limit), 1, count):
            assert doc.text[chunk.start:chunk.end] == chunk.text
            n += 1
    print(n, file=sys.stderr)
""")


def test_chunking_a_6mb_line_is_bounded(minilm_dir: Path, tmp_path: Path) -> None:
    for name, text in (("en", _english(6_000_000, 1)), ("cjk", _cjk(2_000_000, 2))):
        src = _jsonl(tmp_path / f"{name}.jsonl", text)
        assert src.stat().st_size >= 6_000_000
        _, peak, _ = peak_rss([sys.executable, "-c", _CHUNK_ONLY, str(src)], tmp_path)
        assert peak < LIMIT_MB, (name, peak)


def test_cjk_line_is_cut_into_chunks_within_the_budget(minilm_dir: Path) -> None:
    from embedlab.encoders import load_encoder
    from embedlab.store.ingest import token_counter

    class Coll:
        encoder = load_encoder("all-MiniLM-L6-v2", cache=False)

    count, limit = token_counter(Coll())  # type: ignore[arg-type]
    assert limit == 254
    text = _cjk(30_000, 3) + " tail words here."
    chunks = chunk_text(text, 200, 0, count)
    # Each CJK character is one WordPiece token: 30,000 characters need at least 150 chunks.
    assert len(chunks) >= 150
    assert all(c.tokens <= 200 for c in chunks)
    assert all(text[c.start:c.end] == c.text for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")
    # The counter never tokenizes past the model's limit, and counts in bounded batches.
    assert count([_cjk(100_000, 4)]) == [limit + 1]
    assert len(count(["a b"] * (COUNT_BATCH * 2 + 3))) == COUNT_BATCH * 2 + 3


def test_index_of_a_6mb_line_end_to_end(glove_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    _jsonl(folder / "big.jsonl", _english(6_000_000, 5))
    coll = tmp_path / "big.coll"
    _, peak, _ = peak_rss([sys.executable, "-m", "embedlab", "index", str(folder),
                           "--collection", str(coll), "--model", "glove-6b-50d"], tmp_path)
    assert peak < LIMIT_MB, peak
    from embedlab.store import Collection

    with Collection.open(coll) as c:
        assert c.count() > 1000
