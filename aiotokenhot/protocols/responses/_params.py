"""The keywords of ``th.responses.create`` and ``.stream``: one definition for both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pydantic
from typing_extensions import Required

from ...transport._options import RequestOptionsParams

__all__ = ["ResponseCreateParams"]


class ResponseCreateParams(RequestOptionsParams, total=False):
    """Body fields of ``POST /v1/responses`` plus the per-call options."""

    model: Required[str]
    input: str | Sequence[Mapping[str, Any] | pydantic.BaseModel] | None
    instructions: str | None
    tools: Iterable[Mapping[str, Any]] | None
    tool_choice: str | Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    previous_response_id: str | None
    reasoning: Mapping[str, Any] | None
    text: Mapping[str, Any] | None
    max_output_tokens: int | None
    temperature: float | None
    top_p: float | None
    store: bool | None
    metadata: Mapping[str, str] | None
    truncation: str | None
    include: Sequence[str] | None
    user: str | None
    service_tier: str | None
