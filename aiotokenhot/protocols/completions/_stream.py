"""TextCompletionStream: legacy /v1/completions chunks, ``[DONE]``, ``.text()``, ``.final()``."""

from __future__ import annotations

from typing import Any

from ..._exceptions import StreamError
from ...streams import SSEEvent, Stream
from ..chat._stream import ChunkReader
from ._types import CompletionUsage, TextCompletion, TextCompletionChoice, TextCompletionChunk

__all__ = ["TextCompletionAccumulator", "TextCompletionStream"]

_validate_chunk = TextCompletionChunk.__pydantic_validator__.validate_python


class TextCompletionAccumulator:
    """Joins text pieces per choice index (pure, no I/O)."""

    __slots__ = ("_finish", "_head", "_texts", "_usage")

    def __init__(self) -> None:
        self._head: TextCompletionChunk | None = None
        self._texts: dict[int, list[str]] = {}
        self._finish: dict[int, str | None] = {}
        self._usage: CompletionUsage | None = None

    def add(self, chunk: TextCompletionChunk) -> None:
        if self._head is None:
            self._head = chunk
        if chunk.usage is not None:
            self._usage = chunk.usage
        texts = self._texts
        for choice in chunk.choices:
            pieces = texts.get(choice.index)
            if pieces is None:
                pieces = texts[choice.index] = []
                self._finish[choice.index] = None
            if choice.text:
                pieces.append(choice.text)
            if choice.finish_reason is not None:
                self._finish[choice.index] = choice.finish_reason

    @property
    def chunks_seen(self) -> bool:
        return self._head is not None

    def snapshot(self) -> TextCompletion:
        head = self._head
        return TextCompletion(
            id=head.id if head else "",
            created=head.created if head else 0,
            model=head.model if head else "",
            system_fingerprint=head.system_fingerprint if head else None,
            choices=[
                TextCompletionChoice(index=i, text="".join(p), finish_reason=self._finish[i])
                for i, p in sorted(self._texts.items())
            ],
            usage=self._usage,
        )


class TextCompletionStream(Stream[TextCompletionChunk]):
    """Iterate for chunks; ``text()`` for choice 0's text; ``final()`` for the whole completion."""

    protocol = "completions"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._acc = TextCompletionAccumulator()
        self._add = self._acc.add
        self._reader = ChunkReader(self.protocol)

    def _on_event(self, sse: SSEEvent) -> TextCompletionChunk | None:
        try:
            obj = self._reader.read(sse)  # one parse; errors and [DONE] as in chat
        except StreamError as exc:
            exc.partial = self._partial()
            raise
        if obj is None:
            self._complete = self._reader.done
            return None
        if obj.get("choices", 0) is None:
            obj["choices"] = []  # ``choices: null`` reads as none
        chunk: TextCompletionChunk = _validate_chunk(obj)
        self._add(chunk)
        return chunk

    def _event_text(self, event: TextCompletionChunk) -> str | None:
        choices = event.choices
        if choices and choices[0].index == 0:
            return choices[0].text
        return None

    def _partial(self) -> TextCompletion | None:
        return self._acc.snapshot() if self._acc.chunks_seen else None

    _final: TextCompletion | None = None

    def final(self) -> TextCompletion:
        """The accumulated completion; the stream must have been read to ``[DONE]``."""
        self._require_complete()
        if self._final is None:  # built once, so what is attached to it (usage.cost) stays
            self._final = self._acc.snapshot()
        return self._final

    async def get_final_completion(self) -> TextCompletion:
        """Read the rest of the stream (if any) and return :meth:`final`."""
        await self.until_done()
        return self.final()
