"""Request bodies of the OpenAI and Ollama endpoints (pydantic; unknown fields are refused)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenAIEmbeddingRequest(_Strict):
    """``POST /v1/embeddings``, as OpenAI defines it."""

    input: StrictStr | list[StrictStr] | list[StrictInt] | list[list[StrictInt]] = Field(
        description="A text, a list of texts (token-id arrays are refused with 422)")
    model: StrictStr
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: StrictInt | None = Field(default=None, ge=1)
    user: StrictStr | None = None


class OllamaEmbedRequest(_Strict):
    """``POST /api/embed``, as Ollama defines it."""

    model: StrictStr
    input: StrictStr | list[StrictStr]
    truncate: StrictBool = True
    dimensions: StrictInt | None = Field(default=None, ge=1)
    keep_alive: StrictStr | float | None = None
    options: dict[str, Any] | None = None


class OllamaEmbeddingsRequest(_Strict):
    """``POST /api/embeddings``, Ollama's older single-prompt endpoint."""

    model: StrictStr
    prompt: StrictStr
    keep_alive: StrictStr | float | None = None
    options: dict[str, Any] | None = None
