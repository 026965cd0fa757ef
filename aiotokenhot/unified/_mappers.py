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
from ._events import Completion, Finish, UnifiedEvent, new_call_id
from ._legacy import MappedUnifiedStream
from ._normalize import (
    anthropic_usage,
    gemini_usage,
    responses_usage,
)

__all__ = ["AnthropicUnified", "GeminiUnified", "ResponsesUnified"]

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


class AnthropicUnified(MappedUnifiedStream):
    """Messages events by ``type``; content blocks by index; ends at message_stop."""

    protocol: ClassVar[str] = "anthropic"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_block: dict[int, int] = {}
        self._usage_raw: dict[str, Any] = {}
        self._stop: str | None = None

    def _on_event(self, sse: SSEEvent) -> list[UnifiedEvent] | None:  # type: ignore[override]
        try:
            obj = _from_json(sse.data)
            handler = _ANTHROPIC.get(obj["type"])
        except (ValueError, KeyError, TypeError):
            return _by_event_name(self, sse, _ANTHROPIC)
        return handler(self, obj) if handler is not None else None

    def _delta(self, obj: Any) -> list[UnifiedEvent] | None:
        delta = obj["delta"]
        kind = delta["type"]
        if kind == "text_delta":
            piece = delta["text"]
            return [self._text_piece(piece)] if piece else None
        if kind == "input_json_delta":
            piece = delta.get("partial_json")
            pos = self._by_block.get(obj.get("index"))
            return [self._call_piece(pos, piece)] if piece and pos is not None else None
        if kind == "thinking_delta":
            piece = delta.get("thinking")
            return [self._reasoning_delta(piece)] if piece else None
        return None  # signature_delta, citations_delta: nothing unified to say

    def _block_start(self, obj: Any) -> list[UnifiedEvent] | None:
        block = obj.get("content_block") or {}
        kind = block.get("type")
        if kind == "tool_use":
            self._by_block[obj.get("index")] = len(self._calls)
            given = block.get("input")
            args = pydantic_core.to_json(given).decode() if given else ""
            return [self._start_call(block.get("id"), block.get("name"), args)]
        if kind == "text" and block.get("text"):
            return [self._text_piece(block["text"])]
        if kind == "thinking" and block.get("thinking"):
            return [self._reasoning_delta(block["thinking"])]
        return None

    def _message_start(self, obj: Any) -> None:
        message = obj.get("message") or {}
        self._raw = message
        self._id = message.get("id")
        self._model = message.get("model")
        self._usage_raw.update(message.get("usage") or {})

    def _message_delta(self, obj: Any) -> None:
        self._stop = (obj.get("delta") or {}).get("stop_reason") or self._stop
        self._usage_raw.update(obj.get("usage") or {})

    def _message_stop(self, obj: Any) -> list[UnifiedEvent]:
        if self._usage_raw:
            self._usage = anthropic_usage(self._usage_raw)
        if isinstance(self._raw, dict):
            self._raw = {**self._raw, "stop_reason": self._stop, "usage": self._usage_raw}
        return self._closing(self._stop)

    def _error(self, obj: Any) -> None:
        self._fail(obj, "error event")


_ANTHROPIC: dict[str, _Handler] = {
    "content_block_delta": AnthropicUnified._delta,
    "content_block_start": AnthropicUnified._block_start,
    "message_start": AnthropicUnified._message_start,
    "message_delta": AnthropicUnified._message_delta,
    "message_stop": AnthropicUnified._message_stop,
    "error": AnthropicUnified._error,
}


class GeminiUnified(MappedUnifiedStream):
    """Gemini ``alt=sse`` chunks; complete once a candidate carries ``finishReason``."""

    protocol: ClassVar[str] = "gemini"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._usage_raw: dict[str, Any] | None = None

    def _on_event(self, sse: SSEEvent) -> list[UnifiedEvent] | None:  # type: ignore[override]
        try:
            chunk = _from_json(sse.data)
            candidate = chunk["candidates"][0]
        except (ValueError, KeyError, TypeError, IndexError):
            return self._odd(sse.data)
        out: list[UnifiedEvent] = []
        content = candidate.get("content")
        if content:
            for part in content.get("parts") or ():
                text = part.get("text")
                if text is not None:
                    if part.get("thought"):
                        if text:
                            out.append(self._reasoning_delta(text))
                    elif text:
                        out.append(self._text_piece(text))
                elif "functionCall" in part:
                    out.append(self._function_call(part))
        usage = chunk.get("usageMetadata")
        if usage:
            self._usage_raw = usage  # each chunk repeats it; read it once, at the end
        if self._id is None:
            self._id = chunk.get("responseId")
            self._model = chunk.get("modelVersion")
        reason = candidate.get("finishReason")
        if reason:
            self._raw = chunk
            out += self._end(reason)
        return out or None

    def _partial(self) -> Completion:
        if self._usage is None and self._usage_raw:
            self._usage = gemini_usage(self._usage_raw)
        return super()._partial()

    def _end(self, raw_reason: str) -> list[UnifiedEvent]:
        if self._usage_raw:
            self._usage = gemini_usage(self._usage_raw)
        return self._closing(raw_reason)

    def _function_call(self, part: Any) -> UnifiedEvent:
        call = part["functionCall"]
        args = call.get("args")
        signature = part.get("thoughtSignature")
        extra = {"google": {"thought_signature": signature}} if signature else None
        call_id = call.get("id") or new_call_id()
        return self._start_call(
            call_id, call.get("name"), pydantic_core.to_json(args if args is not None else {}).decode(),
            extra,
        )

    def _odd(self, data: bytes) -> list[UnifiedEvent] | None:
        """Chunks without candidates: an error, a blocked prompt, or usage only."""
        chunk = self._load(data)
        if not isinstance(chunk, dict) or chunk.get("error"):
            self._fail(chunk, "error chunk")
        usage = chunk.get("usageMetadata")
        if usage:
            self._usage_raw = usage
        blocked = (chunk.get("promptFeedback") or {}).get("blockReason")
        if blocked:
            self._raw = chunk
            events = self._end(blocked)
            self._finish = events[-1] = Finish("content_filter", blocked)
            return events
        return None
