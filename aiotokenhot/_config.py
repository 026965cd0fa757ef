"""Small value objects for client settings: timeouts, the secret key, the base URL."""

from __future__ import annotations

import ipaddress
import os
import warnings
from dataclasses import dataclass
from typing import Union
from urllib.parse import urlsplit

from ._exceptions import ConfigurationError, InvalidRequestError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_SIZE",
    "DEFAULT_TIMEOUT",
    "Secret",
    "Timeout",
    "TimeoutTypes",
    "normalize_base_url",
]

DEFAULT_BASE_URL = "https://api.tokenhot.ai"
API_KEY_ENV = "TOKENHOT_API_KEY"
BASE_URL_ENV = "TOKENHOT_BASE_URL"
#: the largest whole (non-streamed) answer read into memory, after decompression, in bytes
DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024
#: how much of an error answer's body is read (the rest is dropped with the connection)
ERROR_BODY_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Timeout:
    """How long to wait, in seconds (None: no limit).

    - ``connect``: establishing a TCP/TLS connection, and the longest wait for a free pooled
      connection during which none comes back to the pool (else :class:`PoolTimeoutError`).
    - ``total``: a whole non-streaming call, every retry and every wait between retries
      included; streams are never cut by it.
    - ``idle``: the longest gap between two meaningful stream events. Keep-alive comments and
      ``ping`` events do not reset it, so a stream kept alive only by pings still times out.
      Also bounds the wait for a stream's response headers.
    """

    total: float | None = 600.0
    connect: float | None = 10.0
    idle: float | None = 180.0

    def __post_init__(self) -> None:
        for name in ("total", "connect", "idle"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, float)) or value <= 0):
                raise InvalidRequestError(f"Timeout.{name} must be a positive number or None")

    @classmethod
    def coerce(cls, value: TimeoutTypes) -> Timeout:
        """A plain number means the total timeout; None disables every limit."""
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(total=None, connect=None, idle=None)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidRequestError(f"timeout must be a Timeout, a number or None, not {value!r}")
        return cls(total=float(value))


TimeoutTypes = Union[Timeout, float, int, None]  # noqa: UP007 (runtime alias on 3.10)
DEFAULT_TIMEOUT = Timeout()


class Secret:
    """Holds the API key; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def resolve_api_key(api_key: str | None) -> Secret | None:
    """The explicit key, else ``TOKENHOT_API_KEY``; None when neither is set."""
    value = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if value is None or not value.strip():
        return None
    return Secret(value.strip())


def missing_key_error() -> ConfigurationError:
    return ConfigurationError(
        f"No API key: pass AsyncTokenHot(api_key=...) or set the {API_KEY_ENV} environment variable"
    )


def normalize_base_url(base_url: str | None) -> str:
    """The gateway root without a trailing ``/v1`` or slash.

    Users of OpenAI-style settings pass ``https://host/v1``; every route here carries its own
    version prefix (``/v1``, ``/v1beta``), so the root is what we keep.
    """
    url = base_url if base_url is not None else os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"base_url must be an http(s) URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ConfigurationError("base_url must not carry a query string or fragment")
    for suffix in ("/v1beta", "/v1"):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
            break
    host = parts.hostname or ""
    if parts.scheme == "http" and not _is_loopback(host):
        warnings.warn(
            f"base_url {url!r} uses plain http: the API key would travel unencrypted",
            stacklevel=3,
        )
    return url


def _is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP; a name such as ``127.evil.example`` is not."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
