"""The Gemini ``streamGenerateContent?alt=sse`` stream: typed chunks, merged by :meth:`final`.

The protocol has no terminator: the body simply ends. A body that ends cleanly after at least
one chunk is complete, whether or not a chunk carried a ``finishReason`` (the official SDK reads
it the same way; ``final()`` then has no finish reason). A body cut inside a line, a broken
connection or an idle timeout still raise.

Per chunk: one JSON parse into a dict, one fold of that dict (:class:`GeminiAccumulator`), and —
when the caller iterates typed chunks — one validation of the same dict into
:class:`GenerateContentResponse`. ``.text()`` skips the models.
"""

from __future__ import annotations

from typing import Any

import pydantic
import pydantic_core

from ..._exceptions import StreamError
from ...streams._errors import raise_malformed, raise_stream_error
from ...streams._json import EventJSON
from ...streams._sse import SSEEvent
from ...streams._stream import Stream
from ._accumulate import CandidateState, GeminiAccumulator, merge_parts
from ._types import GenerateContentResponse

__all__ = ["GeminiFold", "GenerateContentStream", "merge_parts"]

_validate = GenerateContentResponse.__pydantic_validator__.validate_python
_from_json = pydantic_core.from_json


class GeminiFold:
    """The Gemini stream's state: reads an SSE event once, folds it, keeps the answer so far.

    Shared by :class:`GenerateContentStream` and the unified stream (which reads the candidate
    whose ``index`` is 0 as it grows). ``feed`` folds a chunk, keeps its JSON object in
    :attr:`event` (None for a stray ``[DONE]``) and says what it did to candidate 0; an
    ``{"error": ...}`` chunk or data that is not JSON raises :class:`~aiotokenhot.StreamError`
    (the caller adds ``partial``); a chunk of the wrong shape raises
    ``KeyError``/``TypeError``/``ValueError``.
    """

    __slots__ = ("acc", "event", "json", "protocol")

    def __init__(self, protocol: str = "Gemini") -> None:
        self.protocol = protocol
        self.acc = GeminiAccumulator()
        self.json = EventJSON()
        #: the last chunk's JSON object (None for a stray ``[DONE]``)
        self.event: Any = None

    @property
    def done(self) -> bool:
        """Gemini has no terminator: the body's end is the end (see :meth:`at_eof`)."""
        return False

    @property
    def text(self) -> str:
        """Candidate 0's answer text in the last chunk."""
        return self.acc.text

    def feed(self, sse: SSEEvent) -> Any:
        """Fold one chunk in (its JSON object is then :attr:`event`); returns what it did to
        candidate 0 (see :meth:`GeminiAccumulator.add`)."""
        data = sse.data
        json = self.json
        try:
            obj = _from_json(data)
        except ValueError:
            if data.strip() == b"[DONE]":  # some OpenAI-minded gateways append one
                self.acc.text = ""
                self.event = None
                return None
            try:
                obj = json.tolerant(data)  # e.g. a character cut between UTF-16 halves
            except ValueError:
                raise_malformed(self.protocol, data)
        else:
            if json.carry:
                obj = json.repair(obj)
        if obj.__class__ is not dict:
            raise TypeError(f"a {self.protocol} stream chunk must be a JSON object")
        if "error" in obj and not obj.get("candidates"):
            raise_stream_error(self.protocol, "error chunk", body=obj)
        self.event = obj
        return self.acc.add(obj)

    def primary(self) -> CandidateState | None:
        return self.acc.candidates.get(0)

    def at_eof(self) -> bool:
        """A clean end of the body after at least one chunk ends the answer."""
        return self.acc.chunks > 0

    def snapshot(self) -> GenerateContentResponse:
        return self.acc.snapshot()


class GenerateContentStream(Stream[GenerateContentResponse]):
    """Typed :class:`GenerateContentResponse` chunks; each chunk's text is a delta.

    ``.text()`` yields the answer pieces of candidate 0 (by its ``index`` field); :meth:`final`
    merges the chunks (candidates by index, text joined per candidate, function calls and other
    parts kept in order, the latest usage, finish reason and ids). An ``{"error": ...}`` object
    in the stream raises :class:`~aiotokenhot.StreamError` with the partial answer.
    """

    protocol = "Gemini"
    text_mode = True  # .text() folds the chunks without building them

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fold = GeminiFold(self.protocol)
        self._final: GenerateContentResponse | None = None

    def _on_event(self, sse: SSEEvent) -> Any:
        fold = self._fold
        try:
            change = fold.feed(sse)
        except StreamError as exc:
            exc.partial = self._partial_or_none()
            raise
        if not self._typed:  # .text(): the piece; "" keeps the idle timer going
            if change.__class__ is str:
                return change
            return None if fold.event is None else fold.text
        obj = fold.event
        if obj is None:
            return None
        try:
            return _validate(obj)
        except pydantic.ValidationError:
            raise_stream_error(self.protocol, f"a chunk has an unexpected shape: "
                               f"{sse.data[:200]!r}", body=obj, partial=self._partial_or_none())

    def _event_text(self, event: GenerateContentResponse) -> str | None:
        candidate = next((c for c in event.candidates if c.index in (0, None)), None)
        return candidate.text if candidate is not None else None

    def _on_eof(self) -> None:
        if self._fold.at_eof():
            # built here, inside the stream, so that a chunk whose fields have the wrong shape
            # (only folded on the .text() path) fails as a StreamError of the stream
            self._final = self._fold.snapshot()
            self._complete = True

    async def until_done(self) -> None:
        """Consume the rest of the stream (so that :meth:`final` is available)."""
        self._typed = False  # nothing is handed out: fold only
        await super().until_done()

    # -- results ---------------------------------------------------------------------------------

    def _partial(self) -> GenerateContentResponse:
        return self._fold.snapshot()

    def final(self) -> GenerateContentResponse:
        """The whole answer merged from the chunks (needs the stream consumed to its end)."""
        self._require_complete()
        if self._final is None:
            self._final = self._fold.snapshot()
        return self._final
