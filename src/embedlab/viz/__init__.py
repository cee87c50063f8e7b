"""Projections and pictures of embeddings, and the interactive projector page.

* :mod:`embedlab.viz.projection`: :class:`PCA` (numpy SVD), :func:`project` (PCA, t-SNE,
  UMAP to 2 or 3 dimensions) and :class:`Points` (vectors with labels and metadata).
* :mod:`embedlab.viz.plots`: word scatter, analogy arrows, similarity heatmap, evaluation
  leaderboard and trade-off chart, training curves (matplotlib; PNG or SVG).
* :mod:`embedlab.viz.projector`: a self-contained HTML page (WebGL scatter, search,
  nearest neighbours in the original space) written to a file or served on 127.0.0.1.
* :mod:`embedlab.viz.tensorboard`: the TensorBoard projector's vectors/metadata TSV pair.

Names are imported on first use, so ``import embedlab.viz`` stays light.

Example:
    >>> from embedlab.viz import project
    >>> import numpy as np
    >>> project(np.random.default_rng(0).normal(size=(20, 5)), "pca").coords.shape
    (20, 2)
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "PCA": "embedlab.viz.projection",
    "Points": "embedlab.viz.projection",
    "Projection": "embedlab.viz.projection",
    "ProjectionError": "embedlab.viz.projection",
    "project": "embedlab.viz.projection",
    "words_points": "embedlab.viz.projection",
    "collection_points": "embedlab.viz.projection",
    "texts_points": "embedlab.viz.projection",
    "PlotError": "embedlab.viz.plots",
    "word_scatter": "embedlab.viz.plots",
    "analogy_arrows": "embedlab.viz.plots",
    "similarity_heatmap": "embedlab.viz.plots",
    "leaderboard": "embedlab.viz.plots",
    "tradeoff": "embedlab.viz.plots",
    "training_curves": "embedlab.viz.plots",
    "build_page": "embedlab.viz.projector",
    "serve_projector": "embedlab.viz.projector",
    "export_tensorboard": "embedlab.viz.tensorboard",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'embedlab.viz' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
