"""The encoder architectures against HF transformers (torch), and the two backends agree."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ModelFileError
from embedlab.models.config import EncoderConfig
from embedlab.models.runtime import TransformerRunner
from embedlab.models.transformer import relative_position_buckets
from oracles import require

torch = require("torch")
transformers = require("transformers")

SENTENCES = [
    "A man is playing a guitar.",
    "The quick brown fox jumps over the lazy dog, again and again and again.",
    "x",
    "Ünïcödé, CJK 中文 and emoji 🙂 in one line!",
]


def test_relative_buckets_match_mpnet_reference() -> None:
    from transformers.models.mpnet.modeling_mpnet import MPNetEncoder

    n = 514
    pos = torch.arange(n)
    relative = pos[None, :] - pos[:, None]  # key - query, as MPNet passes it
    expected = MPNetEncoder.relative_position_bucket(relative, num_buckets=32).numpy()
    np.testing.assert_array_equal(relative_position_buckets(n, 32), expected)


def _hf_hidden(folder, texts):
    tok = transformers.AutoTokenizer.from_pretrained(str(folder))
    model = transformers.AutoModel.from_pretrained(str(folder)).eval()
    enc = tok(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**enc).last_hidden_state.numpy()
    np_enc = {k: v.numpy() for k, v in enc.items()}
    return np_enc, hidden


@pytest.mark.parametrize("model", ["minilm_dir", "mpnet_dir"])
@pytest.mark.parametrize("backend", ["numpy", "onnx"])
def test_token_embeddings_match_transformers(model, backend, request) -> None:
    folder = request.getfixturevalue(model)
    enc, expected = _hf_hidden(folder, SENTENCES)
    runner = TransformerRunner(folder, backend=backend)
    got = runner(enc["input_ids"], enc["attention_mask"], enc.get("token_type_ids"))
    real = enc["attention_mask"][..., None].astype(bool)
    assert got.shape == expected.shape
    assert np.abs(np.where(real, got - expected, 0)).max() < 1e-4


def test_onnx_graph_is_cached_by_weights_hash(minilm_dir) -> None:
    runner = TransformerRunner(minilm_dir)
    path = runner.graph_path()
    assert path.is_file()
    assert runner.weights_sha256[:20] in path.name
    assert TransformerRunner(minilm_dir).graph_path() == path


def test_config_errors_name_the_file(tmp_path) -> None:
    with pytest.raises(ModelFileError, match="config.json"):
        EncoderConfig.from_file(tmp_path / "config.json")
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        EncoderConfig.from_file(tmp_path / "config.json")
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}')
    with pytest.raises(ModelFileError, match="gpt2.*supported: bert, mpnet"):
        EncoderConfig.from_file(tmp_path / "config.json")
    (tmp_path / "config.json").write_text('{"model_type": "bert", "hidden_size": 8}')
    with pytest.raises(ModelFileError, match="missing field"):
        EncoderConfig.from_file(tmp_path / "config.json")


def test_corrupt_weights_name_the_file(minilm_dir, tmp_path) -> None:
    import shutil

    folder = tmp_path / "broken"
    shutil.copytree(minilm_dir, folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ModelFileError, match="model.safetensors"):  # sha256 at load
        TransformerRunner(folder, backend="numpy")(np.array([[101, 102]]), np.array([[1, 1]]))
    weights.unlink()
    with pytest.raises(ModelFileError, match="model.safetensors"):
        TransformerRunner(folder)


def test_unknown_backend_and_quantization(minilm_dir) -> None:
    with pytest.raises(ValueError, match="backend 'torch'"):
        TransformerRunner(minilm_dir, backend="torch")
    with pytest.raises(ValueError, match="quantize"):
        TransformerRunner(minilm_dir, quantize="int4")
    with pytest.raises(ValueError, match="needs backend='onnx'"):
        TransformerRunner(minilm_dir, backend="numpy", quantize="int8")


def test_corrupt_cached_graph_is_rebuilt(minilm_dir, caplog) -> None:
    path = TransformerRunner(minilm_dir).graph_path()
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 3])  # a torn write by some other program
    runner = TransformerRunner(minilm_dir)
    with caplog.at_level("WARNING"):
        out = runner(np.array([[101, 7592, 102]]), np.array([[1, 1, 1]]))
    assert "rebuilding" in caplog.text
    assert out.shape == (1, 3, 384) and np.isfinite(out).all()
    assert path.stat().st_size == len(good)
