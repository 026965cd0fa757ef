"""The Gemini ``streamGenerateContent?alt=sse`` stream: typed chunks, merged by :meth:`final`.

The protocol has no terminator: the body simply ends. A stream is complete when some chunk
carried a ``finishReason`` (or a prompt ``blockReason``) before the end; otherwise the end is a
truncation and raises :class:`~aiotokenhot.IncompleteStreamError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic_core

from ..._exceptions import StreamError
from ...streams._sse import SSEEvent
from ...streams._stream import Stream
from ...transport._errors import extract_error
from .._lazy import TemplateLearner, TextTemplate, discard, lazy_instance, shadow_validator
from ._types import Candidate, Content, GenerateContentResponse, Part

__all__ = ["GenerateContentStream"]

#: checks a chunk in Rust into a plain dict (snake_case keys); the model is built on first read
_check = shadow_validator(GenerateContentResponse).validate_json
_lazy = lazy_instance
#: a part the stream keeps: its checked dict, or a plain answer-text piece as a bare str
_Piece = dict[str, Any] | str


class _CandidateParts:
    """What one candidate accumulated: its parts in order and its latest checked fields."""

    __slots__ = ("last", "parts", "role")

    def __init__(self, first: dict[str, Any]) -> None:
        self.parts: list[_Piece] = []
        self.role: str | None = None
        self.last = first


class GenerateContentStream(Stream[GenerateContentResponse]):
    """Typed :class:`GenerateContentResponse` chunks; each chunk's text is a delta.

    ``.text()`` yields the first candidate's answer pieces; :meth:`final` merges the chunks
    (text joined per candidate, function calls and other parts kept in order, last usage).
    An ``{"error": ...}`` object in the stream raises :class:`~aiotokenhot.StreamError`.
    Chunks are checked on arrival and built into models when first read.
    """

    protocol = "Gemini"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._candidates: dict[int, _CandidateParts] = {}
        self._usage: dict[str, Any] | None = None
        self._model_version: str | None = None
        self._response_id: str | None = None
        self._feedback: dict[str, Any] | None = None
        self._finish_seen = False
        self._final: GenerateContentResponse | None = None
        self._last: GenerateContentResponse | None = None  # the chunk _last_text belongs to
        self._last_text: str | None = None
        # chunks equal to a one-text-part chunk but for the text: matched as bytes
        self._template: TextTemplate | None = None
        self._template_append: Callable[[_Piece], None] = discard
        self._learner = TemplateLearner()

    def _on_event(self, sse: SSEEvent) -> GenerateContentResponse | None:
        data = sse.data
        template = self._template
        if template is not None:
            piece = template.match(data)
            if piece is not None:  # the common chunk: one more answer piece, nothing else
                self._template_append(piece)
                self._last_text = piece
                chunk = self._last = _lazy(GenerateContentResponse, data)
                return chunk
        try:
            checked = _check(data)
        except ValueError:  # pydantic.ValidationError too
            return self._on_bad_chunk(sse)
        if "error" in checked:
            self._check_error(checked)
        self._template = None
        self._last_text = self._add(checked)
        candidates = checked.get("candidates")
        if candidates and len(candidates) == 1:
            parts = (candidates[0].get("content") or {}).get("parts")
            if parts and len(parts) == 1 and len(parts[0]) == 1 and parts[0].get("text"):
                self._learn(data, candidates[0], parts[0]["text"])
        chunk = self._last = _lazy(GenerateContentResponse, checked)
        return chunk

    def _add(self, checked: dict[str, Any]) -> str:
        """Fold one checked chunk in; returns the first candidate's answer text."""
        accumulated = self._candidates
        candidates = checked.get("candidates") or ()
        for position, candidate in enumerate(candidates):
            index = candidate.get("index")
            if index is None:
                index = position
            acc = accumulated.get(index)
            if acc is None:
                acc = accumulated[index] = _CandidateParts(candidate)
            else:
                acc.last = candidate
            content = candidate.get("content")
            if content is not None:
                parts = content.get("parts")
                if parts:
                    acc.parts.extend(parts)
                if content.get("role"):
                    acc.role = content["role"]
            if candidate.get("finish_reason"):
                self._finish_seen = True
        value = checked.get("usage_metadata")
        if value is not None:
            self._usage = value
        value = checked.get("model_version")
        if value is not None:
            self._model_version = value
        value = checked.get("response_id")
        if value is not None:
            self._response_id = value
        value = checked.get("prompt_feedback")
        if value is not None:
            self._feedback = value
            if value.get("block_reason"):
                self._finish_seen = True
        if not candidates:
            return ""
        content = candidates[0].get("content")
        if content is None:
            return ""
        return "".join(p["text"] for p in content.get("parts", ())
                       if p.get("text") is not None and not p.get("thought"))

    def _learn(self, data: bytes, candidate: dict[str, Any], text: str) -> None:
        """A template from a chunk whose only part is the answer text ``text``."""
        self._template = self._learner.learn(self._events_seen, data, "text", text, _check,
                                             _one_text_part_is)
        if self._template is not None:
            index = candidate.get("index")
            self._template_append = self._candidates[0 if index is None else index].parts.append

    def _event_text(self, event: GenerateContentResponse) -> str | None:
        if event is self._last:  # read off the checked dict: the chunk need not be built
            return self._last_text
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

    def _check_error(self, checked: dict[str, Any]) -> None:
        if not checked.get("candidates"):
            self._raise_error(GenerateContentResponse.model_validate(checked).to_dict())

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
            Candidate.model_validate({
                **acc.last,
                "content": Content(role=acc.role or "model", parts=_merge_pieces(acc.parts)),
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


def _one_text_part_is(checked: dict[str, Any], probe: str) -> bool:
    candidates: list[dict[str, Any]] = checked.get("candidates") or []
    return len(candidates) == 1 and \
        (candidates[0].get("content") or {}).get("parts") == [{"text": probe}]


def _merge_pieces(pieces: list[_Piece]) -> list[Part]:
    """:func:`merge_parts` for the stream's kept pieces, joining before building any model."""
    out: list[Part] = []
    run: list[_Piece] = []
    run_thought = False

    def flush() -> None:
        if run:
            out.append(Part.model_validate(_join_run(run)))
            run.clear()

    for piece in pieces:
        if isinstance(piece, str):
            is_text, thought = True, False
        else:
            is_text = piece.get("text") is not None and piece.get("function_call") is None \
                and piece.get("inline_data") is None
            thought = bool(piece.get("thought"))
        if is_text and run and run_thought == thought:
            run.append(piece)
            continue
        flush()
        if is_text:
            run.append(piece)
            run_thought = thought
        else:
            out.append(Part.model_validate(piece))
    flush()
    return out


def _join_run(run: list[_Piece]) -> dict[str, Any]:
    """One text part from a run: the first part's fields, the texts joined, the first signature."""
    first = run[0]
    merged: dict[str, Any] = {"text": first} if isinstance(first, str) else dict(first)
    if len(run) > 1:
        merged["text"] = "".join(p if isinstance(p, str) else p["text"] for p in run)
        merged["thought_signature"] = next(
            (p["thought_signature"] for p in run
             if not isinstance(p, str) and p.get("thought_signature")), None)
    return merged
