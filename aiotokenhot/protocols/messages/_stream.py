"""The Anthropic Messages stream: SSE events → typed events, folded into a ``Message``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ...streams._errors import raise_stream_error
from ...streams._fold import DONE, Fold, FoldStream
from ...streams._sse import SSEEvent
from ._accumulate import MessageAccumulator
from ._events import (
    ContentBlockDeltaEvent,
    ContentBlockStartEvent,
    ContentBlockStopEvent,
    MessageDeltaEvent,
    MessageStartEvent,
    MessageStopEvent,
    MessageStreamEvent,
    PingEvent,
    UnknownEvent,
)
from ._types import Message

__all__ = ["MessageFold", "MessageStream"]


class MessageFold(Fold):
    """The Messages stream's :class:`Fold`; :attr:`kind` is the last event's type. An ``error``
    event raises :class:`~aiotokenhot.StreamError`."""

    __slots__ = ("kind",)
    accumulator = MessageAccumulator
    acc: MessageAccumulator
    kind: Any

    def feed(self, sse: SSEEvent) -> Any:
        obj = self.event = self.parse(sse.data)
        if obj.__class__ is dict:
            kind = obj.get("type")
            if kind == "content_block_delta":  # the hot path
                self.kind = kind
                self.keepalive = False
                return self.acc.block_delta(obj)
        elif obj is DONE:  # a stray OpenAI-style terminator: nothing
            self.event = None
            return None
        else:
            kind = None
        if kind.__class__ is not str:  # the data's type decides; the SSE name is the fallback
            kind = sse.event
        self.kind = kind
        self.keepalive = kind == "ping"
        if kind == "error" or (obj.__class__ is dict and "error" in obj and "type" not in obj):
            raise_stream_error(self.protocol, "error event", body=obj, partial=self.partial())
        if obj.__class__ is not dict:
            if kind in _MODELS:
                raise TypeError(f"a {kind!r} event must be a JSON object")
            return None
        if kind == "message_stop":
            self.done = True
        return self.acc.add(kind, obj)

    def primary(self) -> MessageAccumulator:
        return self.acc


class MessageStream(FoldStream[MessageStreamEvent, Message]):
    """Typed events of ``POST /v1/messages`` with ``stream: true``.

    Iterate it for events, or :meth:`text` (alias :attr:`text_stream`) for the text pieces; once
    consumed, :meth:`final` (or ``await`` :meth:`get_final_message`, which reads the rest first)
    gives the whole :class:`Message` (tool inputs parsed, thinking blocks, unknown blocks and
    every ``message_delta`` field kept). An ``error`` event raises
    :class:`~aiotokenhot.StreamError`; an end before ``message_stop`` raises
    :class:`~aiotokenhot.IncompleteStreamError`, both carrying the partial ``Message``.
    """

    protocol = "Anthropic Messages"
    keepalive_types = (PingEvent,)
    fold_type = MessageFold
    _fold: MessageFold

    def _typed_event(self, obj: Any, sse: SSEEvent) -> MessageStreamEvent:
        kind = self._fold.kind
        model = _MODELS.get(kind)
        if model is None:
            fields = obj if obj.__class__ is dict else {"data": obj}
            return UnknownEvent.model_validate({**fields, "event": sse.event, "type": kind})
        event: MessageStreamEvent = model.validate_python(obj)
        return event

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """The text pieces, in order: the official SDK's name for :meth:`text`."""
        return self.text()

    async def get_final_message(self) -> Message:
        """Read the rest of the stream (if any), then return :meth:`final`."""
        await self.until_done()
        return self.final()

    async def get_final_text(self) -> str:
        """Read the rest of the stream (if any), then return the final message's text."""
        return (await self.get_final_message()).text


#: by event type: the validator of the public model each event is validated into
_MODELS: dict[str, Any] = {
    model.model_fields["type"].default: model.__pydantic_validator__
    for model in (MessageStartEvent, ContentBlockStartEvent, ContentBlockDeltaEvent,
                  ContentBlockStopEvent, MessageDeltaEvent, MessageStopEvent, PingEvent)
}
