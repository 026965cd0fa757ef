"""Every error the SDK raises, in one tree.

    TokenHotError
    ├── ConfigurationError            bad client set-up (e.g. no API key)
    ├── InvalidRequestError           bad arguments, caught before anything is sent
    ├── APIConnectionError            the request never got an HTTP answer
    │   └── APITimeoutError           connect / total / idle timeout
    │       └── PoolTimeoutError      the pool stayed full for the whole connect timeout
    ├── APIStatusError                an HTTP answer that is an error
    │   ├── BadRequestError           400
    │   │   └── ContentPolicyError    400 (or 503) whose body names a safety/policy block
    │   ├── AuthenticationError       401
    │   ├── PermissionDeniedError     403 (also: insufficient balance)
    │   ├── NotFoundError             404
    │   │   └── EndpointNotSupportedError   404/501: this gateway does not route the endpoint
    │   ├── ConflictError             409
    │   ├── UnprocessableEntityError  422
    │   ├── RateLimitError            429
    │   └── InternalServerError       5xx
    │       └── NoChannelError        503 "no available channel for this model"
    ├── StreamError                   an error event inside a stream
    ├── IncompleteStreamError         a stream ended before its terminator
    ├── EventTooLargeError            one SSE event exceeded the size limit
    ├── ResponseTooLargeError         a whole (non-streamed) answer exceeded max_response_size
    ├── ResponseValidationError       a success body that does not match its type
    ├── AllModelsFailedError          every model of a fallback chain failed (``attempts``)
    ├── MaxTurnsExceededError         a tool loop reached ``max_turns`` (``messages`` so far)
    └── ToolCallError                 a tool call could not run (``on_tool_error="raise"``)

Messages never contain the API key: every text that may echo request data is redacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AllModelsFailedError",
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
    "MaxTurnsExceededError",
    "NoChannelError",
    "NotFoundError",
    "PermissionDeniedError",
    "PoolTimeoutError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "StreamError",
    "TokenHotError",
    "ToolCallError",
    "UnprocessableEntityError",
]


class TokenHotError(Exception):
    """Base class of every error raised by aiotokenhot; ``message`` is its text."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(TokenHotError):
    """The client is not set up to send requests (missing key, bad base URL)."""


class InvalidRequestError(TokenHotError, ValueError):
    """Arguments rejected before any request was sent."""


class APIConnectionError(TokenHotError):
    """The request did not get an HTTP response (DNS, refused, reset, TLS...)."""

    def __init__(self, message: str, *, attempts: int = 1, partial: Any = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        #: for a stream that broke mid-way: what had been received (protocol accumulator)
        self.partial = partial


class APITimeoutError(APIConnectionError):
    """A connect, total or stream-idle timeout fired."""


class PoolTimeoutError(APITimeoutError):
    """No pooled connection came back for the whole connect timeout while a call waited for
    one. Not retried.

    Usually streams left open (iterated without ``async with`` and never finished), or more
    concurrent calls than ``max_connections``.
    """


class APIStatusError(TokenHotError):
    """The gateway answered with an error, whatever protocol's error envelope it used."""

    status_code: int

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
        error_type: str | None = None,
        error_code: str | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})
        self.request_id = request_id
        self.error_type = error_type
        self.error_code = error_code
        self.attempts = attempts

    def __str__(self) -> str:
        rid = f" (request id: {self.request_id})" if self.request_id else ""
        if self.request_id and self.request_id in self.message:
            rid = ""
        return f"{self.status_code}: {self.message}{rid}"


class BadRequestError(APIStatusError):
    """400: the gateway rejected the request."""


class ContentPolicyError(BadRequestError):
    """The request or reply was blocked by a safety / content policy. Never retried."""


class AuthenticationError(APIStatusError):
    """401: missing or invalid API key."""


class PermissionDeniedError(APIStatusError):
    """403: key lacks permission, balance is exhausted, or the IP is not allowed."""


class NotFoundError(APIStatusError):
    """404: unknown route, model or task."""


