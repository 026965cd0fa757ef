"""Model fallback chains: ``th.stream(model=[...])`` and ``th.complete(model=[...])``.

Each model is tried in turn, each over its own protocol (``protocol="auto"`` picks per model),
when the one before it failed in a way another model may not: no channel, unknown model, rate
limit or server error after the transport's own retries, a connection error or a timeout. A
stream falls back only until its first event reached the caller; after that an error is raised
as for a single model, with the partial result. Bad requests, authentication, permission and
content-policy errors are raised at once: another model would not fix them.

The chain is built on the public single-model calls (``client.stream`` / ``client.complete``), so
it knows nothing of how a protocol is carried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Sequence
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import aiohttp
import anyio

from .._closing import AsyncClosing
from .._exceptions import (
    AllModelsFailedError,
    APIConnectionError,
    APITimeoutError,
    ContentPolicyError,
    IncompleteStreamError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    StreamError,
    TokenHotError,
)
from ..telemetry._seam import drop_fallback, note_fallback
from ._events import Attempt, Completion, TextDelta, UnifiedEvent

if TYPE_CHECKING:
    from .._client import AsyncTokenHot
    from ._stream import UnifiedStream

__all__ = ["FallbackStream", "complete_with_fallback", "should_fall_back"]

log = logging.getLogger("aiotokenhot.fallback")

#: status and transport errors after which the next model of a chain is tried
#: (NoChannelError and EndpointNotSupportedError are subclasses of these)
FALLBACK_ERRORS: Final = (NotFoundError, RateLimitError, InternalServerError, APIConnectionError,
                          IncompleteStreamError)
#: error types of an in-stream error event that mean "overloaded / unavailable", not "bad request"
FALLBACK_STREAM_ERROR_TYPES: Final = frozenset({
    "overloaded_error", "api_error", "rate_limit_error", "server_error", "internal_error",
    "INTERNAL", "UNAVAILABLE", "RESOURCE_EXHAUSTED",
})


def should_fall_back(error: BaseException) -> bool:
    """Whether a chain moves on to its next model after ``error``.

    True for 404 (unknown model, unsupported endpoint), 429, 5xx (including 503 ``no available
    channel``), connection errors and timeouts, a stream cut before its first event, and an
    in-stream error event of an overload / server type. False for everything else: 400,
    401, 403, content-policy blocks, invalid arguments, responses that do not parse.
    """
    if isinstance(error, ContentPolicyError):
        return False
    if isinstance(error, FALLBACK_ERRORS):
        return True
    return isinstance(error, StreamError) and error.error_type in FALLBACK_STREAM_ERROR_TYPES


def check_models(model: Sequence[str]) -> list[str]:
    """The chain as a list; anything but a non-empty list of non-empty strings is refused."""
    models = list(model)
    if not models or not all(isinstance(m, str) and m for m in models):
        raise InvalidRequestError(
            f"model must be a model name or a non-empty list of model names, got {model!r}"
        )
    return models


def check_deadline(deadline: float | None) -> float | None:
    if deadline is not None and (
        isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or deadline <= 0
    ):
        raise InvalidRequestError(f"deadline must be a positive number of seconds, got {deadline!r}")
    return deadline


def record_fallback(attempts: list[Attempt], models: list[str], index: int, protocol: str,
                    error: TokenHotError) -> None:
    """Note that ``models[index]`` failed; raise :class:`AllModelsFailedError` after the last.

    This is the one place a fallback happens: the log record is written here, and the next
    model's span gets a ``fallback`` event (:func:`~aiotokenhot.telemetry._seam.note_fallback`).
    """
    attempts.append(Attempt(models[index], protocol, error))
    if index == len(models) - 1:
        tried = "; ".join(f"{a.model}: {type(a.error).__name__}: {a.error}" for a in attempts)
        raise AllModelsFailedError(
            f"every model of the fallback chain failed ({tried})", attempts=list(attempts)
        ) from error
    log.warning("model %s (%s) failed with %s: %s; falling back to %s", models[index], protocol,
                type(error).__name__, error, models[index + 1])
    note_fallback(models[index], protocol, error, models[index + 1])


def deadline_error(total: float | None, attempts: list[Attempt], model: str) -> APITimeoutError:
    drop_fallback()
    tried = "".join(f"{a.model} ({type(a.error).__name__}), " for a in attempts)
    return APITimeoutError(
        f"the fallback chain's deadline of {total}s passed (tried {tried}then {model})"
    )


async def _shielded(close: Awaitable[None]) -> None:
    """Close a stream even while the task is being cancelled."""
    with anyio.CancelScope(shield=True):
        await close


async def complete_with_fallback(
    client: AsyncTokenHot, *, model: Sequence[str], deadline: float | None = None, **kwargs: Any
) -> Completion:
    """``th.complete(model=[...])``: the first model of the chain that answers.

    ``deadline``: seconds the whole chain may take (None: each attempt only obeys ``timeout``).
    Every model's request is converted and checked before the first one is sent. Returns the
    :class:`Completion` with ``attempts`` listing the models that failed before it. Raises the
    first error that does not allow a fallback, :class:`AllModelsFailedError` when every model
    failed, and :class:`APITimeoutError` when the deadline passed (the call in flight is
    cancelled and its connection closed).
    """
    models = check_models(model)
    total = check_deadline(deadline)
    # building each model's request (no I/O) checks the arguments against every protocol now
    protocols = [client.stream(model=m, **kwargs).protocol for m in models]
    loop = asyncio.get_running_loop()
    end = None if total is None else loop.time() + total
    attempts: list[Attempt] = []
    for index, name in enumerate(models):
        remaining = None if end is None else end - loop.time()
        try:
            completion = await _within(client.complete(model=name, **kwargs), remaining)
        except TokenHotError as exc:
            if not should_fall_back(exc):
                raise
            record_fallback(attempts, models, index, protocols[index], exc)
            continue
        if completion is None:
            raise deadline_error(total, attempts, name)
        completion.attempts = attempts
        if completion.model is None:
            completion.model = name
        return completion
    raise AssertionError("unreachable: the last model either answers or raises")


async def _within(call: Awaitable[Completion], remaining: float | None) -> Completion | None:
    """``await call``, or None when ``remaining`` seconds pass first (the call is cancelled)."""
    if remaining is None:
        return await call
    with anyio.move_on_after(max(0.0, remaining)):
        return await call
    return None


E = TypeVar("E")


class GeneratorStream(AsyncClosing, Generic[E]):
    """A stream whose events come from one async generator, ``self._gen``.

    ``async with`` (leaving closes it), ``async for``, :meth:`aclose` (closes the generator,
    which releases what it holds; safe to call more than once) and :meth:`text`: the text
    pieces (:class:`TextDelta`) among the events, in order.
    """

    _gen: AsyncGenerator[E, None]

    def __aiter__(self) -> AsyncIterator[E]:
        return self._gen

    def __anext__(self) -> Awaitable[E]:
        return self._gen.__anext__()

    async def aclose(self) -> None:
        """Stop reading and release what the stream holds; safe to call more than once."""
        await self._gen.aclose()

    async def text(self) -> AsyncIterator[str]:
        """The text pieces of the stream's replies, in order."""
        async for event in self._gen:
            if event.__class__ is TextDelta:
                yield event.text  # type: ignore[attr-defined]


