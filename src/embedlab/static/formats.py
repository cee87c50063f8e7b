"""Word-vector files: word2vec text and binary, GloVe text, embedlab's own format.

Reading detects the format from the bytes, never from the name:

* ``word2vec-text``: a header line ``N D``, then ``word v1 ... vD`` per line;
* ``word2vec-binary``: the same header, then ``word`` + space + D little-endian float32
  (with or without a newline after each vector, as the C tool and gensim write them);
* ``glove-text``: ``word v1 ... vD`` per line, no header;
* ``embedlab``: a NumPy ``.npz`` archive holding ``format_version``, ``words`` (UTF-8, one a
  line), ``vectors`` and optionally ``counts``;
* a model folder (``vectors.npy`` + ``vocab.txt``, as ``embedlab pull glove-6b-50d`` leaves).

Text and binary files may be gzip-compressed (read only).

Bytes that are not UTF-8 are replaced with U+FFFD; the words concerned are counted in the
:class:`LoadReport` and logged.  A file that is cut short or malformed raises
:class:`VectorFileError` naming the file and the line (or, in binary files, the entry).
Writing goes to a temporary file beside the target that replaces it only when complete.

>>> import tempfile, os, numpy as np
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "v.txt")
>>> write_vectors(path, ["a", "b"], np.eye(2, dtype=np.float32), fmt="word2vec-text")
>>> open(path).read()
'2 2\\na 1.0 0.0\\nb 0.0 1.0\\n'
>>> words, vectors, counts, report = read_vectors(path)
>>> words, report.format
(['a', 'b'], 'word2vec-text')
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from embedlab.errors import ModelFileError

log = logging.getLogger(__name__)

FORMATS = ("word2vec-binary", "word2vec-text", "glove-text", "embedlab")
EMBEDLAB_FORMAT_VERSION = 1
_SUFFIX_FORMATS = {
    ".bin": "word2vec-binary",
    ".txt": "word2vec-text",
    ".vec": "word2vec-text",
    ".npz": "embedlab",
    ".embedlab": "embedlab",
}
_HEADER = re.compile(rb"^\s*(\d+)\s+(\d+)\s*$")


class VectorFileError(ModelFileError):
    """A word-vector file is malformed or cut short; the message names the file and line."""


@dataclass
class LoadReport:
    """What reading a vector file found besides the vectors."""

    path: str
    format: str
    replaced_words: int = 0  # words whose bytes were not UTF-8 (replaced by U+FFFD)
    duplicates: int = 0  # repeated words; the first vector of each is kept


def format_for_suffix(path: str | os.PathLike[str]) -> str:
    """The format a file name asks for: ``.bin``, ``.txt``/``.vec``, ``.npz``/``.embedlab``."""
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIX_FORMATS:
        raise ValueError(
            f"cannot tell the vector format from the name {Path(path).name!r}; use a suffix "
            f"({', '.join(_SUFFIX_FORMATS)}) or pass format= one of {', '.join(FORMATS)}"
        )
    return _SUFFIX_FORMATS[suffix]


# ----------------------------------------------------------------------------- reading


def detect_format(path: str | os.PathLike[str]) -> str:
    """``word2vec-binary``, ``word2vec-text``, ``glove-text``, ``embedlab`` or ``folder``."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    head = b""
    with _open(path) as fh:
        try:
            while len(head) < 1 << 16:
                block = fh.read(4096)
                if not block:
                    break
                head += block
        except (OSError, EOFError, zlib.error) as exc:  # a damaged .gz: judge by what was read
            if not head:
                raise VectorFileError(f"{path}: the compressed file is damaged or cut short "
                                      f"({exc})") from None
    if head.startswith(b"PK\x03\x04"):
        return "embedlab"
    if not head:
        raise VectorFileError(f"{path}: the file is empty; expected word vectors")
    first, _, rest = head.partition(b"\n")
    match = _HEADER.match(first)
    if match is None:
        return "glove-text"
    dim = int(match.group(2))
    line = rest.split(b"\n", 1)[0]
    parts = line.rstrip().split(b" ")
    if len(parts) == dim + 1 and all(_is_float(x) for x in parts[1:]):
        return "word2vec-text"
    return "word2vec-binary"


