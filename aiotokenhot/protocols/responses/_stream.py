"""ResponseStream: typed Responses events, ``.text()`` and ``.final()`` (one fold, see ``streams._fold``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...streams import SSEEvent
from ...streams._errors import raise_stream_error
from ...streams._fold import DONE, Fold, FoldStream
from ._accumulate import ResponseAccumulator, ResponseView
from ._events import EVENT_CLASSES, GenericResponseEvent, ResponseEvent
from ._types import Response

__all__ = ["ResponseStream", "ResponsesFold"]

_VALIDATORS: dict[str, Callable[[Any], ResponseEvent]] = {
    name: cls.__pydantic_validator__.validate_python for name, cls in EVENT_CLASSES.items()
}
_validate_generic: Callable[[Any], ResponseEvent] = (
    GenericResponseEvent.__pydantic_validator__.validate_python)
_TERMINAL = frozenset({"response.completed", "response.incomplete"})


class ResponsesFold(Fold):
    """The Responses stream's state. The data's ``type`` says what an event is (the SSE
    ``event:`` name only for data without one); a ``[DONE]`` some gateways append is ignored;
    ``error`` events and ``response.failed`` raise :class:`~aiotokenhot.StreamError`."""

    __slots__ = ()
    accumulator = ResponseAccumulator
    acc: ResponseAccumulator

    def feed(self, sse: SSEEvent) -> Any:
        """Fold one event in (its JSON object, with ``type`` set, is then :attr:`event`: None
        for a ``[DONE]`` or anything after the terminal event that a read may still hold);
        returns what it did to the view (see :meth:`ResponseAccumulator.add_dict`)."""
        self.event = None
        if self.done:
            return None
        obj = self.parse(sse.data)
        if obj is DONE:
            return None
        kind = obj.get("type")
        if kind.__class__ is not str:
            if kind is not None:
                raise TypeError("an event's type must be a string")
            kind = sse.event
            obj = {**obj, "type": kind}
        if kind == "error" or obj.get("error") is not None:
            body = obj if isinstance(obj.get("error"), dict) else {"error": obj}
            raise_stream_error(self.protocol, "error event", body=body,
                               error_type=_code(obj), partial=self.partial())
        self.event = obj
        change = self.acc.add_dict(obj)
        if kind in _TERMINAL:
            self.done = True
        elif kind == "response.failed":
            response = obj["response"]
            error = response.get("error") if isinstance(response, dict) else None
            raise_stream_error(self.protocol, "the response failed", body=response,
                               error_type=_code(error), partial=self.partial())
        return change

    def primary(self) -> ResponseView:
        return self.acc.view


def _code(obj: Any) -> str | None:
    code = obj.get("code") if isinstance(obj, dict) else None
    return str(code) if code not in (None, "") else None


class ResponseStream(FoldStream[ResponseEvent, Response]):
    """Iterate for typed events; ``text()`` yields the output-text deltas; ``final()`` the Response.

    Ends at ``response.completed`` or ``response.incomplete``. An ``error`` event or
    ``response.failed`` raises :class:`StreamError` (``partial`` holds the Response so far).
    """

    protocol = "responses"
    fold_type = ResponsesFold

    def _typed_event(self, obj: Any, sse: SSEEvent) -> ResponseEvent:
        event = _VALIDATORS.get(obj["type"], _validate_generic)(obj)
        if self._fold.done:  # final() is the very Response the terminal event carries
            self._fold.acc.response = event.response  # type: ignore[attr-defined]
        return event

    async def get_final_response(self) -> Response:
        """Read the rest of the stream (if any) and return :meth:`final`.

        Raises what the stream raises (:class:`StreamError`, :class:`IncompleteStreamError`...).
        """
        await self.until_done()
        return self.final()
