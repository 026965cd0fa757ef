"""UnifiedStream: one typed delta family over any protocol's stream, read off its native fold.

A protocol's subclass names its adapter (see ``_adapter``). Per SSE event the stream feeds
the protocol's fold (the same one its native stream runs) and emits what was appended to the
primary choice's text, reasoning and tool calls since the last event. When the protocol's
terminator arrives (or a clean end of body, for a protocol without one) it converts the
native result with the adapter's pure ``completion`` helper and emits :class:`Usage` (when
reported) and then :class:`Finish`, once, last.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .._exceptions import StreamError
from ..streams._sse import SSEEvent
from ..streams._stream import Opener, Stream
from ._adapter import PrimaryView, UnifiedAdapter
from ._events import (
    Completion,
    ReasoningDelta,
    TextDelta,
    ToolCallDelta,
    UnifiedEvent,
)
from ._finish import normalize_finish

__all__ = ["UnifiedStream"]


class UnifiedStream(Stream[UnifiedEvent]):
    """Yields :class:`TextDelta`, :class:`ReasoningDelta`, :class:`ToolCallDelta`, then
    :class:`Usage` (when the protocol reports it) and :class:`Finish` last.

    ``async for ev in th.stream(...)`` or ``async with th.stream(...) as s``; ``s.text()``
    yields only the text; after the end ``s.final()`` (or ``await s.get_final()``) is the
    whole :class:`Completion`. Only the primary choice (``index`` 0) is followed.
    """

    #: the native protocol carrying this stream: openai, responses, anthropic or gemini.
    protocol: ClassVar[str] = "unified"
    #: the protocol's adapter
    adapter: ClassVar[UnifiedAdapter]

    def __init__(self, opener: Opener, **kwargs: Any) -> None:
        super().__init__(opener, **kwargs)
        self._fold = self.adapter.new_fold()
        self._n_text = 0
        self._n_reasoning = 0
        self._n_args: list[int] = []  # per tool call: argument pieces already emitted
        self._named: list[tuple[str, str]] = []  # per tool call: the id and name emitted
        self._final: Completion | None = None
        self._view: PrimaryView | None = None

    # -- results ---------------------------------------------------------------------------------

    def final(self) -> Completion:
        """The whole reply; the stream must have been consumed to its end.

        Raises :class:`TokenHotError` before then (see :meth:`get_final`).
        """
        self._require_complete()
        if self._final is None:
            self._final = self._converted()
        return self._final

    async def get_final(self) -> Completion:
        """Read the rest of the stream (if any) and return :meth:`final`.

        Raises what the stream raises (:class:`StreamError`, :class:`IncompleteStreamError`...).
        """
        await self.until_done()
        return self.final()

    def _converted(self) -> Completion:
        return self.adapter.completion(self._fold.snapshot())

    def _partial(self) -> Completion:
        """What arrived before an error: no ``finish``, since the reply did not end."""
        done = self._converted()
        done.finish = None
        return done

    # -- the derivation ----------------------------------------------------------------------------

    def _on_event(self, sse: SSEEvent) -> Any:  # UnifiedEvent | list[UnifiedEvent] | None
        fold = self._fold
        try:
            change = fold.feed(sse)
        except StreamError as exc:
            exc.partial = self._partial_or_none()
            raise
        if change.__class__ is str and not fold.done:  # the usual event: one more text piece
            self._n_text += 1
            if not self._typed:  # .text()
                return change
            return TextDelta(change) if change else None
        out = None if change is None else self._deltas()
        if fold.done and not self._complete:
            out = (out or []) + self._end_events()
        return self._handed(out) if out else None

    def _on_eof(self) -> list[Any] | None:
        if self._fold.at_eof():
            return self._handed(self._end_events())
        return None

    def _handed(self, events: list[UnifiedEvent]) -> list[Any]:
        """``events`` as the reader takes them: all, or only their text after ``.text()``."""
        return events if self._typed else [ev.text for ev in events if ev.__class__ is TextDelta]

    def _deltas(self) -> list[UnifiedEvent]:
        """What the primary choice gained since the last event, as unified deltas."""
        view = self._view
        out: list[UnifiedEvent] = []
        if view is None:
            view = self._view = self._fold.primary()  # the same object from then on
            if view is None:
                return out
        pieces = view.content
        seen = len(pieces)
        if seen != self._n_text:
            if seen == self._n_text + 1:  # the usual event: one more piece
                piece = pieces[-1]
                if piece:
                    out.append(TextDelta(piece))
            else:
                out += [TextDelta(p) for p in pieces[self._n_text:] if p]
            self._n_text = seen
        pieces = view.reasoning
        if len(pieces) != self._n_reasoning:
            out += [ReasoningDelta(p) for p in pieces[self._n_reasoning:] if p]
            self._n_reasoning = len(pieces)
        calls = view.calls
        if calls:
            counts = self._n_args
            named = self._named
            for index, call in enumerate(calls):
                args = call.arguments
                if index == len(counts):
                    counts.append(len(args))
                    named.append((call.id, call.name))
                    out.append(ToolCallDelta(index, call.id or None, call.name or None,
                                             "".join(args)))
                    continue
                if (call.id, call.name) != named[index]:  # an id or name that came late
                    named[index] = (call.id, call.name)
                    out.append(ToolCallDelta(index, call.id or None, call.name or None, ""))
                if len(args) != counts[index]:
                    out += [ToolCallDelta(index, None, None, p) for p in args[counts[index]:]]
                    counts[index] = len(args)
        return out

    def _end_events(self) -> list[UnifiedEvent]:
        """Usage (when reported) then Finish, from the converted native result; marks the end."""
        self._complete = True
        done = self._final = self._converted()
        if done.finish is None:
            done.finish = normalize_finish(None, {}, bool(done.tool_calls))
        return [done.finish] if done.usage is None else [done.usage, done.finish]
