"""A minimal chat stream built only on the core, to measure the core apart from any protocol.

It does what a protocol module's stream does on the hot path — one ``validate_json`` per event
into a small pydantic model, text pieces appended for ``final()`` — and nothing else, so the
gap between this row and a protocol's row is that protocol's own cost.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from aiotokenhot.streams import SSEEvent, Stream

__all__ = ["BenchChunk", "BenchCompletion", "CoreChatStream"]


class _Delta(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str | None = None
    content: str | None = None


class _Choice(BaseModel):
    model_config = ConfigDict(extra="allow")
    index: int = 0
    delta: _Delta
    finish_reason: str | None = None


class BenchChunk(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    object: str
    created: int
    model: str
    choices: list[_Choice]
    usage: dict[str, Any] | None = None


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | None = None


class _FinalChoice(BaseModel):
    model_config = ConfigDict(extra="allow")
    index: int = 0
    message: _Message
    finish_reason: str | None = None


class BenchCompletion(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    object: str
    created: int
    model: str
    choices: list[_FinalChoice]
    usage: dict[str, Any] | None = None


_validate = BenchChunk.__pydantic_validator__.validate_json


class CoreChatStream(Stream[BenchChunk]):
    protocol = "chat"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pieces: list[str] = []

    def _on_event(self, sse: SSEEvent) -> BenchChunk | None:
        data = sse.data
        if data == b"[DONE]":
            self._complete = True
            return None
        chunk: BenchChunk = _validate(data)
        choices = chunk.choices
        content = choices[0].delta.content if choices else None
        if content:
            self._pieces.append(content)
        return chunk if self._typed else content  # type: ignore[return-value]

    def _partial(self) -> str:
        return "".join(self._pieces)

    def final(self) -> str:
        self._require_complete()
        return "".join(self._pieces)
