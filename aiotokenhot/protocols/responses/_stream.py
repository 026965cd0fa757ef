"""ResponseStream: typed Responses events by their ``event:`` name, ``.text()`` and ``.final()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..._exceptions import StreamError
from ..._redact import redact_text
from ...streams import SSEEvent, Stream
from ...streams._errors import raise_malformed, raise_stream_error
from ...streams._json import EventJSON
from ...transport._errors import extract_error
from ._accumulate import ResponseAccumulator
from ._events import (
    EVENT_CLASSES,
    GenericResponseEvent,
    ResponseCompletedEvent,
    ResponseErrorEvent,
    ResponseEvent,
    ResponseFailedEvent,
    ResponseIncompleteEvent,
    ResponseOutputTextDeltaEvent,
    parse_event_json,
)
from ._types import Response

__all__ = ["ResponseStream"]

_VALIDATORS: dict[str, Callable[[bytes], Any]] = {
    name: cls.__pydantic_validator__.validate_json for name, cls in EVENT_CLASSES.items()
}
_VALIDATORS["message"] = parse_event_json  # no ``event:`` line: dispatch on the data's ``type``
_generic = GenericResponseEvent.__pydantic_validator__.validate_json
_DONE = b"[DONE]"


class ResponseStream(Stream[ResponseEvent]):
    """Iterate for typed events; ``text()`` yields the output-text deltas; ``final()`` the Response.

    Ends at ``response.completed`` or ``response.incomplete``. An ``error`` event or
    ``response.failed`` raises :class:`StreamError` (``partial`` holds the Response so far).
    """

    protocol = "responses"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._acc = ResponseAccumulator()
        self._add = self._acc.add

    def _on_event(self, sse: SSEEvent) -> ResponseEvent | None:
        validate = _VALIDATORS.get(sse.event, _generic)
        event: ResponseEvent
        try:
            event = validate(sse.data)
        except ValueError:  # pydantic.ValidationError too
            if sse.data.strip() == _DONE:  # some gateways append one; it ends nothing by itself
                return None
            event = self._rare_event(sse)
        self._add(event)
        special = _SPECIAL.get(event.__class__)
        if special is not None:
            special(self, event)
        return event

    def _rare_event(self, sse: SSEEvent) -> ResponseEvent:
        try:
            obj = EventJSON().tolerant(sse.data)
        except ValueError:
            raise_malformed(self.protocol, sse.data, partial=self._partial())
        if not isinstance(obj, dict) or "error" in obj or sse.event == "error":
            raise_stream_error(self.protocol, "error event", body=obj, partial=self._partial())
        return GenericResponseEvent.model_validate({"type": sse.event, **obj})

    def _terminal(self, event: ResponseEvent) -> None:
        self._complete = True

    def _fail(self, event: ResponseEvent) -> None:
        if isinstance(event, ResponseFailedEvent):
            err = event.response.error
            message = (err.message if err else None) or "the response failed"
            code = err.code if err else None
            body: Any = event.response.to_dict()
        else:
            body = event.to_dict()
            found, _, code = extract_error(body)
            message = found or "error event"
        raise StreamError(
            redact_text(f"error in the responses stream: {message}", self._secret),
            body=body, error_type=code, partial=self._partial(),
        )

    def _event_text(self, event: ResponseEvent) -> str | None:
        return event.delta if isinstance(event, ResponseOutputTextDeltaEvent) else None

    def _partial(self) -> Response | None:
        return self._acc.snapshot() if self._events_seen else None

    def snapshot(self) -> Response:
        """The Response assembled from the events received so far."""
        return self._acc.snapshot()

    def final(self) -> Response:
        """The completed (or incomplete) Response; the stream must have been read to its end."""
        self._require_complete()
        return self._acc.snapshot()


#: event classes that end the stream (the only per-event check besides accumulation)
_SPECIAL: dict[type[ResponseEvent], Callable[[ResponseStream, ResponseEvent], None]] = {
    ResponseCompletedEvent: ResponseStream._terminal,
    ResponseIncompleteEvent: ResponseStream._terminal,
    ResponseFailedEvent: ResponseStream._fail,
    ResponseErrorEvent: ResponseStream._fail,
}
