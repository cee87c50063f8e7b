"""Fuzzing embedlab's file readers: tokenizer files, model folders, word-vector files, task files.

Inputs are (a) structured mutations of a real, valid file — keys deleted, values replaced by
other JSON types or by huge, negative, NaN and infinite numbers, the text truncated at a
random offset, random bytes flipped or inserted — and (b) random bytes.  Properties, for
every case:

* loading succeeds or raises a documented error: an ``embedlab.errors.EmbedlabError``
  subclass (TokenizerFileError, ModelFileError, VectorFileError, EvalError...) whose message
  names the file when the reader was given a path; never KeyError, IndexError, TypeError,
  UnicodeDecodeError, struct.error, a raw json/zip/numpy error, RecursionError, MemoryError;
* when loading succeeds, using the result on a short input (encode "hello world", look a word
  up, evaluate the task with a tiny static encoder) raises nothing but EmbedlabError,
  TypeError or ValueError;
* each case stays within ``SECONDS`` and ``MEGABYTES`` (see ``budget`` in ``fuzz.py``).

The budgets: every input here is under 0.5 MB and every valid model is tiny, so a correct
reader answers in milliseconds and a few MB; parsing MiniLM's 466 kB tokenizer.json takes
about 20 ms and 30 MB.  10 s and 300 MB leave a wide margin for a shared 2-core machine while
still catching a hang (a loop driven by a count field) or an allocation sized by a header
field (a vector or tensor count of 2**40).

Outcome kinds are recorded with hypothesis ``event()``: run with
``--hypothesis-show-statistics`` to see that cases reach both the success and the error paths.
Regression tests for the defects this suite found are at the end of the file.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import shutil
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from embedlab.errors import EmbedlabError
from fuzz import DOCUMENTED, budget, fuzz, json_values

SECONDS, MEGABYTES = 10.0, 300
T = TypeVar("T")

# ----------------------------------------------------------------------------- helpers


def attempt(what: str, fn: Callable[[], T], *names: str) -> T | None:
    """``fn()``; None after a documented load error whose message holds one of ``names``
    (the file's name, or for a model folder also the folder: a mutant may make the reader
    look at another file of the folder, which the message then names).

    Any other exception fails the case, with the exception type in the message.
    """
    try:
        result = fn()
    except EmbedlabError as exc:
        if names:
            assert any(n in str(exc) for n in names), \
                f"{what}: the message names none of {names}: {exc}"
        event(f"{what}: {type(exc).__name__}")
        return None
    except Exception as exc:
        raise AssertionError(f"{what}: undocumented {type(exc).__name__}: {exc!r:.500}") from exc
    event(f"{what}: loaded")
    return result


def use(what: str, fn: Callable[[], Any]) -> None:
    """Using a loaded object: only EmbedlabError, TypeError or ValueError may come out."""
    try:
        fn()
    except (EmbedlabError, *DOCUMENTED) as exc:
        event(f"{what}: {type(exc).__name__}")
        return
    except Exception as exc:
        raise AssertionError(f"{what}: undocumented {type(exc).__name__}: {exc!r:.500}") from exc
    event(f"{what}: ok")


_DELETE = object()
#: Numbers that break readers: huge, negative, not finite, fractional, of the wrong type.
SPECIAL_NUMBERS = [0, -1, -(2**63), 2**31, 2**64, 10**30, 1e308, -1e308, math.nan, math.inf,
                   -math.inf, 0.5, True, None, "12", ""]


def _replacement(draw: Any, value: Any) -> Any:
    options: list[st.SearchStrategy[Any]] = [json_values, st.sampled_from(SPECIAL_NUMBERS),
                                             st.just(_DELETE)]
    if isinstance(value, str):
        options += [st.just(""), st.just(value * 40), st.just([value]), st.just({"x": value})]
    if isinstance(value, list):
        options += [st.just([]), st.just(value[: len(value) // 2]),
                    st.just({str(i): v for i, v in enumerate(value)})]
    if isinstance(value, dict):
        options += [st.just({}), st.just(list(value.values())), st.just(list(value))]
    return draw(st.one_of(options))


def _mutate(draw: Any, node: Any, depth: int) -> Any:
    """``node`` with one value deep inside replaced (or deleted); containers on the path are
    copied, the rest shared."""
    if isinstance(node, (dict, list)) and node and depth < 12 and draw(st.integers(0, 4)):
        if isinstance(node, dict):
            key = draw(st.sampled_from(list(node)))
            new = _mutate(draw, node[key], depth + 1)
            out_d = dict(node)
            if new is _DELETE:
                del out_d[key]
            else:
                out_d[key] = new
            return out_d
        i = draw(st.integers(0, len(node) - 1))
        new = _mutate(draw, node[i], depth + 1)
        out_l = list(node)
        if new is _DELETE:
            del out_l[i]
        else:
            out_l[i] = new
        return out_l
    return _replacement(draw, node)


@st.composite
def json_mutants(draw: Any, doc: Any) -> Any:
    """``doc`` after one to three structured mutations."""
    for _ in range(draw(st.integers(1, 3))):
        doc = _mutate(draw, doc, 0)
        if doc is _DELETE:
            doc = {}
    return doc


def dumps(doc: Any) -> bytes:
    """JSON bytes as a careless writer leaves them: NaN allowed, lone surrogates kept."""
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")


@st.composite
def byte_mutants(draw: Any, data: bytes) -> bytes:
    """``data`` truncated, with bytes flipped, inserted or a span duplicated."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "duplicate", "mixed"]))
    buf = bytearray(data)
    if kind in ("truncate", "mixed") and buf:
        del buf[draw(st.integers(0, len(buf) - 1)):]
    if kind in ("flip", "mixed") and buf:
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(buf) - 1))
            buf[i] = draw(st.sampled_from([buf[i] ^ (1 << draw(st.integers(0, 7))), 0, 0xFF,
                                           ord("\n"), ord(" "), ord("9"), 0x80]))
    if kind in ("insert", "mixed"):
        i = draw(st.integers(0, len(buf)))
        buf[i:i] = draw(st.binary(min_size=1, max_size=16))
    if kind == "duplicate" and buf:
        a = draw(st.integers(0, len(buf) - 1))
        b = draw(st.integers(a, min(len(buf), a + 200)))
        buf[a:a] = buf[a:b] * draw(st.integers(1, 20))
    return bytes(buf)


