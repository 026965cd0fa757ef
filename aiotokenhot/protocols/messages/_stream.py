"""The Anthropic Messages stream: SSE events → typed events, folded into a ``Message``.

Per event: one JSON parse into a dict, one fold of that dict (:class:`MessageAccumulator`), and —
when the caller iterates typed events — one validation of the same dict into the event's public
model. ``.text()`` (and ``text_stream``) skip the models: they never hand events out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pydantic
import pydantic_core

from ..._exceptions import StreamError
from ...streams._errors import raise_malformed, raise_stream_error
from ...streams._json import EventJSON
from ...streams._sse import SSEEvent
from ...streams._stream import Stream
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
    TextDelta,
    UnknownEvent,
)
from ._types import Message

__all__ = ["MessageFold", "MessageStream"]

_from_json = pydantic_core.from_json


class MessageFold:
    """The Messages stream's state: reads an SSE event once, folds it, keeps the message so far.

    Shared by :class:`MessageStream` and the unified stream (which reads the accumulator's
    ``content``, ``reasoning`` and ``calls`` lists as they grow). ``feed`` folds an event, keeps
    its type in :attr:`kind` and its JSON value in :attr:`event`, and says what it did to those
    lists; an ``error`` event, or data that is not JSON, raises
    :class:`~aiotokenhot.StreamError` (the caller adds ``partial``); an event of the wrong shape
    raises ``KeyError``/``TypeError``/``ValueError``.
    """

    __slots__ = ("acc", "done", "event", "json", "kind", "protocol")

    def __init__(self, protocol: str = "Anthropic Messages") -> None:
        self.protocol = protocol
        self.acc = MessageAccumulator()
        self.json = EventJSON()
        #: True once ``message_stop`` arrived
        self.done = False
        #: the last event's type and JSON value
        self.kind: Any = None
        self.event: Any = None

    def feed(self, sse: SSEEvent) -> Any:
        """Fold one event in; returns the answer-text piece it appended (a ``str``) when that is
        all it did, None when it left the text, thinking and tool-call lists as they were, else
        True (see :meth:`MessageAccumulator.add`)."""
        json = self.json
        try:
            obj = _from_json(sse.data)
        except ValueError:
            try:
                obj = json.tolerant(sse.data)  # e.g. a character cut between UTF-16 halves
            except ValueError:
                raise_malformed(self.protocol, sse.data)
        else:
            if json.carry:
                obj = json.repair(obj)
        self.event = obj
        if obj.__class__ is dict:
            kind = obj.get("type")
            if kind == "content_block_delta":  # the hot path
                self.kind = kind
                return self.acc.block_delta(obj)
        else:
            kind = None
        if kind.__class__ is not str:  # the data's type decides; the SSE name is the fallback
            kind = sse.event
        self.kind = kind
        if kind == "error" or (obj.__class__ is dict and "error" in obj and "type" not in obj):
            raise_stream_error(self.protocol, "error event", body=obj)
        if obj.__class__ is not dict:
            if kind in _MODELS:
                raise TypeError(f"a {kind!r} event must be a JSON object")
            return None
        change = self.acc.add(kind, obj)
        self.done = self.acc.done
        return change

    def primary(self) -> MessageAccumulator:
        return self.acc

    def at_eof(self) -> bool:
        """A Messages stream ends at ``message_stop`` only: a body that stops before was cut."""
        return False

    def snapshot(self) -> Message:
        return self.acc.snapshot()


class MessageStream(Stream[MessageStreamEvent]):
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
    text_mode = True  # .text() folds the events without building them

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fold = MessageFold(self.protocol)
        self._final: Message | None = None

    # -- per event -------------------------------------------------------------------------------

    def _on_event(self, sse: SSEEvent) -> Any:
        fold = self._fold
        try:
            change = fold.feed(sse)
        except StreamError as exc:
            exc.partial = self._partial_or_none()
            raise
        if not self._typed:  # .text(): the piece; "" keeps the idle timer going, None is a ping
            if change.__class__ is str:
                return change
            if fold.done:
                self._complete = True
            return None if fold.kind == "ping" else ""
        if fold.done:
            self._complete = True
        kind = fold.kind
        obj = fold.event
        model = _MODELS.get(kind)
        if model is None:
            if obj.__class__ is dict:
                return UnknownEvent.model_validate({**obj, "event": sse.event, "type": kind})
            return UnknownEvent(event=sse.event, type=kind, data=obj)
        try:
            return model.validate_python(obj)
        except pydantic.ValidationError:
            raise_stream_error(self.protocol, f"a {kind!r} event has an unexpected shape: "
                               f"{sse.data[:200]!r}", body=obj, partial=self._partial_or_none())

    def _event_text(self, event: Any) -> str | None:
        if event.__class__ is ContentBlockDeltaEvent and event.delta.__class__ is TextDelta:
            return event.delta.text
        return None

    async def until_done(self) -> None:
        """Consume the rest of the stream (so that :meth:`final` is available)."""
        self._typed = False  # nothing is handed out: fold only
        await super().until_done()

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """The text pieces, in order: the official SDK's name for :meth:`text`."""
        return self.text()

    # -- results ---------------------------------------------------------------------------------

    def _partial(self) -> Message:
        return self._fold.snapshot()

    def final(self) -> Message:
        """The whole message, folded from the events (needs the stream consumed to its end)."""
        self._require_complete()
        if self._final is None:
            self._final = self._fold.snapshot()
        return self._final

    async def get_final_message(self) -> Message:
        """Read the rest of the stream (if any), then return :meth:`final`."""
        await self.until_done()
        return self.final()

    async def get_final_text(self) -> str:
        """Read the rest of the stream (if any), then return the final message's text."""
        return (await self.get_final_message()).text


#: by event type: the public model each event is validated into
_MODELS: dict[str, Any] = {
    "message_start": MessageStartEvent.__pydantic_validator__,
    "content_block_start": ContentBlockStartEvent.__pydantic_validator__,
    "content_block_delta": ContentBlockDeltaEvent.__pydantic_validator__,
    "content_block_stop": ContentBlockStopEvent.__pydantic_validator__,
    "message_delta": MessageDeltaEvent.__pydantic_validator__,
    "message_stop": MessageStopEvent.__pydantic_validator__,
    "ping": PingEvent.__pydantic_validator__,
}
