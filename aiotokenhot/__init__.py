"""aiotokenhot: async-first SDK for the TokenHot model gateway.

Names are imported lazily (PEP 562) so that ``import aiotokenhot`` stays cheap: aiohttp and
pydantic load only when a client or a type is first touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _exceptions
from ._exports import load_export
from ._version import __version__

if TYPE_CHECKING:
    from ._client import AsyncTokenHot
    from ._config import Timeout
    from ._exceptions import (
        AllModelsFailedError,
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ConflictError,
        ContentPolicyError,
        EndpointNotSupportedError,
        EventTooLargeError,
        IncompleteStreamError,
        InternalServerError,
        InvalidRequestError,
        MaxTurnsExceededError,
        NoChannelError,
        NotFoundError,
        PermissionDeniedError,
        PoolTimeoutError,
        RateLimitError,
        ResponseTooLargeError,
        ResponseValidationError,
        StreamError,
        TokenHotError,
        ToolCallError,
        UnprocessableEntityError,
    )
    from ._media import to_data_url
    from ._pricing import ModelPrice, PriceTable
    from .protocols._raw import RawResponse
    from .protocols.videos import VideoTaskError
    from .streams import SSEDecoder, SSEEvent, Stream
    from .telemetry import Telemetry
    from .tools import Tool, ToolResult, ToolRunResult, ToolStream
    from .transport import RequestOptions, RequestOptionsParams
    from .transport._retry import RetryPolicy
    from .unified import (
        Attempt,
        Completion,
        FallbackStream,
        Finish,
        ReasoningDelta,
        TextDelta,
        ToolCall,
        ToolCallDelta,
        UnifiedStream,
        Usage,
    )

_EXPORTS: dict[str, str] = {
    "AsyncTokenHot": "._client",
    "Timeout": "._config",
    "RequestOptions": ".transport",
    "RetryPolicy": ".transport._retry",
    "SSEDecoder": ".streams",
    "SSEEvent": ".streams",
    "Stream": ".streams",
    "Completion": ".unified",
    "UnifiedStream": ".unified",
    "TextDelta": ".unified",
    "ReasoningDelta": ".unified",
    "ToolCallDelta": ".unified",
    "Usage": ".unified",
    "Finish": ".unified",
    "VideoTaskError": ".protocols.videos",
    "RawResponse": ".protocols._raw",
    "RequestOptionsParams": ".transport",
    "Attempt": ".unified",
    "FallbackStream": ".unified",
    "ToolCall": ".unified",
    "Tool": ".tools",
    "ToolResult": ".tools",
    "ToolRunResult": ".tools",
    "ToolStream": ".tools",
    "to_data_url": "._media",
    "ModelPrice": "._pricing",
    "PriceTable": "._pricing",
    "Telemetry": ".telemetry",
}
for _name in _exceptions.__all__:  # a light module: no aiohttp, no pydantic
    _EXPORTS[_name] = "._exceptions"

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AllModelsFailedError",
    "AsyncTokenHot",
    "Attempt",
    "AuthenticationError",
    "BadRequestError",
    "Completion",
    "ConfigurationError",
    "ConflictError",
    "ContentPolicyError",
    "EndpointNotSupportedError",
    "EventTooLargeError",
    "FallbackStream",
    "Finish",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidRequestError",
    "MaxTurnsExceededError",
    "ModelPrice",
    "NoChannelError",
    "NotFoundError",
    "PermissionDeniedError",
    "PoolTimeoutError",
    "PriceTable",
    "RateLimitError",
    "RawResponse",
    "ReasoningDelta",
    "RequestOptions",
    "RequestOptionsParams",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "RetryPolicy",
    "SSEDecoder",
    "SSEEvent",
    "Stream",
    "StreamError",
    "Telemetry",
    "TextDelta",
    "Timeout",
    "TokenHotError",
    "Tool",
    "ToolCall",
    "ToolCallDelta",
    "ToolCallError",
    "ToolResult",
    "ToolRunResult",
    "ToolStream",
    "UnifiedStream",
    "UnprocessableEntityError",
    "Usage",
    "VideoTaskError",
    "__version__",
    "to_data_url",
]


def __getattr__(name: str) -> Any:
    return load_export(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return __all__
