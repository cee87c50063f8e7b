"""Document similarity against a human similarity matrix (the Lee corpus test)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.eval.base import EncodeOptions, EvalError, Task, TaskResult, encode
from embedlab.eval.metrics import cosine_matrix, pearson, spearman
from embedlab.eval.tasks._io import finish, model_name

#: File names looked for in a docsim folder: (documents, matrix).
FOLDER_NAMES = (("documents.txt", "matrix.txt"), ("lee.cor", "similarities0-1.txt"))


def read_matrix(path: str | os.PathLike[str], n: int | None = None) -> np.ndarray:
    """A square whitespace-separated matrix, one row a line; errors name the line."""
    p = Path(path)
    if not p.is_file():
        raise EvalError(f"{p}: no such matrix file")
    rows = []
    for line_no, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append([float(x) for x in line.split()])
        except ValueError:
            raise EvalError(f"{p}, line {line_no}: not a row of numbers") from None
        if len(rows[-1]) != len(rows[0]):
            raise EvalError(f"{p}, line {line_no}: {len(rows[-1])} numbers, the first row "
                            f"has {len(rows[0])}")
    matrix = np.asarray(rows, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise EvalError(f"{p}: the matrix is {matrix.shape[0] if rows else 0} rows by "
                        f"{matrix.shape[1] if rows else 0} columns; it must be square")
    if n is not None and len(matrix) != n:
        raise EvalError(f"{p}: a {len(matrix)}x{len(matrix)} matrix for {n} documents")
    return matrix


class DocSimilarityTask(Task):
    """Documents and a human similarity matrix over them.

    The main score is the Pearson correlation between the documents' pairwise cosine
    similarities and the human matrix, over the upper triangle (each pair once, no
    diagonal) as in gensim's Lee-corpus test; Spearman is secondary.

    File format: a folder holding ``documents.txt`` (one document a line, UTF-8 or
    Latin-1) and
    ``matrix.txt`` (an n-by-n whitespace-separated matrix; Lee's ``lee.cor`` and
    ``similarities0-1.txt`` are also found), or a documents file with ``matrix=PATH``.

    Example:
        >>> task = DocSimilarityTask.from_file("shared/data/docsim")  # doctest: +SKIP
        >>> task.evaluate(encoder).main_score  # doctest: +SKIP
        0.6
    """

    type = "docsim"
    main_metric = "pearson"

    def __init__(self, name: str, documents: Sequence[str], human_matrix: Any) -> None:
        super().__init__(name)
        matrix = np.asarray(human_matrix, dtype=np.float64)
        if len(documents) < 3:
            raise EvalError(f"task {name}: {len(documents)} documents; a correlation over "
                            "document pairs needs at least three")
        if matrix.shape != (len(documents), len(documents)):
            raise EvalError(f"task {name}: the human matrix is {matrix.shape}, expected "
                            f"{len(documents)}x{len(documents)} for the documents")
        self.documents = list(documents)
        self.human = matrix

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], name: str | None = None,
                  matrix: str | os.PathLike[str] | None = None) -> DocSimilarityTask:
        p = Path(path)
        if p.is_dir() and matrix is None:
            for docs_name, matrix_name in FOLDER_NAMES:
                if (p / docs_name).is_file() and (p / matrix_name).is_file():
                    docs_file, matrix_file = p / docs_name, p / matrix_name
                    break
            else:
                raise EvalError(f"{p}: a docsim folder holds documents.txt (one document a "
                                "line) and matrix.txt (the human similarity matrix)")
        elif matrix is not None:
            docs_file, matrix_file = p, Path(matrix)
        else:
            raise EvalError(f"{p}: give a docsim folder (documents.txt + matrix.txt), or "
                            "the documents file with matrix=PATH")
        if not docs_file.is_file():
            raise EvalError(f"{docs_file}: no such documents file")
        raw = docs_file.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # Lee's lee.cor is Latin-1
            text = raw.decode("latin-1")
        documents = [line for line in text.splitlines() if line.strip()]
        human = read_matrix(matrix_file, len(documents))
        return cls(name or (p.name if p.is_dir() else p.stem), documents, human)

    def evaluate(self, encoder: Any, seed: int = 42,
                 options: EncodeOptions | None = None) -> TaskResult:
        started = time.perf_counter()
        vectors = encode(encoder, self.documents, options, model_name(encoder))
        sims = cosine_matrix(vectors, vectors).astype(np.float64)
        upper = np.triu_indices(len(self.documents), 1)
        scores = {"pearson": pearson(self.human[upper], sims[upper]),
                  "spearman": spearman(self.human[upper], sims[upper])}
        return finish(self, scores["pearson"], scores, started, encoder,
                      {"n_documents": len(self.documents)})
