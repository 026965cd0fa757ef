"""Embedding results: OpenAI ``/v1/embeddings`` and Gemini ``embedContent`` / ``batchEmbedContents``."""

from __future__ import annotations

import array
import base64
import binascii
import sys
from typing import Any

from pydantic import Field, field_validator

from ..._exceptions import ResponseValidationError
from ..._models import APIModel

__all__ = [
    "BatchEmbedContentsResponse",
    "ContentEmbedding",
    "CreateEmbeddingResponse",
    "EmbedContentResponse",
    "Embedding",
    "EmbeddingUsage",
    "decode_base64_floats",
]


def decode_base64_floats(data: str) -> list[float]:
    """Little-endian float32 values packed in base64 (OpenAI's ``encoding_format="base64"``)."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ResponseValidationError("an embedding's base64 data is malformed") from None
    if len(raw) % 4:
        raise ResponseValidationError(
            f"an embedding's base64 data is {len(raw)} bytes, not a whole number of float32 values"
        )
    values = array.array("f")
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


class Embedding(APIModel):
    """One input's vector, at ``index`` in the request's input list."""

    object: str = "embedding"
    index: int = 0
    embedding: list[float] = Field(default_factory=list)

    @field_validator("embedding", mode="before")
    @classmethod
    def _decode(cls, value: Any) -> Any:
        return decode_base64_floats(value) if isinstance(value, str) else value


class EmbeddingUsage(APIModel):
    prompt_tokens: int = 0
    total_tokens: int = 0


class CreateEmbeddingResponse(APIModel):
    """``POST /v1/embeddings``: float vectors whatever encoding travelled on the wire."""

    object: str = "list"
    data: list[Embedding] = Field(default_factory=list)
    model: str = ""
    usage: EmbeddingUsage | None = None

    @property
    def vectors(self) -> list[list[float]]:
        """The vectors in input order."""
        return [item.embedding for item in sorted(self.data, key=lambda e: e.index)]

    @property
    def dimensions(self) -> int | None:
        return len(self.data[0].embedding) if self.data else None


class ContentEmbedding(APIModel):
    """A Gemini embedding: ``values``."""

    values: list[float] = Field(default_factory=list)


class EmbedContentResponse(APIModel):
    """Gemini ``embedContent``."""

    embedding: ContentEmbedding = Field(default_factory=ContentEmbedding)

    @property
    def values(self) -> list[float]:
        return self.embedding.values


class BatchEmbedContentsResponse(APIModel):
    """Gemini ``batchEmbedContents``: one embedding per request, in order."""

    embeddings: list[ContentEmbedding] = Field(default_factory=list)

    @property
    def vectors(self) -> list[list[float]]:
        return [e.values for e in self.embeddings]
