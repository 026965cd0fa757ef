"""The sampling keywords OpenAI's Chat Completions and legacy Completions share: one definition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..transport._options import RequestOptionsParams

__all__ = ["OpenAISamplingParams"]


class OpenAISamplingParams(RequestOptionsParams, total=False):
    """``temperature`` 0–2, ``top_p`` 0–1, ``max_tokens`` (>= 1), ``n`` choices, ``stop`` (up to
    4 strings), ``seed``, ``presence_penalty`` / ``frequency_penalty`` -2–2, ``logit_bias``
    (token id → -100–100), ``user``; plus the per-call options."""

    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    n: int | None
    stop: str | Sequence[str] | None
    seed: int | None
    presence_penalty: float | None
    frequency_penalty: float | None
    logit_bias: Mapping[str, int] | None
    user: str | None
