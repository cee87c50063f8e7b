"""Readers for each file type and incremental ingest into a collection (real all-MiniLM-L6-v2)."""

from __future__ import annotations

import hashlib
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from embedlab.store import Collection
from embedlab.store.ingest import discover, ingest
from embedlab.store.readers import UnreadableFileError, read_document


def make_pdf(pages: list[str]) -> bytes:
    """A real PDF with one line of Helvetica text per page, written with pypdf."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for text in pages:
        page = writer.add_blank_page(612, 792)
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): font})})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- readers

def test_read_text_and_markdown(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Plain text.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("\ufeff# My title\n\nBody *here*.", encoding="utf-8")
    [txt] = read_document(tmp_path / "a.txt")
    [md] = read_document(tmp_path / "b.md")
    assert (txt.text, txt.metadata) == ("Plain text.\n", {})
    assert (md.text, md.metadata) == ("# My title\n\nBody *here*.", {"title": "My title"})


def test_read_jsonl_one_document_per_line(tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "first", "tag": "x", "n": 1}\n\n{"body": "b", "text": "second"}\n',
                 encoding="utf-8")
    docs = read_document(p)
    assert [(d.text, d.metadata) for d in docs] == [
        ("first", {"tag": "x", "n": 1, "line": 1}), ("second", {"body": "b", "line": 3})]
    with pytest.raises(UnreadableFileError, match="line 1 has no string field 'body'"):
        read_document(p, text_field="body")
    p.write_text('{"text": "ok"}\nnot json\n', encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="line 2 is not JSON"):
        read_document(p)


def test_read_csv_text_column_and_metadata(tmp_path: Path) -> None:
    p = tmp_path / "g.csv"
    p.write_text('term,text,cat\nBM25,"Ranks by keywords, with idf.",search\nx,,y\n',
                 encoding="utf-8")
    docs = read_document(p)
    assert [(d.text, d.metadata) for d in docs] == [
        ("Ranks by keywords, with idf.", {"term": "BM25", "cat": "search", "row": 1}),
        ("", {"term": "x", "cat": "y", "row": 2})]
    with pytest.raises(UnreadableFileError, match=r"no column 'body' \(columns: \['term'"):
        read_document(p, text_field="body")


def test_read_html_visible_text_only(tmp_path: Path) -> None:
    p = tmp_path / "page.html"
    p.write_text("<html><head><title>The Title</title><style>p {color: red}</style>"
                 "<script>var hidden = 1;</script></head><body><h1>Heading</h1>"
                 "<p>Hello <b>bold</b> world.</p><script>alert('no')</script>"
                 "<ul><li>One</li><li>Two</li></ul></body></html>", encoding="utf-8")
    [doc] = read_document(p)
    assert doc.text == "Heading\n\nHello bold world.\n\nOne\n\nTwo"
    assert doc.metadata == {"title": "The Title"}


def test_read_real_pdf_with_pages(tmp_path: Path) -> None:
    p = tmp_path / "two.pdf"
    p.write_bytes(make_pdf(["Cosine similarity compares angles.", "BM25 ranks keywords."]))
    [doc] = read_document(p)
    assert doc.text == "Cosine similarity compares angles.\n\nBM25 ranks keywords."
    assert doc.page_starts == [0, 36] and doc.metadata == {"pages": 2}
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(UnreadableFileError, match="bad.pdf is not a readable PDF"):
        read_document(tmp_path / "bad.pdf")


def test_binary_undecodable_and_unsupported_files_raise(tmp_path: Path) -> None:
    (tmp_path / "bin.txt").write_bytes(b"abc\x00\x01\x02")
    (tmp_path / "latin.txt").write_bytes("caf\u00e9".encode("latin-1"))
    (tmp_path / "img.png").write_bytes(b"\x89PNG")
    with pytest.raises(UnreadableFileError, match="bin.txt looks binary"):
        read_document(tmp_path / "bin.txt")
    with pytest.raises(UnreadableFileError, match="latin.txt is not valid UTF-8 \\(byte 3\\)"):
        read_document(tmp_path / "latin.txt")
    with pytest.raises(UnreadableFileError, match="unsupported file type '.png'"):
        read_document(tmp_path / "img.png")


def test_discover_recurses_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "sub" / ".hidden").mkdir(parents=True)
    for name in ["a.txt", "sub/b.md", "sub/.secret.txt", "sub/.hidden/c.txt"]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    files, folders = discover([tmp_path, tmp_path / "a.txt"])
    assert files == [tmp_path.resolve() / "a.txt", tmp_path.resolve() / "sub" / "b.md"]
    assert folders == [tmp_path.resolve()]
    with pytest.raises(FileNotFoundError, match="nope does not exist"):
        discover([tmp_path / "nope"])


# ---------------------------------------------------------------- ingest

@pytest.fixture(scope="module")
def encoder(minilm_dir: Path) -> Any:
    from embedlab.encoders import load_encoder

    return load_encoder(minilm_dir, cache=False)


@pytest.fixture()
def counted(encoder: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the encoder embeds, in order."""
    seen: list[str] = []
    original = encoder.encode

    def encode(texts: Any, *args: Any, **kwargs: Any) -> Any:
        seen.extend([texts] if isinstance(texts, str) else texts)
        return original(texts, *args, **kwargs)
    monkeypatch.setattr(encoder, "encode", encode)
    return seen


