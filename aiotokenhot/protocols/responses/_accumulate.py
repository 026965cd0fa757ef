"""Fold Responses stream events (their JSON dicts) into a :class:`Response` — pure, no I/O.

Items and responses are validated when they arrive, so a mis-shaped one is an error in the
stream, never a broken ``final()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter

from ._events import ResponseEvent
from ._types import (
    OutputItem,
    Response,
    ResponseContentPart,
    ResponseFunctionToolCall,
    ResponseOutputItem,
    ResponseOutputMessage,
    ResponseReasoningItem,
    SummaryPart,
)

__all__ = ["ResponseAccumulator", "ResponseCallState", "ResponseView"]

_validate_item: Callable[[Any], ResponseOutputItem] = TypeAdapter(OutputItem).validate_python


def _text(value: Any) -> str:
    if value.__class__ is not str:
        raise TypeError(f"expected a string piece, got {type(value).__name__}")
    return value


def _index(value: Any) -> int:
    if value.__class__ is not int:
        raise TypeError("an output index must be an integer")
    return value


class ResponseCallState:
    """A ``function_call`` item as the unified stream follows it."""

    __slots__ = ("arguments", "id", "name")

    def __init__(self, id: str, name: str, arguments: str) -> None:
        self.id = id
        self.name = name
        self.arguments: list[str] = [arguments] if arguments else []


class ResponseView:
    """The reply's pieces in stream order: output text, reasoning (summary and full text) and
    function calls. The unified stream reads what was appended since it last looked."""

    __slots__ = ("_calls_at", "calls", "content", "reasoning")

    def __init__(self) -> None:
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.calls: list[ResponseCallState] = []
        self._calls_at: dict[int, ResponseCallState] = {}


class ResponseAccumulator:
    """Feed every event to :meth:`add` (typed) or :meth:`add_dict` (parsed JSON);
    :attr:`response` is set once a terminal event arrives."""

    __slots__ = ("_args", "_base", "_items", "_summaries", "_texts", "response", "view")

    def __init__(self) -> None:
        self._base: Response | None = None
        self._items: dict[int, ResponseOutputItem] = {}
        self._texts: dict[tuple[int, int], list[str]] = {}
        self._args: dict[int, list[str]] = {}
        self._summaries: dict[tuple[int, int], list[str]] = {}
        #: the terminal Response (completed, incomplete or failed)
        self.response: Response | None = None
        self.view = ResponseView()

    def add(self, event: ResponseEvent) -> None:
        """Fold one typed event in."""
        self.add_dict(event.model_dump(exclude_unset=True))

    def add_dict(self, event: dict[str, Any]) -> Any:
        """Fold in one event given as its JSON object (with its ``type``). Returns what it did
        to :attr:`view`: the output text piece it appended (a ``str``), None when the view is as
        it was, True when it may have changed otherwise."""
        kind = event["type"]
        if kind == "response.output_text.delta":
            piece = event["delta"]
            key = (event.get("output_index", 0), event.get("content_index", 0))
            if piece.__class__ is not str or key[0].__class__ is not int or key[1].__class__ is not int:
                raise TypeError("an output_text delta needs a string and integer indexes")
            pieces = self._texts.get(key)
            if pieces is None:
                pieces = self._texts[key] = []
            pieces.append(piece)
            self.view.content.append(piece)
            return piece
        handler = _HANDLERS.get(kind)
        if handler is None:
            return None
        handler(self, event)
        return True

    def _arguments(self, event: dict[str, Any]) -> None:
        index = _index(event.get("output_index", 0))
        piece = _text(event["delta"])
        self._args.setdefault(index, []).append(piece)
        call = self.view._calls_at.get(index)
        if call is not None:
            call.arguments.append(piece)

    def _summary(self, event: dict[str, Any]) -> None:
        key = (_index(event.get("output_index", 0)), _index(event.get("summary_index", 0)))
        piece = _text(event["delta"])
        self._summaries.setdefault(key, []).append(piece)
        self.view.reasoning.append(piece)

    def _reasoning_text(self, event: dict[str, Any]) -> None:
        self.view.reasoning.append(_text(event["delta"]))

    def _item(self, event: dict[str, Any]) -> tuple[int, ResponseOutputItem]:
        index = _index(event.get("output_index", 0))
        item = self._items[index] = _validate_item(event["item"])
        if isinstance(item, ResponseFunctionToolCall) and index not in self.view._calls_at:
            call = ResponseCallState(item.call_id or item.id or "", item.name, item.arguments)
            self.view._calls_at[index] = call
            self.view.calls.append(call)
        return index, item

    def _item_done(self, event: dict[str, Any]) -> None:
        index, item = self._item(event)
        call = self.view._calls_at.get(index)
        if call is not None and isinstance(item, ResponseFunctionToolCall):
            # arguments that were never streamed as deltas arrive whole here
            if not call.arguments and item.arguments:
                call.arguments.append(item.arguments)
            call.name = call.name or item.name
            call.id = call.id or item.call_id or item.id or ""
        self._args.pop(index, None)
        for pieces in (self._texts, self._summaries):
            for key in [k for k in pieces if k[0] == index]:
                del pieces[key]

    def _started(self, event: dict[str, Any]) -> None:
        self._base = Response.model_validate(event["response"])

    def _finished(self, event: dict[str, Any]) -> None:
        self.response = Response.model_validate(event["response"])

    def snapshot(self) -> Response:
        """The terminal Response if it arrived, else one rebuilt from the events so far.

        A terminal Response that carries no ``output`` (lean gateways send only the status and
        usage) gets the output rebuilt from the stream's items and pieces.
        """
        response = self.response
        if response is not None and (response.output or not (self._items or self._texts)):
            return response
        items = dict(self._items)
        for index, _ in self._texts:  # text pieces of an item that was never announced
            items.setdefault(index, ResponseOutputMessage(type="message"))
        output = [self._rebuild(index, item) for index, item in sorted(items.items())]
        base = response or self._base or Response(status="in_progress")
        return base.model_copy(update={"output": output})

    def _rebuild(self, index: int, item: ResponseOutputItem) -> ResponseOutputItem:
        if isinstance(item, ResponseOutputMessage):
            texts = {c: "".join(p) for (i, c), p in self._texts.items() if i == index}
            if not texts:
                return item
            parts = list(item.content)
            for c in sorted(texts):
                while len(parts) <= c:
                    parts.append(ResponseContentPart(type="output_text", text=""))
                parts[c] = parts[c].model_copy(update={"text": texts[c]})
            return item.model_copy(update={"content": parts})
        if isinstance(item, ResponseFunctionToolCall) and index in self._args:
            return item.model_copy(update={"arguments": "".join(self._args[index])})
        if isinstance(item, ResponseReasoningItem):
            summary = {s: "".join(p) for (i, s), p in self._summaries.items() if i == index}
            if summary:
                summary_parts = [SummaryPart(text=summary[s]) for s in sorted(summary)]
                return item.model_copy(update={"summary": summary_parts})
        return item


_HANDLERS: dict[str, Callable[[ResponseAccumulator, dict[str, Any]], object]] = {
    "response.function_call_arguments.delta": ResponseAccumulator._arguments,
    "response.reasoning_summary_text.delta": ResponseAccumulator._summary,
    "response.reasoning_text.delta": ResponseAccumulator._reasoning_text,
    "response.output_item.added": ResponseAccumulator._item,
    "response.output_item.done": ResponseAccumulator._item_done,
    "response.created": ResponseAccumulator._started,
    "response.queued": ResponseAccumulator._started,
    "response.in_progress": ResponseAccumulator._started,
    "response.completed": ResponseAccumulator._finished,
    "response.incomplete": ResponseAccumulator._finished,
    "response.failed": ResponseAccumulator._finished,
}
