"""How a protocol plugs into the unified API: one adapter object, read by the unified stream.

A protocol package ``aiotokenhot/protocols/<name>/`` provides, in its ``_unified.py``:

1. a :class:`ProtocolAdapter` subclass built with the protocol's name, its native stream's
   :class:`~aiotokenhot.streams._fold.Fold` class (the unified stream runs the same fold) and
   its finish table; it writes ``native_request`` (unified request → native path and body),
   ``completion`` (native result → :class:`Completion`, the one conversion a streamed reply and
   a whole one share) and ``answer`` (a whole body validated as the native result);
2. a :class:`~aiotokenhot.unified._stream.UnifiedStream` subclass naming that adapter, and one
   :class:`~aiotokenhot.unified.ProtocolRecord` in ``unified/_registry.py``.

What a fold must give the unified stream is :meth:`Fold.feed`'s report and
:meth:`Fold.primary`, a :class:`PrimaryView` whose lists only grow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import pydantic

from .._exceptions import ResponseValidationError
from ..streams._fold import Fold
from ._events import Completion, Finish, FinishReason, Usage
from ._finish import normalize_finish

__all__ = [
    "CallView",
    "NativeRequest",
    "PrimaryView",
    "ProtocolAdapter",
    "Sampling",
    "UnifiedAdapter",
    "UnifiedRequest",
    "answer_as",
]

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)
ResultT = TypeVar("ResultT")


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


class ProtocolAdapter(Generic[ResultT]):
    """What every protocol's :class:`UnifiedAdapter` shares, for the native result type
    ``ResultT``: its name, its fold and its finish table. A subclass writes ``native_request``,
    ``completion`` and ``answer``."""

    def __init__(self, name: str, fold: Callable[[str], Fold],
                 finish_reasons: Mapping[str, FinishReason]) -> None:
        #: the protocol's name in the unified API (``openai``, ``responses``...)
        self.name = name
        #: the native finish reasons the unified API knows by name (others: see ``_finish``)
        self.finish_reasons = finish_reasons
        self._fold = fold

    def native_request(self, request: UnifiedRequest) -> NativeRequest:
        """The native path and body for ``request``; raises :class:`InvalidRequestError` for
        what the protocol cannot carry."""
        raise NotImplementedError

    def new_fold(self) -> Fold:
        """A fresh stream state, the one the protocol's native stream runs."""
        return self._fold(self.name)

    def completion(self, result: ResultT, raw: Any = None) -> Completion:
        """A native result (the native ``final()`` or a whole answer) as a :class:`Completion`;
        ``raw`` defaults to ``result``."""
        raise NotImplementedError

    def answer(self, body: Any) -> ResultT:
        """A whole non-streaming answer ``body`` as the native result; raises
        :class:`ResponseValidationError` when it is not one."""
        raise NotImplementedError

    def parse(self, body: Any) -> Completion:
        """A whole non-streaming answer as a :class:`Completion` (``raw`` keeps the body as
        sent); one without a finish reason ends in ``tool_calls`` when it holds tool calls,
        else ``stop``. Raises :class:`ResponseValidationError` when it is not an answer."""
        done = self.completion(self.answer(body), raw=body)
        if done.finish is None:
            done.finish = normalize_finish(None, self.finish_reasons, bool(done.tool_calls))
        return done

    def finish(self, reason: str | None, has_tool_calls: bool) -> Finish | None:
        """A native finish ``reason`` in the unified meaning (see ``_finish``); None for none."""
        if reason is None:
            return None
        return normalize_finish(reason, self.finish_reasons, has_tool_calls)

    def new_completion(self, result: ResultT, raw: Any, *, usage: Usage | None,
                       model: str | None, id: str | None) -> Completion:
        """An empty :class:`Completion` of this protocol: ``raw`` is the body as sent, or
        ``result`` itself when None."""
        return Completion(usage=usage, protocol=self.name, model=model, id=id,
                          raw=result if raw is None else raw)


#: the bridge the unified stream and ``th.complete()`` read (see the module doc)
UnifiedAdapter = ProtocolAdapter[Any]