def read_vectors(
    path: str | os.PathLike[str], limit: int | None = None
) -> tuple[list[str], np.ndarray, np.ndarray | None, LoadReport]:
    """``(words, vectors float32, counts or None, report)`` from any supported file or folder.

    ``limit`` keeps the first ``limit`` vectors (word2vec and GloVe files).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"word-vector file not found: {path}")
    fmt = detect_format(path)
    if fmt == "folder":
        return _read_folder(path, limit)
    if fmt == "embedlab":
        return _read_embedlab(path, limit)
    report = LoadReport(str(path), fmt)
    with _open(path) as fh:
        try:
            if fmt == "word2vec-binary":
                words, vectors = _read_binary(fh, path, report, limit)
            else:
                words, vectors = _read_text(fh, path, report, limit,
                                            header=fmt == "word2vec-text")
        except (OSError, EOFError, zlib.error) as exc:  # a damaged or cut .gz
            raise VectorFileError(f"{path}: the compressed file is damaged or cut short "
                                  f"({exc})") from None
    if report.replaced_words:
        log.warning("%s: %d words held bytes that are not UTF-8; they were replaced by U+FFFD",
                    path, report.replaced_words)
    if report.duplicates:
        log.warning("%s: %d repeated words; kept the first vector of each", path,
                    report.duplicates)
    return words, vectors, None, report


def _open(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip (``.txt.gz`` files as gensim reads)."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        import gzip

        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _decode(raw: bytes, report: LoadReport) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        report.replaced_words += 1
        return raw.decode("utf-8", errors="replace")


class _Collector:
    """Words and rows in file order, first occurrence of a word wins."""

    def __init__(self, report: LoadReport) -> None:
        self.report = report
        self.words: list[str] = []
        self.rows: list[np.ndarray] = []
        self.seen: set[str] = set()

    def add(self, word: str, row: np.ndarray) -> None:
        if word in self.seen:
            self.report.duplicates += 1
            return
        self.seen.add(word)
        self.words.append(word)
        self.rows.append(row)

    def result(self, dim: int, path: Path) -> tuple[list[str], np.ndarray]:
        # A header of "0 D" would give a vocabulary of nothing whose every encoding is D
        # zeros (D from the file, unbounded): a file without vectors is an error.
        if not self.rows:
            raise VectorFileError(f"{path}: no vectors found (the header announces 0 words)")
        return self.words, np.vstack(self.rows).astype(np.float32, copy=False)


def _read_text(fh: IO[bytes], path: Path, report: LoadReport, limit: int | None,
               header: bool) -> tuple[list[str], np.ndarray]:
    expected: int | None = None
    dim: int | None = None
    line_no = 0
    if header:
        first = fh.readline()
        line_no = 1
        match = _HEADER.match(first)
        assert match is not None
        expected, dim = int(match.group(1)), int(match.group(2))
    out = _Collector(report)
    count = 0
    for raw in fh:
        line_no += 1
        if limit is not None and count >= limit:
            break
        if expected is not None and count >= expected:
            if raw.strip():
                log.warning("%s: ignoring lines after the %d vectors the header announces "
                            "(from line %d)", path, expected, line_no)
            break
        stripped = raw.rstrip(b"\r\n").rstrip(b" ")
        if not stripped:
            raise VectorFileError(f"{path}, line {line_no}: empty line; expected a word and "
                                  f"{dim or 'its'} values")
        parts = stripped.split(b" ")
        if dim is None:
            dim = len(parts) - 1
            if dim < 1:
                raise VectorFileError(f"{path}, line {line_no}: a word without values; "
                                      "expected 'word v1 v2 ...' (GloVe text) or an 'N D' header")
        if len(parts) != dim + 1:
            raise VectorFileError(
                f"{path}, line {line_no}: {len(parts) - 1} values where {dim} were expected "
                "(a truncated or corrupted file?)"
            )
        try:
            row = np.array(parts[1:], dtype=np.float32)
        except ValueError:
            bad = next(p for p in parts[1:] if not _is_float(p))
            raise VectorFileError(
                f"{path}, line {line_no}: {bad[:30]!r} is not a number"
            ) from None
        out.add(_decode(parts[0], report), row)
        count += 1
    if dim is None:
        raise VectorFileError(f"{path}: no vectors found")
    if expected is not None and count < min(expected, limit if limit is not None else expected):
        raise VectorFileError(
            f"{path}, line {line_no + 1}: the file ends after {count} vectors but its header "
            f"(line 1) announces {expected}; the file is truncated"
        )
    return out.result(dim, path)


def _is_float(token: bytes) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _read_binary(fh: IO[bytes], path: Path, report: LoadReport,
                 limit: int | None) -> tuple[list[str], np.ndarray]:
    first = fh.readline()
    match = _HEADER.match(first)
    assert match is not None
    expected, dim = int(match.group(1)), int(match.group(2))
    wanted = expected if limit is None else min(expected, limit)
    data = fh.read()
    offset0 = len(first)
    nbytes = 4 * dim
    out = _Collector(report)
    pos = 0
    for entry in range(wanted):
        while pos < len(data) and data[pos:pos + 1] in (b"\n", b"\r"):
            pos += 1
        space = data.find(b" ", pos, pos + 100_000)
        if space == -1 or space + 1 + nbytes > len(data):
            raise VectorFileError(
                f"{path}, entry {entry + 1} (byte {offset0 + pos}): the file ends after "
                f"{entry} of the {expected} vectors its header (line 1) announces; "
                "the file is truncated"
            )
        word = _decode(data[pos:space], report)
        row = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
        out.add(word, row)
        pos = space + 1 + nbytes
    return out.result(dim, path)


def _read_folder(path: Path, limit: int | None
                 ) -> tuple[list[str], np.ndarray, np.ndarray | None, LoadReport]:
    vectors_file, vocab_file = path / "vectors.npy", path / "vocab.txt"
    for f in (vectors_file, vocab_file):
        if not f.is_file():
            raise VectorFileError(
                f"{path} does not hold word vectors: it lacks {f.name} (a word-vector folder "
                "holds vectors.npy and vocab.txt, as `embedlab pull glove-6b-50d` writes; "
                "pull the model again)"
            )
    report = LoadReport(str(path), "folder")
    raw = vocab_file.read_bytes()
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    words = [_decode(w, report) for w in raw.split(b"\n")] if raw else []
    try:
        vectors = np.load(vectors_file, mmap_mode="r", allow_pickle=False)
        counts_file = path / "counts.npy"
        counts = (np.load(counts_file, allow_pickle=False).astype(np.int64)
                  if counts_file.is_file() else None)
    except (OSError, ValueError, TypeError, EOFError) as exc:
        raise VectorFileError(f"{path}: vectors.npy or counts.npy is unreadable ({exc}); pull "
                              "the model again") from None
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise VectorFileError(
            f"{path}: vocab.txt has {len(words)} words but vectors.npy has shape "
            f"{vectors.shape}; pull the model again"
        )
    if counts is not None and counts.shape != (len(words),):
        raise VectorFileError(f"{path}: counts.npy has shape {counts.shape} for {len(words)} "
                              "words; pull the model again")
    if limit is not None:
        words, vectors = words[:limit], vectors[:limit]
        counts = None if counts is None else counts[:limit]
    return words, np.array(vectors, dtype=np.float32), counts, report


def _read_embedlab(path: Path, limit: int | None
                   ) -> tuple[list[str], np.ndarray, np.ndarray | None, LoadReport]:
    report = LoadReport(str(path), "embedlab")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if "format_version" not in archive or "words" not in archive:
                raise VectorFileError(f"{path}: a .npz archive but not embedlab word vectors "
                                      "(it lacks format_version and words)")
            version_arr = archive["format_version"]
            if version_arr.shape != () or version_arr.dtype.kind not in "iu":
                raise VectorFileError(f"{path}: format_version must be one integer, got "
                                      f"{version_arr.dtype} of shape {version_arr.shape}")
            version = int(version_arr)
            if version > EMBEDLAB_FORMAT_VERSION:
                raise VectorFileError(
                    f"{path}: format version {version} is newer than this embedlab reads "
                    f"({EMBEDLAB_FORMAT_VERSION}); upgrade embedlab"
                )
            words_arr = archive["words"]
            if words_arr.ndim != 1 or words_arr.dtype != np.uint8:
                raise VectorFileError(f"{path}: words must be UTF-8 bytes (a 1-d uint8 array), "
                                      f"got {words_arr.dtype} of shape {words_arr.shape}")
            raw = words_arr.tobytes()
            vectors = np.asarray(archive["vectors"], dtype=np.float32)
            counts = archive["counts"].astype(np.int64) if "counts" in archive else None
    except VectorFileError:
        raise
    # zipfile.BadZipFile, zlib.error, EOFError and NotImplementedError (a header naming a zip
    # version or compression method zipfile lacks) come from a damaged archive; ValueError and
    # TypeError from members that are not numbers (or need pickle)
    except (OSError, ValueError, KeyError, TypeError, EOFError, NotImplementedError,
            zipfile.BadZipFile, zlib.error) as exc:
        raise VectorFileError(f"{path}: unreadable embedlab vector file ({exc})") from None
    words = [_decode(w, report) for w in raw.split(b"\n")] if raw else []
    if vectors.ndim != 2 or len(words) != vectors.shape[0]:
        raise VectorFileError(f"{path}: {len(words)} words but vectors of shape {vectors.shape}")
    if counts is not None and counts.shape != (len(words),):
        raise VectorFileError(f"{path}: {len(words)} words but counts of shape {counts.shape}")
    if len(set(words)) != len(words):  # as in text files: the first vector of a word wins
        keep = sorted({w: i for i, w in reversed(list(enumerate(words)))}.values())
        report.duplicates = len(words) - len(keep)
        words = [words[i] for i in keep]
        vectors = vectors[keep]
        counts = None if counts is None else counts[keep]
    if limit is not None:
        words, vectors = words[:limit], vectors[:limit]
        counts = None if counts is None else counts[:limit]
    return words, vectors, counts, report


# ----------------------------------------------------------------------------- writing


@contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file handle whose content replaces ``path`` only once fully written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    """The replaced file's mode, else what ``open`` would give a new file (0o666 - umask)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _check_words(words: list[str], fmt: str) -> None:
    for i, w in enumerate(words):
        if not w or "\n" in w or (fmt != "embedlab" and (" " in w or "\r" in w)):
            raise ValueError(
                f"word {i} ({w!r:.40}) cannot be written in {fmt} format: words must be "
                "non-empty and hold no newline" + ("" if fmt == "embedlab" else " or space")
            )


