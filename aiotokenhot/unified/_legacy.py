"""The event-mapping unified streams that are not yet derived from their native fold.

Subclasses (in ``_mappers``) turn each raw SSE event into zero or more unified events in one
JSON pass and feed the small accumulator kept here. Protocols move off this base onto an
adapter (see ``_adapter``) one at a time; then this module goes.
"""

from __future__ import annotations

from typing import Any, NoReturn

import pydantic_core

from .._exceptions import ResponseValidationError
from ..streams._errors import raise_malformed, raise_stream_error
from ..streams._stream import Opener
from ._adapter import NativeFold, NativeRequest, UnifiedAdapter, UnifiedRequest
from ._events import (
    Completion,
    Finish,
    ReasoningDelta,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    UnifiedEvent,
    Usage,
    parse_arguments,
)
from ._normalize import finish
from ._stream import UnifiedStream

__all__ = ["MappedUnifiedStream", "legacy_adapter"]


class _Call:
    """A tool call being assembled from its pieces."""

    __slots__ = ("extra", "id", "name", "pieces")

    def __init__(self, id: str, name: str, extra: dict[str, Any] | None) -> None:
        self.id = id
        self.name = name
        self.pieces: list[str] = []
        self.extra = extra


class MappedUnifiedStream(UnifiedStream):
    """A unified stream whose subclass maps raw events itself (no adapter)."""

    def __init__(self, opener: Opener, **kwargs: Any) -> None:
        super().__init__(opener, **kwargs)
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._calls: list[_Call] = []
        self._usage: Usage | None = None
        self._finish: Finish | None = None
        self._raw: Any = None
        self._id: str | None = None
        self._model: str | None = None
        self._final: Completion | None = None

    # -- results ---------------------------------------------------------------------------------

    def final(self) -> Completion:
        """The whole reply; the stream must have been consumed to its end."""
        self._require_complete()
        if self._final is None:
            self._final = self._partial()
        return self._final

    def _partial(self) -> Completion:
        return Completion(
            text="".join(self._text),
            reasoning="".join(self._reasoning),
            tool_calls=[
                ToolCall(c.id, c.name, parse_arguments(raw), raw, c.extra)
                for c in self._calls
                for raw in ("".join(c.pieces),)
            ],
            usage=self._usage,
            finish=self._finish,
            protocol=self.protocol,
            model=self._model,
            id=self._id,
            raw=self._raw,
        )

    def _event_text(self, event: UnifiedEvent) -> str | None:
        return event.text if event.__class__ is TextDelta else None

    # -- helpers for the protocol mappers --------------------------------------------------------

    def _on_event(self, sse: Any) -> Any:  # list[UnifiedEvent] | None (multi_events)
        raise NotImplementedError

    def _start_call(
        self, id: str | None, name: str | None, arguments: str = "",
        extra: dict[str, Any] | None = None,
    ) -> ToolCallDelta:
        if arguments.__class__ is not str or (name is not None and name.__class__ is not str):
            raise TypeError("a tool call's name and arguments must be strings")
        index = len(self._calls)
        call = _Call(id or "", name or "", extra)
        if arguments:
            call.pieces.append(arguments)
        self._calls.append(call)
        return ToolCallDelta(index, id, name, arguments)

    def _call_piece(self, index: int, piece: str) -> ToolCallDelta:
        if piece.__class__ is not str:
            raise TypeError("tool call arguments must arrive as string pieces")
        self._calls[index].pieces.append(piece)
        return ToolCallDelta(index, None, None, piece)

    def _text_piece(self, text: str) -> TextDelta:
        """Record and return one piece of reply text (anything but a string is a shape error)."""
        if text.__class__ is not str:
            raise TypeError(f"text pieces must be strings, not {type(text).__name__}")
        self._text.append(text)
        return TextDelta(text)

    def _reasoning_delta(self, text: str) -> ReasoningDelta:
        if text.__class__ is not str:
            raise TypeError(f"reasoning pieces must be strings, not {type(text).__name__}")
        self._reasoning.append(text)
        return ReasoningDelta(text)

    def _closing(self, raw_reason: str | None) -> list[UnifiedEvent]:
        """The last events: Usage (if reported) then Finish; marks the stream complete."""
        self._complete = True
        done = self._finish = finish(self.protocol, raw_reason, bool(self._calls))
        return [done] if self._usage is None else [self._usage, done]

    def _fail(self, body: Any, fallback: str) -> NoReturn:
        """An error sent inside the stream: raise it with what arrived so far."""
        raise_stream_error(self.protocol, fallback, body=body, partial=self._partial())

    def _malformed(self, data: bytes) -> NoReturn:
        raise_malformed(self.protocol, data, partial=self._partial())

    def _load(self, data: bytes) -> Any:
        """JSON of an event outside the fast path (the fast path calls from_json itself)."""
        try:
            return pydantic_core.from_json(data)
        except ValueError:
            self._malformed(data)


class _LegacyAdapter:
    """Request builder and whole-answer parser of a protocol whose stream maps events itself."""

    def __init__(self, name: str) -> None:
        self.name = name

    def native_request(self, request: UnifiedRequest) -> NativeRequest:
        from ._convert import BUILDERS

        return BUILDERS[self.name](request.model, request.messages, request.tools,
                                   request.tool_choice, request.sampling, request.stream)

    def new_fold(self) -> NativeFold:
        raise NotImplementedError(f"the {self.name} unified stream maps events itself")

    def completion(self, result: Any, raw: Any = None) -> Completion:
        return self.parse(result)

    def parse(self, body: Any) -> Completion:
        from ._complete import PARSERS

        try:
            return PARSERS[self.name](body)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ResponseValidationError(
                f"the {self.name} response does not have the expected shape ({exc!r})",
                body=body,
            ) from None


def legacy_adapter(name: str) -> UnifiedAdapter:
    return _LegacyAdapter(name)
