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

from typing import Any, NoReturn

import pydantic
import pydantic_core

from ..._exceptions import StreamError
from ...streams._sse import SSEEvent
from ...streams._stream import Stream
from ...transport._errors import extract_error
from ._accumulate import GeminiAccumulator, merge_parts
from ._types import GenerateContentResponse

__all__ = ["GenerateContentStream", "merge_parts"]

_from_json = pydantic_core.from_json
_validate = GenerateContentResponse.__pydantic_validator__.validate_python


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
        self._acc = GeminiAccumulator()
        self._final: GenerateContentResponse | None = None

    def _on_event(self, sse: SSEEvent) -> Any:
        try:
            obj = _from_json(sse.data)
        except ValueError:
            return self._on_bad_chunk(sse)
        if obj.__class__ is not dict:
            raise TypeError(f"a {self.protocol} stream chunk must be a JSON object")
        if "error" in obj and not obj.get("candidates"):
            self._raise_error(obj)
        piece = self._acc.add(obj)
        if not self._typed:
            return piece
        try:
            return _validate(obj)
        except pydantic.ValidationError as exc:
            raise StreamError(
                f"a {self.protocol} stream chunk has an unexpected shape: {sse.data[:200]!r}",
                body=obj,
                partial=self._partial_or_none(),
            ) from exc

    def _event_text(self, event: Any) -> str | None:
        if event.__class__ is str:
            return event
        return event.text  # type: ignore[no-any-return]

    def _on_eof(self) -> None:
        if self._acc.chunks:
            # built here, inside the stream, so that a chunk whose fields have the wrong shape
            # (only folded on the .text() path) fails as a StreamError of the stream
            self._final = self._acc.snapshot()
            self._complete = True

    async def until_done(self) -> None:
        """Consume the rest of the stream (so that :meth:`final` is available)."""
        self._typed = False  # nothing is handed out: fold only
        await super().until_done()

    # -- rare paths ------------------------------------------------------------------------------

    def _on_bad_chunk(self, sse: SSEEvent) -> None:
        if sse.data.strip() == b"[DONE]":  # some OpenAI-minded gateways append one
            return None
        raise StreamError(
            f"malformed JSON in a {self.protocol} stream chunk: {sse.data[:200]!r}",
            body=sse.text(),
            partial=self._partial_or_none(),
        )

    def _raise_error(self, body: dict[str, Any]) -> NoReturn:
        message, status, code = extract_error(body)
        raise StreamError(
            f"{status or code or 'error'}: {message or 'the stream reported an error'}",
            body=body,
            error_type=status,
            partial=self._partial_or_none(),
        )

    # -- results ---------------------------------------------------------------------------------

    def _partial(self) -> GenerateContentResponse:
        return self._acc.snapshot()

    def final(self) -> GenerateContentResponse:
        """The whole answer merged from the chunks (needs the stream consumed to its end)."""
        self._require_complete()
        if self._final is None:
            self._final = self._acc.snapshot()
        return self._final
