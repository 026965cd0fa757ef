"""The shape every protocol's stream shares: a :class:`Fold` that reads each event once and a
:class:`FoldStream` that hands out the fold's events (typed, ``.text()`` pieces, ``final()``).
The unified stream runs the same fold, so the three views of one stream cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import pydantic_core

from .._exceptions import StreamError
from ._errors import raise_stream_error
from ._json import EventJSON
from ._sse import SSEEvent
from ._stream import Stream

__all__ = ["DONE", "CallPieces", "Fold", "FoldStream"]

EventT = TypeVar("EventT")
ResultT = TypeVar("ResultT")

_from_json = pydantic_core.from_json
#: what :meth:`Fold.parse` gives for the ``[DONE]`` line OpenAI-style streams end with
DONE: Any = object()


@dataclass(slots=True, eq=False)
class CallPieces:
    """A tool call as a fold assembles it: its id ("" until one arrives), its name and its JSON
    argument pieces in order (a list that only grows: the unified stream reads deltas off it)."""

    id: str
    name: str
    arguments: list[str]


class Fold:
    """A protocol's stream state: reads an event once, folds it, keeps the result so far.

    Subclasses name their accumulator class in :attr:`accumulator` (made once per fold as
    ``acc``; it has ``snapshot()``) and implement :meth:`feed`, which returns what the event did
    to the primary choice/candidate: the one text piece it appended (a ``str``), None when it
    left it as it was, anything else otherwise. After ``feed``, :attr:`event` is the event's
    JSON value (None: nothing to hand out, as for ``[DONE]``), :attr:`done` says whether the
    protocol's terminator arrived and :attr:`keepalive` whether the event only kept the
    connection alive (a ping).
    """

    __slots__ = ("acc", "done", "event", "json", "keepalive", "protocol")
    #: the protocol's pure accumulator class
    accumulator: ClassVar[type[Any]]

    def __init__(self, protocol: str) -> None:
        self.protocol = protocol
        self.json = EventJSON()
        self.acc = self.accumulator()
        self.done = False
        self.event: Any = None
        self.keepalive = False

    def parse(self, data: bytes) -> Any:
        """The event's JSON value, parsed once, or :data:`DONE`.

        Text split between the halves of a UTF-16 surrogate pair is mended (see
        :class:`~aiotokenhot.streams._json.EventJSON`); data that is not JSON raises
        :class:`~aiotokenhot.StreamError` with the partial result.
        """
        try:
            obj = _from_json(data)
        except ValueError:
            if data.strip() == b"[DONE]":
                return DONE
            try:
                return self.json.tolerant(data)
            except ValueError:
                raise_stream_error(self.protocol, f"malformed JSON in an event: {data[:200]!r}",
                                   body=data, partial=self.partial())
        if self.json.carry:
            obj = self.json.repair(obj)
        return obj

    def feed(self, sse: SSEEvent) -> Any:
        raise NotImplementedError

    def primary(self) -> Any:
        """The primary choice/candidate (``index`` 0) as the unified stream reads it: an object
        with ``content``, ``reasoning`` and ``calls`` lists that only grow (None before it
        starts)."""
        raise NotImplementedError

    def piece(self) -> str | None:
        """The primary's text piece in the last event when ``feed`` reported more than a piece
        (None: none)."""
        return None

    def at_eof(self) -> bool:
        """Whether a clean end of the body ends the reply (protocols without a terminator)."""
        return False

    def snapshot(self) -> Any:
        """The protocol's whole result from everything folded so far."""
        return self.acc.snapshot()

    def partial(self) -> Any:
        """:meth:`snapshot` for an error raised mid-stream (None if the state cannot give one)."""
        try:
            return self.snapshot()
        except Exception:  # the state may be as confused as the event that stopped it
            return None


class FoldStream(Stream[EventT], Generic[EventT, ResultT]):
    """A protocol's native stream: typed events from its fold, ``.text()``, ``final()``.

    Per event the fold parses and folds once; typed iteration then validates the same JSON
    value once into the public event (:meth:`_typed_event`), while ``.text()`` hands out the
    fold's text piece and builds no model. ``final()`` is the fold's snapshot, built once.
    """

    #: the protocol's fold, made with the stream's protocol name
    fold_type: ClassVar[type[Fold]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fold = self.fold_type(self.protocol)
        self._final: ResultT | None = None

    def _typed_event(self, obj: Any, sse: SSEEvent) -> EventT:
        """The public event validated from the event's JSON value (a ``pydantic`` error becomes
        a :class:`~aiotokenhot.StreamError` naming the event, as any shape error does)."""
        raise NotImplementedError

    def _on_event(self, sse: SSEEvent) -> Any:
        fold = self._fold
        try:
            change = fold.feed(sse)
        except StreamError as exc:
            if exc.partial is None:
                exc.partial = self._partial_or_none()
            raise
        if fold.done:
            self._complete = True
        if not self._typed:  # .text(): the piece; "" keeps the idle timer going
            if change.__class__ is str:
                return change
            if fold.event is None or fold.keepalive:
                return None
            return fold.piece() or ""
        obj = fold.event
        # a pydantic error is a ValueError: Stream turns it into a StreamError naming the event
        return None if obj is None else self._typed_event(obj, sse)

    def _on_eof(self) -> None:
        if self._fold.at_eof():
            # built here, inside the stream, so that a chunk whose fields have the wrong shape
            # (only folded on the .text() path) fails as a StreamError of the stream
            self._final = self._fold.snapshot()
            self._complete = True

    def _partial(self) -> Any:
        return self._fold.partial()

    async def until_done(self) -> None:
        """Consume the rest of the stream (so that :meth:`final` is available)."""
        self._typed = False  # nothing is handed out: fold only
        await super().until_done()

    def snapshot(self) -> ResultT:
        """The result assembled from the events received so far."""
        result: ResultT = self._fold.snapshot()
        return result

    def final(self) -> ResultT:
        """The whole result folded from the events; the stream must have been read to its end.

        Raises :class:`~aiotokenhot.TokenHotError` before then (``await`` the protocol's
        ``get_final_*`` method to read the rest first). Built once, so what is attached to it
        (``usage.cost``) stays.
        """
        self._require_complete()
        if self._final is None:
            self._final = self._fold.snapshot()
        return self._final
