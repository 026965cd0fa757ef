"""The one seam between the SDK's request path and its telemetry and cost accounting.

The transport asks :meth:`Instrumentation.start` for a :class:`Call` per GenAI request (None for
any other endpoint, and None for every call while telemetry is off and no price is known, so
that nothing else runs). A call is told when the request goes out, about retries, each output
chunk of a stream (``on_chunk``, None unless timing is recorded) and, exactly once, how it ended.
OpenTelemetry itself is imported only by :mod:`._otel`, when telemetry is on, and the readers
of requests and answers (:mod:`._extract`) only when a call is recorded or priced.
"""

from __future__ import annotations

import contextvars
import functools
import importlib.util
import os
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

from .._exceptions import APIStatusError, APITimeoutError, ConfigurationError
from .._pricing import PriceTable, attach_cost

if TYPE_CHECKING:
    from ..streams._stream import Stream
    from ..transport._transport import HTTPResult, Transport
    from . import Telemetry
    from ._extract import Answer, Request
    from ._otel import Recorder

__all__ = ["Call", "Instrumentation", "current_call", "drop_fallback", "error_type", "note_event",
           "note_fallback", "observed_request", "price_media"]

T = TypeVar("T")
P = ParamSpec("P")
_CURRENT: contextvars.ContextVar[Call | None] = contextvars.ContextVar("aiotokenhot_call", default=None)
#: a fallback waiting for the next model's call: (that model, the ``fallback`` event's attributes)
_FALLBACK: contextvars.ContextVar[tuple[str, dict[str, Any]] | None] = contextvars.ContextVar(
    "aiotokenhot_fallback", default=None)
_CAPTURE_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


def otel_installed() -> bool:
    return importlib.util.find_spec("opentelemetry") is not None


class Instrumentation:
    """A client's telemetry and cost settings; makes one :class:`Call` per GenAI request.

    ``telemetry``: None (on when OpenTelemetry is installed and a tracer or meter provider is
    configured), True (on, global providers), False (off) or a :class:`Telemetry`.
    """

    def __init__(self, *, base_url: str, telemetry: bool | Telemetry | None,
                 prices: PriceTable) -> None:
        self.prices = prices
        parts = urlsplit(base_url)
        self.server: dict[str, Any] = {}
        if parts.hostname:
            self.server["server.address"] = parts.hostname
            self.server["server.port"] = parts.port or (443 if parts.scheme == "https" else 80)
        self._auto = telemetry is None
        self._recorder: Recorder | None = None
        self._settings = telemetry
        if telemetry is None:
            self._auto = otel_installed()
        elif telemetry is not False:
            if not otel_installed():
                raise ConfigurationError(
                    "telemetry needs OpenTelemetry: pip install 'aiotokenhot[otel]'"
                )
            self._recorder = self._make_recorder()
            self._auto = False

    @property
    def enabled(self) -> bool:
        """Whether spans and metrics are recorded (now: an auto client may turn on later)."""
        return self._resolve() is not None

    def _make_recorder(self) -> Recorder:
        from . import Telemetry
        from ._otel import Recorder

        settings = self._settings if isinstance(self._settings, Telemetry) else Telemetry()
        capture = settings.capture_content
        if capture is None:
            capture = os.environ.get(_CAPTURE_ENV, "").strip().lower() == "true"
        return Recorder(settings.tracer_provider, settings.meter_provider, capture, self.server)

    def _resolve(self) -> Recorder | None:
        recorder = self._recorder
        if recorder is None and self._auto:
            if "opentelemetry.trace" not in sys.modules and "opentelemetry.metrics" not in sys.modules:
                return None  # nobody imported OpenTelemetry: no provider can be set up yet
            from ._otel import providers_configured

            if providers_configured():
                recorder = self._recorder = self._make_recorder()
                self._auto = False
        return recorder

    def media_cost(self, model: str | None, operation: str, *, images: int | None = None,
                   video_seconds: float | None = None, audio_minutes: float | None = None,
                   record: bool = True) -> Decimal | None:
        """USD for generated media from the table's per-image / per-second / per-minute prices.

        Give the one quantity the result has: None is unknown, and so is the cost. The cost is
        None too when ``model`` has no entry, or the entry has no price for that kind of media
        (never a guess). With ``record`` and telemetry
        on, a known cost is added to the ``aiotokenhot.client.cost`` counter (attributes
        ``gen_ai.operation.name`` = ``operation``, ``gen_ai.request.model``, the server).
        """
        quantities = (images, video_seconds, audio_minutes)
        price = self.prices.lookup(model)
        if price is None or all(q is None for q in quantities):
            return None
        cost = price.media_cost(images=images or 0, video_seconds=video_seconds or 0,
                                audio_minutes=audio_minutes or 0)
        recorder = self._recorder if not self._auto else self._resolve()
        if cost is not None and record and recorder is not None:
            recorder.cost.add(float(cost), {"gen_ai.operation.name": operation,
                                            "gen_ai.request.model": model, **self.server})
        return cost

    def start(self, path: str, body: Any, params: Any = None) -> Call | None:
        """A call for a GenAI request to ``path``; None when there is nothing to record."""
        recorder = self._recorder if not self._auto else self._resolve()
        if recorder is None and not self.prices:
            return None
        from ._extract import describe_request  # loaded only when there is something to record

        request = describe_request(path, body, params)
        if request is None:
            return None
        return Call(request, recorder, self.prices)


