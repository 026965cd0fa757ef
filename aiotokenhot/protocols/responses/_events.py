"""Typed Responses stream events, one class per ``type`` (:data:`EVENT_CLASSES`). Any other
``type`` (new upstream events, ``response.web_search_call.*``, vendor additions) arrives as a
:class:`GenericResponseEvent` carrying all its fields — never dropped, never an error."""

from __future__ import annotations

from typing import Any

from ..._models import APIModel
from ._types import OutputItem, Response, ResponseContentPart, SummaryPart

__all__ = [
    "EVENT_CLASSES", "GenericResponseEvent", "ResponseCompletedEvent", "ResponseContentPartAddedEvent",
    "ResponseContentPartDoneEvent", "ResponseCreatedEvent", "ResponseErrorEvent", "ResponseEvent",
    "ResponseFailedEvent", "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseFunctionCallArgumentsDoneEvent", "ResponseInProgressEvent", "ResponseIncompleteEvent",
    "ResponseOutputItemAddedEvent", "ResponseOutputItemDoneEvent", "ResponseOutputTextAnnotationAddedEvent",
    "ResponseOutputTextDeltaEvent", "ResponseOutputTextDoneEvent", "ResponseQueuedEvent",
    "ResponseReasoningSummaryPartAddedEvent", "ResponseReasoningSummaryPartDoneEvent",
    "ResponseReasoningSummaryTextDeltaEvent", "ResponseReasoningSummaryTextDoneEvent",
    "ResponseReasoningTextDeltaEvent", "ResponseReasoningTextDoneEvent", "ResponseRefusalDeltaEvent",
    "ResponseRefusalDoneEvent",
]


class ResponseEvent(APIModel):
    """Base of every Responses stream event."""

    type: str
    sequence_number: int | None = None


class GenericResponseEvent(ResponseEvent):
    """An event type this SDK has no class for; read its fields as attributes."""


class _WithResponse(ResponseEvent):
    response: Response


class ResponseCreatedEvent(_WithResponse):
    """The first event: ``response`` as it was created."""


class ResponseQueuedEvent(_WithResponse):
    """The response waits to be processed (``response.status`` is ``queued``)."""


class ResponseInProgressEvent(_WithResponse):
    """Generation started (``response.status`` is ``in_progress``)."""


class ResponseCompletedEvent(_WithResponse):
    """Terminal: ``response`` is the finished Response with its usage."""


class ResponseIncompleteEvent(_WithResponse):
    """Terminal: the reply stopped early (``response.incomplete_details`` says why)."""


class ResponseFailedEvent(_WithResponse):
    """Terminal: the stream raises :class:`StreamError` carrying ``response`` as ``partial``."""


class ResponseErrorEvent(ResponseEvent):
    code: str | None = None
    message: str | None = None
    param: str | None = None


class _AtItem(ResponseEvent):
    item_id: str = ""
    output_index: int = 0


class _AtContent(_AtItem):
    content_index: int = 0


class _AtSummary(_AtItem):
    summary_index: int = 0


class ResponseOutputItemAddedEvent(ResponseEvent):
    output_index: int = 0
    item: OutputItem


class ResponseOutputItemDoneEvent(ResponseEvent):
    output_index: int = 0
    item: OutputItem


class ResponseContentPartAddedEvent(_AtContent):
    part: ResponseContentPart


class ResponseContentPartDoneEvent(_AtContent):
    part: ResponseContentPart


class ResponseOutputTextDeltaEvent(_AtContent):
    delta: str = ""
    logprobs: list[Any] | None = None


class ResponseOutputTextDoneEvent(_AtContent):
    text: str = ""
    logprobs: list[Any] | None = None


class ResponseOutputTextAnnotationAddedEvent(_AtContent):
    annotation_index: int = 0
    annotation: Any = None


class ResponseRefusalDeltaEvent(_AtContent):
    delta: str = ""


class ResponseRefusalDoneEvent(_AtContent):
    refusal: str = ""


class ResponseFunctionCallArgumentsDeltaEvent(_AtItem):
    delta: str = ""


class ResponseFunctionCallArgumentsDoneEvent(_AtItem):
    arguments: str = ""
    name: str | None = None


class ResponseReasoningSummaryPartAddedEvent(_AtSummary):
    part: SummaryPart


class ResponseReasoningSummaryPartDoneEvent(_AtSummary):
    part: SummaryPart


class ResponseReasoningSummaryTextDeltaEvent(_AtSummary):
    delta: str = ""


class ResponseReasoningSummaryTextDoneEvent(_AtSummary):
    text: str = ""


class ResponseReasoningTextDeltaEvent(_AtContent):
    delta: str = ""


class ResponseReasoningTextDoneEvent(_AtContent):
    text: str = ""


#: event type (the data's ``type``) -> class; other types become GenericResponseEvent
EVENT_CLASSES: dict[str, type[ResponseEvent]] = {
    "response.created": ResponseCreatedEvent,
    "response.queued": ResponseQueuedEvent,
    "response.in_progress": ResponseInProgressEvent,
    "response.completed": ResponseCompletedEvent,
    "response.incomplete": ResponseIncompleteEvent,
    "response.failed": ResponseFailedEvent,
    "error": ResponseErrorEvent,
    "response.output_item.added": ResponseOutputItemAddedEvent,
    "response.output_item.done": ResponseOutputItemDoneEvent,
    "response.content_part.added": ResponseContentPartAddedEvent,
    "response.content_part.done": ResponseContentPartDoneEvent,
    "response.output_text.delta": ResponseOutputTextDeltaEvent,
    "response.output_text.done": ResponseOutputTextDoneEvent,
    "response.output_text.annotation.added": ResponseOutputTextAnnotationAddedEvent,
    "response.refusal.delta": ResponseRefusalDeltaEvent,
    "response.refusal.done": ResponseRefusalDoneEvent,
    "response.function_call_arguments.delta": ResponseFunctionCallArgumentsDeltaEvent,
    "response.function_call_arguments.done": ResponseFunctionCallArgumentsDoneEvent,
    "response.reasoning_summary_part.added": ResponseReasoningSummaryPartAddedEvent,
    "response.reasoning_summary_part.done": ResponseReasoningSummaryPartDoneEvent,
    "response.reasoning_summary_text.delta": ResponseReasoningSummaryTextDeltaEvent,
    "response.reasoning_summary_text.done": ResponseReasoningSummaryTextDoneEvent,
    "response.reasoning_text.delta": ResponseReasoningTextDeltaEvent,
    "response.reasoning_text.done": ResponseReasoningTextDoneEvent,
}

