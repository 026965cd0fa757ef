"""The keywords of ``th.embeddings.create``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from typing_extensions import Required

from ...transport._options import RequestOptionsParams

__all__ = ["EmbeddingCreateParams"]


class EmbeddingCreateParams(RequestOptionsParams, total=False):
    """Fields of ``POST /v1/embeddings`` plus the per-call options."""

    model: Required[str]
    #: a string, a list of strings, a list of token ids or a list of token-id lists
    input: Required[str | Sequence[str] | Sequence[int] | Sequence[Sequence[int]]]
    #: shortens the vectors (models that support it)
    dimensions: int | None
    encoding_format: Literal["float", "base64"] | None
    user: str | None