PARAGRAPH = ("Cosine similarity measures the angle between two embedding vectors. "
             "It is the dot product divided by the product of the lengths. ")


def _docs(root: Path) -> Path:
    root.mkdir()
    (root / "cosine.md").write_text("# Cosine\n\n" + PARAGRAPH * 6, encoding="utf-8")
    (root / "bm25.txt").write_text("BM25 ranks documents by keyword matches. "
                                   "Rare terms count more than common ones.", encoding="utf-8")
    (root / "faq.jsonl").write_text(json.dumps({"text": "Chunk long documents.", "topic": "t"})
                                    + "\n", encoding="utf-8")
    (root / "paper.pdf").write_bytes(make_pdf(["Word2vec learns word vectors.",
                                               "GloVe factorizes co-occurrence counts."]))
    (root / "blob.txt").write_bytes(b"\x00\xff\x00binary")
    (root / ".hidden.txt").write_text("never indexed", encoding="utf-8")
    return root


def test_ingest_stores_chunks_with_source_offsets_metadata(
        tmp_path: Path, encoder: Any, caplog: pytest.LogCaptureFixture) -> None:
    docs = _docs(tmp_path / "docs")
    col = Collection.create(tmp_path / "c", encoder=encoder)
    with caplog.at_level(logging.WARNING):
        report = ingest(col, [docs], chunk_tokens=40)
    blob = str(docs.resolve() / "blob.txt")
    assert [p for p, _ in report.skipped] == [blob]
    assert any("blob.txt looks binary" in r.getMessage() for r in caplog.records)
    assert len(report.added) == 4 and report.chunks_added == col.count() > 4
    texts = {d.metadata["path"]: d for d in col.get(where={"chunk": 0})}
    assert sorted(Path(p).name for p in texts) == ["bm25.txt", "cosine.md", "faq.jsonl",
                                                   "paper.pdf"]
    for doc in col.get():
        source = Path(doc.source or "")
        assert doc.metadata["path"] == str(source) and source.is_absolute()
        assert len(doc.metadata["file_sha256"]) == 64
        if source.suffix in (".md", ".txt"):   # offsets index the file's own text
            assert source.read_text(encoding="utf-8")[doc.start:doc.end] == doc.text
        assert len(encoder.tokenizer.encode(doc.text or "").ids) - 2 <= 40
    cosine = col.get(where={"path": str(docs.resolve() / "cosine.md")})
    assert [d.metadata["chunk"] for d in cosine] == list(range(len(cosine))) and len(cosine) > 2
    assert cosine[0].metadata["title"] == "Cosine"
    pdf = col.get(where={"path": str(docs.resolve() / "paper.pdf")})
    assert [d.metadata["page"] for d in pdf] == [1] and pdf[0].metadata["pages"] == 2
    faq = col.get(where={"topic": "t"})
    assert [(d.text, d.metadata["line"]) for d in faq] == [("Chunk long documents.", 1)]
    top = col.search("how do I compare two embedding vectors?", k=1)[0]
    assert Path(top.source or "").name == "cosine.md"


