"""The keywords of ``th.stream`` / ``th.complete``, as TypedDicts.

Kept apart from the conversion code so that the client can declare its methods' keywords
without loading the unified machinery: that loads on the first ``th.stream`` / ``th.complete``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from typing_extensions import Required, TypedDict

from ..transport._options import RequestOptionsParams

if TYPE_CHECKING:
    import pydantic

__all__ = ["UnifiedFields", "UnifiedParams"]


class UnifiedFields(TypedDict, total=False):
    """The request fields of ``th.stream`` / ``th.complete`` besides ``model``."""

    #: the conversation in the OpenAI chat shape
    messages: Required[Sequence[Mapping[str, Any]]]
    #: function tools as ``{"type": "function", "function": {...}}``
    tools: Sequence[Mapping[str, Any]] | None
    #: ``"auto"``, ``"none"``, ``"required"`` or a function to force
    tool_choice: str | Mapping[str, Any] | None
    #: output token limit
    max_tokens: int | None
    #: 0 to 2
    temperature: float | None
    #: 0 to 1
    top_p: float | None
    #: a string or a list of them
    stop: str | Sequence[str] | None


class UnifiedParams(UnifiedFields, RequestOptionsParams, total=False):
    """The keywords of ``th.stream`` / ``th.complete`` besides ``model`` (see
    :meth:`AsyncTokenHot.stream <aiotokenhot.AsyncTokenHot.stream>`)."""

    #: ``"auto"`` (from the model name) or one of ``PROTOCOLS``
    protocol: str
    #: a pydantic model class: the reply is asked for as JSON of it
    response_format: type[pydantic.BaseModel] | None
    #: seconds a fallback chain may spend finding a model that answers
    deadline: float | None