def fresh_dir(tmp_path_factory: pytest.TempPathFactory, template: Path | None = None) -> Path:
    d = tmp_path_factory.mktemp("case", numbered=True)
    if template is not None:
        shutil.copytree(template, d, dirs_exist_ok=True)
    return d


# ----------------------------------------------------------------------------- tokenizers


class Template(tuple):  # type: ignore[type-arg]
    """``(bytes, parsed JSON)`` of a file, shown by name in hypothesis' failure reports."""

    def __repr__(self) -> str:
        return "<MiniLM tokenizer.json>"


@pytest.fixture(scope="module")
def minilm_tokenizer_json(minilm_dir: Path) -> tuple[bytes, dict[str, Any]]:
    raw = (minilm_dir / "tokenizer.json").read_bytes()
    return Template((raw, json.loads(raw)))


def _use_tokenizer(tok: Any) -> None:
    use("tokenizer.encode", lambda: tok.encode("hello world", "a pair"))
    use("tokenizer.decode", lambda: tok.decode(tok.encode("hello world").ids))
    use("tokenizer.token_to_id", lambda: tok.token_to_id("hello"))


@fuzz(40)
@given(data=st.data())
def test_tokenizer_json_structured_mutations(minilm_tokenizer_json, data) -> None:
    from embedlab.tokenizers import Tokenizer

    _, doc = minilm_tokenizer_json
    text = dumps(data.draw(json_mutants(doc))).decode("utf-8", "surrogatepass")
    with budget(SECONDS, MEGABYTES, "tokenizer.json mutant"):
        tok = attempt("Tokenizer.from_str", lambda: Tokenizer.from_str(text))
        if tok is not None:
            _use_tokenizer(tok)


@fuzz(30)
@given(data=st.data())
def test_tokenizer_file_byte_mutations(minilm_tokenizer_json, tmp_path_factory, data) -> None:
    from embedlab.tokenizers import Tokenizer

    raw, _ = minilm_tokenizer_json
    path = fresh_dir(tmp_path_factory) / "tokenizer.json"
    path.write_bytes(data.draw(byte_mutants(raw)))
    with budget(SECONDS, MEGABYTES, "tokenizer.json bytes"):
        tok = attempt("Tokenizer.from_file", lambda: Tokenizer.from_file(path), path.name)
        if tok is not None:
            _use_tokenizer(tok)


@fuzz(20)
@given(blob=st.binary(max_size=2000))
def test_tokenizer_file_random_bytes(tmp_path_factory, blob) -> None:
    from embedlab.tokenizers import Tokenizer

    path = fresh_dir(tmp_path_factory) / "tokenizer.json"
    path.write_bytes(blob)
    with budget(SECONDS, MEGABYTES, blob):
        tok = attempt("Tokenizer.from_file", lambda: Tokenizer.from_file(path), path.name)
        if tok is not None:
            _use_tokenizer(tok)


# ----------------------------------------------------------------------------- model folders

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "a", "pair", "##s",
         ",", ".", "the", "cat", "dog", "##ing"]
