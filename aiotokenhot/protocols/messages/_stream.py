"""The Anthropic Messages stream: SSE events → typed events, folded into a ``Message``.

Per event: one JSON parse into a dict, one fold of that dict (:class:`MessageAccumulator`), and —
when the caller iterates typed events — one validation of the same dict into the event's public
model. ``.text()`` (and ``text_stream``) skip the models: they never hand events out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, NoReturn

import pydantic
import pydantic_core

from ..._exceptions import StreamError
from ...streams._sse import SSEEvent
from ...streams._stream import Stream
from ...transport._errors import extract_error
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

__all__ = ["MessageStream"]

_from_json = pydantic_core.from_json


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
        self._acc = MessageAccumulator()
        self._final: Message | None = None

    # -- per event -------------------------------------------------------------------------------

    def _on_event(self, sse: SSEEvent) -> Any:
        try:
            obj = _from_json(sse.data)
        except ValueError:
            self._malformed(sse)
        if obj.__class__ is dict:
            kind = obj.get("type")
            if kind == "content_block_delta":  # the hot path: fold, then (typed) validate
                piece = self._acc.block_delta(obj)
                if not self._typed:
                    return piece or ""
                return self._validate(_DELTA, obj, sse, kind)
        else:
            kind = None
        return self._on_other(sse, obj, kind)

    def _on_other(self, sse: SSEEvent, obj: Any, kind: Any) -> Any:
        if kind.__class__ is not str:  # the data's type decides; the SSE name is the fallback
            kind = sse.event
        is_dict = obj.__class__ is dict
        if kind == "error" or (is_dict and "error" in obj and "type" not in obj):
            self._raise_error(obj)
        model = _MODELS.get(kind)
        if not is_dict:
            if model is not None:
                raise TypeError(f"a {kind!r} event must be a JSON object")
            return "" if not self._typed else UnknownEvent(event=sse.event, type=kind, data=obj)
        acc = self._acc
        piece = acc.add(kind, obj)
        if acc.done:
            self._complete = True
        if not self._typed:
            return None if kind == "ping" else piece or ""
        if model is None:
            return UnknownEvent.model_validate({**obj, "event": sse.event, "type": kind})
        return self._validate(model, obj, sse, kind)

    def _validate(self, model: Any, obj: dict[str, Any], sse: SSEEvent, kind: str) -> Any:
        """The event's public model, validated once from the dict the fold read."""
        try:
            return model.validate_python(obj)
        except pydantic.ValidationError as exc:
            raise StreamError(
                f"a {self.protocol} {kind!r} event has an unexpected shape: {sse.data[:200]!r}",
                body=obj,
                partial=self._partial_or_none(),
            ) from exc

    def _event_text(self, event: Any) -> str | None:
        if event.__class__ is str:
            return event
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

    # -- errors ----------------------------------------------------------------------------------

    def _malformed(self, sse: SSEEvent) -> NoReturn:
        raise StreamError(
            f"malformed JSON in a {self.protocol} {sse.event!r} event: {sse.data[:200]!r}",
            body=sse.text(),
            partial=self._partial_or_none(),
        )

    def _raise_error(self, body: Any) -> NoReturn:
        message, etype, _ = extract_error(body)
        raise StreamError(
            f"{etype or 'error'}: {message or 'the stream reported an error'}",
            body=body,
            error_type=etype,
            partial=self._partial_or_none(),
        )

    # -- results ---------------------------------------------------------------------------------

    def _partial(self) -> Message:
        return self._acc.snapshot()

    def final(self) -> Message:
        """The whole message, folded from the events (needs the stream consumed to its end)."""
        self._require_complete()
        if self._final is None:
            self._final = self._acc.snapshot()
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
_DELTA = _MODELS["content_block_delta"]
