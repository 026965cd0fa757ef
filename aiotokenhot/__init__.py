"""aiotokenhot: async-first SDK for the TokenHot model gateway.

Names are imported lazily (PEP 562) so that ``import aiotokenhot`` stays cheap: aiohttp and
pydantic load only when a client or a type is first touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._client import AsyncTokenHot
    from ._config import Timeout
    from ._exceptions import (
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
        NoChannelError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ResponseValidationError,
        StreamError,
        TokenHotError,
        UnprocessableEntityError,
    )
    from .protocols._raw import RawResponse
    from .protocols.videos import VideoTaskError
    from .streams import SSEDecoder, SSEEvent, Stream
    from .transport import RequestOptions, RequestOptionsParams
    from .unified import (
        Completion,
        Finish,
        ReasoningDelta,
        TextDelta,
        ToolCallDelta,
        UnifiedStream,
        Usage,
    )

_EXPORTS: dict[str, str] = {
    "AsyncTokenHot": "._client",
    "Timeout": "._config",
    "RequestOptions": ".transport",
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
}
for _name in (
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ContentPolicyError",
    "EndpointNotSupportedError",
    "EventTooLargeError",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidRequestError",
    "NoChannelError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "StreamError",
    "TokenHotError",
    "UnprocessableEntityError",
):
    _EXPORTS[_name] = "._exceptions"

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncTokenHot",
    "AuthenticationError",
    "BadRequestError",
    "Completion",
    "ConfigurationError",
    "ConflictError",
    "ContentPolicyError",
    "EndpointNotSupportedError",
    "EventTooLargeError",
    "Finish",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidRequestError",
    "NoChannelError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "ReasoningDelta",
    "RequestOptions",
    "RequestOptionsParams",
    "ResponseValidationError",
    "SSEDecoder",
    "SSEEvent",
    "Stream",
    "StreamError",
    "TextDelta",
    "Timeout",
    "TokenHotError",
    "ToolCallDelta",
    "UnifiedStream",
    "UnprocessableEntityError",
    "Usage",
    "VideoTaskError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aiotokenhot' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
