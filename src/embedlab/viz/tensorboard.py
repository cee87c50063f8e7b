"""Export to the TensorBoard projector's TSV pair: ``vectors.tsv`` and ``metadata.tsv``.

Load both files at https://projector.tensorflow.org ("Load") or in TensorBoard.  The
metadata file has a header row (``label`` and each metadata field) whenever there is more
than one column, as the TensorBoard projector expects.

Example:
    >>> import numpy as np, tempfile
    >>> from embedlab.viz.projection import Points
    >>> pts = Points(np.eye(2, dtype=np.float32), ["a", "b"], {"kind": ["x", "y"]})
    >>> v, m = export_tensorboard(pts, tempfile.mkdtemp())
    >>> m.read_text().splitlines()
    ['label\\tkind', 'a\\tx', 'b\\ty']
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from embedlab.viz.projection import Points


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return " ".join(text.replace("\t", " ").split())


def export_tensorboard(points: Points, folder: str | os.PathLike[str],
                       prefix: str = "") -> tuple[Path, Path]:
    """Write ``<prefix>vectors.tsv`` (one tab-separated row per point) and
    ``<prefix>metadata.tsv`` into ``folder``; returns both paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    vec_path = out / f"{prefix}vectors.tsv"
    meta_path = out / f"{prefix}metadata.tsv"
    np.savetxt(vec_path, points.vectors, delimiter="\t", fmt="%.6g")
    fields = points.fields
    with open(meta_path, "w", encoding="utf-8", newline="\n") as f:
        if fields:
            f.write("\t".join(["label", *(_cell(k) for k in fields)]) + "\n")
        for i, label in enumerate(points.labels):
            row = [_cell(label) or "(empty)", *(_cell(points.metadata[k][i]) for k in fields)]
            f.write("\t".join(row) + "\n")
    return vec_path, meta_path