class Call:
    """One GenAI operation: its span and metrics (when recording) and its cost."""

    __slots__ = ("_ended", "_last", "_prices", "_recorder", "_span", "_started", "cost",
                 "first_chunk", "metric_attributes", "on_chunk", "request")

    def __init__(self, request: Request, recorder: Recorder | None, prices: PriceTable) -> None:
        self.request = request
        self._recorder = recorder
        self._prices = prices
        self._span: Any = None
        self._started = 0.0
        self._last = 0.0
        self._ended = False
        self.first_chunk: float | None = None
        self.cost: Decimal | None = None
        self.metric_attributes: dict[str, Any] = {}
        #: called once per output chunk of a stream; None when timing is not recorded
        self.on_chunk: Callable[[], None] | None = self._chunk if recorder is not None else None

    # -- the request goes out ----------------------------------------------------------------

    def begin(self) -> None:
        """The request is about to be sent (only the first call counts)."""
        if self._started:
            return
        self._started = self._last = time.perf_counter()
        if self._recorder is not None:
            self.metric_attributes = self._recorder.metric_attributes(self.request)
            self._span = self._recorder.start_span(self.request)
        pending = _FALLBACK.get()
        if pending is not None and pending[0] == self.request.model:
            _FALLBACK.set(None)
            self.event("fallback", pending[1])

    def event(self, name: str, attributes: dict[str, Any] | None = None) -> None:
        """A span event (retry, fallback, idle timeout...)."""
        if self._span is not None and not self._ended:
            self._span.add_event(name, attributes or {})

    def opener(self, opener: Callable[[], Awaitable[T]]) -> Callable[[], Coroutine[Any, Any, T]]:
        """Wrap a stream's connection opener: the call begins there and sees the retries."""

        async def open_observed() -> T:
            self.begin()
            token = _CURRENT.set(self)
            try:
                return await opener()
            except BaseException as exc:
                self.finish(error=exc)
                raise
            finally:
                _CURRENT.reset(token)

        return open_observed

    # -- a stream's chunks ---------------------------------------------------------------------

    def _chunk(self) -> None:
        now = time.perf_counter()
        recorder = self._recorder
        assert recorder is not None
        if self.first_chunk is None:
            self.first_chunk = now - self._started
            recorder.first_chunk(self.metric_attributes, self.first_chunk)
        else:
            recorder.next_chunk(self.metric_attributes, now - self._last)
        self._last = now

    # -- the end, exactly once ---------------------------------------------------------------

    def finish(self, result: Any = None, error: BaseException | None = None,
               *, raw: bytes | None = None) -> Decimal | None:
        """The operation ended: with ``result`` (typed) or ``raw`` (a JSON body), or ``error``.

        Only the first call counts. Returns the cost (None when unknown).
        """
        if self._ended:
            return self.cost
        self._ended = True
        answer: Answer | None = None
        if error is None and (result is not None or raw is not None):
            if raw is not None:
                result = _json_or_none(raw)
            if result is not None:
                from ._extract import read_answer

                try:
                    answer = read_answer(self.request.family, result)
                except Exception:  # an odd answer must not break the caller's call
                    answer = None
        if answer is not None and answer.counts is not None and self._prices:
            price = self._prices.lookup(answer.model, self.request.model)
            if price is not None:
                self.cost = price.tokens_cost(answer.counts)
        if isinstance(error, APITimeoutError):
            self.event("timeout", {"message": error.message})
        if self._recorder is not None and self._started:
            self._recorder.end(self, answer, error, time.perf_counter() - self._started)
        return self.cost

    def finish_stream(self, stream: Stream[Any], error: BaseException | None) -> None:
        """A stream ended: consumed (``completed``), closed or abandoned, or failed."""
        if self._ended:
            return
        result = None
        if isinstance(error, GeneratorExit):
            error = None
        if error is None and stream.completed:
            try:
                result = stream.final()  # type: ignore[attr-defined]
            except Exception:
                result = None
        self.finish(result, error)
        if result is not None:
            attach_cost(result, self.cost)


