"""Turn an error response, in any of the gateway's envelope styles, into a typed exception."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
import pydantic_core

from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ContentPolicyError,
    EndpointNotSupportedError,
    NoChannelError,
    NotFoundError,
    PoolTimeoutError,
    ResponseTooLargeError,
    TokenHotError,
    status_error_class,
)
from .._redact import redact_text, redact_value

__all__ = [
    "body_error",
    "build_status_error",
    "extract_error",
    "is_retryable_body",
    "map_client_error",
    "parse_error_body",
    "request_id_of",
]

_REQUEST_ID = re.compile(r"\(request id: ([^)]+)\)")
_TAGS = re.compile(r"<[^>]+>")
_POLICY_WORDS = ("content policy", "content_policy", "safety", "moderation", "policy violation",
                 "sensitive", "content_filter", "违规", "敏感")
_NO_CHANNEL_WORDS = ("无可用渠道", "no available channel", "model_not_found_in_group")
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-oneapi-request-id", "x-new-api-request-id")


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The request id a gateway or vendor put in the answer's headers (``x-request-id``,
    Anthropic's ``request-id``, the gateway's ``x-oneapi-request-id``...), or None."""
    for name in _REQUEST_ID_HEADERS:  # aiohttp's headers match names case-insensitively
        value = headers.get(name)
        if value:
            return value
    if isinstance(headers, dict):  # a plain dict (copied headers) may keep any casing
        lowered = {k.lower(): v for k, v in headers.items()}
        return next((lowered[h] for h in _REQUEST_ID_HEADERS if lowered.get(h)), None)
    return None


def parse_error_body(raw: bytes, secret: str | None) -> Any:
    """An error body as JSON (else text), with the secret removed *after* parsing.

    Redacting only the raw bytes is not enough: a server that echoes the key JSON-escaped
    (``"sk-\\u0041BC..."``) would hand it back in plain text once parsed.
    """
    if not raw:
        return None
    try:
        body = pydantic_core.from_json(raw)
    except ValueError:
        body = raw.decode("utf-8", "replace")
    return redact_value(body, secret)


def map_client_error(
    exc: BaseException,
    what: str,
    *,
    secret: str | None,
    attempts: int = 1,
    pool_exhausted: bool = False,
    timeout: float | None = None,
) -> TokenHotError:
    """The SDK exception for an error aiohttp (or asyncio's timeout) raised during ``what``.

    ``what`` names the operation in the message (``"POST /v1/chat/completions"``). The
    message is redacted; the aiohttp error is not kept (it may quote request data).

    - a connect timeout while the pool had no free connection → :class:`PoolTimeoutError`
    - any other timeout → :class:`APITimeoutError`
    - a body that inflated past aiohttp's decompression guard → :class:`ResponseTooLargeError`
    - everything else (refused, reset, TLS, broken payload, bad URL) → :class:`APIConnectionError`
    """
    if isinstance(exc, TokenHotError):
        return exc
    if isinstance(exc, aiohttp.ConnectionTimeoutError) and pool_exhausted:
        seconds = f" within {timeout}s" if timeout is not None else ""
        return PoolTimeoutError(
            f"{what}: no free connection in the pool{seconds} (all connections in use: "
            "streams left open without `async with`, or more concurrent calls than "
            "max_connections)",
            attempts=attempts,
        )
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return APITimeoutError(f"{what} timed out while connecting", attempts=attempts)
        return APITimeoutError(f"{what} timed out", attempts=attempts)
    if isinstance(exc, aiohttp.ClientPayloadError):
        cause = exc.__cause__
        if cause is not None and type(cause).__name__ == "DecompressSizeError":
            limit = _decompress_limit(cause)
            return ResponseTooLargeError(limit, message=(
                f"{what}: the compressed body inflates past {limit} bytes from a single read "
                "(a compression bomb?); refused"))
    return APIConnectionError(
        redact_text(f"{what} failed: {type(exc).__name__}: {exc}", secret), attempts=attempts
    )


def _decompress_limit(cause: BaseException) -> int:
    found = re.search(r"limit of (\d+) bytes", str(cause))
    return int(found.group(1)) if found else 0


