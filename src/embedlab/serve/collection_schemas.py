"""The request and response bodies of the collection routes (pydantic), and their limits."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr, field_validator

from embedlab.serve.schemas import _Strict
from embedlab.store.writes import MAX_METADATA_BYTES, metadata_json

NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_K = 1000
Metric = Literal["cosine", "dot", "euclidean", "manhattan"]
Mode = Literal["auto", "exact", "hnsw", "binary"]
CONFLICT = "conflict_error"


# --------------------------------------------------------------------------- bodies

class CreateCollectionRequest(_Strict):
    """``POST /v1/collections``."""

    name: StrictStr = Field(description="1-64 of A-Z a-z 0-9 _ . - (not starting with '.')")
    model: StrictStr | None = Field(default=None,
                                    description="Model embedding the texts (default: the "
                                                "served model)")
    metric: Metric = "cosine"


class DocumentIn(_Strict):
    id: StrictStr | None = Field(default=None, min_length=1,
                                 description="Default: a random hex id")
    text: StrictStr
    metadata: dict[str, Any] | None = Field(
        default=None, description=f"At most {MAX_METADATA_BYTES:,} bytes as UTF-8 JSON")
    source: StrictStr | None = None

    @field_validator("metadata")
    @classmethod
    def _metadata_fits(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        metadata_json(value, 0, label="metadata")  # the store's own check: a ValueError
        return value


class AddDocumentsRequest(_Strict):
    """``POST /v1/collections/{name}/documents``."""

    documents: list[DocumentIn]
    upsert: StrictBool = Field(default=False,
                               description="Replace documents whose id exists (else 409)")


class DeleteDocumentsRequest(_Strict):
    """``POST /v1/collections/{name}/delete``: ids and/or a filter (both: intersection)."""

    ids: list[StrictStr] | None = None
    where: dict[str, Any] | None = Field(default=None,
                                         description="Metadata filter; {} matches all")


class SearchRequest(_Strict):
    """``POST /v1/collections/{name}/search``."""

    query: StrictStr
    k: StrictInt = Field(default=10, ge=1, le=MAX_K)
    where: dict[str, Any] | None = None
    hybrid: StrictBool = Field(default=False,
                               description="Fuse with BM25 keyword ranking (RRF score)")
    metric: Metric | None = None
    mode: Mode = "auto"


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class ErrorBody(BaseModel):
    """Every error: ``{"error": {"message", "type", "param", "code"}}``."""

    error: ErrorDetail


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    what = {404: "Unknown collection", 409: "Conflict: exists, duplicate id, or model "
            "mismatch", 413: "Over --max-batch or --max-text-chars",
            422: "Invalid name, body or where filter"}
    return {s: {"model": ErrorBody, "description": what[s]} for s in statuses}


class CollectionOut(BaseModel):
    name: str
    count: int
    model: str | None
    dimension: int
    metric: str


class SkippedOut(BaseModel):
    name: str
    error: str


class CollectionList(BaseModel):
    collections: list[CollectionOut]
    #: collections under the root that could not be read (corrupt, newer format), skipped
    skipped: list[SkippedOut] = []


class AddedOut(BaseModel):
    ids: list[str]


class DeletedOut(BaseModel):
    deleted: int


class DroppedOut(BaseModel):
    name: str
    dropped: bool


class HitOut(BaseModel):
    id: str
    score: float
    text: str | None
    metadata: dict[str, Any]
    source: str | None
    start: int | None
    end: int | None


class SearchOut(BaseModel):
    hits: list[HitOut]
