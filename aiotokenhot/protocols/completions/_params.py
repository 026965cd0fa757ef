"""The keywords of ``th.completions.create`` and ``.stream``: one definition for both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from typing_extensions import Required

from .._sampling import OpenAISamplingParams

__all__ = ["CompletionCreateParams", "CompletionStreamParams", "Prompt"]

#: one prompt, several prompts, one prompt as token ids, or several as lists of token ids
Prompt = str | Sequence[str] | Sequence[int] | Sequence[Sequence[int]]


class _CommonParams(OpenAISamplingParams, total=False):
    model: Required[str]
    prompt: Required[Prompt]
    logprobs: int | None
    echo: bool | None
    suffix: str | None


class CompletionCreateParams(_CommonParams, total=False):
    """Body fields of a whole ``POST /v1/completions`` plus the per-call options."""

    best_of: int | None


class CompletionStreamParams(_CommonParams, total=False):
    """Body fields of a streamed ``POST /v1/completions`` (``best_of`` cannot stream)."""

    stream_options: Mapping[str, Any] | None


class _AnyParams(CompletionCreateParams, CompletionStreamParams, total=False):
    """Every keyword: what ``create(stream=...)`` takes before it knows which it is."""