HIDDEN, HEADS, FFN, POSITIONS = 8, 2, 16, 32
CONFIG = {"model_type": "bert", "hidden_act": "gelu", "hidden_size": HIDDEN,
          "num_hidden_layers": 1, "num_attention_heads": HEADS, "intermediate_size": FFN,
          "vocab_size": len(VOCAB), "max_position_embeddings": POSITIONS,
          "layer_norm_eps": 1e-12, "type_vocab_size": 2, "pad_token_id": 0}
TOKENIZER_CONFIG = {"do_lower_case": True, "unk_token": "[UNK]", "sep_token": "[SEP]",
                    "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]",
                    "tokenize_chinese_chars": True, "strip_accents": None,
                    "tokenizer_class": "BertTokenizer", "model_max_length": 512}
MODULES = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
           {"idx": 1, "name": "1", "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling"},
           {"idx": 2, "name": "2", "path": "2_Normalize",
            "type": "sentence_transformers.models.Normalize"}]
POOLING = {"word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False,
           "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
           "pooling_mode_mean_sqrt_len_tokens": False}
ST_CONFIG = {"max_seq_length": 16, "do_lower_case": False}
#: The small JSON files of the tiny model folder, by path inside it.
MODEL_JSON = {"config.json": CONFIG, "tokenizer_config.json": TOKENIZER_CONFIG,
              "modules.json": MODULES, "1_Pooling/config.json": POOLING,
              "sentence_bert_config.json": ST_CONFIG}


def tiny_bert_tensors() -> dict[str, np.ndarray]:
    """Random weights of a one-layer, 8-wide BERT over ``VOCAB`` (checkpoint names)."""
    rng = np.random.default_rng(0)

    def r(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    t = {"embeddings.word_embeddings.weight": r(len(VOCAB), HIDDEN),
         "embeddings.position_embeddings.weight": r(POSITIONS, HIDDEN),
         "embeddings.token_type_embeddings.weight": r(2, HIDDEN),
         "embeddings.LayerNorm.weight": np.ones(HIDDEN, np.float32),
         "embeddings.LayerNorm.bias": np.zeros(HIDDEN, np.float32)}
    p = "encoder.layer.0."
    for name in ("attention.self.query", "attention.self.key", "attention.self.value",
                 "attention.output.dense"):
        t[p + name + ".weight"], t[p + name + ".bias"] = r(HIDDEN, HIDDEN), r(HIDDEN)
    t[p + "intermediate.dense.weight"], t[p + "intermediate.dense.bias"] = r(FFN, HIDDEN), r(FFN)
    t[p + "output.dense.weight"], t[p + "output.dense.bias"] = r(HIDDEN, FFN), r(HIDDEN)
    for name in ("attention.output.LayerNorm", "output.LayerNorm"):
        t[p + name + ".weight"] = np.ones(HIDDEN, np.float32)
        t[p + name + ".bias"] = np.zeros(HIDDEN, np.float32)
    return t


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """One tiny valid sentence-transformers folder (vocab.txt tokenizer, 1-layer BERT)."""
    from safetensors.numpy import save_file

    folder = tmp_path_factory.mktemp("tiny-model")
    for rel, doc in MODEL_JSON.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(json.dumps(doc, indent=2), encoding="utf-8")
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    save_file(tiny_bert_tensors(), str(folder / "model.safetensors"))
    return folder


@pytest.fixture(autouse=True)
def _home(tmp_path_factory, monkeypatch) -> None:
    """Weight hashes and ONNX graphs of the mutants go to a throwaway home, not ~/.cache."""
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path_factory.getbasetemp() / "home"))


def load_and_use(folder: Path, name: str, backend: str = "numpy") -> Any:
    from embedlab.encoders import load_encoder

    enc = attempt("load_encoder", lambda: load_encoder(folder, backend=backend, cache=False),
                  name, str(folder))
    if enc is not None:
        use("encoder.encode", lambda: enc.encode(["hello world", "the cats"]))
    return enc


def test_tiny_model_is_valid(tiny_model) -> None:
    """The template the mutants start from loads and encodes (both backends agree)."""
    from embedlab.encoders import load_encoder

    vecs = {b: load_encoder(tiny_model, backend=b, cache=False).encode(["hello world"])
            for b in ("numpy", "onnx")}
    assert vecs["numpy"].shape == (1, HIDDEN)
    assert np.allclose(np.linalg.norm(vecs["numpy"], axis=1), 1.0, atol=1e-5)
    assert np.allclose(vecs["numpy"], vecs["onnx"], atol=1e-4)