def write_vectors(path: str | os.PathLike[str], words: list[str], vectors: np.ndarray,
                  counts: np.ndarray | None = None, fmt: str | None = None) -> None:
    """Write vectors in ``fmt`` (default: from the suffix), replacing ``path`` atomically."""
    fmt = fmt or format_for_suffix(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown vector format {fmt!r}; choose from {', '.join(FORMATS)}")
    _check_words(words, fmt)
    vectors = np.asarray(vectors, dtype=np.float32)
    with atomic_open(path) as fh:
        if fmt == "embedlab":
            arrays = {
                "format_version": np.array(EMBEDLAB_FORMAT_VERSION, dtype=np.int64),
                "words": np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
                "vectors": vectors,
            }
            if counts is not None:
                arrays["counts"] = np.asarray(counts, dtype=np.int64)
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        elif fmt == "word2vec-binary":
            fh.write(f"{len(words)} {vectors.shape[1]}\n".encode())
            little = vectors.astype("<f4", copy=False)
            for word, row in zip(words, little, strict=True):
                fh.write(word.encode("utf-8") + b" " + row.tobytes())
        else:
            if fmt == "word2vec-text":
                fh.write(f"{len(words)} {vectors.shape[1]}\n".encode())
            block = 4096
            for start in range(0, len(words), block):
                # astype(str) gives the shortest text that reads back to the same float32
                texts = vectors[start:start + block].astype(str)
                lines = "".join(f"{w} {' '.join(t)}\n"
                                for w, t in zip(words[start:start + block], texts, strict=True))
                fh.write(lines.encode("utf-8"))
