"""Native Gemini: ``th.gemini.generate_content / stream_generate_content / count_tokens / list_models``."""

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
from ._types import (
    Blob,
    Candidate,
    Content,
    CountTokensResponse,
    FileData,
    FunctionCall,
    FunctionResponse,
    GeminiModelInfo,
    GeminiModelList,
    GenerateContentResponse,
    GoogleModel,
    ModalityTokenCount,
    Part,
    PromptFeedback,
    SafetyRating,
    UsageMetadata,
)

__all__ = [
    "Blob",
    "Candidate",
    "Content",
    "CountTokensResponse",
    "FileData",
    "FunctionCall",
    "FunctionResponse",
    "Gemini",
    "GeminiModelInfo",
    "GeminiModelList",
    "GenerateContentResponse",
    "GenerateContentStream",
    "GoogleModel",
    "ModalityTokenCount",
    "ParsedGenerateContentResponse",
    "Part",
    "PromptFeedback",
    "SafetyRating",
    "UsageMetadata",
    "camel_keys",
    "merge_parts",
]
__all__ += ["BatchEmbedContentsParams", "CountTokensParams", "EmbedContentParams",
            "GenerateContentParams", "ListModelsParams"]