@fuzz(60)
@given(rel=st.sampled_from(sorted(MODEL_JSON)), data=st.data())
def test_model_json_structured_mutations(tiny_model, tmp_path_factory, rel, data) -> None:
    folder = fresh_dir(tmp_path_factory, tiny_model)
    (folder / rel).write_bytes(dumps(data.draw(json_mutants(MODEL_JSON[rel]))))
    with budget(SECONDS, MEGABYTES, rel):
        load_and_use(folder, Path(rel).name)


@fuzz(30)
@given(rel=st.sampled_from([*sorted(MODEL_JSON), "vocab.txt"]), data=st.data())
def test_model_small_file_byte_mutations(tiny_model, tmp_path_factory, rel, data) -> None:
    folder = fresh_dir(tmp_path_factory, tiny_model)
    path = folder / rel
    path.write_bytes(data.draw(byte_mutants(path.read_bytes())))
    with budget(SECONDS, MEGABYTES, rel):
        load_and_use(folder, Path(rel).name)


@fuzz(20)
@given(vocab=st.lists(st.sampled_from([*VOCAB, "", " ", "\ufffd", "x" * 300, "##"]),
                      max_size=40))
def test_model_vocab_mutations(tiny_model, tmp_path_factory, vocab) -> None:
    """vocab.txt lines dropped, repeated, added: ids may then exceed config.json's vocab_size."""
    folder = fresh_dir(tmp_path_factory, tiny_model)
    (folder / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    with budget(SECONDS, MEGABYTES, vocab):
        load_and_use(folder, "vocab.txt")


def _safetensors_parts(path: Path) -> tuple[dict[str, Any], bytes]:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n]), raw[8 + n:]


@fuzz(40)
@given(data=st.data())
def test_safetensors_header_mutations(tiny_model, tmp_path_factory, data) -> None:
    """Dtypes, shapes and data offsets changed, huge or negative: never a raw error, never an
    allocation sized by the header."""
    header, body = _safetensors_parts(tiny_model / "model.safetensors")
    mutant = data.draw(json_mutants(header))
    text = dumps(mutant)
    if data.draw(st.booleans()):
        text += b" " * data.draw(st.integers(0, 7))  # the format pads the header with spaces
    length = data.draw(st.one_of(st.just(len(text)), st.integers(0, 2**64 - 1)))
    folder = fresh_dir(tmp_path_factory, tiny_model)
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", length) + text + body)
    with budget(SECONDS, MEGABYTES, mutant):
        load_and_use(folder, "model.safetensors")


@fuzz(20)
@given(data=st.data())
def test_safetensors_byte_mutations(tiny_model, tmp_path_factory, data) -> None:
    raw = (tiny_model / "model.safetensors").read_bytes()
    mutant = data.draw(st.one_of(byte_mutants(raw[:2048]).map(lambda b: b + raw[2048:]),
                                 byte_mutants(raw), st.binary(max_size=64)))
    folder = fresh_dir(tmp_path_factory, tiny_model)
    (folder / "model.safetensors").write_bytes(mutant)
    with budget(SECONDS, MEGABYTES, "safetensors bytes"):
        load_and_use(folder, "model.safetensors")


# ----------------------------------------------------------------------------- word vectors

WORDS = ["hello", "world", "cat", "dog", "the"]


def _vector_files() -> dict[str, bytes]:
    """A small valid file in every format embedlab reads, by file name."""
    import tempfile

    from embedlab.static.formats import write_vectors

    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((len(WORDS), 4)).astype(np.float32)
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as d:
        for name, fmt in (("v.txt", "word2vec-text"), ("v.bin", "word2vec-binary"),
                          ("g.txt", "glove-text"), ("v.npz", "embedlab")):
            p = Path(d) / name
            write_vectors(p, WORDS, vectors, counts=np.arange(5, 0, -1), fmt=fmt)
            out[name] = p.read_bytes()
    out["v.txt.gz"] = gzip.compress(out["v.txt"], mtime=0)
    return out


VECTOR_FILES = _vector_files()


def load_vectors_and_use(path: Path) -> None:
    from embedlab.encoders import StaticEncoder
    from embedlab.static import WordVectors

    wv = attempt("WordVectors.load", lambda: WordVectors.load(path), path.name)
    if wv is None:
        return
    assert len(wv.words) == wv.vectors.shape[0]
    use("WordVectors lookup", lambda: (wv["hello"], wv.most_similar("hello", topn=2)))
    use("StaticEncoder.encode",
        lambda: StaticEncoder(wv, pooling="mean", name="v").encode(["hello world"]))


def test_vector_templates_are_valid(tmp_path) -> None:
    from embedlab.static import WordVectors

    for name, raw in VECTOR_FILES.items():
        (tmp_path / name).write_bytes(raw)
        assert WordVectors.load(tmp_path / name).words == WORDS, name


