"""TextCompletionStream: legacy /v1/completions chunks, ``[DONE]``, ``.text()``, ``.final()``."""

from __future__ import annotations

from typing import Any

from ...streams import SSEEvent
from ...streams._fold import Fold, FoldStream
from ..chat._stream import read_chunk
from ._types import CompletionUsage, TextCompletion, TextCompletionChoice, TextCompletionChunk

__all__ = ["TextCompletionAccumulator", "TextCompletionFold", "TextCompletionStream"]

_validate_chunk = TextCompletionChunk.__pydantic_validator__.validate_python


class TextCompletionAccumulator:
    """Joins text pieces per choice index (pure, no I/O)."""

    __slots__ = ("_finish", "_head", "_texts", "_usage")

    def __init__(self) -> None:
        self._head: TextCompletionChunk | None = None
        self._texts: dict[int, list[str]] = {}
        self._finish: dict[int, str] = {}
        self._usage: CompletionUsage | None = None

    def add(self, chunk: TextCompletionChunk) -> None:
        if self._head is None:
            self._head = chunk
        if chunk.usage is not None:
            self._usage = chunk.usage
        for choice in chunk.choices:
            pieces = self._texts.setdefault(choice.index, [])
            if choice.text:
                pieces.append(choice.text)
            if choice.finish_reason is not None:
                self._finish[choice.index] = choice.finish_reason

    @property
    def chunks_seen(self) -> bool:
        return self._head is not None

    def snapshot(self) -> TextCompletion:
        head = self._head or TextCompletionChunk()  # the defaults before the first chunk
        choices = [TextCompletionChoice(index=i, text="".join(p), finish_reason=self._finish.get(i))
                   for i, p in sorted(self._texts.items())]
        return TextCompletion(id=head.id, created=head.created, model=head.model, choices=choices,
                              system_fingerprint=head.system_fingerprint, usage=self._usage)


class TextCompletionFold(Fold):
    """Reads each chunk once (errors and ``[DONE]`` as in chat), validates it and folds it."""

    __slots__ = ()
    accumulator = TextCompletionAccumulator
    acc: TextCompletionAccumulator

    def feed(self, sse: SSEEvent) -> Any:
        """Fold one chunk in; :attr:`event` is then the validated chunk (None after
        ``[DONE]``). Returns True for a chunk, None for ``[DONE]``."""
        obj = self.event = read_chunk(self, sse)
        if obj is None:
            return None
        if obj.get("choices", 0) is None:
            obj["choices"] = []  # ``choices: null`` reads as none
        chunk = self.event = _validate_chunk(obj)
        self.acc.add(chunk)
        return True

    def piece(self) -> str | None:
        """Choice 0's text in the last chunk (the chunks are validated to be folded)."""
        return next((c.text for c in self.event.choices if c.index == 0), None)

    def partial(self) -> TextCompletion | None:
        return super().partial() if self.acc.chunks_seen else None


class TextCompletionStream(FoldStream[TextCompletionChunk, TextCompletion]):
    """Iterate for chunks; ``text()`` for choice 0's text; ``final()`` for the whole completion."""

    protocol = "completions"
    fold_type = TextCompletionFold

    def _typed_event(self, obj: Any, sse: SSEEvent) -> TextCompletionChunk:
        chunk: TextCompletionChunk = obj
        return chunk

    async def get_final_completion(self) -> TextCompletion:
        """Read the rest of the stream (if any) and return :meth:`final`."""
        await self.until_done()
        return self.final()