def current_call() -> Call | None:
    """The GenAI call being sent in this task, if any is being observed."""
    return _CURRENT.get()


def error_type(error: BaseException) -> str:
    """``error.type``: the HTTP status for an error answer, ``timeout``, else the class name."""
    if isinstance(error, APIStatusError):
        return str(error.status_code)
    if isinstance(error, APITimeoutError):
        return "timeout"
    return type(error).__qualname__


def note_fallback(failed: str, protocol: str, error: BaseException, next_model: str) -> None:
    """A fallback chain moves from ``failed`` to ``next_model`` after ``error``.

    The failed call's span has already ended, so the event goes to the next one: the call for
    ``next_model`` that this task begins next gets a ``fallback`` span event with
    ``aiotokenhot.fallback.model`` (the model that failed), ``aiotokenhot.fallback.protocol``
    and ``error.type`` (as on the failed span: the HTTP status, ``timeout`` or a class name).
    """
    _FALLBACK.set((next_model, {"aiotokenhot.fallback.model": failed,
                                "aiotokenhot.fallback.protocol": protocol,
                                "error.type": error_type(error)}))


def drop_fallback() -> None:
    """Forget a fallback no call took up (the chain stopped before the next model was sent)."""
    _FALLBACK.set(None)


def note_event(name: str, attributes: dict[str, Any] | None = None) -> None:
    """Add a span event (``retry``, ``fallback``...) to the call being sent, if observed."""
    call = _CURRENT.get()
    if call is not None:
        call.event(name, attributes)


def observed_request(
    request: Callable[Concatenate[Transport, str, str, P], Coroutine[Any, Any, HTTPResult]],
) -> Callable[Concatenate[Transport, str, str, P], Coroutine[Any, Any, HTTPResult]]:
    """Decorates :meth:`Transport.request`: a GenAI call gets a span and a cost on its result."""

    @functools.wraps(request)
    async def observed(self: Transport, method: str, path: str, /,
                       *args: P.args, **kwargs: P.kwargs) -> HTTPResult:
        instrumentation = self.instrumentation
        call = None if instrumentation is None else instrumentation.start(
            path, kwargs.get("json"), kwargs.get("params"))
        if call is None:
            return await request(self, method, path, *args, **kwargs)
        call.begin()
        token = _CURRENT.set(call)
        try:
            result = await request(self, method, path, *args, **kwargs)
        except BaseException as exc:
            call.finish(error=exc)
            raise
        finally:
            _CURRENT.reset(token)
        result.cost = call.finish(raw=result.content)
        return result

    return observed


def price_media(transport: Transport, result: Any, model: str | None, operation: str, *,
                images: int | None = None, video_seconds: float | None = None,
                audio_minutes: float | None = None, record: bool = True,
                token_cost: Decimal | None = None) -> None:
    """Attach what a media result cost (``result.cost``; see :meth:`Instrumentation.media_cost`).

    ``token_cost``: the figure the call's own token usage gave (a Gemini image or speech model
    answering through generateContent, billed by tokens): when known it is the cost, and it was
    counted by the call's span already; else the media price applies.
    """
    instrumentation = transport.instrumentation
    if instrumentation is None:
        return
    cost = token_cost if token_cost is not None else instrumentation.media_cost(
        model, operation, images=images, video_seconds=video_seconds,
        audio_minutes=audio_minutes, record=record)
    attach_cost(result, cost)


def _json_or_none(raw: bytes) -> Any:
    import pydantic_core

    try:
        return pydantic_core.from_json(raw)
    except ValueError:
        return None
