"""Fold Responses stream events into a :class:`Response` — pure, no I/O.

The terminal event carries the whole Response, so :meth:`ResponseAccumulator.snapshot` mostly
matters for a stream that broke: it rebuilds the Response from ``response.created``, the items
added so far and the text / argument / summary pieces of the items not yet done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._events import (
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseEvent,
    ResponseFailedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseIncompleteEvent,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputTextDeltaEvent,
    ResponseQueuedEvent,
    ResponseReasoningSummaryTextDeltaEvent,
)
from ._types import (
    Response,
    ResponseContentPart,
    ResponseFunctionToolCall,
    ResponseOutputItem,
    ResponseOutputMessage,
    ResponseReasoningItem,
    SummaryPart,
)

__all__ = ["ResponseAccumulator"]


class ResponseAccumulator:
    """Feed every event to :meth:`add`; :attr:`response` is set once a terminal event arrives."""

    __slots__ = ("_args", "_base", "_handlers", "_items", "_summaries", "_texts", "response")

    def __init__(self) -> None:
        self._base: Response | None = None
        self._items: dict[int, ResponseOutputItem] = {}
        self._texts: dict[tuple[int, int], list[str]] = {}
        self._args: dict[int, list[str]] = {}
        self._summaries: dict[tuple[int, int], list[str]] = {}
        #: the terminal Response (completed, incomplete or failed)
        self.response: Response | None = None
        handlers: dict[type[ResponseEvent], Callable[[Any], None]] = {
            ResponseOutputTextDeltaEvent: self._text,
            ResponseFunctionCallArgumentsDeltaEvent: self._arguments,
            ResponseReasoningSummaryTextDeltaEvent: self._summary,
            ResponseOutputItemAddedEvent: self._item,
            ResponseOutputItemDoneEvent: self._item_done,
            ResponseCreatedEvent: self._started,
            ResponseQueuedEvent: self._started,
            ResponseInProgressEvent: self._started,
            ResponseCompletedEvent: self._finished,
            ResponseIncompleteEvent: self._finished,
            ResponseFailedEvent: self._finished,
        }
        self._handlers = handlers

    def add(self, event: ResponseEvent) -> None:
        handler = self._handlers.get(event.__class__)
        if handler is not None:
            handler(event)

    # -- per event type --------------------------------------------------------------------------

    def _text(self, event: ResponseOutputTextDeltaEvent) -> None:
        key = (event.output_index, event.content_index)
        pieces = self._texts.get(key)
        if pieces is None:
            pieces = self._texts[key] = []
        pieces.append(event.delta)

    def _arguments(self, event: ResponseFunctionCallArgumentsDeltaEvent) -> None:
        self._args.setdefault(event.output_index, []).append(event.delta)

    def _summary(self, event: ResponseReasoningSummaryTextDeltaEvent) -> None:
        self._summaries.setdefault((event.output_index, event.summary_index), []).append(event.delta)

    def _item(self, event: ResponseOutputItemAddedEvent) -> None:
        self._items[event.output_index] = event.item

    def _item_done(self, event: ResponseOutputItemDoneEvent) -> None:
        index = event.output_index
        self._items[index] = event.item
        self._args.pop(index, None)
        for pieces in (self._texts, self._summaries):
            for key in [k for k in pieces if k[0] == index]:
                del pieces[key]

    def _started(self, event: ResponseCreatedEvent) -> None:
        self._base = event.response

    def _finished(self, event: ResponseCompletedEvent) -> None:
        self.response = event.response

    # -- results ---------------------------------------------------------------------------------

    def snapshot(self) -> Response:
        """The terminal Response if it arrived, else one rebuilt from the events so far."""
        if self.response is not None:
            return self.response
        base = self._base or Response(status="in_progress")
        output = [self._rebuild(index, item) for index, item in sorted(self._items.items())]
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
