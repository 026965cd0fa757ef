"""ChatCompletionStream: typed ``chat.completion.chunk`` events, ``[DONE]`` and ``.final()``.

Each event is parsed once into a dict (:class:`ChunkReader`), folded into the accumulator
(:class:`ChatFold`) and, when the caller iterates typed chunks, validated once from that same
dict into the public :class:`ChatCompletionChunk`. ``.text()`` and the unified stream skip the
validation but run the same fold.
"""

from __future__ import annotations

from typing import Any

import pydantic_core

from ..._exceptions import StreamError
from ...streams import SSEEvent, Stream
from ...streams._errors import raise_malformed, raise_stream_error
from ...streams._json import EventJSON
from ._accumulate import ChatCompletionAccumulator, ChoiceState
from ._types import ChatCompletion, ChatCompletionChunk

__all__ = ["ChatCompletionStream", "ChatFold", "ChunkReader"]

_validate_chunk = ChatCompletionChunk.__pydantic_validator__.validate_python
_from_json = pydantic_core.from_json
_DONE = b"[DONE]"


class ChunkReader:
    """SSE event → JSON object for the OpenAI-style chunk streams (chat, legacy completions).

    ``[DONE]`` sets :attr:`done` and gives None; an object with an ``error`` (also beside
    ``choices``, as OpenRouter reports a provider failure) or an ``event: error`` frame raises
    :class:`StreamError`; what is not JSON raises it too. The caller adds ``partial``.
    """

    __slots__ = ("_json", "done", "protocol")

    def __init__(self, protocol: str) -> None:
        self.protocol = protocol
        self.done = False
        self._json = EventJSON()

    def read(self, sse: SSEEvent) -> Any:
        data = sse.data
        try:
            obj = _from_json(data)
        except ValueError:
            if data.strip() == _DONE:
                self.done = True
                return None
            try:
                obj = self._json.tolerant(data)  # e.g. half a surrogate pair, as an escape
            except ValueError:
                raise_malformed(self.protocol, data)
        else:
            if self._json.carry:
                obj = self._json.repair(obj)
        if obj.get("error") is not None or sse.event == "error":
            raise_stream_error(self.protocol, "error event", body=obj)
        return obj


class ChatFold:
    """The chat stream's state: reads an event, folds it, keeps the completion so far.

    Shared by :class:`ChatCompletionStream` and the unified stream (which reads
    :meth:`primary`, the choice whose ``index`` is 0, as it grows).
    """

    __slots__ = ("acc", "done", "event", "reader")

    def __init__(self, protocol: str = "chat completions") -> None:
        self.acc = ChatCompletionAccumulator()
        self.reader = ChunkReader(protocol)
        #: True once ``[DONE]`` arrived
        self.done = False
        #: the last chunk's JSON object (None for ``[DONE]``)
        self.event: Any = None

    @property
    def text(self) -> str | None:
        """Choice 0's content piece in the last chunk (None when it had none)."""
        return self.acc.text

    def feed(self, sse: SSEEvent) -> Any:
        """Fold one event in (its JSON object is then :attr:`event`); returns what it did to
        the primary choice: the one content piece it appended (a ``str``), None when it left it
        as it was (``[DONE]``, anything after it, a usage chunk), True for anything else."""
        self.event = None
        if self.done:
            return None
        try:
            obj = self.reader.read(sse)
        except StreamError as exc:
            exc.partial = self.partial()
            raise
        if obj is None:
            self.done = self.reader.done
            return None
        self.event = obj
        return self.acc.add_dict(obj)

    def primary(self) -> ChoiceState | None:
        return self.acc.choice(0)

    def at_eof(self) -> bool:
        """A chat stream ends at ``[DONE]`` only: a body that stops before it was cut."""
        return False

    def snapshot(self) -> ChatCompletion:
        return self.acc.snapshot()

    def partial(self) -> ChatCompletion | None:
        if not self.acc.chunks_seen:
            return None
        try:
            return self.acc.snapshot()
        except Exception:  # the state may be as confused as the event that stopped it
            return None


class ChatCompletionStream(Stream[ChatCompletionChunk]):
    """Iterate for typed chunks; ``text()`` for the first choice's text; ``final()`` afterwards.

    ``final()`` is the whole :class:`ChatCompletion` assembled from the chunks: every choice
    (``n > 1``), reasoning, refusal, and tool calls with their argument pieces joined.
    """

    protocol = "chat completions"
    text_mode = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fold = ChatFold(self.protocol)
        self._final: ChatCompletion | None = None

    def _on_event(self, sse: SSEEvent) -> Any:
        fold = self._fold
        change = fold.feed(sse)
        if change.__class__ is str and not self._typed:  # .text(): the usual chunk
            return change
        obj = fold.event
        if obj is None:
            self._complete = fold.done
            return None
        if self._typed:
            return _validate_chunk(obj)
        return fold.text

    def _event_text(self, event: ChatCompletionChunk) -> str | None:
        choices = event.choices
        if choices and choices[0].index == 0:
            return choices[0].delta.content
        return None

    def _partial(self) -> ChatCompletion | None:
        return self._fold.partial()

    def snapshot(self) -> ChatCompletion:
        """The completion assembled from the chunks received so far."""
        return self._fold.snapshot()

    def final(self) -> ChatCompletion:
        """The accumulated completion; the stream must have been read to ``[DONE]``.

        Raises :class:`TokenHotError` before then (see :meth:`get_final_completion`).
        """
        self._require_complete()
        if self._final is None:
            self._final = self._fold.snapshot()
        return self._final

    async def get_final_completion(self) -> ChatCompletion:
        """Read the rest of the stream (if any) and return :meth:`final`.

        Raises what the stream raises (:class:`StreamError`, :class:`IncompleteStreamError`...).
        """
        await self.until_done()
        return self.final()
