"""Tests for the SQLite embedding cache: round trips, eviction, corruption, processes, threads."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from embedlab.encoders.cache import FORMAT_VERSION, CacheStats, EmbeddingCache
from embedlab.errors import CacheError

FP, SET = "minilm@abc123", "mean,normalize,max_len=256"


def _vec(text: str, dim: int = 8) -> np.ndarray:
    seed = int.from_bytes(
        hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:8], "little"
    )
    return np.random.default_rng(seed).normal(size=dim).astype(np.float32)


def _vecs(texts: list[str], dim: int = 8) -> np.ndarray:
    return np.stack([_vec(t, dim) for t in texts]) if texts else np.zeros((0, dim), np.float32)


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "cache.sqlite"
    texts = [f"text {i}" for i in range(1200)] + ["", "ünïcødé \ud800"]
    with EmbeddingCache(path) as cache:
        assert cache.get_many(FP, SET, texts) == [None] * len(texts)
        cache.put_many(FP, SET, texts, _vecs(texts))
        got = cache.get_many(FP, SET, [*texts, "missing", texts[0]])
        assert got[-2] is None
        for text, vec in zip([*texts, texts[0]], got[:-2] + got[-1:], strict=True):
            assert vec is not None and vec.dtype == np.float32
            np.testing.assert_array_equal(vec, _vec(text))
        assert cache.get_many(FP, "other settings", texts[:3]) == [None] * 3
        assert cache.get_many("other model", SET, texts[:3]) == [None] * 3
        assert cache.stats() == CacheStats(rows=len(texts), bytes=len(texts) * 8 * 4)
        # overwrite with another dim
        cache.put_many(FP, SET, texts[:2], _vecs(texts[:2], dim=3))
        assert cache.get_many(FP, SET, texts[:1])[0].shape == (3,)  # type: ignore[union-attr]
        assert cache.stats().bytes == (len(texts) - 2) * 32 + 2 * 12
    with EmbeddingCache(path) as cache:  # persisted
        np.testing.assert_array_equal(cache.get_many(FP, SET, texts[5:6])[0], _vec(texts[5]))  # type: ignore[arg-type]


def test_clear(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path / "c.db") as cache:
        cache.put_many(FP, SET, ["a", "b"], _vecs(["a", "b"]))
        cache.put_many("other", SET, ["a"], _vecs(["a"]))
        cache.clear(FP)
        assert cache.get_many(FP, SET, ["a", "b"]) == [None, None]
        assert cache.get_many("other", SET, ["a"])[0] is not None
        assert cache.stats() == CacheStats(1, 32)
        cache.clear()
        assert cache.stats() == CacheStats(0, 0)


def test_input_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        EmbeddingCache(tmp_path / "x.db", max_bytes=0)
    cache = EmbeddingCache(tmp_path / "c.db")
    with pytest.raises(ValueError, match=r"\(2, d>0\)"):
        cache.put_many(FP, SET, ["a", "b"], np.zeros((3, 4), np.float32))
    with pytest.raises(TypeError, match="float"):
        cache.put_many(FP, SET, ["a"], np.zeros((1, 4), np.int64))
    with pytest.raises(ValueError, match="NaN"):
        cache.put_many(FP, SET, ["a"], np.full((1, 4), np.nan, np.float32))
    with pytest.raises(TypeError, match="str"):
        cache.get_many(FP, SET, [b"bytes"])  # type: ignore[list-item]
    cache.close()
    cache.close()
    with pytest.raises(CacheError, match="closed"):
        cache.get_many(FP, SET, ["a"])


def test_lru_eviction(tmp_path: Path) -> None:
    clock = FakeClock()
    row = 25 * 4  # bytes per 25-dim vector
    cache = EmbeddingCache(tmp_path / "c.db", max_bytes=10 * row, touch_interval_s=0, clock=clock)
    texts = [f"t{i}" for i in range(10)]
    for t in texts:  # t0 oldest ... t9 newest
        clock.t += 1
        cache.put_many(FP, SET, [t], _vecs([t], 25))
    assert cache.stats() == CacheStats(10, 10 * row)  # exactly at the limit: nothing evicted
    clock.t += 1
    cache.get_many(FP, SET, ["t0", "t1"])  # refresh t0, t1
    clock.t += 1
    cache.put_many(FP, SET, ["new"], _vecs(["new"], 25))  # 11 rows > limit -> down to <= 9
    stats = cache.stats()
    assert stats.bytes <= 0.9 * 10 * row and stats.rows == 9
    present = [v is not None for v in cache.get_many(FP, SET, [*texts, "new"])]
    assert present == [True, True, False, False, True, True, True, True, True, True, True]
    cache.close()


def test_coarse_touch_only_writes_when_stale(tmp_path: Path) -> None:
    clock = FakeClock()
    cache = EmbeddingCache(tmp_path / "c.db", touch_interval_s=60, clock=clock)
    cache.put_many(FP, SET, ["a"], _vecs(["a"]))
    read_access = "SELECT last_access FROM embeddings"
    clock.t += 30
    cache.get_many(FP, SET, ["a"])
    assert sqlite3.connect(cache.path).execute(read_access).fetchone()[0] == 1000.0
    clock.t += 60
    cache.get_many(FP, SET, ["a"])
    assert sqlite3.connect(cache.path).execute(read_access).fetchone()[0] == 1090.0
    cache.close()


def test_malformed_blob_is_a_miss_and_deleted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.db"
    with EmbeddingCache(path) as cache:
        cache.put_many(FP, SET, ["a", "b"], _vecs(["a", "b"]))
    con = sqlite3.connect(path)
    con.execute("UPDATE embeddings SET vector = substr(vector, 1, 12) WHERE id = 1")
    con.commit()
    con.close()
    with EmbeddingCache(path) as cache, caplog.at_level(logging.WARNING):
        a, b = cache.get_many(FP, SET, ["a", "b"])
        assert a is None and b is not None
        assert "malformed" in caplog.text
        assert cache.stats().rows == 1


def _corrupt_files(tmp_path: Path, name: str) -> list[Path]:
    return sorted(p for p in tmp_path.iterdir() if p.name.startswith(f"{name}.corrupt-"))


def _check_recovered(path: Path, caplog: pytest.LogCaptureFixture, expect: str = "") -> None:
    original = path.read_bytes()
    with caplog.at_level(logging.WARNING, logger="embedlab.encoders.cache"):
        cache = EmbeddingCache(path)
    moved = [
        p for p in _corrupt_files(path.parent, path.name) if not p.name.endswith(("-wal", "-shm"))
    ]
    assert len(moved) == 1 and moved[0].read_bytes() == original  # user data kept, not deleted
    assert str(path) in caplog.text and str(moved[0]) in caplog.text and expect in caplog.text
    assert cache.get_many(FP, SET, ["a"]) == [None]
    cache.put_many(FP, SET, ["a"], _vecs(["a"]))
    np.testing.assert_array_equal(cache.get_many(FP, SET, ["a"])[0], _vec("a"))  # type: ignore[arg-type]
    cache.close()


def test_garbage_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "c.db"
    path.write_bytes(np.random.default_rng(0).bytes(10_000))
    _check_recovered(path, caplog, "not a valid SQLite database")


def test_truncated_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "c.db"
    texts = [f"t{i}" for i in range(2000)]
    with EmbeddingCache(path) as cache:
        cache.put_many(FP, SET, texts, _vecs(texts, 64))
    con = sqlite3.connect(path)  # fold the WAL back into the main file
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)
    _check_recovered(path, caplog)


def test_newer_format_version(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "c.db"
    EmbeddingCache(path).close()
    con = sqlite3.connect(path)
    con.execute(
        "UPDATE meta SET value = ? WHERE key = 'format_version'", (str(FORMAT_VERSION + 1),)
    )
    con.commit()
    con.close()
    _check_recovered(path, caplog, "newer")


def test_foreign_sqlite_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "c.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (x TEXT)")
    con.commit()
    con.close()
    _check_recovered(path, caplog, "not an embedlab cache")


def test_unopenable_path_raises_cache_error(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(CacheError, match=r"dir\.db"):
        EmbeddingCache(tmp_path / "dir.db")


def test_threads_share_one_cache(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.db")
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for j in range(20):
                texts = [f"th{k}-{j}-{i}" for i in range(10)]
                cache.put_many(FP, SET, texts, _vecs(texts))
                for t, v in zip(texts, cache.get_many(FP, SET, texts), strict=True):
                    np.testing.assert_array_equal(v, _vec(t))  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert cache.stats().rows == 4 * 20 * 10
    cache.close()


def _process_worker(path: str, k: int) -> int:
    """Writes its own and shared texts in small batches, reading everyone's as it goes."""
    checked = 0
    with EmbeddingCache(path) as cache:
        for j in range(40):
            own = [f"p{k}-{j}-{i}" for i in range(25)]
            shared = [f"shared-{j}-{i}" for i in range(5)]
            cache.put_many(FP, SET, own + shared, _vecs(own + shared))
            others = [f"p{(k + 1) % 4}-{j}-{i}" for i in range(25)] + own
            for t, v in zip(others, cache.get_many(FP, SET, others), strict=True):
                if v is not None:
                    if not np.array_equal(v, _vec(t)):
                        raise AssertionError(f"wrong vector for {t!r}")
                    checked += 1
    return checked


def test_four_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "cache.sqlite"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.starmap(_process_worker, [(str(path), k) for k in range(4)])
    assert all(r >= 40 * 25 for r in results)  # each saw at least all its own rows
    texts = [f"p{k}-{j}-{i}" for k in range(4) for j in range(40) for i in range(25)]
    texts += [f"shared-{j}-{i}" for j in range(40) for i in range(5)]
    with EmbeddingCache(path) as cache:
        got = cache.get_many(FP, SET, texts)
        for t, v in zip(texts, got, strict=True):
            assert v is not None, t
            np.testing.assert_array_equal(v, _vec(t))
        assert cache.stats() == CacheStats(len(texts), len(texts) * 32)
