"""The one way a stream raises an error that arrived inside it (or a malformed event).

Every protocol calls :func:`raise_stream_error`; the message names the protocol, quotes the
gateway's own message when there is one, and carries the body, the error type/code and what
arrived so far (``partial``). Everything is redacted with the stream's key.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypedDict

from typing_extensions import Unpack

from .._exceptions import StreamError
from .._redact import redact_text, redact_value
from ..transport._errors import extract_error

__all__ = ["raise_stream_error", "stream_error"]


class StreamErrorDetails(TypedDict, total=False):
    """What :func:`stream_error` takes besides the protocol and the description."""

    body: Any
    error_type: str | None
    partial: Any
    secret: str | None


def raise_stream_error(protocol: str, what: str, **details: Unpack[StreamErrorDetails]) -> NoReturn:
    """Raise :func:`stream_error` (with no chained exception)."""
    raise stream_error(protocol, what, **details) from None


def stream_error(
    protocol: str,
    what: str,
    *,
    body: Any = None,
    error_type: str | None = None,
    partial: Any = None,
    secret: str | None = None,
) -> StreamError:
    """The :class:`StreamError` for an error inside ``protocol``'s stream.

    ``what`` is the fallback description (``"error event"``, ``"malformed JSON: ..."``). When
    ``body`` is an error object (OpenAI ``{"error": {...}}``, Anthropic ``{"type": "error"}``,
    Gemini ``{"error": {"status": ...}}``) its message and type/code are used instead.
    """
    message, etype, code = extract_error(body) if isinstance(body, dict) else (None, None, None)
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body[:2000]).decode("utf-8", "replace")
    return StreamError(
        redact_text(f"error in the {protocol} stream: {message or what}", secret),
        body=redact_value(body, secret),
        error_type=error_type or etype or code,
        partial=partial,
    )
