"""Embeddings: ``th.embeddings.create`` (OpenAI shape) and the Gemini embedding types."""

from . import _types
from ._params import EmbeddingCreateParams
from ._resource import Embeddings
from ._types import *  # noqa: F403 - its __all__ is part of this package's

__all__ = [
    "EmbeddingCreateParams",
    "Embeddings",
]
__all__ += _types.__all__
