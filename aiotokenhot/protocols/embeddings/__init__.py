"""Embeddings: ``th.embeddings.create`` (OpenAI shape) and the Gemini embedding types."""

from ._params import EmbeddingCreateParams
from ._resource import Embeddings
from ._types import (
    BatchEmbedContentsResponse,
    ContentEmbedding,
    CreateEmbeddingResponse,
    EmbedContentResponse,
    Embedding,
    EmbeddingUsage,
    decode_base64_floats,
)

__all__ = [
    "BatchEmbedContentsResponse",
    "ContentEmbedding",
    "CreateEmbeddingResponse",
    "EmbedContentResponse",
    "Embedding",
    "EmbeddingCreateParams",
    "EmbeddingUsage",
    "Embeddings",
    "decode_base64_floats",
]
