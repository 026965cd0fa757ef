"""How a protocol plugs into the unified API: one adapter object, read by the unified stream.

A protocol package ``aiotokenhot/protocols/<name>/`` provides, in its ``_unified.py``:

1. a **fold** (:class:`NativeFold`): the same state object its native stream uses. ``feed(sse)``
   parses one SSE event once, raises the in-stream errors, folds the event into the protocol's
   own accumulator and sets ``done`` at the protocol's terminator. It returns what the event did
   to the primary view: the text piece it appended to ``content`` (a ``str``) when that was all,
   None when the view did not change, anything else when it may have changed otherwise (the
   unified stream then compares the view with what it already emitted). ``primary()`` exposes the
   primary choice/candidate (the one whose ``index`` field is 0, never a list position) as a
   :class:`PrimaryView`: lists of text pieces, reasoning pieces and tool calls that only grow.
   Once ``primary()`` returned a view it must keep returning that same object.
   ``snapshot()`` is the native result so far (what the native ``final()`` returns).
   ``at_eof()`` says whether a clean end of body ends the reply (protocols without a
   terminator); otherwise the stream raises :class:`IncompleteStreamError`.
2. an **adapter** (:class:`UnifiedAdapter`): ``native_request`` (unified request → native
   path and body), ``new_fold()``, ``completion(native_result)`` (the pure "native final →
   :class:`Completion`" helper) and ``parse(body)`` for ``th.complete()``, which should validate
   the body into the native result type and call ``completion`` on it, so a whole reply and a
   streamed one are converted by the same code.
3. a subclass of :class:`UnifiedStream` that names the adapter
   (``class ChatUnifiedStream(UnifiedStream): adapter = CHAT_ADAPTER``) and one
   :class:`~aiotokenhot.unified.ProtocolRecord` in ``unified/_registry.py``.

The unified stream then emits, after each event, the piece ``feed`` reports or the pieces that
were appended to the primary view since it last looked, and at the end one :class:`Usage`
(when reported) and one :class:`Finish`, both read from ``completion(snapshot())``: the unified
events are derived from the native state and cannot disagree with the native ``final()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import pydantic

from .._exceptions import ResponseValidationError
from ..streams._sse import SSEEvent
from ._events import Completion, FinishReason
from ._finish import normalize_finish

__all__ = [
    "CallView",
    "NativeFold",
    "NativeRequest",
    "PrimaryView",
    "Sampling",
    "UnifiedAdapter",
    "UnifiedRequest",
    "answer_as",
    "with_finish",
]

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


def answer_as(model: type[ModelT], body: Any, label: str) -> ModelT:
    """A whole non-streaming answer ``body`` as ``model``.

    Raises :class:`ResponseValidationError` (carrying ``body``) naming ``label``'s response when
    the body does not have the model's shape.
    """
    try:
        return model.model_validate(body)
    except pydantic.ValidationError as exc:
        raise ResponseValidationError(
            f"the {label} response does not have the expected shape: {exc}", body=body,
        ) from None


def with_finish(done: Completion, known: Mapping[str, FinishReason]) -> Completion:
    """``done``, given the finish an answer without a reason implies (``tool_calls`` when it
    holds tool calls, else ``stop``) when it has none."""
    if done.finish is None:
        done.finish = normalize_finish(None, known, bool(done.tool_calls))
    return done


@dataclass(frozen=True)
class NativeRequest:
    """Where and what to send for one protocol."""

    protocol: str
    path: str
    body: dict[str, Any]
    params: dict[str, str] | None = None


@dataclass(frozen=True)
class Sampling:
    """The generation settings every protocol can carry, under its own field names."""

    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None


@dataclass(frozen=True)
class UnifiedRequest:
    """A checked unified request: OpenAI-chat-shape ``messages`` and function ``tools``."""

    model: str
    messages: Sequence[Any]
    tools: list[Any]
    tool_choice: Any
    sampling: Sampling
    stream: bool


class CallView(Protocol):
    """A tool call of the primary choice as the fold assembles it."""

    id: str
    name: str
    arguments: list[str]


class PrimaryView(Protocol):
    """The primary choice's pieces; the lists only grow while the stream runs."""

    content: list[str]
    reasoning: list[str]

    @property
    def calls(self) -> Sequence[CallView]: ...


class NativeFold(Protocol):
    """A protocol's stream state (see the module doc)."""

    @property
    def done(self) -> bool: ...

    def feed(self, sse: SSEEvent) -> Any:
        """Fold one event in; ``str`` (one text piece appended), None (no change) or other."""
        ...

    def primary(self) -> PrimaryView | None: ...

    def snapshot(self) -> Any: ...

    def at_eof(self) -> bool: ...


class UnifiedAdapter(Protocol):
    """One protocol's bridge to the unified API (see the module doc)."""

    #: the protocol's name in the unified API (``openai``, ``responses``...)
    name: str

    def native_request(self, request: UnifiedRequest) -> NativeRequest: ...

    def new_fold(self) -> NativeFold: ...

    def completion(self, result: Any, raw: Any = None) -> Completion: ...

    def parse(self, body: Any) -> Completion: ...
