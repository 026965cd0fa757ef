"""The Gemini ``streamGenerateContent?alt=sse`` stream: typed chunks, merged by :meth:`final`.

The protocol has no terminator: the body simply ends. A stream is complete when some chunk
carried a ``finishReason`` (or a prompt ``blockReason``) before the end; otherwise the end is a
truncation and raises :class:`~aiotokenhot.IncompleteStreamError`.
"""

from __future__ import annotations

from typing import Any

import pydantic
import pydantic_core

from ..._exceptions import StreamError
from ...streams._sse import SSEEvent
from ...streams._stream import Stream
from ...transport._errors import extract_error
from ._types import Candidate, Content, GenerateContentResponse, Part, PromptFeedback, UsageMetadata

__all__ = ["GenerateContentStream"]

_validate = GenerateContentResponse.__pydantic_validator__.validate_json


class _CandidateParts:
    """What one candidate accumulated: its parts in order and its latest metadata."""

    __slots__ = ("last", "parts", "role")

    def __init__(self, first: Candidate) -> None:
        self.parts: list[Part] = []
        self.role: str | None = None
        self.last = first


class GenerateContentStream(Stream[GenerateContentResponse]):
    """Typed :class:`GenerateContentResponse` chunks; each chunk's text is a delta.

    ``.text()`` yields the first candidate's answer pieces; :meth:`final` merges the chunks
    (text joined per candidate, function calls and other parts kept in order, last usage).
    An ``{"error": ...}`` object in the stream raises :class:`~aiotokenhot.StreamError`.
    """

    protocol = "Gemini"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._candidates: dict[int, _CandidateParts] = {}
        self._usage: UsageMetadata | None = None
        self._model_version: str | None = None
        self._response_id: str | None = None
        self._feedback: PromptFeedback | None = None
        self._finish_seen = False
        self._final: GenerateContentResponse | None = None

    def _on_event(self, sse: SSEEvent) -> GenerateContentResponse | None:
        try:
            chunk: GenerateContentResponse = _validate(sse.data)
        except (pydantic.ValidationError, ValueError):
            return self._on_bad_chunk(sse)
        if chunk.__pydantic_extra__:
            self._check_error(chunk)
        accumulated = self._candidates
        for position, candidate in enumerate(chunk.candidates):
            index = candidate.index if candidate.index is not None else position
            acc = accumulated.get(index)
            if acc is None:
                acc = accumulated[index] = _CandidateParts(candidate)
            else:
                acc.last = candidate
            content = candidate.content
            if content is not None:
                acc.parts.extend(content.parts)
                if content.role:
                    acc.role = content.role
            if candidate.finish_reason:
                self._finish_seen = True
        if chunk.usage_metadata is not None:
            self._usage = chunk.usage_metadata
        if chunk.model_version is not None:
            self._model_version = chunk.model_version
        if chunk.response_id is not None:
            self._response_id = chunk.response_id
        if chunk.prompt_feedback is not None:
            self._feedback = chunk.prompt_feedback
            if chunk.prompt_feedback.block_reason:
                self._finish_seen = True
        return chunk

    def _event_text(self, event: GenerateContentResponse) -> str | None:
        return event.text

    def _on_eof(self) -> None:
        if self._finish_seen:
            self._complete = True

    # -- rare paths ------------------------------------------------------------------------------

    def _on_bad_chunk(self, sse: SSEEvent) -> GenerateContentResponse | None:
        if sse.data.strip() == b"[DONE]":  # some OpenAI-minded gateways append one
            return None
        try:
            obj = pydantic_core.from_json(sse.data)
        except ValueError:
            raise StreamError(
                f"malformed JSON in a {self.protocol} stream chunk: {sse.data[:200]!r}",
                body=sse.text(),
                partial=self._partial(),
            ) from None
        if isinstance(obj, dict) and "error" in obj:
            self._raise_error(obj)
        raise StreamError(
            f"a {self.protocol} stream chunk has an unexpected shape: {sse.data[:200]!r}",
            body=obj,
            partial=self._partial(),
        )

    def _check_error(self, chunk: GenerateContentResponse) -> None:
        extra = chunk.__pydantic_extra__ or {}
        if "error" in extra and not chunk.candidates:
            self._raise_error(chunk.to_dict())

    def _raise_error(self, body: dict[str, Any]) -> None:
        message, status, code = extract_error(body)
        raise StreamError(
            f"{status or code or 'error'}: {message or 'the stream reported an error'}",
            body=body,
            error_type=status,
            partial=self._partial(),
        )

    # -- accumulation ----------------------------------------------------------------------------

    def _snapshot(self) -> GenerateContentResponse:
        candidates = [
            acc.last.model_copy(update={
                "content": Content(role=acc.role or "model", parts=merge_parts(acc.parts)),
                "index": index,
            })
            for index, acc in sorted(self._candidates.items())
        ]
        return GenerateContentResponse(
            candidates=candidates,
            usage_metadata=self._usage,
            model_version=self._model_version,
            response_id=self._response_id,
            prompt_feedback=self._feedback,
        )

    def _partial(self) -> GenerateContentResponse:
        return self._snapshot()

    def final(self) -> GenerateContentResponse:
        """The whole answer merged from the chunks (needs the stream consumed to its end)."""
        self._require_complete()
        if self._final is None:
            self._final = self._snapshot()
        return self._final


def merge_parts(parts: list[Part]) -> list[Part]:
    """Join runs of adjacent text parts (answer and thought runs apart); keep other parts as is.

    A run keeps its first part's fields and the first ``thought_signature`` seen in it.
    """
    out: list[Part] = []
    run: list[Part] = []

    def flush() -> None:
        if not run:
            return
        if len(run) == 1:
            out.append(run[0])
        else:
            signature = next((p.thought_signature for p in run if p.thought_signature), None)
            out.append(run[0].model_copy(update={
                "text": "".join(p.text or "" for p in run),
                "thought_signature": signature,
            }))
        run.clear()

    for part in parts:
        is_text = part.text is not None and part.function_call is None and part.inline_data is None
        if is_text and run and bool(run[0].thought) == bool(part.thought):
            run.append(part)
            continue
        flush()
        if is_text:
            run.append(part)
        else:
            out.append(part)
    flush()
    return out
