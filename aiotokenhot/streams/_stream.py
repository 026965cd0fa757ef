"""The stream object shared by every protocol: bytes → SSE events → typed events.

A :class:`Stream` is an async iterator *and* an async context manager. However it is left — end,
``break`` inside ``async with``, an exception, task cancellation, ``aclose()`` — the HTTP
connection goes back to the pool (or is closed when unread bytes remain).

Protocol modules subclass it and implement :meth:`Stream._on_event` (one SSE event → one typed
event, updating their accumulator) plus :meth:`Stream._partial` and :meth:`Stream.final`.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any, ClassVar, Generic, TypeVar

import aiohttp
import pydantic_core
from typing_extensions import Self

from .._exceptions import (
    APIConnectionError,
    APITimeoutError,
    IncompleteStreamError,
    StreamError,
    TokenHotError,
    raise_unchained,
)
from .._redact import redact_text, scrub_exception
from ..transport._errors import body_error, build_status_error, extract_error
from ..transport._retry import backoff_delay
from ._sse import DEFAULT_MAX_EVENT_SIZE, SSEDecoder, SSEEvent

__all__ = ["Opener", "Stream"]

EventT = TypeVar("EventT")
Opener = Callable[[], Awaitable[aiohttp.ClientResponse]]
_NOT_SSE = ("application/json", "text/html", "application/problem+json")


class Stream(Generic[EventT]):
    """Typed events of one streaming HTTP response."""

    #: event classes that only keep the connection alive: they do not reset the idle timer.
    keepalive_types: ClassVar[tuple[type[Any], ...]] = ()
    #: when True, ``_on_event`` returns a list of events (or None): one SSE event may carry
    #: several (the unified stream's deltas). Other protocols keep the one-event path.
    multi_events: ClassVar[bool] = False
    #: the protocol's name in error messages.
    protocol: ClassVar[str] = "stream"
    #: when True, :meth:`text` switches the stream to its untyped path: ``_on_event`` then
    #: returns the text piece (or None) instead of a typed event (``self._typed`` is False).
    text_mode: ClassVar[bool] = False

    def __init__(
        self,
        opener: Opener,
        *,
        idle_timeout: float | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        max_retries: int = 0,
        secret: str | None = None,
    ) -> None:
        self._opener = opener
        self._idle = idle_timeout
        self._max_event_size = max_event_size
        self._max_retries = max_retries
        self._secret = secret
        self._response: aiohttp.ClientResponse | None = None
        self._complete = False
        self._events_seen = 0
        self._deadline = 0.0
        self._gen: AsyncGenerator[EventT, None] = self._run()
        self._finished = False
        self._timer: asyncio.TimerHandle | None = None
        #: False once :meth:`text` asked a ``text_mode`` stream for pieces only
        self._typed = True

    # -- what protocol subclasses provide --------------------------------------------------------

    def _on_event(self, sse: SSEEvent) -> EventT | None:
        """Map one SSE event to a typed event (None: nothing to deliver). Set ``_complete``."""
        raise NotImplementedError

    def _partial(self) -> Any:
        """What has been received so far, for errors raised mid-stream."""
        return None

    def _event_text(self, event: EventT) -> str | None:
        """The text piece an event carries, for :meth:`text`."""
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
    def completed(self) -> bool:
        """True once the protocol's terminator arrived."""
        return self._complete

    @property
    def events_received(self) -> int:
        return self._events_seen

    async def __aenter__(self) -> Self:
        await self._ensure_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[EventT]:
        return self._gen

    def __anext__(self) -> Awaitable[EventT]:
        return self._gen.__anext__()

    async def aclose(self) -> None:
        """Stop reading and release the connection; safe to call more than once."""
        await self._gen.aclose()
        self._release(force=True)

    async def text(self) -> AsyncIterator[str]:
        """The text pieces of the stream, in order."""
        if self.text_mode:
            self._typed = False
            pieces: AsyncIterator[Any] = self._gen  # the untyped path yields str | None
            async for text in pieces:
                if text:
                    yield text
            return
        event_text = self._event_text
        async for event in self._gen:
            piece = event_text(event)
            if piece:
                yield piece

    async def until_done(self) -> None:
        """Consume the rest of the stream (so that :meth:`final` is available)."""
        async for _ in self._gen:
            pass

    def _require_complete(self) -> None:
        if not self._complete:
            raise TokenHotError("final() needs the stream to be consumed to its end first")

    # -- machinery --------------------------------------------------------------------------------

    async def _ensure_open(self) -> aiohttp.ClientResponse:
        if self._response is None:
            if self._finished:
                raise TokenHotError("this stream is closed")
            try:
                self._response = await self._opener()
                await self._check_content_type(self._response)
            except TokenHotError as exc:
                scrub_exception(exc, self._secret)
                raise
        return self._response

    async def _check_content_type(self, resp: aiohttp.ClientResponse) -> None:
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype not in _NOT_SSE:
            return
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

    async def _run(self) -> AsyncGenerator[EventT, None]:
        attempt = 0
        loop = asyncio.get_running_loop()
        # the stdlib loops' clock is time.monotonic: call it directly on the per-event path
        stdlib_clock = getattr(loop.time, "__func__", None) is asyncio.BaseEventLoop.time
        clock = time.monotonic if stdlib_clock else loop.time
        idle = self._idle
        keepalive = self.keepalive_types
        on_event = self._on_event
        multi = self.multi_events
        try:
            while True:
                resp = await self._ensure_open()
                content = resp.content
                if idle is not None:
                    self._deadline = loop.time() + idle
                    self._timer = loop.call_at(self._deadline, _idle_timer, weakref.ref(self), loop, content)
                decoder = SSEDecoder(self._max_event_size)
                failure: APIConnectionError | None = None
                try:
                    while True:
                        try:
                            chunk = await content.readany()
                        except RuntimeError as exc:  # aiohttp: connection closed under us
                            raise aiohttp.ClientConnectionError(str(exc)) from None
                        if not chunk:
                            break
                        for sse in decoder.feed(chunk):
                            self._events_seen += 1
                            try:
                                event = on_event(sse)
                            except TokenHotError:
                                raise
                            except (KeyError, TypeError, AttributeError, IndexError,
                                    ValueError) as exc:
                                raise self._shape_error(sse, exc) from None
                            if event is None:
                                continue
                            if multi:
                                if idle is not None:
                                    self._deadline = clock() + idle
                                for item in event:  # type: ignore[attr-defined]
                                    yield item
                                continue
                            if idle is not None and event.__class__ not in keepalive:
                                self._deadline = clock() + idle
                            yield event
                        if self._complete:
                            break
                except APITimeoutError as exc:
                    failure = APITimeoutError(exc.message)
                except asyncio.TimeoutError:
                    failure = APITimeoutError(
                        f"no bytes from the {self.protocol} stream for {idle}s (idle timeout)"
                    )
                except aiohttp.ClientError as exc:
                    failure = APIConnectionError(
                        redact_text(
                            f"the {self.protocol} stream broke: {type(exc).__name__}: {exc}",
                            self._secret,
                        )
                    )
                except TokenHotError as exc:  # a protocol's StreamError may quote the server
                    scrub_exception(exc, self._secret)
                    raise
                if failure is None:
                    tail = None if self._complete else self._on_eof()
                    if tail:
                        for item in tail:
                            yield item
                    if not self._complete:
                        raise IncompleteStreamError(
                            f"the {self.protocol} stream ended before its terminator "
                            f"after {self._events_seen} event(s)",
                            partial=self._partial(),
                            events_received=self._events_seen,
                        )
                    return
                # Only a stream that delivered nothing may be replayed.
                if self._events_seen == 0 and attempt < self._max_retries:
                    self._cancel_timer()
                    self._release(force=True)
                    self._response = None
                    await asyncio.sleep(backoff_delay(attempt))
                    attempt += 1
                    continue
                if self._events_seen:
                    failure.partial = self._partial()
                raise_unchained(failure)
        finally:
            self._finished = True
            self._cancel_timer()
            self._release(force=not self._complete)

    def _shape_error(self, sse: SSEEvent, exc: Exception) -> StreamError:
        """An event whose JSON does not have the protocol's shape: a typed error, not a crash."""
        detail = redact_text(f"{type(exc).__name__}: {exc}", self._secret)[:300]
        return StreamError(
            f"unexpected {sse.event!r} event shape in the {self.protocol} stream ({detail})",
            body=redact_text(sse.data[:2000].decode("utf-8", "replace"), self._secret),
            partial=self._partial_or_none(),
        )

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


def _idle_timer(
    ref: weakref.ReferenceType[Stream[Any]],
    loop: asyncio.AbstractEventLoop,
    content: aiohttp.StreamReader,
) -> None:
    """The idle timer holds its stream weakly, so an abandoned stream can still be collected."""
    stream = ref()
    if stream is not None:
        stream._on_idle(loop, content)