class _Ended:
    """The first read found the stream already at its end."""


_ENDED: Final = _Ended()


class FallbackStream(GeneratorStream[UnifiedEvent]):
    """``th.stream(model=[...])``: the unified events of the first model that answers.

    Used like a :class:`UnifiedStream` (``async with``, ``async for``, :meth:`text`,
    :meth:`until_done`, :meth:`final`). The chain runs on ``async with`` or the first iteration:
    it reads the first event of each model in turn and moves on while that fails with an error
    :func:`should_fall_back` accepts. Once an event was delivered, errors are raised as for one
    model (with ``partial``). ``model`` is the model of the chain that is answering,
    ``attempts`` the ones that failed before it; ``final()`` carries both.

    ``deadline`` (seconds) bounds the whole search, until the first event arrives: when it
    passes, :class:`APITimeoutError` is raised and no further model is tried (the reply itself,
    once flowing, is bounded by the ``timeout``'s idle limit as any stream). Cancelling the task
    stops the chain at once and closes the open connection.
    """

    def __init__(self, client: AsyncTokenHot, *, model: Sequence[str],
                 deadline: float | None = None, **kwargs: Any) -> None:
        self._models = check_models(model)
        self._total = check_deadline(deadline)
        # every model's request is converted and checked now, before anything is sent
        self._streams: list[UnifiedStream] = [client.stream(model=m, **kwargs) for m in self._models]
        self._index = 0
        self._opened = False
        self._first: UnifiedEvent | _Ended | None = None
        #: the models that failed before the one answering, each with its error
        self.attempts: list[Attempt] = []
        self._gen: AsyncGenerator[UnifiedEvent, None] = self._run()

    # -- what the chain is doing ------------------------------------------------------------------

    @property
    def models(self) -> list[str]:
        """The chain, in order."""
        return list(self._models)

    @property
    def model(self) -> str:
        """The model answering (before the chain ran: the first one)."""
        return self._models[self._index]

    @property
    def stream(self) -> UnifiedStream:
        """The single-model stream of :attr:`model`."""
        return self._streams[self._index]

    @property
    def protocol(self) -> str:
        return self.stream.protocol

    @property
    def response(self) -> aiohttp.ClientResponse | None:
        return self.stream.response

    @property
    def completed(self) -> bool:
        return self.stream.completed

    @property
    def events_received(self) -> int:
        return self.stream.events_received

    # -- the stream surface ----------------------------------------------------------------------

    async def __aenter__(self) -> FallbackStream:
        await self._start()
        return self

    async def aclose(self) -> None:
        """Stop reading and release the connection; safe to call more than once."""
        await self._gen.aclose()
        await self.stream.aclose()

    async def until_done(self) -> None:
        """Consume the rest of the stream (so that :meth:`final` is available)."""
        async for _ in self._gen:
            pass

    def final(self) -> Completion:
        """The whole reply, with ``attempts``; the stream must have been consumed to its end."""
        completion = self.stream.final()
        completion.attempts = list(self.attempts)
        if completion.model is None:
            completion.model = self.model
        return completion

    # -- the chain --------------------------------------------------------------------------------

    async def _start(self) -> None:
        if self._opened:
            return
        self._opened = True
        loop = asyncio.get_running_loop()
        deadline = None if self._total is None else loop.time() + self._total
        for index, stream in enumerate(self._streams):
            self._index = index
            remaining = None if deadline is None else deadline - loop.time()
            try:
                first = await _first_event(stream, remaining)
            except TokenHotError as exc:
                await _shielded(stream.aclose())
                if not should_fall_back(exc):
                    raise
                record_fallback(self.attempts, self._models, index, stream.protocol, exc)
                continue
            except BaseException:
                await _shielded(stream.aclose())
                raise
            if first is None:
                await _shielded(stream.aclose())
                raise deadline_error(self._total, self.attempts, self.model)
            self._first = first
            return

    async def _run(self) -> AsyncGenerator[UnifiedEvent, None]:
        try:
            await self._start()
            first, self._first = self._first, None
            if first is None:
                raise TokenHotError("this stream is closed")
            if isinstance(first, _Ended):
                return
            yield first
            async for event in self.stream:
                yield event
        except TokenHotError as exc:
            partial = getattr(exc, "partial", None)
            if isinstance(partial, Completion):
                partial.attempts = list(self.attempts)
                if partial.model is None:
                    partial.model = self.model
            raise
        finally:
            await _shielded(self.stream.aclose())


async def _first_event(stream: UnifiedStream, remaining: float | None) -> UnifiedEvent | _Ended | None:
    """The stream's first event, :data:`_ENDED` if it has none, None if ``remaining`` ran out."""
    try:
        if remaining is None:
            return await stream.__anext__()
        with anyio.move_on_after(max(0.0, remaining)):
            return await stream.__anext__()
    except StopAsyncIteration:
        return _ENDED
    return None
