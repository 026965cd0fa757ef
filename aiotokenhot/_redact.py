"""Keep secrets out of logs, reprs and error messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SENSITIVE_HEADERS", "redact_headers", "redact_text", "redact_value", "scrub_exception"]

SENSITIVE_HEADERS = frozenset(
    {"authorization", "x-api-key", "x-goog-api-key", "api-key", "proxy-authorization", "cookie"}
)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with every credential-bearing value replaced."""
    return {k: ("<redacted>" if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}


def redact_text(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of the secret (and its bearer form) removed."""
    if secret and len(secret) >= 4 and secret in text:
        text = text.replace(secret, "<redacted>")
    return text


def redact_value(value: Any, secret: str | None) -> Any:
    """``value`` (text, bytes, or JSON-like containers of them) without the secret."""
    if not secret or len(secret) < 4:
        return value
    if isinstance(value, str):
        return value.replace(secret, "<redacted>") if secret in value else value
    if isinstance(value, bytes):
        raw = secret.encode()
        return value.replace(raw, b"<redacted>") if raw in value else value
    if isinstance(value, dict):
        return {redact_value(k, secret): redact_value(v, secret) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v, secret) for v in value)
    return value


def scrub_exception(exc: BaseException, secret: str | None) -> None:
    """Remove the secret from an SDK exception in place: its args, its text and body
    attributes, and its chain (a cause or context that shows the secret is cut off).

    The one safety net behind every error path: protocol code that echoes a server message
    cannot leak a key the server reflected.
    """
    if not secret or len(secret) < 4:
        return
    exc.args = redact_value(exc.args, secret)
    attrs = vars(exc)
    for name in ("message", "body", "headers"):
        if name in attrs:
            attrs[name] = redact_value(attrs[name], secret)
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        if secret in str(cause) or secret in repr(cause):
            exc.__cause__ = exc.__context__ = None
            exc.__suppress_context__ = True
            return
        cause = cause.__cause__ or cause.__context__
