"""ResponseStream: typed Responses events, ``.text()`` and ``.final()``.

Each event is parsed once into a dict and folded (:class:`ResponsesFold`); when the caller
iterates typed events, the class its ``type`` names is validated once from that same dict.
``.text()`` and the unified stream skip the validation but run the same fold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic_core

from ...streams import SSEEvent, Stream
from ...streams._errors import raise_malformed, raise_stream_error
from ...streams._json import EventJSON
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
_from_json = pydantic_core.from_json
_DONE = b"[DONE]"


class ResponsesFold:
    """The Responses stream's state: reads an event, folds it, keeps the Response so far.

    The data's ``type`` says what an event is; the SSE ``event:`` name is used only for data
    without one. ``error`` events and ``response.failed`` raise :class:`StreamError`. A
    ``[DONE]`` some gateways append after the end is ignored. Shared by :class:`ResponseStream`
    and the unified stream (which reads :meth:`primary`).
    """

    __slots__ = ("_json", "acc", "done", "event", "protocol")

    def __init__(self, protocol: str = "responses") -> None:
        self.protocol = protocol
        self.acc = ResponseAccumulator()
        self.done = False
        #: the last event's JSON object with ``type`` set (None: nothing, as for a ``[DONE]``
        #: or anything after the terminal event that a read may still hold)
        self.event: Any = None
        self._json = EventJSON()

    def feed(self, sse: SSEEvent) -> Any:
        """Fold one event in (its JSON object is then :attr:`event`); returns what it did to
        the view (see :meth:`ResponseAccumulator.add_dict`)."""
        self.event = None
        if self.done:
            return None
        data = sse.data
        try:
            obj = _from_json(data)
        except ValueError:
            if data.strip() == _DONE:
                return None
            try:
                obj = self._json.tolerant(data)  # e.g. half a surrogate pair, as an escape
            except ValueError:
                raise_malformed(self.protocol, data, partial=self.partial())
        else:
            if self._json.carry:
                obj = self._json.repair(obj)
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

    def at_eof(self) -> bool:
        """A Responses stream ends at ``response.completed`` / ``response.incomplete`` only."""
        return False

    def snapshot(self) -> Response:
        return self.acc.snapshot()

    def partial(self) -> Response | None:
        try:
            return self.acc.snapshot()
        except Exception:  # the state may be as confused as the event that stopped it
            return None


def _code(obj: Any) -> str | None:
    code = obj.get("code") if isinstance(obj, dict) else None
    return str(code) if code not in (None, "") else None


class ResponseStream(Stream[ResponseEvent]):
    """Iterate for typed events; ``text()`` yields the output-text deltas; ``final()`` the Response.

    Ends at ``response.completed`` or ``response.incomplete``. An ``error`` event or
    ``response.failed`` raises :class:`StreamError` (``partial`` holds the Response so far).
    """

    protocol = "responses"
    text_mode = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fold = ResponsesFold(self.protocol)

    def _on_event(self, sse: SSEEvent) -> Any:
        fold = self._fold
        change = fold.feed(sse)
        if change.__class__ is str and not self._typed:  # .text(): an output text piece
            return change
        obj = fold.event
        if obj is None:
            return None
        self._complete = fold.done
        if self._typed:
            event = _VALIDATORS.get(obj["type"], _validate_generic)(obj)
            if fold.done:  # final() is the very Response the terminal event carries
                fold.acc.response = event.response  # type: ignore[attr-defined]
            return event
        return None

    def _event_text(self, event: ResponseEvent) -> str | None:
        if event.type == "response.output_text.delta":
            return getattr(event, "delta", None)
        return None

    def _partial(self) -> Response | None:
        return self._fold.partial() if self._events_seen else None

    def snapshot(self) -> Response:
        """The Response assembled from the events received so far."""
        return self._fold.snapshot()

    _final: Response | None = None

    def final(self) -> Response:
        """The completed (or incomplete) Response; the stream must have been read to its end.

        Raises :class:`TokenHotError` before then (see :meth:`get_final_response`).
        """
        self._require_complete()
        if self._final is None:  # built once, so what is attached to it (usage.cost) stays
            self._final = self._fold.snapshot()
        return self._final

    async def get_final_response(self) -> Response:
        """Read the rest of the stream (if any) and return :meth:`final`.

        Raises what the stream raises (:class:`StreamError`, :class:`IncompleteStreamError`...).
        """
        await self.until_done()
        return self.final()

