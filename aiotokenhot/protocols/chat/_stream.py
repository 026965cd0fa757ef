"""ChatCompletionStream: typed ``chat.completion.chunk`` events, ``[DONE]`` and ``.final()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pydantic
import pydantic_core

from ..._exceptions import StreamError
from ..._redact import redact_text
from ...streams import SSEEvent, Stream
from ...transport._errors import extract_error
from .._lazy import TemplateLearner, TextTemplate, discard, lazy_instance, shadow_validator
from ._accumulate import ChatCompletionAccumulator
from ._types import ChatCompletion, ChatCompletionChunk

__all__ = ["ChatCompletionStream", "parse_rare_event"]

#: checks a chunk in Rust into a plain dict; the yielded model is built from it on first read
_check_chunk = shadow_validator(ChatCompletionChunk).validate_json
_lazy = lazy_instance
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
        self._add = self._acc.add_checked
        self._final: ChatCompletion | None = None
        self._last: ChatCompletionChunk | None = None  # the chunk _last_text belongs to
        self._last_text: str | None = None
        # chunks equal to a plain-text chunk but for the text: matched as bytes, text appended
        self._template: TextTemplate | None = None
        self._template_append: Callable[[str], None] = discard
        self._template_is_first = False  # the template's choice has index 0
        self._learner = TemplateLearner()
        # plain-text chunks seen; the first is yielded before any template is learnt, so a
        # stream's first token is never delayed by template work
        self._plain_seen = 0

    def _on_event(self, sse: SSEEvent) -> ChatCompletionChunk | None:
        data = sse.data
        template = self._template
        if template is not None:
            piece = template.match(data)
            if piece is not None:  # the common chunk: one more text piece, nothing else
                self._template_append(piece)
                self._last_text = piece if self._template_is_first else None
                chunk = self._last = _lazy(ChatCompletionChunk, data)
                return chunk
        try:
            checked = _check_chunk(data)
        except ValueError:  # pydantic.ValidationError too: [DONE], errors, broken JSON
            return self._rare_event(sse)
        self._last_text = self._add(checked)
        self._template = None
        choices = checked["choices"]
        if len(choices) == 1:
            choice = choices[0]
            delta = choice.get("delta")
            if delta and len(delta) == 1 and delta.get("content") and choice.get("logprobs") is None:
                self._plain_seen += 1
                if self._plain_seen > 1:
                    self._learn(data, choice.get("index", 0), delta["content"])
        chunk = self._last = _lazy(ChatCompletionChunk, checked)
        return chunk

    def _learn(self, data: bytes, index: int, content: str) -> None:
        """A template from a chunk whose only piece is ``content`` for choice ``index``."""
        self._template = self._learner.learn(self._events_seen, data, "content", content,
                                             _check_chunk, _content_is)
        if self._template is not None:
            self._template_append = self._acc.content_pieces(index).append
            self._template_is_first = index == 0

    def _rare_event(self, sse: SSEEvent) -> ChatCompletionChunk | None:
        if sse.data.strip() == _DONE:
            self._complete = True
            return None
        chunk = parse_rare_event(
            sse, ChatCompletionChunk, self.protocol, self._partial, self._secret,
            fill={"choices": []},
        )
        self._last_text = self._add(chunk.model_dump(exclude_unset=True))
        self._last = chunk
        return chunk

    def _event_text(self, event: ChatCompletionChunk) -> str | None:
        if event is self._last:  # the text was read off the checked dict: no model needed
            return self._last_text
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


def _content_is(checked: dict[str, Any], probe: str) -> bool:
    choices = checked["choices"]
    return len(choices) == 1 and (choices[0].get("delta") or {}).get("content") == probe


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
