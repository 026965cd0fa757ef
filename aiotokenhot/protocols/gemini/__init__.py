"""Native Gemini: ``th.gemini.generate_content / stream_generate_content / count_tokens / list_models``."""

from . import _types
from ._api import Gemini
from ._params import (
    BatchEmbedContentsParams,
    CountTokensParams,
    EmbedContentParams,
    GenerateContentParams,
    ListModelsParams,
    camel_keys,
)
from ._parse import ParsedGenerateContentResponse
from ._stream import GenerateContentStream, merge_parts
from ._types import *  # noqa: F403 - its __all__ is part of this package's

__all__ = [
    "Gemini",
    "GenerateContentStream",
    "ParsedGenerateContentResponse",
    "camel_keys",
    "merge_parts",
]
__all__ += _types.__all__
__all__ += ["BatchEmbedContentsParams", "CountTokensParams", "EmbedContentParams",
            "GenerateContentParams", "ListModelsParams"]
