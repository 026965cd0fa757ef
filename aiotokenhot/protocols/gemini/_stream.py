"""The Gemini ``streamGenerateContent?alt=sse`` stream: typed chunks, merged by :meth:`final`.

The protocol has no terminator: the body simply ends. A body that ends cleanly after at least
one chunk is complete, whether or not a chunk carried a ``finishReason`` (the official SDK reads
it the same way; ``final()`` then has no finish reason). A body cut inside a line, a broken
connection or an idle timeout still raise.
"""

from __future__ import annotations

from typing import Any

from ...streams._errors import raise_stream_error
from ...streams._fold import DONE, Fold, FoldStream
from ...streams._sse import SSEEvent
from ._accumulate import CandidateState, GeminiAccumulator, merge_parts
from ._types import GenerateContentResponse

__all__ = ["GeminiFold", "GenerateContentStream", "merge_parts"]

_validate = GenerateContentResponse.__pydantic_validator__.validate_python


class GeminiFold(Fold):
    """The Gemini stream's :class:`Fold`; its primary is the candidate whose ``index`` is 0. An
    ``{"error": ...}`` chunk raises :class:`~aiotokenhot.StreamError`."""

    __slots__ = ()
    accumulator = GeminiAccumulator
    acc: GeminiAccumulator

    def feed(self, sse: SSEEvent) -> Any:
        obj = self.parse(sse.data)
        if obj is DONE:  # some OpenAI-minded gateways append one
            self.acc.text = ""
            self.event = None
            return None
        if obj.__class__ is not dict:
            raise TypeError(f"a {self.protocol} stream chunk must be a JSON object")
        if "error" in obj and not obj.get("candidates"):
            raise_stream_error(self.protocol, "error chunk", body=obj, partial=self.partial())
        self.event = obj
        return self.acc.add(obj)

    def piece(self) -> str:
        return self.acc.text

    def primary(self) -> CandidateState | None:
        return self.acc.candidates.get(0)

    def at_eof(self) -> bool:
        return self.acc.chunks > 0


class GenerateContentStream(FoldStream[GenerateContentResponse, GenerateContentResponse]):
    """Typed :class:`GenerateContentResponse` chunks; each chunk's text is a delta.

    ``.text()`` yields the answer pieces of candidate 0 (by its ``index`` field); :meth:`final`
    merges the chunks (candidates by index, text joined per candidate, function calls and other
    parts kept in order, the latest usage, finish reason and ids). An ``{"error": ...}`` object
    in the stream raises :class:`~aiotokenhot.StreamError` with the partial answer.
    """

    protocol = "Gemini"
    fold_type = GeminiFold

    def _typed_event(self, obj: Any, sse: SSEEvent) -> GenerateContentResponse:
        chunk: GenerateContentResponse = _validate(obj)
        return chunk