@fuzz(60)
@given(name=st.sampled_from(sorted(VECTOR_FILES)), data=st.data())
def test_vector_file_byte_mutations(tmp_path_factory, name, data) -> None:
    path = fresh_dir(tmp_path_factory) / name
    path.write_bytes(data.draw(byte_mutants(VECTOR_FILES[name])))
    with budget(SECONDS, MEGABYTES, name):
        load_vectors_and_use(path)


@fuzz(25)
@given(header=st.one_of(
    st.tuples(st.integers(0, 2**70), st.integers(0, 2**70)).map(lambda t: f"{t[0]} {t[1]}"),
    st.sampled_from(["0 0", "5 0", "0 4", "1 1", "5 99999999999", "99999999999 4", "-5 4",
                     "5 4 3", "5", "٥ ٤"])),
    binary=st.booleans(), keep=st.integers(0, 200))
def test_vector_file_header_counts(tmp_path_factory, header, binary, keep) -> None:
    """Huge, zero and odd ``N D`` headers over real or cut bodies: no allocation sized by
    the header, no hang looping over a count of 2**70."""
    raw = VECTOR_FILES["v.bin" if binary else "v.txt"]
    body = raw.split(b"\n", 1)[1][:keep]
    path = fresh_dir(tmp_path_factory) / "v.bin"
    path.write_bytes(header.encode() + b"\n" + body)
    with budget(SECONDS, MEGABYTES, header):
        load_vectors_and_use(path)


