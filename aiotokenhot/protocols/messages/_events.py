"""Typed Anthropic Messages stream events, one class per ``event:`` name.

Delta payloads are a tagged union on ``type`` (validated in Rust); an unknown delta type falls
back to :class:`UnknownDelta` on the rare-path, and an unknown event name to
:class:`UnknownEvent` — both keep every field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ..._models import APIModel
from ._types import ContentBlock, Message

__all__ = [
    "CitationsDelta", "ContentBlockDeltaEvent", "ContentBlockStartEvent", "ContentBlockStopEvent",
    "InputJSONDelta", "MessageDelta", "MessageDeltaEvent", "MessageDeltaUsage", "MessageStartEvent",
    "MessageStopEvent", "MessageStreamEvent", "PingEvent", "SignatureDelta", "StreamErrorEvent",
    "TextDelta", "ThinkingDelta", "UnknownDelta", "UnknownEvent",
]


class TextDelta(APIModel):
    type: Literal["text_delta"] = "text_delta"
    text: str


class InputJSONDelta(APIModel):
    """A piece of a tool call's JSON input; the pieces only parse once joined."""

    type: Literal["input_json_delta"] = "input_json_delta"
    partial_json: str


class ThinkingDelta(APIModel):
    type: Literal["thinking_delta"] = "thinking_delta"
    thinking: str


class SignatureDelta(APIModel):
    type: Literal["signature_delta"] = "signature_delta"
    signature: str


class CitationsDelta(APIModel):
    type: Literal["citations_delta"] = "citations_delta"
    citation: dict[str, Any]


class UnknownDelta(APIModel):
    type: str = ""


KnownDelta = Annotated[
    TextDelta | InputJSONDelta | ThinkingDelta | SignatureDelta | CitationsDelta,
    Field(discriminator="type"),
]


class MessageStartEvent(APIModel):
    type: Literal["message_start"] = "message_start"
    message: Message


class ContentBlockStartEvent(APIModel):
    type: Literal["content_block_start"] = "content_block_start"
    index: int
    content_block: ContentBlock


class ContentBlockDeltaEvent(APIModel):
    """A piece of a block: ``delta`` is a :class:`TextDelta`, :class:`InputJSONDelta`... or
    :class:`UnknownDelta` (every field kept) for a type this SDK does not know."""

    type: Literal["content_block_delta"] = "content_block_delta"
    index: int
    delta: Annotated[KnownDelta | UnknownDelta, Field(union_mode="left_to_right")]


class ContentBlockStopEvent(APIModel):
    type: Literal["content_block_stop"] = "content_block_stop"
    index: int


class MessageDelta(APIModel):
    stop_reason: str | None = None
    stop_sequence: str | None = None


class MessageDeltaUsage(APIModel):
    """Cumulative counts; only ``output_tokens`` is always present."""

    output_tokens: int = 0
    input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None


class MessageDeltaEvent(APIModel):
    type: Literal["message_delta"] = "message_delta"
    delta: MessageDelta = MessageDelta()
    usage: MessageDeltaUsage | None = None


class MessageStopEvent(APIModel):
    type: Literal["message_stop"] = "message_stop"


class PingEvent(APIModel):
    """Keep-alive: it does not reset the stream's idle timer."""

    type: Literal["ping"] = "ping"


class StreamErrorEvent(APIModel):
    """The ``error`` event; the stream raises :class:`~aiotokenhot.StreamError` instead of yielding it."""

    type: Literal["error"] = "error"
    error: dict[str, Any] = Field(default_factory=dict)


class UnknownEvent(APIModel):
    """An event name this SDK does not know; ``event`` is the SSE name, fields kept as extras."""

    event: str = ""
    type: str = ""


MessageStreamEvent = (
    MessageStartEvent | ContentBlockStartEvent | ContentBlockDeltaEvent | ContentBlockStopEvent
    | MessageDeltaEvent | MessageStopEvent | PingEvent | UnknownEvent
)