def test_reingest_only_reembeds_changed_files_and_removes_deleted(
        tmp_path: Path, encoder: Any, counted: list[str]) -> None:
    docs = _docs(tmp_path / "docs")
    col = Collection.create(tmp_path / "c", encoder=encoder)
    first = ingest(col, [docs], chunk_tokens=40)
    before = {d.id: d.text for d in col.get()}
    counted.clear()

    again = ingest(col, [docs], chunk_tokens=40)
    assert counted == [] and again.chunks_added == 0
    assert sorted(again.unchanged) == sorted(first.added)
    assert {d.id: d.text for d in col.get()} == before

    # Change one file (shorter: surplus chunks go), delete another, add a new one.
    cosine = docs / "cosine.md"
    cosine.write_text("# Cosine\n\n" + PARAGRAPH, encoding="utf-8")
    (docs / "bm25.txt").unlink()
    (docs / "new.txt").write_text("Vector search finds nearest neighbours.", encoding="utf-8")
    third = ingest(col, [docs], chunk_tokens=40)
    assert [Path(p).name for p in third.updated] == ["cosine.md"]
    assert [Path(p).name for p in third.removed] == ["bm25.txt"]
    assert [Path(p).name for p in third.added] == ["new.txt"]
    assert len(third.unchanged) == 2 and third.chunks_removed >= 2
    # Only texts not stored before were embedded: the new file and the changed chunk.
    assert "Vector search finds nearest neighbours." in counted
    assert [t for t in counted if t in before.values()] == []
    now = col.get()
    assert not [d for d in now if Path(d.source or "").name == "bm25.txt"]
    assert [d.text for d in now if d.source == str(cosine.resolve())] == [
        "# Cosine\n\n" + PARAGRAPH.strip()]
    unchanged_ids = {i for i, t in before.items() if "Word2vec" in (t or "")}
    assert unchanged_ids and unchanged_ids <= {d.id for d in now}


def test_ingest_explicit_files_never_removes_others(tmp_path: Path, encoder: Any) -> None:
    docs = _docs(tmp_path / "docs")
    col = Collection.create(tmp_path / "c", encoder=encoder)
    ingest(col, [docs])
    n = col.count()
    report = ingest(col, [docs / "bm25.txt"], progress=True)
    assert report.removed == [] and [Path(p).name for p in report.unchanged] == ["bm25.txt"]
    assert col.count() == n
    with pytest.raises(ValueError, match="chunk_tokens must be a positive integer, got 0"):
        ingest(col, [docs], chunk_tokens=0)


def test_changed_file_swaps_its_chunks_in_one_transaction(
        tmp_path: Path, encoder: Any, counted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from embedlab.store import writes

    docs = tmp_path / "docs"
    docs.mkdir()
    notes = docs / "notes.md"
    notes.write_text("# Notes\n\n" + PARAGRAPH * 6, encoding="utf-8")
    col = Collection.create(tmp_path / "c", encoder=encoder)
    ingest(col, [docs], chunk_tokens=40)
    old = {d.id: (d.text, d.metadata["file_sha256"]) for d in col.get()}
    assert len(old) > 2
    # Shorten the file: its first chunk keeps its id and text, the surplus chunks must go.
    first = old[min(old)][0]
    notes.write_text("# Notes\n\n" + PARAGRAPH * 2, encoding="utf-8")

    # A failure inside the swap rolls everything back: the old chunks stay, all of them.
    real = writes.insert_documents
    monkeypatch.setattr(writes, "insert_documents",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        ingest(col, [docs], chunk_tokens=40)
    assert {d.id: (d.text, d.metadata["file_sha256"]) for d in col.get()} == old
    monkeypatch.setattr(writes, "insert_documents", real)

    transactions: list[int] = []
    real_transaction = writes.transaction

    def counting(conn: Any) -> Any:
        transactions.append(1)
        return real_transaction(conn)

    monkeypatch.setattr(writes, "transaction", counting)
    counted.clear()
    report = ingest(col, [docs], chunk_tokens=40)
    assert transactions == [1]
    assert [Path(p).name for p in report.updated] == ["notes.md"]
    now = col.get()
    sha = hashlib.sha256(notes.read_bytes()).hexdigest()
    assert {d.metadata["file_sha256"] for d in now} == {sha}  # no leftover chunk
    assert now[0].text == first and 1 < len(now) < len(old)
    assert [d.metadata["chunk"] for d in now] == list(range(len(now)))
    assert report.chunks_added == len(now) and report.chunks_removed == len(old) - len(now)
    assert first not in counted  # the unchanged chunk was not embedded again
    assert col.stats()["contents"] == len({d.text for d in now})