def _npz(arrays: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


_npz_arrays = st.fixed_dictionaries(
    {},
    optional={
        "format_version": st.sampled_from([np.array(1), np.array([1, 2]), np.array("x"),
                                           np.array(2**40), np.array(1.5), np.array([])]),
        "words": st.sampled_from([np.frombuffer("\n".join(WORDS).encode(), np.uint8),
                                  np.array(WORDS), np.array([[1, 2], [3, 4]], np.uint8),
                                  np.frombuffer(b"\xff\xfe\n\x00", np.uint8)]),
        "vectors": st.sampled_from([np.ones((5, 4), np.float32), np.ones((4, 4)),
                                    np.ones(5), np.array(["a"] * 5), np.ones((5, 0)),
                                    np.full((5, 2), np.nan)]),
        "counts": st.sampled_from([np.arange(5), np.arange(3), np.array(["x"] * 5),
                                   np.ones((5, 2)), np.full(5, -1)]),
    })


@fuzz(25)
@given(arrays=_npz_arrays)
def test_embedlab_npz_contents(tmp_path_factory, arrays) -> None:
    """An embedlab .npz holding arrays of the wrong shape, type or version."""
    path = fresh_dir(tmp_path_factory) / "v.npz"
    path.write_bytes(_npz(arrays))
    with budget(SECONDS, MEGABYTES, sorted(arrays)):
        load_vectors_and_use(path)


@fuzz(20)
@given(blob=st.binary(max_size=2000),
       prefix=st.sampled_from([b"", b"PK\x03\x04", b"\x1f\x8b", b"3 2\n", b"a 1 2\n"]))
def test_vector_file_random_bytes(tmp_path_factory, blob, prefix) -> None:
    path = fresh_dir(tmp_path_factory) / "v.vec"
    path.write_bytes(prefix + blob)
    with budget(SECONDS, MEGABYTES, prefix + blob):
        load_vectors_and_use(path)


# ----------------------------------------------------------------------------- task files

TASK_FILES: dict[str, tuple[str, bytes]] = {
    "sts": ("pairs.tsv", b"sentence1\tsentence2\tscore\n"
                         b"hello world\tthe world\t4.5\n"
                         b"a cat\ta dog\t2\n"
                         b"the dog\thello\t0.5\n"),
    "classification": ("cls.jsonl", b"\n".join(json.dumps(o).encode() for o in [
        {"text": "hello world", "label": "g", "split": "train"},
        {"text": "the cat", "label": "a", "split": "train"},
        {"text": "hello", "label": "g", "split": "test"},
        {"text": "dog", "label": "a", "split": "test"}])),
    "clustering": ("clu.jsonl", b"\n".join(json.dumps(o).encode() for o in [
        {"text": "hello world", "label": 1}, {"text": "the world", "label": 1},
        {"text": "cat", "label": 2}, {"text": "dog", "label": 2}])),
    "reranking": ("rr.jsonl", b"\n".join(json.dumps(o).encode() for o in [
        {"query": "hello", "positive": ["hello world"], "negative": ["cat", "dog"]},
        {"query": "cat", "positive": ["the cat"], "negative": ["world"]}])),
}


@pytest.fixture(scope="module")
def tiny_static_encoder() -> Any:
    from embedlab.encoders import StaticEncoder
    from embedlab.static import WordVectors

    rng = np.random.default_rng(2)
    wv = WordVectors(WORDS, rng.standard_normal((len(WORDS), 4)).astype(np.float32))
    return StaticEncoder(wv, pooling="mean", name="tiny")


def load_task_and_use(kind: str, path: Path, encoder: Any) -> None:
    from embedlab.eval.runner import load_task_spec

    task = attempt(f"load_task_spec {kind}", lambda: load_task_spec(f"{kind}:{path}"),
                   path.name)
    if task is not None:
        use(f"{kind}.evaluate", lambda: task.evaluate(encoder))


def _task_mutant(draw: Any, kind: str) -> bytes:
    _, raw = TASK_FILES[kind]
    if kind == "sts" or draw(st.booleans()):
        return draw(byte_mutants(raw))
    lines = raw.split(b"\n")
    i = draw(st.integers(0, len(lines) - 1))
    lines[i] = dumps(draw(json_mutants(json.loads(lines[i]))))
    return b"\n".join(lines)


def test_task_templates_are_valid(tmp_path, tiny_static_encoder) -> None:
    from embedlab.eval.runner import load_task_spec

    for kind, (name, raw) in TASK_FILES.items():
        (tmp_path / name).write_bytes(raw)
        result = load_task_spec(f"{kind}:{tmp_path / name}").evaluate(tiny_static_encoder)
        assert math.isfinite(result.main_score), kind


@fuzz(60)
@given(kind=st.sampled_from(sorted(TASK_FILES)), data=st.data())
def test_task_file_mutations(tmp_path_factory, tiny_static_encoder, kind, data) -> None:
    path = fresh_dir(tmp_path_factory) / TASK_FILES[kind][0]
    path.write_bytes(_task_mutant(data.draw, kind))
    with budget(SECONDS, MEGABYTES, kind):
        load_task_and_use(kind, path, tiny_static_encoder)


@fuzz(20)
@given(kind=st.sampled_from(sorted(TASK_FILES)), blob=st.binary(max_size=1000))
def test_task_file_random_bytes(tmp_path_factory, tiny_static_encoder, kind, blob) -> None:
    path = fresh_dir(tmp_path_factory) / TASK_FILES[kind][0]
    path.write_bytes(blob)
    with budget(SECONDS, MEGABYTES, blob):
        load_task_and_use(kind, path, tiny_static_encoder)


# ----------------------------------------------------------------------------- regressions
# Each test below failed before the fix named in its docstring.


def _folder_with(tiny_model: Path, tmp_path: Path, rel: str, content: bytes) -> Path:
    folder = tmp_path / "m"
    shutil.copytree(tiny_model, folder)
    (folder / rel).write_bytes(content)
    return folder


@pytest.mark.parametrize("field, value", [
    ("hidden_size", math.inf),  # OverflowError before the fix
    ("hidden_size", math.nan),  # ValueError without the file name
    ("num_hidden_layers", [1]),  # TypeError
    ("num_attention_heads", 0),  # ZeroDivisionError
    ("vocab_size", -3),  # accepted, then a shape error deep in numpy
])
def test_regression_config_field_values(tiny_model, tmp_path, field, value) -> None:
    from embedlab.encoders import load_encoder
    from embedlab.errors import ModelFileError

    folder = _folder_with(tiny_model, tmp_path, "config.json", dumps({**CONFIG, field: value}))
    with pytest.raises(ModelFileError, match=rf"config\.json: {field}"):
        load_encoder(folder, backend="numpy", cache=False)


@pytest.mark.parametrize("layers", [2, 2**64])
def test_regression_layer_count_beyond_the_weights(tiny_model, tmp_path, layers) -> None:
    """num_hidden_layers larger than the weights hold: 2**64 (drawn by the CI fuzz run) built
    a name table per layer on the first encode until the machine ran out of memory; now the count is checked
    against the file first, in bounded memory and time."""
    from embedlab.encoders import load_encoder
    from embedlab.errors import ModelFileError

    folder = _folder_with(tiny_model, tmp_path, "config.json",
                          dumps({**CONFIG, "num_hidden_layers": layers}))
    with budget(5, 100, layers), pytest.raises(
            ModelFileError, match=rf"num_hidden_layers \({layers}\) implies"):
        load_encoder(folder, backend="numpy", cache=False).encode(["hello world"])


def test_regression_short_position_table(tiny_model, tmp_path) -> None:
    """max_position_embeddings above the weights' table: IndexError while encoding a long
    text before the fix (only three tensors' shapes were checked)."""
    from embedlab.encoders import load_encoder
    from embedlab.errors import ModelFileError

    folder = _folder_with(tiny_model, tmp_path, "config.json",
                          dumps({**CONFIG, "max_position_embeddings": 512}))
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 100}')
    enc = load_encoder(folder, backend="numpy", cache=False)
    with pytest.raises(ModelFileError, match="position_embeddings"):
        enc.encode(["hello " * 60])