def extract_error(body: Any) -> tuple[str | None, str | None, str | None]:
    """(message, type, code) from OpenAI, Anthropic, Gemini or task-style error bodies."""
    if isinstance(body, str):
        text = _TAGS.sub(" ", body)
        text = " ".join(text.split())
        return (text[:500] or None), None, None
    if not isinstance(body, dict):
        return None, None, None
    err = body.get("error")
    if isinstance(err, dict):
        message = err.get("message")
        etype = err.get("type") or err.get("status")
        code = err.get("code")
        return (
            str(message) if message is not None else None,
            str(etype) if etype else None,
            str(code) if code not in (None, "") else None,
        )
    if isinstance(err, str):
        return err, None, None
    message = body.get("message") or body.get("msg") or body.get("detail")
    code = body.get("code")
    return (
        str(message) if message is not None else None,
        str(body.get("type")) if body.get("type") else None,
        str(code) if code not in (None, "") else None,
    )


def body_error(obj: Any) -> bool:
    """True when a 200 body is an error envelope rather than a result (catalog question 7)."""
    if not isinstance(obj, dict):
        return False
    if obj.get("type") == "error" and "error" in obj:
        return True
    err = obj.get("error")
    if isinstance(err, dict) and err:
        return not any(k in obj for k in ("id", "object", "choices", "candidates", "output",
                                          "data", "status", "content", "task_id"))
    code = obj.get("code")
    return (
        isinstance(code, str)
        and code not in ("success", "ok", "0", "200")
        and "message" in obj
        and obj.get("data") is None
        and "id" not in obj
    )


def build_status_error(
    status: int,
    headers: Mapping[str, str],
    raw: bytes,
    *,
    secret: str | None,
    attempts: int = 1,
    unsupported_on_404: bool = False,
) -> APIStatusError:
    """The typed exception for an error answer; ``status`` 200 means an error body in a 200.

    A server (or proxy) that echoes the request's key back gets it redacted everywhere: in the
    message, the parsed body (after JSON unescaping) and the response headers it keeps.
    """
    headers = redact_value(dict(headers), secret)
    body = parse_error_body(raw, secret)
    message, etype, code = extract_error(body)
    lowered = {k.lower(): v for k, v in headers.items()}
    request_id = request_id_of(lowered)
    if message:
        found = _REQUEST_ID.search(message)
        if found and not request_id:
            request_id = found.group(1).strip()
    if not message:
        message = f"HTTP {status}"
    if secret and secret in message:
        message = message.replace(secret, "<redacted>")
    text = f"{message} {etype or ''} {code or ''}".lower()
    cls = status_error_class(status)
    if status == 200:
        cls = _class_for_body_error(text)
    elif status in (400, 503) and any(w in text for w in _POLICY_WORDS):
        cls = ContentPolicyError
    elif status == 503 and any(w.lower() in text for w in _NO_CHANNEL_WORDS):
        cls = NoChannelError
    elif status == 501 or (status == 404 and (unsupported_on_404 or not isinstance(body, dict))):
        cls = EndpointNotSupportedError
        message = f"this gateway does not support the endpoint ({message})"
    return cls(
        message,
        status_code=status,
        body=body,
        headers=headers,
        request_id=request_id,
        error_type=etype,
        error_code=code,
        attempts=attempts,
    )


def _class_for_body_error(text: str) -> type[APIStatusError]:
    if "not_found" in text or "not exist" in text or "task_not_exist" in text:
        return NotFoundError
    if "auth" in text or "unauthorized" in text:
        return status_error_class(401)
    if "rate" in text and "limit" in text:
        return status_error_class(429)
    if any(w in text for w in _POLICY_WORDS):
        return ContentPolicyError
    return status_error_class(400)


def is_retryable_body(status: int, raw: bytes) -> bool:
    """Some 503s are permanent (no channel, policy block): decide from the body, not the code."""
    if status != 503 or not raw:
        return True
    text = raw[:4096].decode("utf-8", "replace").lower()
    return not any(w.lower() in text for w in (*_NO_CHANNEL_WORDS, *_POLICY_WORDS))
