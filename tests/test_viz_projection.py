"""Projections: PCA against scikit-learn, t-SNE/UMAP input checks, points loaders."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA as SkPCA

from embedlab.viz.projection import PCA, Points, ProjectionError, project, words_points
from oracles import require


def _match_up_to_sign(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference between columns of a and b after flipping signs to agree."""
    signs = np.sign((a * b).sum(axis=0))
    return float(np.abs(a * signs - b).max())


@pytest.mark.parametrize("shape", [(200, 30), (40, 100), (500, 5)])
def test_pca_matches_sklearn_on_random_data(shape: tuple[int, int]) -> None:
    x = np.random.default_rng(7).normal(size=shape) * np.linspace(1, 5, shape[1])
    ours = PCA(3).fit(x)
    ref = SkPCA(3).fit(x)
    assert _match_up_to_sign(ours.transform(x), ref.transform(x)) < 1e-8
    assert _match_up_to_sign(ours.components_.T, ref.components_.T) < 1e-10
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_,
                               rtol=1e-10)


def test_pca_matches_sklearn_on_glove(glove_dir) -> None:
    from embedlab.static import WordVectors

    wv = WordVectors.load("glove-6b-50d")  # all 400,000 words
    x = wv.vectors.astype(np.float64)
    ours = project(x, "pca", dim=3)
    ref = SkPCA(3).fit(x)
    assert _match_up_to_sign(ours.coords.astype(np.float64), ref.transform(x)) < 1e-4
    np.testing.assert_allclose(ours.explained_variance_ratio, ref.explained_variance_ratio_,
                               rtol=1e-6)
    assert ours.description.startswith("PCA (3-D, ")


def test_nan_vectors_are_named() -> None:
    x = np.ones((10, 4), np.float32)
    x[3, 1] = np.nan
    with pytest.raises(ProjectionError, match=r"1 vector\(s\) hold NaN.*'w3'"):
        Points(x, [f"w{i}" for i in range(10)])


def test_empty_and_too_few_points() -> None:
    with pytest.raises(ProjectionError, match="empty"):
        project(np.zeros((0, 5)), "pca")
    x = np.random.default_rng(0).normal(size=(12, 5))
    with pytest.raises(ProjectionError, match="perplexity 30 needs at least 32 points, got 12"):
        project(x, "tsne")
    with pytest.raises(ProjectionError, match="UMAP with 15 neighbours needs at least 16"):
        project(x, "umap")
    with pytest.raises(ProjectionError, match="2 or 3 dimensions"):
        project(x, "pca", dim=4)
    with pytest.raises(ProjectionError, match="unknown projection"):
        project(x, "mds")


def test_tsne_small_runs_and_reports_progress() -> None:
    x = np.random.default_rng(0).normal(size=(40, 6))
    seen: list[float] = []
    p = project(x, "tsne", perplexity=5, progress=lambda stage, f: seen.append(f))
    assert p.coords.shape == (40, 2) and np.isfinite(p.coords).all()
    assert seen[0] == 0.0 and seen[-1] == 1.0 and len(seen) > 5
    assert "perplexity 5" in p.description


def test_words_points_skips_unknown_words(caplog) -> None:
    from embedlab.static import WordVectors

    wv = WordVectors(["king", "queen", "man"], np.eye(3, dtype=np.float32))
    pts = words_points(wv, words=["king", "zzz", "queen"], name="toy")
    assert pts.labels == ["king", "queen"]
    assert "zzz" in caplog.text
    with pytest.raises(ProjectionError, match="none of the words"):
        words_points(wv, words=["zzz"])


@pytest.mark.slow
def test_umap_runs_and_reports_progress() -> None:
    require("umap", reason="UMAP is the optional umap-learn package")
    x = np.random.default_rng(0).normal(size=(120, 6))
    seen: list[float] = []
    p = project(x, "umap", dim=3, n_neighbors=10, progress=lambda stage, f: seen.append(f))
    assert p.coords.shape == (120, 3) and np.isfinite(p.coords).all()
    assert seen[0] == 0.0 and seen[-1] == 1.0 and 0.3 < seen[len(seen) // 2] < 1.0
    assert p.description == "UMAP (3-D, 10 neighbours)"
