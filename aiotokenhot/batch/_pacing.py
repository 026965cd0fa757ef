"""Smooth request/token budgets and the 429 back-off that tightens them.

A budget of 600 requests per minute means one request start every 100 ms, not 600 at the top
of each minute: each caller reserves the next free start time (a token bucket with no burst,
i.e. GCRA), so concurrent workers are spaced evenly. Tokens work the same way, with a cost per
request estimated before sending and corrected from the answer's usage.

On a 429 the effective rate is halved (at most once per second, since a burst of 429s is one
signal) and then recovers linearly back to the configured rate over ``recovery`` seconds. With
no budget configured, the first 429 creates one from the start rate observed just before it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

import anyio

__all__ = ["Pacer", "estimate_tokens", "usage_tokens"]

_MIN_FACTOR = 1 / 64
_CUT_COOLDOWN = 1.0


class Pacer:
    """Hands out start times under an rpm and/or tpm budget, adapting to 429 answers."""

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        recovery: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (("rpm", rpm), ("tpm", tpm)):
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive")
        self.rpm = rpm
        self.tpm = tpm
        self.recovery = recovery
        self.rate_limited = 0
        self._clock = clock
        self._adaptive_rpm: float | None = None  # made by a 429 when no rpm was given
        self._next_request = 0.0  # earliest start allowed by the request budget
        self._next_token = 0.0  # earliest start allowed by the token budget
        self._floor = 1.0  # factor right after the last cut
        self._cut_at = float("-inf")
        self._recent: deque[float] = deque(maxlen=64)

    def factor(self, now: float | None = None) -> float:
        """The share of the configured rate currently allowed (1.0 = full speed)."""
        now = self._clock() if now is None else now
        return min(1.0, self._floor + (1.0 - _MIN_FACTOR) * (now - self._cut_at) / self.recovery)

    def reserve(self, tokens: int = 0) -> float:
        """Book the next start time for a request costing ``tokens``; returns it (clock time)."""
        now = self._clock()
        factor = self.factor(now)
        rpm = self.rpm or self._adaptive_rpm
        if self._adaptive_rpm is not None and factor >= 1.0:
            self._adaptive_rpm = None  # fully recovered: back to no request budget
        start = max(now, self._next_request, self._next_token)
        if rpm is not None:
            self._next_request = start + 60.0 / (rpm * factor)
        if self.tpm is not None:
            self._next_token = start + 60.0 * max(tokens, 1) / (self.tpm * factor)
        self._recent.append(start)
        return start

    async def acquire(self, tokens: int = 0) -> None:
        """Wait for this request's turn."""
        delay = self.reserve(tokens) - self._clock()
        if delay > 0:
            await anyio.sleep(delay)

    def correct(self, delta_tokens: int) -> None:
        """Settle the token estimate once the real usage is known (positive: used more)."""
        if self.tpm is None or not delta_tokens:
            return
        now = self._clock()
        shifted = self._next_token + 60.0 * delta_tokens / (self.tpm * self.factor(now))
        self._next_token = max(now, shifted) if delta_tokens < 0 else shifted

    def on_rate_limited(self) -> None:
        """A 429 arrived: halve the effective rate (once per cooldown)."""
        self.rate_limited += 1
        now = self._clock()
        if now - self._cut_at < _CUT_COOLDOWN:
            return
        if self.rpm is None and self._adaptive_rpm is None:
            self._adaptive_rpm = self._observed_rpm(now)
        self._floor = max(_MIN_FACTOR, self.factor(now) * 0.5)
        self._cut_at = now

    def _observed_rpm(self, now: float) -> float:
        recent = [t for t in self._recent if t > now - 10.0]
        if len(recent) < 2 or recent[-1] <= recent[0]:
            return 60.0
        return 60.0 * (len(recent) - 1) / (recent[-1] - recent[0])


def estimate_tokens(body: Any) -> int:
    """A pre-send guess of a request's tokens: about four characters of text per token."""
    return _text_size(body) // 4 + 1


def _text_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_text_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(_text_size(v) for v in value)
    return 0


def usage_tokens(body: Any) -> int | None:
    """Total tokens an answer reports, in any protocol's usage shape (None if absent)."""
    if not isinstance(body, dict):
        return None
    usage = body.get("usage")
    if isinstance(usage, dict):
        total = usage.get("total_tokens")
        if isinstance(total, int):
            return total
        parts = [usage.get(k) for k in ("input_tokens", "output_tokens", "prompt_tokens",
                                        "completion_tokens")]
        numbers = [p for p in parts if isinstance(p, int)]
        return sum(numbers) if numbers else None
    meta = body.get("usageMetadata")
    if isinstance(meta, dict):
        total = meta.get("totalTokenCount")
        if isinstance(total, int):
            return total
        numbers = [v for k, v in meta.items() if k in ("promptTokenCount", "candidatesTokenCount")
                   and isinstance(v, int)]
        return sum(numbers) if numbers else None
    return None
