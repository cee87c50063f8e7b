"""The one encoder-binding check (store/binding.py), and that every caller uses it."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.encoders.base import Encoder
from embedlab.store import Collection
from embedlab.store.binding import Binding, EncoderIdentity, check_binding
from embedlab.store.errors import ModelMismatchError

FP = "ab" * 32


def stored(**changes):
    base = {"name": "docs", "model_name": "m", "fingerprint": FP, "precision": "float32",
            "dimension": 3, "count": 4}
    return Binding(**{**base, **changes})


def enc(**changes):
    base = {"name": "m", "fingerprint": FP, "precision": "float32", "dimension": 3}
    return EncoderIdentity(**{**base, **changes})


def test_the_recorded_model_binds_and_an_empty_collection_adopts() -> None:
    assert check_binding(stored(), enc()) is False
    assert check_binding(stored(model_name="", fingerprint="", dimension=0, count=0),
                         enc()) is True


@pytest.mark.parametrize("collection, encoder, words", [
    (stored(), enc(fingerprint="cd" * 32, name="other"),
     ["docs was built with model 'm'", "fingerprint abababababababab", "'other'",
      "fingerprint cdcdcdcdcdcdcdcd"]),
    (stored(precision="int8"), enc(),
     ["at int8 precision", "runs at float32 precision", "quantize='int8' (--quantize int8)"]),
    (stored(precision="float32"), enc(precision="int8"),
     ["at float32 precision", "runs at int8", "no --quantize"]),
    (stored(model_name="", fingerprint="", count=2), enc(),
     ["holds vectors given directly (no model)", "with vectors"]),
    (stored(model_name="", fingerprint="", count=0, dimension=5), enc(),
     ["gives 3-d vectors; the collection holds 5-d"]),
])
def test_mismatches_name_both_sides(collection, encoder, words) -> None:
    with pytest.raises(ModelMismatchError) as info:
        check_binding(collection, encoder)
    for word in words:
        assert word in str(info.value)


class Threes(Encoder):
    name, dimension, fingerprint = "threes", 3, "12" * 32

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), 3), 3.0, np.float32)


class Other(Threes):
    name, fingerprint = "other", "34" * 32


def test_collection_open_refuses_through_the_same_check(tmp_path) -> None:
    with Collection.create(tmp_path / "c", encoder=Threes()) as col:
        col.add(["a"], ids=["a"])
        expected = None
        try:
            check_binding(col.binding(), EncoderIdentity.of(Other()))
        except ModelMismatchError as exc:
            expected = str(exc)
    assert expected is not None
    with pytest.raises(ModelMismatchError) as info:
        Collection.open(tmp_path / "c", encoder=Other())
    assert str(info.value) == expected
