"""Collections over real all-MiniLM-L6-v2 sentence embeddings: HNSW and binary recall, hybrid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import embedlab
from embedlab.store import Collection, CollectionError, search

N_CORPUS, N_QUERIES, K = 3000, 100, 10


@pytest.fixture(scope="module")
def encoder(minilm_dir: Path):
    return embedlab.load_encoder(str(minilm_dir), cache=False)


@pytest.fixture(scope="module")
def sentences(data_dir: Path) -> list[str]:
    """Distinct sentences of STS-B train (columns 6 and 7 of the tab-separated file)."""
    out: list[str] = []
    path = data_dir / "sts" / "stsbenchmark" / "sts-train.csv"
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        out += [fields[5], fields[6]]
    return list(dict.fromkeys(out))[: N_CORPUS + N_QUERIES]


@pytest.fixture(scope="module")
def embedded(encoder, sentences, tmp_path_factory):
    """A collection of N_CORPUS sentences and N_QUERIES held-out query vectors."""
    vectors = encoder.encode(sentences, batch_size=64)
    col = Collection.create(tmp_path_factory.mktemp("sts") / "c", encoder=encoder)
    col.add(texts=sentences[:N_CORPUS], vectors=vectors[:N_CORPUS],
            ids=[str(i) for i in range(N_CORPUS)],
            metadatas=[{"part": i % 3} for i in range(N_CORPUS)])
    return col, vectors[N_CORPUS:]


def recall(col: Collection, queries: np.ndarray, mode: str, where=None) -> float:
    found = 0
    for q in queries:
        exact = {h.id for h in col.search(q, k=K, mode="exact", where=where)}
        approx = [h for h in col.search(q, k=K, mode=mode, where=where)]
        found += len(exact & {h.id for h in approx})
    return found / (K * len(queries))


def test_hnsw_recall_against_exact(embedded, monkeypatch):
    col, queries = embedded
    assert recall(col, queries, "hnsw") >= 0.97  # measured 1.0 (M=32, efSearch=128)
    assert (col.path / "index.faiss").is_file() and (col.path / "index.json").is_file()
    # filtered HNSW through FAISS's id selector rather than the small-filter exact path
    monkeypatch.setattr(search, "EXACT_FILTER_ROWS", 0)
    assert recall(col, queries[:30], "hnsw", where={"part": {"$ne": 0}}) >= 0.95


def test_hnsw_scores_are_exact_for_the_ids_found(embedded):
    col, queries = embedded
    exact = col.search(queries[0], k=K, mode="exact")
    approx = col.search(queries[0], k=K, mode="hnsw")
    by_id = {h.id: h.score for h in exact}
    for h in approx:
        if h.id in by_id:
            assert h.score == pytest.approx(by_id[h.id], abs=1e-12)


def test_binary_recall_after_rescoring(embedded):
    col, queries = embedded
    assert recall(col, queries, "binary") >= 0.95  # measured 0.995 with oversample 10


def test_text_query_and_auto_mode(embedded):
    col, _ = embedded
    hits = col.search("A man is playing a flute.", k=3)
    assert len(hits) == 3 and "flute" in (hits[0].text or "")
    assert hits[0].score >= hits[1].score >= hits[2].score


def test_fingerprint_mismatch_names_the_model(embedded, minilm_dir):
    col, _ = embedded
    other = embedlab.load_encoder(str(minilm_dir), cache=False, pooling="cls")
    with pytest.raises(CollectionError, match="built with model 'all-MiniLM-L6-v2'"):
        Collection.open(col.path, encoder=other)


CODES = ["E1174", "E1141", "E1417", "E7114", "E1471", "E4117", "E1714", "E1145", "E1146", "E1148"]
TOPICS = ["the network is down", "the printer ran out of paper", "the battery is low",
          "the disk is full", "a fan has failed", "the password expired",
          "the update could not be installed", "the screen is too hot",
          "the license is invalid", "the server is not reachable"]


def test_hybrid_finds_exact_keyword_match_that_dense_misses(encoder, tmp_path):
    docs = [f"Error code {c} means {t}." for c, t in zip(CODES, TOPICS, strict=True)]
    docs += [f"The meaning of {c} is that {t}." for c, t in zip(CODES[::-1], TOPICS, strict=True)]
    col = Collection.create(tmp_path / "codes", encoder=encoder)
    col.add([*docs, "Refill the water tank whenever E1147 blinks."],
            ids=[f"d{i}" for i in range(len(docs))] + ["target"],
            metadatas=[{"kind": "faq"}] * len(docs) + [{"kind": "manual"}])
    for query in ("E1147", "explain E1147"):
        dense = [h.id for h in col.search(query, k=5)]
        assert "target" not in dense  # near-identical codes outrank it for the dense model
        hybrid = col.search(query, k=5, hybrid=True)
        assert hybrid[0].id == "target"
        assert hybrid[0].score > hybrid[1].score
    assert col.search("E1147", k=5, hybrid=True, where={"kind": "faq"})[0].id != "target"
    assert col.search("E1147", k=5, hybrid=True, mode="binary")[0].id == "target"


def test_precision_is_part_of_the_model_check(encoder, minilm_dir, tmp_path, monkeypatch):
    import sqlite3

    from embedlab.store import ModelMismatchError

    (tmp_path / "home" / "models").mkdir(parents=True)  # caches and graphs stay in tmp_path
    (tmp_path / "home" / "models" / "all-MiniLM-L6-v2").symlink_to(minilm_dir)
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "home"))
    int8 = embedlab.load_encoder(str(minilm_dir), cache=False, quantize="int8")
    assert int8.fingerprint == encoder.fingerprint  # same weights: only the precision differs
    texts = ["A man is playing a flute.", "The stock market fell sharply."]
    with Collection.create(tmp_path / "f32", encoder=encoder) as col:
        col.add(texts, ids=["a", "b"])
        assert col.precision == "float32"
    with pytest.raises(ModelMismatchError, match=r"built with model 'all-MiniLM-L6-v2' at "
                       r"float32 precision; encoder .* runs at int8 precision.*no --quantize"):
        Collection.open(tmp_path / "f32", encoder=int8)
    with Collection.create(tmp_path / "q8", encoder=int8) as col:
        col.add(texts, ids=["a", "b"])
    with pytest.raises(ModelMismatchError, match=r"at int8 precision; encoder .* runs at "
                       r"float32 precision.*quantize='int8' \(--quantize int8\)"):
        Collection.open(tmp_path / "q8", encoder=encoder)
    # by name, and lazily for text queries, the model is loaded at the collection's precision
    with Collection.open(tmp_path / "q8", encoder=str(minilm_dir)) as col:
        assert col.encoder.runner.quantize == "int8"
    with Collection.open(tmp_path / "q8") as col:
        hit = col.search("someone plays the flute", k=1)[0]
        expected = int8.encode(["someone plays the flute"])[0].astype(np.float64)
        stored = col.get_vectors(["a"])[0].astype(np.float64)
        np.testing.assert_allclose(stored, int8.encode(texts[:1])[0], rtol=0, atol=0)
        cosine = expected @ stored / np.linalg.norm(expected) / np.linalg.norm(stored)
        assert hit.id == "a" and hit.score == pytest.approx(cosine, abs=1e-6)
    # a collection written before the precision was recorded is a float32 one
    con = sqlite3.connect(tmp_path / "f32" / "collection.sqlite")
    con.execute("DELETE FROM meta WHERE key = 'precision'")
    con.commit()
    con.close()
    with Collection.open(tmp_path / "f32", encoder=encoder) as col:
        assert col.precision == "float32" and col.count() == 2
    with pytest.raises(ModelMismatchError, match="at float32 precision"):
        Collection.open(tmp_path / "f32", encoder=int8)
    # an empty collection made without a model records the precision of its first encoder
    Collection.create(tmp_path / "empty").close()
    Collection.open(tmp_path / "empty", encoder=int8).close()
    with pytest.raises(ModelMismatchError, match="at int8 precision"):
        Collection.open(tmp_path / "empty", encoder=encoder)
