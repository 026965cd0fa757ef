"""The unified event family and the unified Completion, the same whatever protocol carried them.

Events are slotted dataclasses rather than pydantic models: they are built once per delta on
the stream's hot path, where a plain ``__init__`` costs a fraction of model validation, and
they are still typed, comparable and printable.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import pydantic_core

from .._exceptions import TokenHotError

__all__ = [
    "Attempt",
    "Completion",
    "Finish",
    "FinishReason",
    "ReasoningDelta",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "UnifiedEvent",
    "Usage",
]

#: ``other`` is the catch-all for a reason the protocol's table does not know and that reads
#: neither as an error nor as a safety stop (``Finish.raw_reason`` keeps the protocol's word)
FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "error", "other"]


@dataclass(slots=True)
class TextDelta:
    """A piece of the reply's visible text."""

    text: str


@dataclass(slots=True)
class ReasoningDelta:
    """A piece of the model's reasoning (thinking, reasoning summary, thought parts)."""

    text: str


@dataclass(slots=True)
class ToolCallDelta:
    """A piece of a tool call. ``index`` counts tool calls from 0 within this reply.

    The first delta of a call carries ``id`` and ``name``; later ones only an ``arguments``
    piece (a fragment of JSON text; join the pieces of one index to get the whole). When a
    gateway sends the id or name after the first piece, a delta with them (and empty
    ``arguments``) follows as soon as they arrive.
    """

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(slots=True)
class Usage:
    """Token counts with one meaning across protocols.

    ``input_tokens`` includes cached input (Anthropic's cache reads and writes are added in);
    ``output_tokens`` includes reasoning tokens (Gemini's thoughts are added in).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    #: USD (``Decimal``) from the client's price table, set on a finished reply; None: unknown
    cost: Decimal | None = None

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class Finish:
    """Why the reply ended: ``reason`` normalised, ``raw_reason`` as the protocol sent it."""

    reason: FinishReason
    raw_reason: str | None = None


UnifiedEvent = TextDelta | ReasoningDelta | ToolCallDelta | Usage | Finish


@dataclass(slots=True)
class ToolCall:
    """One whole tool call: ``arguments`` parsed from ``raw_arguments`` (None if not JSON)."""

    id: str
    name: str
    arguments: Any
    raw_arguments: str
    #: protocol data that must travel back with the call (Gemini's ``thoughtSignature``)
    extra: dict[str, Any] | None = None

    def to_openai(self) -> dict[str, Any]:
        """The call in the OpenAI chat shape, ready to go back into ``messages``."""
        call: dict[str, Any] = {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.raw_arguments},
        }
        if self.extra:
            call["extra_content"] = self.extra
        return call


@dataclass(slots=True)
class Attempt:
    """One model of a fallback chain that did not answer: which one, over which protocol, and why.

    ``error`` is the SDK exception that made the chain move on (:class:`NoChannelError`,
    :class:`RateLimitError`, :class:`APITimeoutError`...).
    """

    model: str
    protocol: str
    error: TokenHotError

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "protocol": self.protocol,
                "error": f"{type(self.error).__name__}: {self.error}"}


@dataclass
class Completion:
    """One unified reply, whatever protocol carried it.

    ``raw`` is the native answer: the whole response body (a dict) for ``th.complete()``, the
    native stream's ``final()`` result (``ChatCompletion``, ``Response``...) for a stream.
    """

    text: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage | None = None
    finish: Finish | None = None
    protocol: str = ""
    model: str | None = None
    id: str | None = None
    raw: Any = None
    #: models of a fallback chain tried before ``model`` answered (empty: the first one did)
    attempts: list[Attempt] = field(default_factory=list)
    #: the reply validated into ``response_format`` (``th.complete(..., response_format=Model)``)
    parsed: Any = None
    #: why the model declined, when it refused instead of answering in ``response_format``
    refusal: str | None = None
    #: what the call cost in USD (``Decimal``) from the client's price table; None when unknown
    cost: Decimal | None = None

    @property
    def finish_reason(self) -> FinishReason | None:
        return self.finish.reason if self.finish is not None else None

    def to_message(self) -> dict[str, Any]:
        """The reply as an OpenAI-chat assistant message, to append to the conversation."""
        message: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if self.tool_calls:
            message["tool_calls"] = [call.to_openai() for call in self.tool_calls]
        return message

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(dataclasses.replace(self, attempts=[]))
        data["attempts"] = [attempt.to_dict() for attempt in self.attempts]
        return data


def parse_arguments(raw: str) -> Any:
    """Tool-call arguments as JSON data; an empty string means no arguments."""
    if not raw:
        return {}
    try:
        return pydantic_core.from_json(raw)
    except ValueError:
        return None
