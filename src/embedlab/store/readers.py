"""Read document files into text + metadata: .txt, .md, .jsonl, .csv, .html/.htm, .pdf.

Each reader returns a list of :class:`SourceDocument` (one per file, or one per line/row
for .jsonl and .csv). Offsets of chunks refer to ``SourceDocument.text`` (for HTML and PDF,
the extracted text, not the raw bytes). A file that cannot be read (binary, undecodable,
malformed, unsupported type) raises :class:`UnreadableFileError` naming it and the reason.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "note.md"
>>> _ = p.write_text("# Title\\n\\nHello.", encoding="utf-8")
>>> read_document(p)[0].metadata
{'title': 'Title'}
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedlab.errors import EmbedlabError, require

#: File suffixes :func:`read_document` understands.
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".jsonl", ".csv", ".html", ".htm", ".pdf")


class UnreadableFileError(EmbedlabError, ValueError):
    """A file is binary, undecodable, malformed or of an unsupported type."""


@dataclass
class SourceDocument:
    """Text read from a file. ``page_starts``: offset in ``text`` where each PDF page begins."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    page_starts: list[int] | None = None


def _decode(path: Path, data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise UnreadableFileError(f"{path} looks binary (NUL bytes); not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{path} is not valid UTF-8 (byte {exc.start}); re-save it as UTF-8") from None


def _read_text(path: Path, data: bytes, text_field: str) -> list[SourceDocument]:
    text = _decode(path, data)
    meta: dict[str, Any] = {}
    if path.suffix.lower() in (".md", ".markdown"):
        for line in text.splitlines():
            if line.startswith("# "):
                meta["title"] = line[2:].strip()
                break
    return [SourceDocument(text, meta)]


def _read_jsonl(path: Path, data: bytes, text_field: str) -> list[SourceDocument]:
    docs = []
    for n, line in enumerate(_decode(path, data).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UnreadableFileError(f"{path} line {n} is not JSON: {exc.msg}") from None
        if not isinstance(obj, dict) or not isinstance(obj.get(text_field), str):
            raise UnreadableFileError(
                f"{path} line {n} has no string field {text_field!r}; each line must be an "
                f"object like {{{text_field!r}: '...'}} (or choose another text field)")
        meta = {k: v for k, v in obj.items() if k != text_field}
        docs.append(SourceDocument(obj[text_field], {**meta, "line": n}))
    return docs


def _read_csv(path: Path, data: bytes, text_field: str) -> list[SourceDocument]:
    reader = csv.DictReader(io.StringIO(_decode(path, data), newline=""))
    if reader.fieldnames is None or text_field not in reader.fieldnames:
        raise UnreadableFileError(
            f"{path} has no column {text_field!r} (columns: {reader.fieldnames}); name the "
            "text column with text_field=")
    docs = []
    try:
        for n, row in enumerate(reader, start=1):
            meta = {k: v for k, v in row.items() if k != text_field and k is not None}
            docs.append(SourceDocument(row[text_field] or "", {**meta, "row": n}))
    except csv.Error as exc:
        raise UnreadableFileError(f"{path} is not valid CSV: {exc}") from None
    return docs


_BLOCKS = ["p", "div", "li", "ul", "ol", "br", "tr", "table", "section", "article", "pre",
           "blockquote", "header", "footer", "nav", "main", "aside", "dd", "dt", "dl",
           "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "hr"]


def _read_html(path: Path, data: bytes, text_field: str) -> list[SourceDocument]:
    """Visible text: script/style/head dropped, each block element a paragraph."""
    import re

    BeautifulSoup = require("bs4", "beautifulsoup4", "Reading HTML", "ingest").BeautifulSoup

    soup = BeautifulSoup(_decode(path, data), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "template", "head", "title"]):
        tag.decompose()
    for tag in soup(_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    raw = soup.get_text()
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", raw)]
    text = "\n\n".join(p for p in paragraphs if p)
    return [SourceDocument(text, {"title": title} if title else {})]


def _read_pdf(path: Path, data: bytes, text_field: str) -> list[SourceDocument]:
    require("pypdf", "pypdf", "Reading PDF", "ingest")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise UnreadableFileError(f"{path} is not a readable PDF: {exc}") from None
    text, starts = "", []
    for page in pages:
        if text:
            text += "\n\n"
        starts.append(len(text))
        text += page
    if not text.strip():
        raise UnreadableFileError(f"{path} has no extractable text (a scanned PDF needs OCR)")
    return [SourceDocument(text, {"pages": len(pages)}, starts)]


_READERS = {".txt": _read_text, ".md": _read_text, ".markdown": _read_text,
            ".jsonl": _read_jsonl, ".csv": _read_csv, ".html": _read_html,
            ".htm": _read_html, ".pdf": _read_pdf}


def read_document(path: str | Path, data: bytes | None = None,
                  text_field: str = "text") -> list[SourceDocument]:
    """The documents in ``path`` (``data``: its bytes, if already read).

    ``text_field`` names the text field of .jsonl objects and the text column of .csv files;
    their other fields become metadata (plus ``line`` / ``row``, 1-based).
    """
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableFileError(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}; supported: "
            f"{', '.join(SUPPORTED_SUFFIXES)}")
    if data is None:
        data = path.read_bytes()
    return reader(path, data, text_field)
