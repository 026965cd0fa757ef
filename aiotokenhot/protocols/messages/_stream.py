"""The Anthropic Messages stream: SSE events → typed events, accumulated into a ``Message``.

Per event the work is one Rust JSON validation and one dict lookup; block pieces are appended
to lists and joined only when a block stops (tool input JSON is parsed there, once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, NoReturn

import pydantic
import pydantic_core

from ..._exceptions import StreamError
from ...streams._sse import SSEEvent
from ...streams._stream import Stream
from ...transport._errors import extract_error
from .._lazy import TemplateLearner, TextTemplate, discard, lazy_instance, shadow_validator
from ._events import (
    ContentBlockDeltaEvent,
    ContentBlockStartEvent,
    ContentBlockStopEvent,
    MessageDeltaEvent,
    MessageStartEvent,
    MessageStopEvent,
    MessageStreamEvent,
    PingEvent,
    StreamErrorEvent,
    TextDelta,
    UnknownEvent,
)
from ._types import ContentBlock, Message, TextBlock, ThinkingBlock, ToolUseBlock

__all__ = ["MessageStream"]

_Apply = Callable[["MessageStream", Any], None]
_lazy = lazy_instance


class MessageStream(Stream[MessageStreamEvent]):
    """Typed events of ``POST /v1/messages`` with ``stream: true``.

    Iterate it for events, or :meth:`text` for the text pieces; once consumed, :meth:`final`
    gives the whole :class:`Message` (tool inputs parsed, thinking blocks kept). An ``error``
    event raises :class:`~aiotokenhot.StreamError`; an end before ``message_stop`` raises
    :class:`~aiotokenhot.IncompleteStreamError`, both carrying the partial ``Message``.
    """

    protocol = "Anthropic Messages"
    keepalive_types = (PingEvent,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._message: Message | None = None
        self._starts: dict[int, ContentBlock] = {}
        self._pieces: defaultdict[int, list[str]] = defaultdict(list)
        self._signatures: defaultdict[int, list[str]] = defaultdict(list)
        self._citations: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        self._built: dict[int, ContentBlock] = {}
        self._delta_event: MessageDeltaEvent | None = None
        self._final: Message | None = None
        self._last: MessageStreamEvent | None = None  # the event _last_text belongs to
        self._last_text: str | None = None
        # text deltas equal to a checked one but for the text: matched as bytes
        self._template: TextTemplate | None = None
        self._template_append: Callable[[str], None] = discard
        self._learner = TemplateLearner()

    # -- per event -------------------------------------------------------------------------------

    def _on_event(self, sse: SSEEvent) -> MessageStreamEvent | None:
        template = self._template
        if template is not None and sse.event == "content_block_delta":
            data = sse.data
            piece = template.match(data)
            if piece is not None:  # another text piece for the same block: nothing else to do
                self._template_append(piece)
                self._last_text = piece
                event = self._last = _lazy(ContentBlockDeltaEvent, data)
                return event
        handler = _DISPATCH.get(sse.event)
        if handler is None:
            return self._on_other(sse)
        return handler(self, sse)  # type: ignore[no-any-return]

    def _event_text(self, event: MessageStreamEvent) -> str | None:
        if event is self._last:  # read off the checked dict: the event need not be built
            return self._last_text
        if event.__class__ is ContentBlockDeltaEvent:
            delta = event.delta
            if delta.__class__ is TextDelta:
                return delta.text
        return None

    def _on_block_delta(self, sse: SSEEvent) -> ContentBlockDeltaEvent:
        """A ``content_block_delta`` the template did not match: checked, and its event lazy."""
        data = sse.data
        try:
            checked = _check_delta(data)
        except ValueError:  # pydantic.ValidationError too
            self._raise_bad_event(sse)
        index, delta = checked["index"], checked["delta"]
        text = self._last_text = self._add_delta(index, delta)
        self._template = None
        if text and len(delta) == 2:  # {"type": "text_delta", "text": ...} and nothing else
            self._template = self._learner.learn(self._events_seen, data, "text", text,
                                                 _check_delta, _text_delta_is)
            self._template_append = self._pieces[index].append
        event = self._last = _lazy(ContentBlockDeltaEvent, checked)
        return event

    def _add_delta(self, index: int, delta: dict[str, Any]) -> str | None:
        """Keep a delta's piece for ``final()``; returns it when it is answer text."""
        kind = delta.get("type") or ""
        field = _DELTA_PIECE.get(kind)
        piece: Any = delta.get(field) if field is not None else None
        if piece is None:  # an unknown delta type, or a known one lacking its field
            return None
        if kind == "text_delta":
            text: str = piece
            self._pieces[index].append(text)
            return text
        if kind == "signature_delta":
            self._signatures[index].append(piece)
        elif kind == "citations_delta":
            self._citations[index].append(piece)
        else:
            self._pieces[index].append(piece)
        return None

    def _on_start(self, event: MessageStartEvent) -> None:
        self._message = event.message

    def _on_block_start(self, event: ContentBlockStartEvent) -> None:
        self._starts[event.index] = event.content_block

    def _on_delta(self, event: ContentBlockDeltaEvent) -> None:
        self._add_delta(event.index, event.delta.model_dump())

    def _on_block_stop(self, event: ContentBlockStopEvent) -> None:
        self._built[event.index] = self._build_block(event.index, strict=True)

    def _on_message_delta(self, event: MessageDeltaEvent) -> None:
        self._delta_event = event

    def _on_stop(self, event: MessageStopEvent) -> None:
        self._complete = True

    def _on_error(self, event: StreamErrorEvent) -> None:
        self._raise_error(event.to_dict())

    # -- rare paths ------------------------------------------------------------------------------

    def _on_other(self, sse: SSEEvent) -> MessageStreamEvent | None:
        """An event without a known name: a gateway that drops ``event:`` lines, or a new type."""
        obj = self._loads(sse)
        kind = obj.get("type") if isinstance(obj, dict) else None
        if sse.event == "message" and isinstance(kind, str) and kind in _MODELS:
            validator, apply = _MODELS[kind]
            try:
                event = validator.validate_python(obj)
            except pydantic.ValidationError:
                self._raise_bad_event(sse)
            apply(self, event)
            return event  # type: ignore[no-any-return]
        if isinstance(obj, dict):
            if "error" in obj and ("type" not in obj or kind == "error"):
                self._raise_error(obj)
            return UnknownEvent.model_validate({**obj, "event": sse.event, "type": kind or sse.event})
        return UnknownEvent(event=sse.event, type=sse.event, data=obj)

    def _loads(self, sse: SSEEvent) -> Any:
        try:
            return pydantic_core.from_json(sse.data)
        except ValueError:
            raise StreamError(
                f"malformed JSON in a {self.protocol} {sse.event!r} event: {sse.data[:200]!r}",
                body=sse.text(),
                partial=self._partial(),
            ) from None

    def _raise_bad_event(self, sse: SSEEvent) -> NoReturn:
        obj = self._loads(sse)
        if isinstance(obj, dict) and "error" in obj:
            self._raise_error(obj)
        raise StreamError(
            f"a {self.protocol} {sse.event!r} event has an unexpected shape: {sse.data[:200]!r}",
            body=obj,
            partial=self._partial(),
        )

    def _raise_error(self, body: dict[str, Any]) -> NoReturn:
        message, etype, _ = extract_error(body)
        raise StreamError(
            f"{etype or 'error'}: {message or 'the stream reported an error'}",
            body=body,
            error_type=etype,
            partial=self._partial(),
        )

    # -- accumulation ----------------------------------------------------------------------------

    def _build_block(self, index: int, *, strict: bool) -> ContentBlock:
        start = self._starts.get(index)
        if start is None:  # deltas without a start: keep the text that came
            return TextBlock(text="".join(self._pieces.get(index, ())))
        builder = _BUILDERS.get(start.__class__)
        return start if builder is None else builder(self, index, start, strict)

    def _build_text(self, index: int, start: TextBlock, strict: bool) -> ContentBlock:
        update: dict[str, Any] = {"text": start.text + "".join(self._pieces.get(index, ()))}
        if index in self._citations:
            update["citations"] = [*(start.citations or []), *self._citations[index]]
        return start.model_copy(update=update)

    def _build_thinking(self, index: int, start: ThinkingBlock, strict: bool) -> ContentBlock:
        return start.model_copy(update={
            "thinking": start.thinking + "".join(self._pieces.get(index, ())),
            "signature": start.signature + "".join(self._signatures.get(index, ())),
        })

    def _build_tool_use(self, index: int, start: ToolUseBlock, strict: bool) -> ContentBlock:
        pieces = self._pieces.get(index)
        if not pieces:
            return start.model_copy(update={"input": start.input if start.input is not None else {}})
        raw = "".join(pieces)
        try:
            value = pydantic_core.from_json(raw or "{}", allow_partial=not strict)
        except ValueError:
            if strict:
                raise StreamError(
                    f"tool_use block {start.name!r} has input that is not JSON: {raw[:200]!r}",
                    body=raw,
                    partial=self._partial(),
                ) from None
            value = None
        update = {"input": value}
        if not strict:
            update["partial_json"] = raw
        return start.model_copy(update=update)

    def _snapshot(self, *, strict: bool) -> Message:
        base = self._message or Message()
        content = [self._built.get(i) or self._build_block(i, strict=strict) for i in sorted(self._starts)]
        update: dict[str, Any] = {"content": content}
        delta_event = self._delta_event
        if delta_event is not None:
            update["stop_reason"] = delta_event.delta.stop_reason
            update["stop_sequence"] = delta_event.delta.stop_sequence
            if delta_event.usage is not None:
                counts = delta_event.usage.model_dump(exclude_none=True)
                update["usage"] = base.usage.model_copy(update=counts)
        return base.model_copy(update=update)

    def _partial(self) -> Message:
        return self._snapshot(strict=False)

    def final(self) -> Message:
        """The whole message, rebuilt from the events (needs the stream consumed to its end)."""
        self._require_complete()
        if self._final is None:
            self._final = self._snapshot(strict=True)
        return self._final


