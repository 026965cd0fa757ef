"""Per-protocol SSE event → unified deltas for the protocols not yet derived from their fold.

Each class is a :class:`UnifiedStream` whose ``_on_event`` reads the raw event with
``pydantic_core.from_json`` and returns a list of unified events (or None). Terminators follow
each protocol's rule: ``[DONE]`` (Chat), ``response.completed``/``incomplete`` (Responses),
``message_stop`` (Anthropic), a chunk with ``finishReason`` (Gemini).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pydantic_core

from ..streams._sse import SSEEvent
from ._events import UnifiedEvent
from ._legacy import MappedUnifiedStream
from ._normalize import (
    responses_usage,
)

__all__ = ["ResponsesUnified"]

_from_json = pydantic_core.from_json


_Handler = Callable[[Any, Any], "list[UnifiedEvent] | None"]


def _by_event_name(
    stream: MappedUnifiedStream, sse: SSEEvent, table: dict[str, _Handler]
) -> list[UnifiedEvent] | None:
    """Slow path: data without a ``type`` (dispatch on the SSE event name), or not JSON."""
    obj = stream._load(sse.data)
    if not isinstance(obj, dict):
        stream._malformed(sse.data)
    handler = table.get(sse.event)
    if handler is not None:
        return handler(stream, obj)
    if obj.get("error"):
        stream._fail(obj, "error event")
    return None


class ResponsesUnified(MappedUnifiedStream):
    """Responses events by ``type``; ends at response.completed / response.incomplete."""

    protocol: ClassVar[str] = "responses"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_item: dict[Any, int] = {}

    def _on_event(self, sse: SSEEvent) -> list[UnifiedEvent] | None:  # type: ignore[override]
        try:
            obj = _from_json(sse.data)
            handler = _RESPONSES.get(obj["type"])
        except (ValueError, KeyError, TypeError):
            if sse.data == b"[DONE]":  # some gateways append one; the real end came before
                return None
            return _by_event_name(self, sse, _RESPONSES)
        return handler(self, obj) if handler is not None else None

    def _text_delta(self, obj: Any) -> list[UnifiedEvent] | None:
        piece = obj["delta"]
        return [self._text_piece(piece)] if piece else None

    def _reasoning_piece(self, obj: Any) -> list[UnifiedEvent] | None:
        piece = obj["delta"]
        return [self._reasoning_delta(piece)] if piece else None

    def _created(self, obj: Any) -> None:
        response = obj.get("response") or {}
        self._id = response.get("id")
        self._model = response.get("model")

    def _item_added(self, obj: Any) -> list[UnifiedEvent] | None:
        item = obj.get("item") or {}
        if item.get("type") != "function_call":
            return None
        self._by_item[obj.get("output_index")] = len(self._calls)
        return [self._start_call(item.get("call_id") or item.get("id"), item.get("name"),
                                 item.get("arguments") or "")]

    def _arguments(self, obj: Any) -> list[UnifiedEvent] | None:
        pos = self._by_item.get(obj.get("output_index"))
        piece = obj.get("delta")
        if pos is None or not piece:
            return None
        return [self._call_piece(pos, piece)]

    def _item_done(self, obj: Any) -> list[UnifiedEvent] | None:
        """Arguments that were never streamed as deltas arrive whole here."""
        item = obj.get("item") or {}
        if item.get("type") != "function_call":
            return None
        pos = self._by_item.get(obj.get("output_index"))
        args = item.get("arguments") or ""
        if pos is None:
            self._by_item[obj.get("output_index")] = len(self._calls)
            return [self._start_call(item.get("call_id") or item.get("id"), item.get("name"), args)]
        if args and not self._calls[pos].pieces:
            return [self._call_piece(pos, args)]
        return None

    def _ended(self, obj: Any) -> list[UnifiedEvent]:
        response = obj.get("response") or {}
        self._raw = response
        self._id = response.get("id") or self._id
        self._model = response.get("model") or self._model
        usage = response.get("usage")
        if usage:
            self._usage = responses_usage(usage)
        if response.get("status") == "incomplete" or obj.get("type") == "response.incomplete":
            details = response.get("incomplete_details") or {}
            return self._closing(details.get("reason") or "incomplete")
        return self._closing(response.get("status") or "completed")

    def _failed(self, obj: Any) -> None:
        response = obj.get("response") or {}
        self._raw = response
        self._fail(response, "response.failed")

    def _error(self, obj: Any) -> None:
        self._fail(obj if isinstance(obj.get("error"), dict) else {"error": obj}, "error event")


_RESPONSES: dict[str, _Handler] = {
    "response.output_text.delta": ResponsesUnified._text_delta,
    "response.reasoning_summary_text.delta": ResponsesUnified._reasoning_piece,
    "response.reasoning_text.delta": ResponsesUnified._reasoning_piece,
    "response.created": ResponsesUnified._created,
    "response.output_item.added": ResponsesUnified._item_added,
    "response.function_call_arguments.delta": ResponsesUnified._arguments,
    "response.output_item.done": ResponsesUnified._item_done,
    "response.completed": ResponsesUnified._ended,
    "response.incomplete": ResponsesUnified._ended,
    "response.failed": ResponsesUnified._failed,
    "error": ResponsesUnified._error,
}
