"""Keep secrets out of logs, reprs and error messages."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["SENSITIVE_HEADERS", "redact_headers", "redact_text"]

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
