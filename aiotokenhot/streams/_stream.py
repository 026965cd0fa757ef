"""The stream object shared by every protocol: bytes → SSE events → typed events.

A :class:`Stream` is an async iterator *and* an async context manager. However it is left — end,
``break`` (with or without ``async with``), an exception, task cancellation, ``aclose()`` — the
HTTP connection goes back to the pool (or is closed when unread bytes remain).

The stream is its own iterator (``__anext__`` is a plain coroutine method, no inner async
generator), so nothing refers back to it: a stream left by a bare ``break`` is freed by reference
counting the moment the loop lets go of it, and its finaliser closes the connection at once and
emits a :class:`ResourceWarning` naming the abandoned stream.

The protocols' streams subclass it through :class:`~aiotokenhot.streams._fold.FoldStream`.
"""

from __future__ import annotations

import asyncio
import time
import warnings
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import aiohttp
import pydantic_core
from typing_extensions import Self

from .._closing import AsyncClosing
from .._exceptions import (
    APIConnectionError,
    APITimeoutError,
    EventTooLargeError,
    IncompleteStreamError,
    StreamError,
    TokenHotError,
    raise_unchained,
)
from .._redact import redact_text, scrub_exception
from ..transport._errors import (
    body_error,
    build_status_error,
    extract_error,
    map_client_error,
    request_id_of,
)
from ..transport._retry import DEFAULT_RETRY_POLICY, RetryPolicy
from ._errors import stream_error
from ._sse import DEFAULT_MAX_EVENT_SIZE, SSEDecoder, SSEEvent

if TYPE_CHECKING:
    from ..telemetry._seam import Call

__all__ = ["Opener", "Stream"]

EventT = TypeVar("EventT")
Opener = Callable[[], Awaitable[aiohttp.ClientResponse]]
_NOT_SSE = ("application/json", "text/html", "application/problem+json")