def test_regression_max_seq_length_negative(tiny_model, tmp_path) -> None:
    """ValueError from Tokenizer.enable_truncation, not naming the file, before the fix."""
    from embedlab.encoders import load_encoder
    from embedlab.errors import ModelFileError

    folder = _folder_with(tiny_model, tmp_path, "sentence_bert_config.json",
                          b'{"max_seq_length": -1}')
    with pytest.raises(ModelFileError, match=r"sentence_bert_config\.json: max_seq_length"):
        load_encoder(folder, backend="numpy", cache=False)


def test_regression_vocab_larger_than_embeddings(tiny_model, tmp_path) -> None:
    """A vocab.txt with more lines than config.json's vocab_size: IndexError in the numpy
    forward pass (an ONNX Runtime error with the onnx backend) before the fix."""
    from embedlab.encoders import load_encoder
    from embedlab.errors import ModelFileError

    vocab = [f"[unused{i}]" for i in range(20)] + VOCAB
    folder = _folder_with(tiny_model, tmp_path, "vocab.txt", "\n".join(vocab).encode())
    with pytest.raises(ModelFileError, match="vocab_size"):
        load_encoder(folder, backend="numpy", cache=False)


def test_regression_unknown_pooling_mode(tiny_model, tmp_path) -> None:
    """A plain ValueError not naming the file before the fix."""
    from embedlab.encoders import load_encoder
    from embedlab.errors import ModelFileError

    folder = _folder_with(tiny_model, tmp_path, "1_Pooling/config.json",
                          b'{"pooling_mode": "median"}')
    with pytest.raises(ModelFileError, match=r"1_Pooling/config\.json.*median"):
        load_encoder(folder, backend="numpy", cache=False)


def test_regression_tokenizer_config_not_utf8(tiny_model, tmp_path) -> None:
    """UnicodeDecodeError escaped Tokenizer.from_pretrained_folder before the fix."""
    from embedlab.encoders import load_encoder
    from embedlab.errors import TokenizerFileError

    folder = _folder_with(tiny_model, tmp_path, "tokenizer_config.json", b'\xff{"a": 1}')
    with pytest.raises(TokenizerFileError, match=r"tokenizer_config\.json"):
        load_encoder(folder, backend="numpy", cache=False)


@pytest.mark.parametrize("change, match", [
    ({"truncation": {"max_length": 8, "strategy": [1]}}, "truncation.strategy"),  # TypeError
    ({"padding": {"strategy": {"Fixed": 2**64}}}, "padding.strategy"),  # OverflowError
    ({"padding": {"strategy": {"Fixed": 10**12}}}, "padding.strategy"),  # a 10**12 list
])
def test_regression_tokenizer_json_fields(minilm_tokenizer_json, change, match) -> None:
    from embedlab.errors import TokenizerFileError
    from embedlab.tokenizers import Tokenizer

    with pytest.raises(TokenizerFileError, match=match):
        Tokenizer.from_str(json.dumps({**minilm_tokenizer_json[1], **change}))


@pytest.mark.parametrize("kind, line", [("sts", 2), ("classification", 1)])
def test_regression_task_file_not_utf8(tmp_path, kind, line) -> None:
    """A bare UnicodeDecodeError from the task readers before the fix."""
    from embedlab.eval.base import EvalError
    from embedlab.eval.runner import load_task_spec

    name, raw = TASK_FILES[kind]
    path = tmp_path / name
    path.write_bytes(raw.replace(b"hello", b"h\xffllo", 1))
    with pytest.raises(EvalError, match=rf"{name}, line {line}: not valid UTF-8"):
        load_task_spec(f"{kind}:{path}")


def test_regression_task_jsonl_deep_nesting(tmp_path) -> None:
    """RecursionError from json.loads before the fix."""
    from embedlab.eval.base import EvalError
    from embedlab.eval.runner import load_task_spec

    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 100_000 + "\n")
    with pytest.raises(EvalError, match="deep.jsonl, line 1"):
        load_task_spec(f"clustering:{path}")


