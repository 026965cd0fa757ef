"""ChatCompletionStream: typed ``chat.completion.chunk`` events, ``[DONE]`` and ``.final()``."""

from __future__ import annotations

from typing import Any

from ...streams import SSEEvent
from ...streams._errors import raise_stream_error
from ...streams._fold import DONE, Fold, FoldStream
from ._accumulate import ChatCompletionAccumulator, ChoiceState
from ._types import ChatCompletion, ChatCompletionChunk

__all__ = ["ChatCompletionStream", "ChatFold", "read_chunk"]

_validate_chunk = ChatCompletionChunk.__pydantic_validator__.validate_python


def read_chunk(fold: Fold, sse: SSEEvent) -> Any:
    """One OpenAI-style chunk (chat, legacy completions) as its JSON object, or None after ``[DONE]``
    (which sets ``fold.done``). An object with an ``error`` (also beside ``choices``, as OpenRouter
    reports a provider failure) or an ``event: error`` frame raises :class:`~aiotokenhot.StreamError`."""
    obj = fold.parse(sse.data)
    if obj is DONE:
        fold.done = True
        return None
    if obj.get("error") is not None or sse.event == "error":
        raise_stream_error(fold.protocol, "error event", body=obj, partial=fold.partial())
    return obj


class ChatFold(Fold):
    """The chat stream's state; :meth:`primary` is the choice whose ``index`` is 0."""

    __slots__ = ()
    accumulator = ChatCompletionAccumulator
    acc: ChatCompletionAccumulator

    def feed(self, sse: SSEEvent) -> Any:
        """Fold one event in (its JSON object is then :attr:`event`); returns what it did to
        the primary choice: the one content piece it appended (a ``str``), None when it left it
        as it was (``[DONE]``, anything after it, a usage chunk), True for anything else."""
        self.event = None
        if self.done:
            return None
        obj = self.event = read_chunk(self, sse)
        return None if obj is None else self.acc.add_dict(obj)

    def primary(self) -> ChoiceState | None:
        return self.acc.choice(0)

    def piece(self) -> str | None:
        return self.acc.text

    def partial(self) -> ChatCompletion | None:
        return super().partial() if self.acc.chunks_seen else None


class ChatCompletionStream(FoldStream[ChatCompletionChunk, ChatCompletion]):
    """Iterate for typed chunks; ``text()`` for the first choice's text; ``final()`` afterwards.

    ``final()`` is the whole :class:`ChatCompletion` assembled from the chunks: every choice
    (``n > 1``), reasoning, refusal, and tool calls with their argument pieces joined.
    """

    protocol = "chat completions"
    fold_type = ChatFold

    def _typed_event(self, obj: Any, sse: SSEEvent) -> ChatCompletionChunk:
        chunk: ChatCompletionChunk = _validate_chunk(obj)
        return chunk

    async def get_final_completion(self) -> ChatCompletion:
        """Read the rest of the stream (if any) and return :meth:`final`.

        Raises what the stream raises (:class:`StreamError`, :class:`IncompleteStreamError`...).
        """
        await self.until_done()
        return self.final()