class Stream(AsyncClosing, Generic[EventT]):
    """Typed events of one streaming HTTP response."""

    #: event classes that only keep the connection alive: they do not reset the idle timer.
    keepalive_types: ClassVar[tuple[type[Any], ...]] = ()
    #: the protocol's name in error messages.
    protocol: ClassVar[str] = "stream"
    #: telemetry and cost for this call (set by the transport; None: nothing to record)
    _call: Call | None = None

    _response: aiohttp.ClientResponse | None = None
    _finished = True  # until __init__ ran: a half-built stream has nothing to finalise

    def __init__(
        self,
        opener: Opener,
        *,
        idle_timeout: float | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        max_retries: int = 0,
        secret: str | None = None,
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    ) -> None:
        self._retry_policy = retry_policy
        self._opener = opener
        self._idle = idle_timeout
        self._max_event_size = max_event_size
        self._max_retries = max_retries
        self._secret = secret
        self._response = None
        self._complete = False
        self._events_seen = 0
        self._deadline = 0.0
        self._finished = False
        self._timer: asyncio.TimerHandle | None = None
        # reading state (set when the body starts)
        self._content: aiohttp.StreamReader | None = None
        self._decoder: SSEDecoder | None = None
        self._pending: Iterator[SSEEvent] = iter(())
        self._out: Iterator[EventT] | None = None  # the rest of a multi-event batch
        self._eof = False
        self._attempt = 0
        self._clock: Callable[[], float] = time.monotonic
        #: False once :meth:`text` asked for the text pieces only (see ``_on_event``)
        self._typed = True

    # -- what protocol subclasses provide --------------------------------------------------------

    def _on_event(self, sse: SSEEvent) -> EventT | None:
        """Map one SSE event to a typed event (None: nothing to deliver); set ``_complete`` at
        the protocol's terminator. Once :meth:`text` was called (``self._typed`` is False) return
        the event's text piece instead: ``""`` for an event without text that still counts as
        activity for the idle timer, None for nothing."""
        raise NotImplementedError

    def _partial(self) -> Any:
        """What has been received so far, for errors raised mid-stream."""
        return None

    def _on_eof(self) -> list[Any] | None:
        """Called at a clean end of input before the terminator: a protocol without one decides
        completeness here (set ``_complete``) and may return last events to deliver."""
        return None

    # -- public surface ---------------------------------------------------------------------------

    @property
    def response(self) -> aiohttp.ClientResponse | None:
        return self._response

    @property
    def request_id(self) -> str | None:
        """The gateway's id for this request, from the answer's headers (None until opened)."""
        return request_id_of(self._response.headers) if self._response is not None else None

    @property
    def completed(self) -> bool:
        """True once the protocol's terminator arrived."""
        return self._complete

    @property
    def events_received(self) -> int:
        return self._events_seen

    async def __aenter__(self) -> Self:
        await self._ensure_open()
        return self

    def __aiter__(self) -> Self:
        return self

    async def aclose(self) -> None:
        """Stop reading and release the connection; safe to call more than once."""
        self._end_reading()  # ends the telemetry call too (a stream opened but never iterated)
        self._release(force=True)

    def text(self) -> AsyncIterator[str]:
        """The text pieces of the stream, in order (an async iterator of ``str``); the stream
        then builds no typed events. Closing the iterator closes the stream."""
        self._typed = False
        return _TextOnly(self)  # type: ignore[arg-type]

    async def until_done(self) -> None:
        """Consume the rest of the stream (so that :meth:`final` is available)."""
        async for _ in self:
            pass

    def _require_complete(self) -> None:
        if not self._complete:
            raise TokenHotError("final() needs the stream to be consumed to its end first")

    def __del__(self) -> None:
        # Reached by reference counting as soon as a loop left by ``break`` (or an exception)
        # lets go of a stream nobody closed: close its connection now, then say so.
        if self._finished or self._response is None:
            return
        self._finished = True
        self._cancel_timer()
        self._response.close()
        self._finish_call(None)
        warnings.warn(
            f"{type(self).__name__} ({self.protocol}) was abandoned before its end after "
            f"{self._events_seen} event(s); its connection was closed. Use `async with` or "
            "`await stream.aclose()` to release it explicitly.",
            ResourceWarning,
            stacklevel=2,
            source=self,
        )

    # -- machinery --------------------------------------------------------------------------------

    async def __anext__(self) -> EventT:
        if self._finished:
            raise StopAsyncIteration
        out = self._out
        if out is not None:
            for item in out:
                return item
            self._out = None
        on_event = self._on_event
        while True:
            try:
                for sse in self._pending:
                    self._events_seen += 1
                    try:
                        event = on_event(sse)
                    except TokenHotError:
                        raise
                    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:
                        raise self._shape_error(sse, exc) from None
                    if event is None:
                        continue
                    if self._idle is not None and event.__class__ not in self.keepalive_types:
                        self._deadline = self._clock() + self._idle
                    call = self._call
                    if call is not None and call.on_chunk is not None:
                        call.on_chunk()
                    if event.__class__ is list:  # one SSE event, several events out
                        out = iter(event)  # type: ignore[call-overload]
                        for item in out:
                            self._out = out
                            return item
                        continue
                    if not event and not self._typed:  # an event without text, on .text()
                        continue
                    return event
                if self._complete:
                    self._end_reading()
                    raise StopAsyncIteration
                if self._eof:
                    tail = self._end_of_body()
                    if tail:
                        out = self._out = iter(tail)
                        return next(out)
                    continue
                content = self._content
                if content is None:
                    content = await self._begin_reading()
                try:
                    chunk = await content.readany()
                except RuntimeError as exc:  # aiohttp: connection closed under us
                    raise aiohttp.ClientConnectionError(str(exc)) from None
                decoder = self._decoder
                assert decoder is not None
                if chunk:
                    self._pending = iter(decoder.feed(chunk))
                else:  # a clean end of the body: its last event may lack the blank line
                    self._eof = True
                    self._pending = iter(decoder.finish())
            except StopAsyncIteration:
                raise
            except (APITimeoutError, asyncio.TimeoutError, aiohttp.ClientError) as exc:
                failure = self._connection_failure(exc)
                # Only a stream that delivered nothing may be replayed (not a refused body).
                if (self._events_seen == 0 and self._attempt < self._max_retries
                        and isinstance(failure, APIConnectionError)):
                    if self._call is not None:
                        self._call.event("retry", {"error.type": type(failure).__name__,
                                                   "attempt": self._attempt + 1})
                    self._cancel_timer()
                    self._release(force=True)
                    self._response = self._content = None
                    await asyncio.sleep(self._retry_policy.wait(self._attempt))
                    self._attempt += 1
                    continue
                if self._events_seen and isinstance(failure, APIConnectionError):
                    failure.partial = self._partial()
                self._end_reading(failure)
                raise_unchained(failure)
            except TokenHotError as exc:  # a protocol's StreamError may quote the server
                scrub_exception(exc, self._secret)
                if isinstance(exc, EventTooLargeError) and exc.partial is None:
                    exc.partial = self._partial_or_none()
                self._end_reading(exc)
                raise
            except BaseException as exc:  # cancellation, or a bug: never leave the connection
                self._end_reading(exc)
                raise

    async def _begin_reading(self) -> aiohttp.StreamReader:
        """Open (if ``async with`` did not) and set up reading the body."""
        resp = await self._ensure_open()
        loop = asyncio.get_running_loop()
        # the stdlib loops' clock is time.monotonic: call it directly on the per-event path
        stdlib_clock = getattr(loop.time, "__func__", None) is asyncio.BaseEventLoop.time
        self._clock = time.monotonic if stdlib_clock else loop.time
        content = self._content = resp.content
        self._decoder = SSEDecoder(self._max_event_size)
        self._pending = iter(())
        self._eof = False
        if self._idle is not None:
            self._deadline = loop.time() + self._idle
            self._timer = loop.call_at(self._deadline, _idle_timer, weakref.ref(self), loop, content)
        return content

    def _end_of_body(self) -> list[Any] | None:
        """A clean end of the body: the protocol decides whether it was complete (and may
        give last events to deliver).

        A body cut inside a line is never complete, whatever the protocol.
        """
        decoder = self._decoder
        tail = None
        if not self._complete and not (decoder is not None and decoder.pending()):
            tail = self._on_eof()
        if not self._complete:
            raise IncompleteStreamError(
                f"the {self.protocol} stream ended before its terminator "
                f"after {self._events_seen} event(s)",
                partial=self._partial(),
                events_received=self._events_seen,
            )
        return tail

    def _connection_failure(self, exc: BaseException) -> TokenHotError:
        """The SDK error for a failure while reading: the idle timeout here, aiohttp's errors
        through the transport's one mapper (a compression bomb → ResponseTooLargeError)."""
        if isinstance(exc, APITimeoutError):
            return APITimeoutError(exc.message)
        if isinstance(exc, asyncio.TimeoutError):
            return APITimeoutError(
                f"no bytes from the {self.protocol} stream for {self._idle}s (idle timeout)"
            )
        return map_client_error(exc, f"reading the {self.protocol} stream", secret=self._secret)

    def _end_reading(self, error: BaseException | None = None) -> None:
        """The stream is over (end, error or close): stop the timer, release the connection,
        end the telemetry call (once, with ``error`` if it failed)."""
        if self._finished:
            return
        self._finished = True
        self._pending = iter(())
        self._out = None
        self._cancel_timer()
        self._release(force=not self._complete)
        self._finish_call(error)

    def _finish_call(self, error: BaseException | None) -> None:
        call = self._call
        if call is not None:
            call.finish_stream(self, error)

    async def _ensure_open(self) -> aiohttp.ClientResponse:
        if self._response is None:
            if self._finished:
                raise TokenHotError("this stream is closed")
            try:
                resp = self._response = await self._opener()
                ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if ctype in _NOT_SSE:  # checked here: an event stream costs no coroutine
                    await self._check_content_type(resp, ctype)
            except TokenHotError as exc:
                scrub_exception(exc, self._secret)
                self._end_reading(exc)
                raise
        return self._response

    async def _check_content_type(self, resp: aiohttp.ClientResponse, ctype: str) -> None:
        """An answer of type ``ctype`` (one of ``_NOT_SSE``) instead of an event stream: raise
        the status error its body describes, or a :class:`StreamError`."""
        try:
            raw = await resp.content.read(1 << 20)
        finally:
            self._release(force=True)
        try:
            obj = pydantic_core.from_json(raw)
        except ValueError:
            obj = None
        if body_error(obj) or ctype != "application/json":
            raise build_status_error(
                resp.status if resp.status >= 400 else 200, dict(resp.headers), raw,
                secret=self._secret,
            )
        message, _, _ = extract_error(obj)
        raise StreamError(
            f"expected an event stream from the {self.protocol} endpoint, got {ctype}"
            + (f": {message}" if message else ""),
            body=obj,
        )

    def _release(self, *, force: bool) -> None:
        resp = self._response
        if resp is None:
            return
        if force or not self._complete:
            resp.close()
        else:
            resp.release()

    def _on_idle(self, loop: asyncio.AbstractEventLoop, content: aiohttp.StreamReader) -> None:
        now = loop.time()
        if now + 1e-3 < self._deadline:
            self._timer = loop.call_at(self._deadline, _idle_timer, weakref.ref(self), loop, content)
            return
        content.set_exception(
            APITimeoutError(f"no {self.protocol} event for {self._idle}s (idle timeout)")
        )

    def _shape_error(self, sse: SSEEvent, exc: Exception) -> StreamError:
        """An event whose JSON does not have the protocol's shape: a typed error, not a crash."""
        detail = redact_text(f"{type(exc).__name__}: {exc}", self._secret)[:300]
        return stream_error(self.protocol, f"unexpected {sse.event!r} event shape ({detail})",
                            body=sse.data, partial=self._partial_or_none(), secret=self._secret)

    def _partial_or_none(self) -> Any:
        try:
            return self._partial()
        except Exception:  # the accumulator may be as confused as the event was
            return None

    def _cancel_timer(self) -> None:
        timer = self._timer
        if timer is not None:
            timer.cancel()
            self._timer = None


class _TextOnly:
    """``stream.text()``: the stream's own iterator, which yields the pieces (``str``) once
    ``_typed`` is off, so each piece costs one step of the stream and nothing more. A plain
    object rather than an async generator, so leaving it by ``break`` frees it (and the stream
    behind it) by reference counting at once."""

    __slots__ = ("_stream",)

    def __init__(self, stream: Stream[str]) -> None:
        self._stream = stream

    def __aiter__(self) -> _TextOnly:
        return self

    def __anext__(self) -> Awaitable[str]:
        return self._stream.__anext__()

    async def aclose(self) -> None:
        """Close the stream behind the pieces."""
        await self._stream.aclose()


def _idle_timer(
    ref: weakref.ReferenceType[Stream[Any]],
    loop: asyncio.AbstractEventLoop,
    content: aiohttp.StreamReader,
) -> None:
    """The idle timer holds its stream weakly, so an abandoned stream can still be collected."""
    stream = ref()
    if stream is not None:
        stream._on_idle(loop, content)
