"""Fuzzing the Python entry points that take user input: tokenizers, ``encode``, collection
filters and writes, and collection files with random byte corruption.

Oracles where there is one: HF ``tokenizers`` on the same tokenizer.json (ids, offsets and
masks must be equal on any text, with and without truncation); ``encode`` of one text alone
(a batch must not change a text's vector). Elsewhere the properties are: only documented
errors (``EmbedlabError``, or ``TypeError``/``ValueError`` for wrong arguments), within a
time and memory budget per case, and nothing stored changed by a rejected write.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from embedlab.errors import EmbedlabError
from embedlab.store import Collection, CollectionError, CorruptCollectionError
from embedlab.tokenizers import Tokenizer
from fuzz import (
    DOCUMENTED,
    any_text,
    budget,
    collection_digest,
    fuzz,
    json_values,
    tricky_text,
    where_filters,
)
from oracles import require

hf = require("tokenizers")
FIELDS = ("ids", "type_ids", "attention_mask", "special_tokens_mask", "offsets")


# --------------------------------------------------------------------------- tokenizers

def _fields(enc: Any) -> dict[str, list[Any]]:
    return {f: [tuple(x) if isinstance(x, list | tuple) else x for x in getattr(enc, f)]
            for f in FIELDS}


@pytest.fixture(scope="module", params=["minilm", "mpnet"])
def tokenizer_pair(request: pytest.FixtureRequest) -> tuple[Tokenizer, Any]:
    folder = request.getfixturevalue(f"{request.param}_dir")
    return (Tokenizer.from_file(folder / "tokenizer.json"),
            hf.Tokenizer.from_file(str(folder / "tokenizer.json")))


@fuzz(150)
@given(text=tricky_text, pair=st.none() | tricky_text, max_length=st.none() | st.integers(4, 64))
def test_tokenizer_equals_hf_on_any_text(tokenizer_pair, text, pair, max_length) -> None:
    ours, theirs = tokenizer_pair
    for tok in (ours, theirs):
        tok.no_padding()
        if max_length is None:
            tok.no_truncation()
        else:
            tok.enable_truncation(max_length)
    with budget(5, 200, text):
        got = ours.encode(text, pair)
    assert _fields(got) == _fields(theirs.encode(text, pair))
    assert ours.decode(got.ids) == theirs.decode(got.ids)


@fuzz(100)
@given(text=any_text)
def test_tokenizer_takes_lone_surrogates(tokenizer_pair, text) -> None:
    """Python strings may hold lone surrogates (HF cannot take them): tokenized without
    error, ids in the vocabulary, offsets inside the text."""
    ours, _ = tokenizer_pair
    ours.no_padding()
    ours.no_truncation()
    enc = ours.encode(text)
    assert all(0 <= i < ours.get_vocab_size() for i in enc.ids)
    assert all(0 <= a <= b <= len(text) for a, b in enc.offsets)


# --------------------------------------------------------------------------- encode

@pytest.fixture(scope="module")
def encoder(minilm_dir) -> Any:
    from embedlab.encoders import load_encoder

    return load_encoder("all-MiniLM-L6-v2", cache=False)


@fuzz(40)
@given(texts=st.lists(st.one_of(tricky_text, any_text, st.just("x" * 20_000)), max_size=6))
def test_encode_any_unicode(encoder, texts) -> None:
    with budget(10, 400, texts):
        out = encoder.encode(texts)
    assert out.shape == (len(texts), 384) and np.isfinite(out).all()
    for i in range(min(len(texts), 2)):  # padding in a batch does not change a text's vector
        np.testing.assert_allclose(out[i], encoder.encode([texts[i]])[0], atol=2e-5)


@fuzz(60)
@given(texts=json_values, kwargs=st.dictionaries(
    st.sampled_from(["batch_size", "normalize", "precision", "dimensions", "prompt",
                     "show_progress"]), json_values, max_size=2))
def test_encode_wrong_arguments_give_documented_errors(encoder, texts, kwargs) -> None:
    try:
        with budget(10, 400, (texts, kwargs)):
            out = encoder.encode(texts, **kwargs)
    except (EmbedlabError, *DOCUMENTED) as exc:
        event(type(exc).__name__)
        assert str(exc)
        return
    event("encoded")
    assert np.isfinite(np.asarray(out, dtype=np.float64)).all()


# --------------------------------------------------------------------------- collections

_snapshot = collection_digest


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Any:
    col = Collection.create(tmp_path_factory.mktemp("fz") / "c", metric="cosine")
    rng = np.random.default_rng(0)
    col.add(vectors=rng.standard_normal((30, 8)).astype(np.float32),
            ids=[f"d{i}" for i in range(30)],
            metadatas=[{"n": i, "topic": ["a", "b", "c"][i % 3], "f": i / 7, "ok": i % 2 == 0}
                       for i in range(30)])
    yield col
    col.close()


@fuzz(200)
@given(where=where_filters, mode=st.sampled_from(["exact", "binary"]))
def test_any_filter_is_sql_or_a_collection_error(collection, where, mode) -> None:
    try:
        with budget(5, 200, where):
            n = collection.count(where=where)
            hits = collection.search(np.ones(8, np.float32), k=50, where=where, mode=mode)
            collection.delete(ids=["absent"], where=where)
    except CollectionError as exc:
        event("refused")
        assert str(exc)
        return
    except sqlite3.Error as exc:  # the point of this property
        raise AssertionError(f"{type(exc).__name__}: {exc} for where={where!r}") from exc
    event("ran")
    assert len(hits) == n  # every matching document is found with k above the count


ids_strategy = st.one_of(st.none(), st.lists(st.one_of(st.text(max_size=10), json_values),
                                             max_size=4), json_values)
vectors_strategy = st.one_of(
    st.none(), json_values,
    st.integers(0, 4).flatmap(lambda n: st.sampled_from([
        np.zeros((n, 8), np.float32), np.full((n, 8), np.nan, np.float32),
        np.ones((n, 7), np.float32), np.ones((n,), np.float32),
        np.ones((n, 8), np.float64) * 1e300, np.random.default_rng(n).standard_normal(
            (n, 8)).astype(np.float32)])))


@fuzz(200)
@given(method=st.sampled_from(["add", "upsert", "replace_source", "delete"]),
       ids=ids_strategy, vectors=vectors_strategy, texts=st.none() | json_values,
       metadatas=st.none() | st.lists(json_values, max_size=4) | json_values,
       sources=st.none() | json_values, offsets=st.none() | json_values,
       where=st.none() | where_filters)
def test_rejected_writes_change_nothing(collection, method, ids, vectors, texts, metadatas,
                                        sources, offsets, where) -> None:
    before = _snapshot(collection)
    kwargs: dict[str, Any]
    if method == "delete":
        kwargs = {"ids": ids, "where": where}
    else:
        kwargs = {"ids": ids, "vectors": vectors, "texts": texts, "metadatas": metadatas,
                  "offsets": offsets}
        if method == "replace_source":
            kwargs["source"] = sources
        else:
            kwargs["sources"] = sources
    try:
        with budget(5, 300, (method, kwargs)):
            getattr(collection, method)(**kwargs)
    except (EmbedlabError, *DOCUMENTED) as exc:
        event(f"{method} refused")
        assert str(exc)
        assert _snapshot(collection) == before, (method, exc)
        return
    event(f"{method} done")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pristine") / "c"
    with Collection.create(path, metric="cosine", hnsw_threshold=10) as col:
        rng = np.random.default_rng(1)
        col.add(vectors=rng.standard_normal((40, 8)).astype(np.float32),
                ids=[f"d{i}" for i in range(40)], texts=[f"text {i}" for i in range(40)],
                metadatas=[{"n": i} for i in range(40)])
        col.build_index()
    return path


@fuzz(200)
@given(target=st.sampled_from(["collection.sqlite", "hnsw"]), data=st.data())
def test_byte_corruption_gives_collection_errors(pristine, tmp_path_factory, target,
                                                 data) -> None:
    """Random bytes written over a collection's database or index file: every read either
    works or raises a CollectionError (corruption named), never a raw exception."""
    folder = tmp_path_factory.mktemp("corrupt") / "c"
    shutil.copytree(pristine, folder)
    files = [p for p in folder.iterdir() if p.is_file() and (
        p.name == target if target == "collection.sqlite" else p.suffix in (".faiss", ".index")
        or "hnsw" in p.name)]
    assert files, sorted(p.name for p in folder.iterdir())
    path = data.draw(st.sampled_from(sorted(files)))
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(raw) - 1))
        chunk = data.draw(st.binary(min_size=1, max_size=512))
        raw[start:start + len(chunk)] = chunk
    if data.draw(st.booleans()):
        raw = raw[:data.draw(st.integers(0, len(raw)))]
    path.write_bytes(bytes(raw))
    try:
        with budget(10, 300, path.name), Collection.open(folder) as col:
            col.count()
            col.get(where={"n": {"$lt": 5}})
            col.search(np.ones(8, np.float32), k=5, mode=data.draw(
                st.sampled_from(["exact", "hnsw", "binary"])))
            col.get_vectors(["d1", "d2"])
    except CollectionError as exc:
        event(type(exc).__name__)
        assert str(exc)
        return
    event("read")


@pytest.mark.parametrize("damaged", ['{"n": 3', '\x00', '{"n": 3}}'])
def test_regression_damaged_metadata_is_corruption(pristine, tmp_path, damaged) -> None:
    """Found by the long fuzz run: one byte overwritten inside a stored metadata value made a
    filtered ``get`` raise ``sqlite3.OperationalError: malformed JSON`` (from json_extract),
    and an unfiltered one would have raised ``json.JSONDecodeError``."""
    folder = tmp_path / "c"
    shutil.copytree(pristine, folder)
    with sqlite3.connect(folder / "collection.sqlite") as conn:
        conn.execute("UPDATE documents SET metadata = ? WHERE id = 'd3'", (damaged,))
    conn.close()
    with Collection.open(folder) as col:
        assert col.count() == 40
        with pytest.raises(CorruptCollectionError, match="is unreadable"):
            col.get(where={"n": {"$lt": 5}})
        with pytest.raises(CorruptCollectionError, match="is unreadable"):
            col.get(ids=["d3"])
        with pytest.raises(CorruptCollectionError, match="is unreadable"):
            col.search(np.ones(8, np.float32), k=40, mode="exact")  # every row is a hit
        assert [d.id for d in col.get(ids=["d4"])] == ["d4"]  # undamaged rows still read


@pytest.mark.parametrize("update", [
    "UPDATE contents SET text = CAST(? AS TEXT) WHERE id = "
    "(SELECT content FROM documents WHERE id = 'd3')",
    "UPDATE documents SET source = CAST(? AS TEXT) WHERE id = 'd3'",
], ids=["text", "source"])
def test_regression_undecodable_text_is_corruption(pristine, tmp_path, update) -> None:
    """Found by the CI long fuzz run: a byte overwritten inside a stored text made it invalid
    UTF-8, and reading the row raised ``sqlite3.OperationalError: Could not decode to UTF-8
    column 'text'`` instead of CorruptCollectionError."""
    folder = tmp_path / "c"
    shutil.copytree(pristine, folder)
    with sqlite3.connect(folder / "collection.sqlite") as conn:
        assert conn.execute(update, (b"\xfftext 3",)).rowcount == 1
    conn.close()
    with Collection.open(folder) as col:
        with pytest.raises(CorruptCollectionError, match="is unreadable"):
            col.get(limit=100)
        with pytest.raises(CorruptCollectionError, match="is unreadable"):
            col.search(np.ones(8, np.float32), k=40, mode="exact")
        assert [d.id for d in col.get(ids=["d4"])] == ["d4"]


@pytest.mark.parametrize("ids", [[[]], [1], {"a": 1}, {"d1"}, frozenset({"d1"}), 5, b"d1"])
def test_ids_of_wrong_types_are_collection_errors(collection, ids) -> None:
    """Found by the fuzzer: ``delete(ids=[[]])`` raised sqlite3.ProgrammingError (and a dict
    of ids was taken as its keys)."""
    for call in (lambda: collection.delete(ids=ids), lambda: collection.get(ids=ids),
                 lambda: collection.get_vectors(ids),
                 lambda: collection.add(vectors=np.ones((1, 8), np.float32), ids=ids)):
        with pytest.raises(CollectionError, match="ids"):
            call()


def test_sets_are_refused_like_dicts(collection, minilm_dir) -> None:
    """A set has no order, so its texts could not be matched to ids or vectors: every entry
    point that takes a list refuses one (before the fix only ``encode`` did; ``add``,
    ``encode_batch`` and the lookups took the set's arbitrary iteration order)."""
    n = collection.count()
    with pytest.raises(CollectionError, match="texts must be a list, got set"):
        collection.add(texts={"a", "b"}, vectors=np.ones((2, 8), np.float32), ids=["x", "y"])
    assert collection.count() == n
    tok = Tokenizer.from_pretrained_folder(minilm_dir)
    with pytest.raises(TypeError, match="got set"):
        tok.encode_batch({"a", "b"})
