"""The keywords of ``th.chat.completions.create`` and ``.stream``: one definition for both.

Each field's meaning, units and bounds are in the methods' docstrings; the checks are in
:mod:`._validate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from typing_extensions import Required

from .._sampling import OpenAISamplingParams
from ._types import MessageParam, StreamOptions, ToolParam

__all__ = ["ChatCompletionParams", "ChatCompletionStreamParams", "ChatParseParams"]


class ChatParseParams(OpenAISamplingParams, total=False):
    """Body fields of ``POST /v1/chat/completions`` but ``response_format`` (the keywords of
    ``parse``, which takes that one on its own) plus the per-call options."""

    model: Required[str]
    messages: Required[Sequence[MessageParam]]
    max_completion_tokens: int | None
    logprobs: bool | None
    top_logprobs: int | None
    tools: Iterable[ToolParam | Mapping[str, Any]] | None
    tool_choice: str | Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    reasoning_effort: str | None
    modalities: Sequence[str] | None
    audio: Mapping[str, Any] | None
    web_search_options: Mapping[str, Any] | None
    metadata: Mapping[str, str] | None
    store: bool | None
    service_tier: str | None
    prediction: Mapping[str, Any] | None


class ChatCompletionParams(ChatParseParams, total=False):
    """Body fields of ``POST /v1/chat/completions`` plus the per-call options."""

    #: ``{"type": "json_object"}``, a ``json_schema`` format, or a pydantic class
    response_format: Mapping[str, Any] | type[Any] | None


class ChatCompletionStreamParams(ChatCompletionParams, total=False):
    """The same, plus what only a streamed answer takes."""

    stream_options: StreamOptions | Mapping[str, Any] | None
