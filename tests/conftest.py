"""Shared fixtures: the shared data folder and the pulled pretrained models."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from embedlab import paths

IN_CI = os.environ.get("CI", "").lower() == "true"


def _missing(reason: str) -> None:
    """Skip outside CI; fail under CI, where a missing input is a setup bug."""
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    d = paths.data_dir().resolve()
    if not d.is_dir():
        _missing(f"shared data folder not found at {d}; set EMBEDLAB_DATA")
    return d


def _model(name: str) -> Path:
    d = paths.models_dir() / name
    if not (d / "config.json").is_file():
        _missing(f"model {name} is not pulled; run `embedlab pull {name}`")
    return d


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    return _model("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def mpnet_dir() -> Path:
    return _model("all-mpnet-base-v2")


@pytest.fixture(scope="session")
def glove_dir() -> Path:
    d = paths.models_dir() / "glove-6b-50d"
    if not (d / "vectors.npy").is_file():
        _missing("model glove-6b-50d is not pulled; run `embedlab pull glove-6b-50d`")
    return d
