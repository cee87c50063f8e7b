"""Pooling modes against sentence-transformers' Pooling module on the same tensors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedlab.encoders.pooling import POOLING_MODES, PoolingConfig, pool
from embedlab.errors import ModelFileError
from oracles import require

torch = require("torch")
st_models = require("sentence_transformers.models")

_ST_NAMES = {"mean": "mean", "cls": "cls", "max": "max", "mean_sqrt_len": "mean_sqrt_len_tokens",
             "weightedmean": "weightedmean", "lasttoken": "lasttoken"}


@pytest.mark.parametrize("mode", POOLING_MODES)
def test_pooling_matches_sentence_transformers(mode: str) -> None:
    rng = np.random.default_rng(0)
    tokens = rng.standard_normal((4, 7, 16)).astype(np.float32)
    lengths = [7, 3, 1, 5]
    mask = np.array([[1] * n + [0] * (7 - n) for n in lengths], dtype=np.int64)
    module = st_models.Pooling(16, pooling_mode=_ST_NAMES[mode])
    features = {"token_embeddings": torch.tensor(tokens), "attention_mask": torch.tensor(mask)}
    expected = module(features)["sentence_embedding"].numpy()
    got = pool(tokens, mask, PoolingConfig((mode,)))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_several_modes_concatenate_in_reference_order(tmp_path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({
        "word_embedding_dimension": 4, "pooling_mode_mean_tokens": True,
        "pooling_mode_cls_token": True,
    }))
    cfg = PoolingConfig.from_folder(tmp_path)
    assert cfg.modes == ("cls", "mean")
    assert cfg.output_dim(4) == 8


def test_bad_pooling_configs(tmp_path) -> None:
    with pytest.raises(ValueError, match="'median' is not known"):
        PoolingConfig(("median",))
    with pytest.raises(ModelFileError, match="config.json"):
        PoolingConfig.from_folder(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelFileError, match="enables no pooling mode"):
        PoolingConfig.from_folder(tmp_path)
