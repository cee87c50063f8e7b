"""The Encoder interface and the transformer encoder's behaviour on good and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import embedlab
from embedlab.encoders import Encoder, l2_normalize, load_encoder
from embedlab.errors import EmbedlabError, ModelNotFoundError

TEXTS = ["A man is playing a guitar.", "A woman is slicing an onion.", "hello",
         "The stock market fell sharply today amid fears of a slowdown."]


@pytest.fixture(scope="module")
def encoder(minilm_dir):
    return load_encoder(minilm_dir, cache=False)


class Counting(Encoder):
    """A deterministic fake: vector = (length, count of 'a', batch size seen)."""

    name, dimension, normalize_default, fingerprint = "counting", 3, False, "counting-v1"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        self.calls.append(texts)
        return np.array([[len(t), t.count("a"), 1.0] for t in texts], dtype=np.float32)


def test_derived_encode_sorts_and_restores_order() -> None:
    enc = Counting()
    out = enc.encode(["bb", "a", "cccc", "aaa"], batch_size=2)
    assert out[:, 0].tolist() == [2, 1, 4, 3]
    assert enc.calls == [["cccc", "aaa"], ["bb", "a"]]  # longest first, two per batch


def test_duplicates_are_encoded_once() -> None:
    enc = Counting()
    out = enc.encode(["x", "y", "x"])
    assert out.shape == (3, 3)
    assert sorted(t for call in enc.calls for t in call) == ["x", "y"]


def test_bad_items_name_their_index(encoder) -> None:
    with pytest.raises(TypeError, match=r"texts\[1\] is NoneType"):
        encoder.encode(["ok", None])
    with pytest.raises(TypeError, match=r"texts\[2\] is int"):
        encoder.encode(["a", "b", 3])
    with pytest.raises(TypeError, match="list of strings"):
        encoder.encode(None)
    with pytest.raises(TypeError, match="list of strings"):
        encoder.encode(b"bytes")


def test_bad_settings(encoder) -> None:
    with pytest.raises(ValueError, match="precision 'int4'"):
        encoder.encode(["a"], precision="int4")
    with pytest.raises(ValueError, match="dimensions must be an integer from 1 to 384"):
        encoder.encode(["a"], dimensions=500)
    with pytest.raises(ValueError, match="batch_size"):
        encoder.encode(["a"], batch_size=0)


def test_empty_list_and_empty_string(encoder) -> None:
    assert encoder.encode([]).shape == (0, 384)
    vec = encoder.encode([""])
    assert vec.shape == (1, 384) and np.isfinite(vec).all()
    assert abs(np.linalg.norm(vec) - 1) < 1e-5


def test_single_string_gives_one_vector(encoder) -> None:
    single = encoder.encode("hello")
    assert single.shape == (384,)
    np.testing.assert_allclose(single, encoder.encode(["hello"])[0], atol=1e-6)


def test_results_do_not_depend_on_batch_size_or_order(encoder) -> None:
    base = encoder.encode(TEXTS, batch_size=32)
    for batch_size in (1, 3):
        np.testing.assert_allclose(encoder.encode(TEXTS, batch_size=batch_size), base, atol=1e-5)
    reordered = encoder.encode(TEXTS[::-1])[::-1]
    np.testing.assert_allclose(reordered, base, atol=1e-5)


def test_long_text_is_truncated_at_max_seq_length(encoder) -> None:
    long_text = " ".join(["word"] * 1000)
    ids = encoder.token_ids([long_text])[0]
    assert len(ids) == encoder.max_length == 256
    cut = " ".join(["word"] * 254)  # 254 words + [CLS] + [SEP] = 256 tokens
    np.testing.assert_allclose(encoder.encode([long_text]), encoder.encode([cut]), atol=1e-5)
    tenk = "x" * 10_000
    assert np.isfinite(encoder.encode([tenk])).all()


def test_normalization_and_dimensions(encoder) -> None:
    raw = encoder.encode(TEXTS, normalize=False)
    normed = encoder.encode(TEXTS)  # the model folder has a Normalize module
    np.testing.assert_allclose(normed, l2_normalize(raw), atol=1e-6)
    short = encoder.encode(TEXTS, dimensions=64)
    assert short.shape == (4, 64)
    np.testing.assert_allclose(np.linalg.norm(short, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(short, l2_normalize(raw[:, :64]), atol=1e-6)


@pytest.mark.parametrize(("precision", "dtype", "width"), [
    ("float16", np.float16, 384), ("int8", np.int8, 384), ("uint8", np.uint8, 384),
    ("binary", np.int8, 48), ("ubinary", np.uint8, 48)])
def test_precisions(encoder, precision, dtype, width) -> None:
    out = encoder.encode(TEXTS, precision=precision)
    assert out.dtype == dtype and out.shape == (4, width)


def test_cache_serves_repeats_and_is_keyed_by_model(minilm_dir, tmp_path) -> None:
    cache_file = tmp_path / "cache.sqlite"
    enc = load_encoder(minilm_dir, cache=cache_file)
    first = enc.encode(TEXTS)
    calls = []
    original = enc.encode_batch
    enc.encode_batch = lambda texts: calls.append(texts) or original(texts)  # type: ignore
    again = enc.encode(TEXTS)
    assert calls == []
    np.testing.assert_array_equal(first, again)
    enc.encode([*TEXTS, "a new text"])
    assert calls == [["a new text"]]
    int8 = load_encoder(minilm_dir, cache=cache_file, quantize="int8")
    assert int8.cache_settings() != enc.cache_settings()
    assert not np.array_equal(int8.encode(TEXTS), first)


def test_cache_off(minilm_dir) -> None:
    assert load_encoder(minilm_dir, cache=False).cache is None


def test_pooling_override(minilm_dir) -> None:
    enc = load_encoder(minilm_dir, cache=False, pooling="cls")
    assert enc.pooling.modes == ("cls",)
    assert not np.allclose(enc.encode(TEXTS[:1]), load_encoder(minilm_dir, cache=False)
                           .encode(TEXTS[:1]))


def test_top_level_api_and_errors(monkeypatch, tmp_path) -> None:
    assert embedlab.load_encoder is load_encoder
    with pytest.raises(ModelNotFoundError, match="known models"):
        load_encoder("no-such-model")
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path))
    with pytest.raises(ModelNotFoundError, match="embedlab pull all-MiniLM-L6-v2"):
        load_encoder("all-MiniLM-L6-v2")


def test_word_vector_model_without_its_vectors_is_a_clear_error(tmp_path, monkeypatch) -> None:
    # A word-vector model loads as a StaticEncoder; a folder missing its vectors says so.
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path))
    folder = tmp_path / "models" / "glove-6b-50d"
    folder.mkdir(parents=True)
    (folder / "embedlab.json").write_text('{"kind": "word-vectors"}')
    with pytest.raises(EmbedlabError, match="word vectors"):
        load_encoder("glove-6b-50d")


def test_missing_tokenizer_is_named(minilm_dir, tmp_path) -> None:
    import shutil

    from embedlab.errors import TokenizerFileError

    folder = tmp_path / "m"
    shutil.copytree(minilm_dir, folder)
    (folder / "tokenizer.json").unlink()
    (folder / "vocab.txt").unlink()
    with pytest.raises((TokenizerFileError, FileNotFoundError), match="vocab.txt|tokenizer"):
        load_encoder(folder, cache=False)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=300), max_size=6))
def test_any_text_gives_finite_unit_vectors(encoder, texts) -> None:
    out = encoder.encode(texts)
    assert out.shape == (len(texts), 384)
    assert np.isfinite(out).all()
    if texts:
        np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1, atol=1e-4)


def test_folder_without_modules_json_is_a_plain_transformer(minilm_dir, tmp_path) -> None:
    import shutil

    folder = tmp_path / "plain"
    shutil.copytree(minilm_dir, folder)
    (folder / "modules.json").unlink()
    plain = load_encoder(folder, cache=False)
    assert plain.normalize_default is False and plain.pooling.modes == ("mean",)
    reference = load_encoder(minilm_dir, cache=False)
    np.testing.assert_allclose(plain.encode(TEXTS), reference.encode(TEXTS, normalize=False),
                               atol=1e-6)


def test_unsupported_module_is_named(minilm_dir, tmp_path) -> None:
    import json
    import shutil

    from embedlab.errors import ModelFileError

    folder = tmp_path / "dense"
    shutil.copytree(minilm_dir, folder)
    modules = json.loads((folder / "modules.json").read_text())
    modules.append({"idx": 3, "name": "3", "path": "3_Dense",
                    "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(ModelFileError, match="'Dense' is not supported"):
        load_encoder(folder, cache=False)
