"""When to retry and how long to wait: full-jitter exponential backoff and Retry-After."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

__all__ = ["RETRYABLE_STATUS", "backoff_delay", "parse_retry_after"]

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529})
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
MAX_RETRY_AFTER = 60.0


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, ``Retry-After`` seconds or date."""
    lowered = {k.lower(): v for k, v in headers.items()}
    ms = lowered.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_to_datetime(value) if value else None
    if parsed is None:
        return None
    return max(0.0, parsed.timestamp() - time.time())


def backoff_delay(attempt: int, retry_after: float | None = None) -> float:
    """Delay before retry number ``attempt`` (0-based).

    A server hint wins (capped at a minute); otherwise full jitter over an exponentially
    growing window, so a crowd of clients does not retry in lock-step.
    """
    if retry_after is not None:
        return min(retry_after, MAX_RETRY_AFTER)
    window = min(MAX_DELAY, INITIAL_DELAY * (2**attempt))
    return random.uniform(0, window)
