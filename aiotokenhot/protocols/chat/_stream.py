"""ChatCompletionStream: typed ``chat.completion.chunk`` events, ``[DONE]`` and ``.final()``."""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic
import pydantic_core

from ..._exceptions import StreamError
from ..._redact import redact_text
from ...streams import SSEEvent, Stream
from ...transport._errors import extract_error
from ._accumulate import ChatCompletionAccumulator
from ._types import ChatCompletion, ChatCompletionChunk

__all__ = ["ChatCompletionStream", "parse_rare_event"]

_validate_chunk = ChatCompletionChunk.__pydantic_validator__.validate_json
_DONE = b"[DONE]"
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


class ChatCompletionStream(Stream[ChatCompletionChunk]):
    """Iterate for typed chunks; ``text()`` for the first choice's text; ``final()`` afterwards.

    ``final()`` is the whole :class:`ChatCompletion` assembled from the chunks: every choice
    (``n > 1``), reasoning, and tool calls with their argument pieces joined.
    """

    protocol = "chat completions"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._acc = ChatCompletionAccumulator()
        self._add = self._acc.add
        self._final: ChatCompletion | None = None

    async def __aenter__(self) -> ChatCompletionStream:
        await super().__aenter__()
        return self

    def _on_event(self, sse: SSEEvent) -> ChatCompletionChunk | None:
        chunk: ChatCompletionChunk | None
        try:
            chunk = _validate_chunk(sse.data)
        except ValueError:  # pydantic.ValidationError too: [DONE], errors, broken JSON
            chunk = self._rare_event(sse)
            if chunk is None:
                return None
        self._add(chunk)
        return chunk

    def _rare_event(self, sse: SSEEvent) -> ChatCompletionChunk | None:
        if sse.data.strip() == _DONE:
            self._complete = True
            return None
        return parse_rare_event(
            sse, ChatCompletionChunk, self.protocol, self._partial, self._secret,
            fill={"choices": []},
        )

    def _event_text(self, event: ChatCompletionChunk) -> str | None:
        choices = event.choices
        if choices and choices[0].index == 0:
            return choices[0].delta.content
        return None

    def _partial(self) -> ChatCompletion | None:
        return self._acc.snapshot() if self._acc.chunks_seen else None

    def snapshot(self) -> ChatCompletion:
        """The completion assembled from the chunks received so far."""
        return self._acc.snapshot()

    def final(self) -> ChatCompletion:
        """The accumulated completion; the stream must have been read to ``[DONE]``."""
        self._require_complete()
        if self._final is None:
            self._final = self._acc.snapshot()
        return self._final


def parse_rare_event(
    sse: SSEEvent,
    model: type[ModelT],
    protocol: str,
    partial: Any,
    secret: str | None,
    *,
    fill: dict[str, Any],
) -> ModelT:
    """The slow path for an event the fast parser refused, shared by the OpenAI-style streams.

    An error object becomes :class:`StreamError`; broken JSON too. A chunk that only lacks a
    required list (a lean gateway) is accepted with ``fill`` supplying it.
    """
    try:
        obj = pydantic_core.from_json(sse.data)
    except ValueError:
        raise StreamError(
            redact_text(f"malformed JSON in the {protocol} stream: {sse.data[:200]!r}", secret),
            body=sse.data[:2000], partial=partial(),
        ) from None
    if isinstance(obj, dict) and ("error" in obj or sse.event == "error"):
        message, etype, code = extract_error(obj)
        raise StreamError(
            redact_text(f"error in the {protocol} stream: {message or obj}", secret),
            body=obj, error_type=etype or code, partial=partial(),
        )
    if isinstance(obj, dict):
        try:
            return model.model_validate({**fill, **obj})
        except pydantic.ValidationError as exc:
            detail = exc.errors()[0]["msg"] if exc.errors() else str(exc)
            raise StreamError(
                redact_text(f"unexpected event in the {protocol} stream: {detail}", secret),
                body=obj, partial=partial(),
            ) from None
    raise StreamError(
        redact_text(f"unexpected event in the {protocol} stream: {sse.data[:200]!r}", secret),
        body=obj, partial=partial(),
    )