#: the field carrying each known delta type's piece
_DELTA_PIECE = {
    "text_delta": "text",
    "input_json_delta": "partial_json",
    "thinking_delta": "thinking",
    "signature_delta": "signature",
    "citations_delta": "citation",
}

_BUILDERS: dict[type[Any], Callable[[MessageStream, int, Any, bool], ContentBlock]] = {
    TextBlock: MessageStream._build_text,
    ThinkingBlock: MessageStream._build_thinking,
    ToolUseBlock: MessageStream._build_tool_use,
}


def _full(validator: Any, apply: _Apply) -> Callable[[MessageStream, SSEEvent], Any]:
    """A handler that validates the whole event into its model, then applies it."""
    validate = validator.validate_json

    def handle(stream: MessageStream, sse: SSEEvent) -> Any:
        try:
            event = validate(sse.data)
        except ValueError:  # pydantic.ValidationError too
            stream._raise_bad_event(sse)
        apply(stream, event)
        return event

    return handle


def _text_delta_is(checked: dict[str, Any], probe: str) -> bool:
    return bool(checked["delta"] == {"type": "text_delta", "text": probe})


_check_delta = shadow_validator(ContentBlockDeltaEvent).validate_json

#: by event name: the events' full validators and what to do with each (the ``message``
#: fallback of gateways without ``event:`` lines uses them too)
_MODELS: dict[str, tuple[Any, _Apply]] = {
    "message_start": (MessageStartEvent.__pydantic_validator__, MessageStream._on_start),
    "content_block_start": (ContentBlockStartEvent.__pydantic_validator__, MessageStream._on_block_start),
    "content_block_delta": (ContentBlockDeltaEvent.__pydantic_validator__, MessageStream._on_delta),
    "content_block_stop": (ContentBlockStopEvent.__pydantic_validator__, MessageStream._on_block_stop),
    "message_delta": (MessageDeltaEvent.__pydantic_validator__, MessageStream._on_message_delta),
    "message_stop": (MessageStopEvent.__pydantic_validator__, MessageStream._on_stop),
    "ping": (PingEvent.__pydantic_validator__, lambda s, e: None),
    "error": (StreamErrorEvent.__pydantic_validator__, MessageStream._on_error),
}

#: by event name: the handler turning the SSE event into the event to yield; one lookup each
_DISPATCH: dict[str, Callable[[MessageStream, SSEEvent], Any]] = {
    name: _full(validator, apply) for name, (validator, apply) in _MODELS.items()
}
_DISPATCH["content_block_delta"] = MessageStream._on_block_delta
