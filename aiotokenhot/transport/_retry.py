"""The retry policy: what is worth another attempt, and how long to wait before it.

One value object answers both questions for every caller: the transport (whole answers and
stream opens), a stream's replay before its first event, and the batch runner. How *many*
attempts a call gets is ``max_retries`` (client-wide or per call); the policy says which
failures qualify and how long each wait is.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    ContentPolicyError,
    InvalidRequestError,
    NoChannelError,
    PoolTimeoutError,
)

__all__ = [
    "DEFAULT_RETRY_POLICY",
    "RETRYABLE_STATUS",
    "RetryPolicy",
    "backoff_delay",
    "parse_retry_after",
]

#: request timeout, conflict (lock contention), rate limit, and the transient server/proxy codes
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529})


def _seconds(value: str) -> float | None:
    """A non-negative, finite number of seconds; None for anything else (``1s``, ``nan``, ``-3``)."""
    text = value.strip()
    if not text or not all(c.isdigit() or c == "." for c in text):
        return None
    try:
        number = float(text)
    except ValueError:  # e.g. "1.2.3"
        return None
    return number if math.isfinite(number) else None


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """The wait in seconds a server asked for, or None when it gave no usable hint.

    Reads ``retry-after-ms`` (milliseconds) first, then ``Retry-After`` as delay-seconds or an
    HTTP date (a date in the past means "now": 0). Anything unparseable — ``1s``, ``soon``,
    ``nan``, ``inf``, a negative number, a broken date — is ignored (None), never an error.
    """
    if not headers:
        return None
    ms = retry_after = None
    for key, value in headers.items():
        lowered = key.lower()
        if lowered == "retry-after-ms":
            ms = value
        elif lowered == "retry-after":
            retry_after = value
    if ms is not None:
        parsed = _seconds(ms)
        if parsed is not None:
            return parsed / 1000.0
    if retry_after is None:
        return None
    seconds = _seconds(retry_after)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(retry_after.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:  # a date without a zone is not an HTTP date
        return None
    return max(0.0, when.timestamp() - time.time())


def _should_retry_header(headers: Mapping[str, str] | None) -> bool | None:
    """The ``x-should-retry: true|false`` override some gateways send; None when absent."""
    for key, value in (headers or {}).items():
        if key.lower() == "x-should-retry":
            flag = value.strip().lower()
            if flag in ("true", "false"):
                return flag == "true"
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """Which failures are retried and how long to wait before each retry.

    Parameters (all times in seconds):

    - ``initial_delay``: the backoff window before the first retry; it doubles per retry.
    - ``max_delay``: the largest backoff window. The wait is drawn uniformly from
      ``[0, window]`` ("full jitter"), so many clients never retry in lock-step.
    - ``max_retry_after``: the cap on a server's ``Retry-After`` / ``retry-after-ms`` hint. A
      usable hint replaces the backoff; an unparseable one is ignored.
    - ``retry_statuses``: the HTTP statuses worth another attempt. A ``503`` whose body names a
      missing channel or a content policy is permanent whatever this set says, and an
      ``x-should-retry: true|false`` response header overrides it.

    Connection errors and timeouts are retried; a pool that stayed exhausted for the whole
    connect timeout (:class:`PoolTimeoutError`) and an oversized answer are not. How many
    retries a call gets is ``max_retries`` on the client or the call. Whatever the policy, the
    ``total`` timeout bounds a whole call, retries and waits included.

    Raises :class:`InvalidRequestError` for negative or non-finite times.
    """

    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    retry_statuses: frozenset[int] = field(default=RETRYABLE_STATUS)

    def __post_init__(self) -> None:
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value < 0
            ):
                raise InvalidRequestError(f"RetryPolicy.{name} must be a finite number >= 0")
        statuses: Iterable[object] = self.retry_statuses
        if not all(isinstance(s, int) and 100 <= s <= 599 for s in statuses):
            raise InvalidRequestError("RetryPolicy.retry_statuses must hold HTTP status codes")
        object.__setattr__(self, "retry_statuses", frozenset(self.retry_statuses))

    # -- is it worth another attempt? -----------------------------------------------------------

    def should_retry_response(
        self, status: int, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> bool:
        """True when an error answer (``status``, its headers and raw body) may succeed later."""
        override = _should_retry_header(headers)
        if override is not None:
            return override
        from ._errors import is_retryable_body

        return status in self.retry_statuses and is_retryable_body(status, body)

    def should_retry(self, error: BaseException) -> bool:
        """True when a typed SDK error may succeed on another attempt."""
        if isinstance(error, PoolTimeoutError):
            return False
        if isinstance(error, APIConnectionError):
            return True
        if isinstance(error, (NoChannelError, ContentPolicyError)):
            return False
        if isinstance(error, APIStatusError):
            override = _should_retry_header(error.headers)
            if override is not None:
                return override
            return error.status_code in self.retry_statuses
        return False

    # -- how long to wait ----------------------------------------------------------------------

    def retry_after(self, headers: Mapping[str, str] | None) -> float | None:
        """The server's usable hint, capped at ``max_retry_after``; None when there is none."""
        hint = parse_retry_after(headers)
        return None if hint is None else min(hint, self.max_retry_after)

    def backoff(self, attempt: int) -> float:
        """A full-jitter wait before retry number ``attempt`` (0-based), in seconds."""
        window = min(self.max_delay, self.initial_delay * 2.0 ** min(max(attempt, 0), 62))
        return random.uniform(0.0, window)

    def wait(self, attempt: int, headers: Mapping[str, str] | None = None) -> float:
        """Seconds to wait before retry number ``attempt``: the server's hint when usable
        (from ``headers``), else :meth:`backoff`."""
        hint = self.retry_after(headers)
        return self.backoff(attempt) if hint is None else hint

    def wait_after(self, error: BaseException, attempt: int) -> float:
        """:meth:`wait` for a typed error (status errors carry the answer's headers)."""
        return self.wait(attempt, error.headers if isinstance(error, APIStatusError) else None)


DEFAULT_RETRY_POLICY = RetryPolicy()


def backoff_delay(attempt: int, retry_after: float | None = None) -> float:
    """The default policy's wait before retry ``attempt``; a given hint is capped and wins."""
    if retry_after is not None and math.isfinite(retry_after) and retry_after >= 0:
        return min(retry_after, DEFAULT_RETRY_POLICY.max_retry_after)
    return DEFAULT_RETRY_POLICY.backoff(attempt)