class EndpointNotSupportedError(NotFoundError):
    """The gateway does not route this endpoint (404 / 501); another gateway may."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429: slow down; `retry_after` holds the gateway's hint in seconds when it sent one."""

    @property
    def retry_after(self) -> float | None:
        """Seconds from ``retry-after-ms`` / ``Retry-After``; None when absent or unparseable."""
        from .transport._retry import parse_retry_after

        return parse_retry_after(self.headers)


class InternalServerError(APIStatusError):
    """5xx."""


class NoChannelError(InternalServerError):
    """503 because no upstream channel serves this model for the key's group. Not transient."""


class StreamError(TokenHotError):
    """The gateway sent an error event inside an otherwise healthy stream."""

    def __init__(
        self,
        message: str,
        *,
        body: Any = None,
        error_type: str | None = None,
        partial: Any = None,
    ) -> None:
        super().__init__(message)
        self.body = body
        self.error_type = error_type
        self.partial = partial


class IncompleteStreamError(TokenHotError):
    """The stream closed before its protocol's terminator; `partial` holds what arrived."""

    def __init__(self, message: str, *, partial: Any = None, events_received: int = 0) -> None:
        super().__init__(message)
        self.partial = partial
        self.events_received = events_received


class EventTooLargeError(TokenHotError):
    """A single server-sent event grew past the decoder's size limit; `partial` holds what arrived."""

    def __init__(self, limit: int, *, partial: Any = None) -> None:
        super().__init__(
            f"a server-sent event exceeded {limit} bytes; raise max_event_size if this is expected"
        )
        self.limit = limit
        self.partial = partial


class ResponseTooLargeError(TokenHotError):
    """A whole answer grew past ``max_response_size`` bytes (after decompression); never retried.

    Streams are bounded per event instead (:class:`EventTooLargeError`), and downloads written
    to disk are not bounded.
    """

    def __init__(
        self, limit: int, *, status_code: int | None = None, message: str | None = None
    ) -> None:
        super().__init__(
            message
            or f"the response body exceeded {limit} bytes; raise max_response_size if this is expected"
        )
        self.limit = limit
        self.status_code = status_code


class ResponseValidationError(TokenHotError):
    """A success response whose body could not be read as the documented type."""

    def __init__(self, message: str, *, body: Any = None) -> None:
        super().__init__(message)
        self.body = body


class AllModelsFailedError(TokenHotError):
    """Every model of a fallback chain failed with an error that allows trying the next one.

    ``attempts`` lists them in order (each an ``Attempt`` with ``model``, ``protocol`` and the
    ``error`` it raised); the last one's error is also the ``__cause__``.
    """

    def __init__(self, message: str, *, attempts: list[Any]) -> None:
        super().__init__(message)
        self.attempts = attempts


class MaxTurnsExceededError(TokenHotError):
    """A tool loop still got tool calls after ``max_turns`` model replies.

    ``messages`` is the conversation so far (it ends with the last turn's tool results, so it can
    be passed back to continue); ``completion`` the last reply; ``turns`` the number of replies.
    """

    def __init__(self, message: str, *, messages: list[Any], completion: Any, turns: int) -> None:
        super().__init__(message)
        self.messages = messages
        self.completion = completion
        self.turns = turns


class ToolCallError(TokenHotError):
    """A tool call the model made could not run: unknown tool, arguments that do not validate,
    or the tool's timeout. Raised only with ``on_tool_error="raise"`` (otherwise the text goes
    back to the model); ``call`` is the ``ToolCall``."""

    def __init__(self, message: str, *, call: Any) -> None:
        super().__init__(message)
        self.call = call


def raise_unchained(exc: BaseException) -> NoReturn:
    """Raise ``exc`` with no implicit ``__context__``.

    An aiohttp error may quote request data (headers, a server's echo of them); chaining it
    would put that text in every formatted traceback. Some interpreters (3.10) still see the
    caught error as "being handled" after its ``except`` block inside a coroutine, so the
    context is cleared explicitly rather than trusted to be empty.
    """
    try:
        raise exc
    finally:
        exc.__context__ = None


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The exception class for an HTTP status code."""
    cls = _STATUS_CLASSES.get(status)
    if cls is not None:
        return cls
    if status >= 500:
        return InternalServerError
    return APIStatusError