@pytest.mark.parametrize("content, match", [
    (b"PK\x03\x04garbage", "unreadable"),  # zipfile.BadZipFile
    (_npz({"format_version": np.array([1, 2]), "words": np.frombuffer(b"a", np.uint8),
           "vectors": np.ones((1, 2))}), "format_version"),  # TypeError
    (_npz({"format_version": np.array(1), "words": np.frombuffer(b"a\nb", np.uint8),
           "vectors": np.ones((2, 2)), "counts": np.arange(3)}), "counts"),  # ValueError
])
def test_regression_embedlab_npz(tmp_path, content, match) -> None:
    from embedlab.static import WordVectors
    from embedlab.static.formats import VectorFileError

    path = tmp_path / "v.npz"
    path.write_bytes(content)
    with pytest.raises(VectorFileError, match=rf"v\.npz.*{match}"):
        WordVectors.load(path)


def _central_directory_patched(offset: int, value: bytes) -> bytes:
    """A valid embedlab .npz with bytes of its first central-directory entry replaced."""
    raw = bytearray(_npz({"format_version": np.array(1), "words": np.frombuffer(b"a", np.uint8),
                          "vectors": np.ones((1, 2))}))
    at = raw.index(b"PK\x01\x02") + offset
    raw[at:at + len(value)] = value
    return bytes(raw)


@pytest.mark.parametrize("content", [
    _central_directory_patched(6, b"\xff"),  # "version needed to extract" 25.5
    _central_directory_patched(10, b"\x63\x00"),  # compression method 99 (AES)
], ids=["zip-version", "compression-method"])
def test_regression_embedlab_npz_unsupported_zip_features(tmp_path, content) -> None:
    """Found by the CI long fuzz run: a flipped byte in the zip directory made zipfile raise
    NotImplementedError('zip file version 25.5'), which escaped WordVectors.load."""
    from embedlab.static import WordVectors
    from embedlab.static.formats import VectorFileError

    path = tmp_path / "v.npz"
    path.write_bytes(content)
    with pytest.raises(VectorFileError, match=r"v\.npz: unreadable embedlab vector file"):
        WordVectors.load(path)


@pytest.mark.parametrize("name, content", [("vectors.npy", b"\x93NUMPY\x01\x00garbage"),
                                           ("counts.npy", b"not numpy")])
def test_regression_damaged_npy_in_a_vector_folder(tmp_path, name, content) -> None:
    """A word-vector folder (as `embedlab pull glove-6b-50d` writes) with a damaged .npy:
    numpy's ValueError escaped before; now a VectorFileError that says to pull again."""
    from embedlab.static import WordVectors
    from embedlab.static.formats import VectorFileError

    folder = tmp_path / "wv"
    folder.mkdir()
    (folder / "vocab.txt").write_text("a\nb\n", encoding="utf-8")
    np.save(folder / "vectors.npy", np.ones((2, 3), np.float32))
    (folder / name).write_bytes(content)
    with pytest.raises(VectorFileError, match=r"unreadable .*pull the model again"):
        WordVectors.load(folder)


def test_regression_embedlab_npz_repeated_words(tmp_path) -> None:
    """ValueError ("appears twice") before the fix; now the first vector wins, as in the
    text formats, and the report counts the repeat."""
    from embedlab.static import WordVectors

    path = tmp_path / "v.npz"
    path.write_bytes(_npz({"format_version": np.array(1),
                           "words": np.frombuffer(b"a\nb\na", np.uint8),
                           "vectors": np.arange(6, dtype=np.float32).reshape(3, 2)}))
    wv = WordVectors.load(path)
    assert wv.words == ["a", "b"] and wv["a"].tolist() == [0.0, 1.0]
    assert wv.load_report is not None and wv.load_report.duplicates == 1


def test_regression_gzip_damaged_stream(tmp_path) -> None:
    """zlib.error from a gzip member with a damaged deflate block before the fix."""
    from embedlab.static import WordVectors
    from embedlab.static.formats import VectorFileError

    raw = bytearray(gzip.compress(VECTOR_FILES["v.txt"] * 50, mtime=0))
    raw[12] ^= 0xFF  # inside the first deflate block header
    path = tmp_path / "v.txt.gz"
    path.write_bytes(bytes(raw))
    with pytest.raises(VectorFileError, match=r"v\.txt\.gz"):
        WordVectors.load(path)


@pytest.mark.parametrize("binary", [False, True])
def test_regression_header_of_zero_words(tmp_path, binary) -> None:
    """A header of "0 26224634" loaded as an empty vocabulary whose every encoding was
    26 million zeros (105 MB a text, the size taken from the file) before the fix."""
    from embedlab.static import WordVectors
    from embedlab.static.formats import VectorFileError

    path = tmp_path / ("v.bin" if binary else "v.txt")
    path.write_bytes(b"0 26224634\n")
    with pytest.raises(VectorFileError, match=r"v\.(bin|txt): no vectors found"):
        WordVectors.load(path)
