"""FakeTokenHot: a real aiohttp.web gateway on 127.0.0.1 for tests, examples and the demo.

It checks the key like the real service, answers every protocol with deterministic replies in
the real framing, records what it was sent, and injects faults on request (error statuses with
Retry-After, delays, disconnects, truncation, malformed events, error events, stalls).
Protocol route modules (``_openai``, ``_anthropic``, ``_gemini``, ``_media``, ``_account``)
plug in through ``register(app, fake)``.

For testing the unhappy paths of an app: ``unknown_models`` (404 in each protocol's shape) and
one method per fault (``fail_next``, ``delay_next``, ``hang_up_next``, ``disconnect_after``,
``truncate_after``, ``malformed_after``, ``error_event_after``, ``stall_after``); in pytest, the
``fake_tokenhot`` fixture of :mod:`aiotokenhot.testing.pytest_plugin`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pydantic_core
from aiohttp import web

from .._closing import AsyncClosing
from ..unified._registry import auth_family
from ._replies import REPLY_STYLES

if TYPE_CHECKING:
    from .._client import AsyncTokenHot

__all__ = [
    "FakeTokenHot",
    "Fault",
    "RecordedRequest",
    "error_response",
    "json_response",
    "send_sse",
]

DEFAULT_FAKE_KEY = "sk-fake-tokenhot-0123456789"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FAKE_KEY: web.AppKey[FakeTokenHot] = web.AppKey("fake")


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next ``times`` matching requests.

    Whole-request faults: ``status`` (with ``body`` and ``retry_after``), ``delay`` and
    ``hang_up`` (the connection is closed with no answer at all).
    Stream faults count events already sent: ``disconnect_after`` (abrupt close),
    ``truncate_after`` (clean end without the terminator), ``malformed_after`` (a broken JSON
    event), ``error_after`` (the protocol's in-stream error event), ``stall_after`` (goes silent,
    sending only keep-alive comments when ``ping_interval`` is set).
    """

    status: int | None = None
    body: Any = None
    retry_after: float | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang_up: bool = False
    disconnect_after: int | None = None
    truncate_after: int | None = None
    malformed_after: int | None = None
    error_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 30.0
    ping_interval: float | None = None
    path: str | None = None
    times: int = 1


@dataclass
class RecordedRequest:
    """What the fake gateway received (the tests' window onto the wire)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    time: float

    @property
    def json(self) -> Any:
        return pydantic_core.from_json(self.body) if self.body else None


class FakeTokenHot(AsyncClosing):
    """A loopback gateway speaking every TokenHot protocol.

    ``async with FakeTokenHot() as fake: AsyncTokenHot(fake.api_key, fake.base_url)`` — or
    ``fake.client()``. ``reply_words`` sets the length of chat replies, ``chunk_delay`` the
    pause between stream events, ``ping_every`` inserts a ``: PING`` comment every N events.
    ``tool_calls`` is how many of the offered function tools the model calls in one reply (the
    first N, in parallel; a ``tool_choice`` naming one calls only that one); ``tool_rounds`` how
    many replies in a row call tools before the model answers in text.

    ``replies``: ``"echo"`` (default) starts every reply with ``Echo: <the prompt's first words>``
    so tests can predict it; ``"prose"`` answers in short sentences about the prompt's topic.
    ``unknown_models``: model ids the gateway does not know: a request naming one (in its JSON
    body, or a Gemini ``/models/{model}:...`` path) is answered 404 in the protocol's error shape
    (OpenAI ``model_not_found``, Anthropic ``not_found_error``, Gemini ``NOT_FOUND``), and the
    model is left out of ``/v1/models``. The set can change at any time:
    ``fake.unknown_models.add("gpt-9")``. Also ``request_count``: requests received so far
    (even with ``record=False``).
    """

    def __init__(
        self,
        api_key: str = DEFAULT_FAKE_KEY,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        reply_words: int = 12,
        chunk_delay: float = 0.0,
        ping_every: int = 0,
        video_polls: int = 3,
        video_size: int = 256 * 1024,
        record: bool = True,
        tool_calls: int = 1,
        tool_rounds: int = 1,
        replies: str = "echo",
        unknown_models: Iterable[str] = (),
    ) -> None:
        self.api_key = api_key
        self.host = host
        self.port = port
        self.reply_words = reply_words
        self.chunk_delay = chunk_delay
        self.ping_every = ping_every
        self.video_polls = video_polls
        self.video_size = video_size
        self.record = record
        self.tool_calls = tool_calls
        self.tool_rounds = tool_rounds
        if replies not in REPLY_STYLES:
            raise ValueError(f"replies must be one of {REPLY_STYLES}, not {replies!r}")
        self.replies = replies
        self.unknown_models: set[str] = set(unknown_models)
        self.request_count = 0
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.state: dict[str, Any] = {}  # per-route bookkeeping (video tasks...)
        self.in_flight = 0
        self._stream_faults: dict[int, Fault] = {}
        self.max_in_flight = 0
        self._answers = 0
        self._runner: web.AppRunner | None = None
        self.app = self._build_app()
        self.rpm_limit: float | None = None  # see limit_rpm()
        self.rpm_window = 60.0
        self.rate_limited = 0  # requests answered 429 by the rpm limit
        self.admitted: list[float] = []  # monotonic times of the requests let through

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("FakeTokenHot is not started")
        return f"http://{self.host}:{self.port}"

    def client(self, **kwargs: Any) -> AsyncTokenHot:
        """An AsyncTokenHot pointed at this fake gateway."""
        from .._client import AsyncTokenHot

        return AsyncTokenHot(api_key=self.api_key, base_url=self.base_url, **kwargs)

    async def start(self) -> FakeTokenHot:
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except BaseException:  # a busy or invalid port: nothing is left open
            await runner.cleanup()
            raise
        server: Any = site._server
        self.port = int(server.sockets[0].getsockname()[1])
        self._runner = runner
        return self

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def aclose(self) -> None:
        """:meth:`stop`, called on leaving ``async with FakeTokenHot() as fake:``."""
        await self.stop()

    async def __aenter__(self) -> FakeTokenHot:
        return await self.start()

    # -- fault injection -------------------------------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        """Queue any :class:`Fault` (the methods below are shortcuts for one kind each).

        Faults apply in the order queued to the next requests whose path contains
        ``fault.path`` (every path when None), ``fault.times`` times each, in every protocol.
        Returns the fault; ``fake.faults`` lists those still pending.
        """
        self.faults.append(fault)
        return fault

    def fail_next(
        self,
        n: int = 1,
        status: int = 503,
        *,
        retry_after: float | str | None = None,
        body: Any = None,
        path: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """The next ``n`` matching requests answer HTTP ``status`` instead of their reply.

        Every protocol: the error body is the envelope of the path's protocol (OpenAI
        ``{"error": {...}}``, Anthropic ``{"type": "error", ...}``, Gemini ``{"error": {"code",
        "status"}}``) unless ``body`` is given (a dict/list is sent as JSON, ``str`` as
        ``text/html`` — a proxy's error page —, ``bytes`` as is). ``retry_after`` (seconds, or
        an HTTP date string) is sent as ``Retry-After``; ``headers`` adds any other header.
        ``path``: only requests whose path contains it (e.g. ``"/v1/messages"``). The client
        retries 408/409/429/5xx by its retry policy, so ``n`` greater than ``max_retries`` makes
        the call fail. Returns the queued :class:`Fault`.
        """
        return self.inject(Fault(status=status, retry_after=retry_after, body=body, path=path,
                                 headers=dict(headers or {}), times=n))

    def delay_next(self, seconds: float, n: int = 1, *, path: str | None = None) -> Fault:
        """The next ``n`` matching requests wait ``seconds`` before any answer (headers
        included): the way to test timeouts and deadlines. Every protocol; a client that hangs
        up during the delay ends it early. ``path`` as in :meth:`fail_next`."""
        return self.inject(Fault(delay=seconds, path=path, times=n))

    def hang_up_next(self, n: int = 1, *, path: str | None = None) -> Fault:
        """The next ``n`` matching requests get no answer at all: the connection is closed
        as soon as the request is read (the client sees a dropped connection, which it retries
        as a connection error). Every protocol; ``path`` as in :meth:`fail_next`."""
        return self.inject(Fault(hang_up=True, path=path, times=n))

    def disconnect_after(self, events: int, n: int = 1, *, path: str | None = None) -> Fault:
        """The next ``n`` matching streams send ``events`` SSE events, then the connection is
        closed abruptly (no terminator, a TCP reset): the client raises a stream error keeping
        the partial result. Streaming requests of every protocol; ``path`` as in
        :meth:`fail_next`."""
        return self.inject(Fault(disconnect_after=events, path=path, times=n))

    def truncate_after(self, events: int, n: int = 1, *, path: str | None = None) -> Fault:
        """The next ``n`` matching streams send ``events`` SSE events, then end the body
        cleanly but without the protocol's terminator (``[DONE]``, ``message_stop``,
        ``response.completed``): a stream cut short by a proxy. Gemini streams have no
        terminator, so there a truncated stream looks complete. ``path`` as in :meth:`fail_next`."""
        return self.inject(Fault(truncate_after=events, path=path, times=n))

    def malformed_after(self, events: int, n: int = 1, *, path: str | None = None) -> Fault:
        """The next ``n`` matching streams send ``events`` SSE events, then one event whose
        data is broken JSON, then end: the client raises a decode error. Streaming requests of
        every protocol; ``path`` as in :meth:`fail_next`."""
        return self.inject(Fault(malformed_after=events, path=path, times=n))

    def error_event_after(self, events: int, n: int = 1, *, path: str | None = None) -> Fault:
        """The next ``n`` matching streams send ``events`` SSE events, then the protocol's own
        in-stream error (Anthropic ``event: error`` overloaded, Responses ``error``, Chat
        Completions and Gemini an ``{"error": ...}`` data event), then end: the error a gateway
        sends after the 200. ``path`` as in :meth:`fail_next`."""
        return self.inject(Fault(error_after=events, path=path, times=n))

    def stall_after(
        self,
        events: int,
        *,
        seconds: float = 30.0,
        ping_interval: float | None = None,
        n: int = 1,
        path: str | None = None,
    ) -> Fault:
        """The next ``n`` matching streams send ``events`` SSE events, then go silent for
        ``seconds`` (default 30) and end without finishing; with ``ping_interval`` (seconds)
        they send a keep-alive ``: PING`` comment that often while silent, which must not
        reset a client's idle timeout for data. Streaming requests of every protocol; ``path``
        as in :meth:`fail_next`."""
        return self.inject(
            Fault(stall_after=events, stall_seconds=seconds, ping_interval=ping_interval,
                  path=path, times=n)
        )

    def limit_rpm(self, rpm: float | None, *, window: float = 60.0) -> None:
        """Enforce ``rpm`` like a gateway: at most ``rpm * window / 60`` requests in any sliding
        ``window`` seconds (a short window makes a test quick); the rest get 429 with
        ``Retry-After: 1`` and are counted in ``rate_limited``. None lifts the limit."""
        self.rpm_limit, self.rpm_window = rpm, window

    def max_per_window(self, window: float | None = None) -> int:
        """The most requests let through in any ``window`` seconds (default: the limit's)."""
        span = self.rpm_window if window is None else window
        times, most, first = self.admitted, 0, 0
        for last, now in enumerate(times):
            while times[first] <= now - span:
                first += 1
            most = max(most, last - first + 1)
        return most

    def _over_rpm(self) -> bool:
        if self.rpm_limit is None:
            return False
        now = time.monotonic()
        allowed = self.rpm_limit * self.rpm_window / 60.0
        recent = 0
        for stamp in reversed(self.admitted):
            if stamp <= now - self.rpm_window:
                break
            recent += 1
        if recent >= allowed:
            self.rate_limited += 1
            return True
        self.admitted.append(now)
        return False

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.path is None or fault.path in path:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    # -- the app ----------------------------------------------------------------------------------

    def stream_fault(self, request: web.Request) -> Fault | None:
        """The stream fault picked for ``request`` by the middleware, if any."""
        return self._stream_faults.get(id(request))

    def requests_to(self, path_fragment: str) -> list[RecordedRequest]:
        return [r for r in self.requests if path_fragment in r.path]

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware, self._models_middleware],
                              client_max_size=256 * 1024 * 1024)
        app[FAKE_KEY] = self
        app.on_response_prepare.append(self._stamp_request_id)
        from . import _account, _anthropic, _embeddings, _gemini, _media, _openai

        for module in (_openai, _anthropic, _gemini, _media, _account, _embeddings):
            module.register(app, self)
        return app

    async def _stamp_request_id(self, request: web.Request, response: web.StreamResponse) -> None:
        """Every success answer carries an id, as the gateway's ``X-Oneapi-Request-Id`` does
        (error answers quote theirs in the message: ``(request id: ...)``)."""
        if response.status < 400:
            self._answers += 1
            response.headers.setdefault("X-Oneapi-Request-Id", f"fake-req-{self._answers}")

    def _authorized(self, request: web.Request) -> bool:
        key = self.api_key
        if request.headers.get("Authorization") == f"Bearer {key}":
            return True
        path = request.path
        family = auth_family(path)
        if request.headers.get("x-api-key") == key and (
            family == "x-api-key" or path.startswith("/v1/models")
        ):
            return True
        google = request.headers.get("x-goog-api-key") or request.query.get("key")
        return google == key and (family == "x-goog-api-key" or path.startswith("/v1/models"))

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.request_count += 1
        body = await request.read() if request.can_read_body and self.record else b""
        if self.record:
            self.requests.append(
                RecordedRequest(request.method, request.path, dict(request.query),
                                dict(request.headers), body, time.monotonic())
            )
        if not self._authorized(request):
            return error_response(request.path, 401, "Invalid token (request id: fake-401)",
                                  "authentication_error", "invalid_api_key")
        if self._over_rpm():
            return error_response(request.path, 429, "rate limit exceeded (request id: fake-429)",
                                  headers={"Retry-After": "1"})
        fault = self._take_fault(request.path)
        if fault is not None:
            if fault.delay and not await _wait_unless_hung_up(request, fault.delay):
                return web.Response(status=499)  # the client left during the delay
            if fault.hang_up and request.transport is not None:
                request.transport.abort()
                return web.Response(status=499)  # never reaches the client
            if fault.status is not None:
                headers = dict(fault.headers)
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                if fault.body is not None:
                    payload = (fault.body if isinstance(fault.body, (bytes, str))
                               else pydantic_core.to_json(fault.body))
                    ctype = "application/json" if not isinstance(fault.body, str) else "text/html"
                    return web.Response(status=fault.status, body=payload, headers=headers,
                                        content_type=ctype)
                return error_response(request.path, fault.status,
                                      f"injected fault {fault.status} (request id: fake-fault)",
                                      headers=headers)
            self._stream_faults[id(request)] = fault
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1
            self._stream_faults.pop(id(request), None)


    @web.middleware
    async def _models_middleware(self, request: web.Request,
                                 handler: Handler) -> web.StreamResponse:
        """404 for a model in ``unknown_models``; ``/v1/models`` without them."""
        if not self.unknown_models:
            return await handler(request)
        model = await _model_of(request)
        if model is not None and model in self.unknown_models:
            return unknown_model_response(request.path, model)
        response = await handler(request)
        if request.path.rstrip("/") == "/v1/models" and isinstance(response, web.Response) \
                and response.status == 200 and response.body is not None:
            listing = pydantic_core.from_json(bytes(response.body))  # type: ignore[arg-type]
            if isinstance(listing, dict) and isinstance(listing.get("data"), list):
                listing["data"] = [m for m in listing["data"]
                                   if not (isinstance(m, dict) and m.get("id") in self.unknown_models)]
                return json_response(listing, headers={
                    k: v for k, v in response.headers.items() if k.lower().startswith("x-")})
        return response


async def _model_of(request: web.Request) -> str | None:
    """The model a request names: a Gemini ``/models/{model}:method`` or ``/v1/models/{id}``
    path, else the ``model`` of a JSON body."""
    path = request.path
    if "/models/" in path:
        tail = path.split("/models/", 1)[1]
        return tail.split(":", 1)[0] or None
    if request.method == "POST" and request.content_type == "application/json" and request.body_exists:
        try:
            body = pydantic_core.from_json(await request.read())
        except ValueError:
            return None
        model = body.get("model") if isinstance(body, dict) else None
        return model if isinstance(model, str) else None
    return None


def unknown_model_response(path: str, model: str) -> web.Response:
    """The 404 each protocol answers for a model it does not know."""
    dialect = protocol_of(path)
    if dialect == "anthropic":
        return error_response(path, 404, f"model: {model}", "not_found_error")
    if dialect == "gemini":
        return error_response(path, 404, f"models/{model} is not found for API version v1beta, "
                                          "or is not supported for generateContent.")
    return error_response(path, 404, f"The model `{model}` does not exist or you do not have "
                                     "access to it.", "invalid_request_error", "model_not_found")


async def _wait_unless_hung_up(request: web.Request, seconds: float) -> bool:
    """Sleep ``seconds``; False (early) when the client hangs up, so shutdown never waits on it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        transport = request.transport
        if transport is None or transport.is_closing():
            return False
        await asyncio.sleep(min(left, 0.02))
    return True


# -- helpers for route modules --------------------------------------------------------------------

_GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                  404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                  503: "UNAVAILABLE"}
_ANTHROPIC_TYPES = {400: "invalid_request_error", 401: "authentication_error",
                    403: "permission_error", 404: "not_found_error", 429: "rate_limit_error",
                    500: "api_error", 503: "overloaded_error"}


def protocol_of(path: str) -> str:
    """Which error dialect a path speaks: openai, anthropic or gemini."""
    family = auth_family(path)
    if family == "x-api-key":
        return "anthropic"
    if family == "x-goog-api-key" or ":generateContent" in path or ":streamGenerateContent" in path:
        return "gemini"
    return "openai"


def error_body(path: str, status: int, message: str, etype: str | None = None,
               code: str | None = None) -> dict[str, Any]:
    dialect = protocol_of(path)
    if dialect == "anthropic":
        return {"type": "error",
                "error": {"type": etype or _ANTHROPIC_TYPES.get(status, "api_error"),
                          "message": message}}
    if dialect == "gemini":
        return {"error": {"code": status, "message": message,
                          "status": _GOOGLE_STATUS.get(status, "UNKNOWN")}}
    return {"error": {"message": message, "type": etype or "new_api_error", "param": None,
                      "code": code}}


def error_response(path: str, status: int, message: str, etype: str | None = None,
                   code: str | None = None, *, headers: dict[str, str] | None = None) -> web.Response:
    """An error answer in the envelope of the protocol that ``path`` belongs to."""
    return json_response(error_body(path, status, message, etype, code), status=status,
                         headers=headers)


async def json_body(request: web.Request) -> dict[str, Any] | None:
    """The request's JSON object; None when the body is not JSON or not an object."""
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def bad_request(request: web.Request, message: str) -> web.Response:
    """A 400 ``invalid_request_error`` in the envelope of the request's protocol."""
    return error_response(request.path, 400, message, "invalid_request_error")


def json_object_route(
    handler: Callable[[web.Request, dict[str, Any]], Awaitable[web.StreamResponse]],
) -> Handler:
    """A route whose body must be a JSON object: ``handler(request, body)``; any other body is
    answered with :func:`bad_request`."""

    @functools.wraps(handler)
    async def route(request: web.Request) -> web.StreamResponse:
        body = await json_body(request)
        if body is None:
            return bad_request(request, "the body must be a JSON object")
        return await handler(request, body)

    return route


def json_response(data: Any, *, status: int = 200,
                  headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=pydantic_core.to_json(data), status=status, headers=headers,
                        content_type="application/json")


def stream_error_frame(path: str, sent: int) -> tuple[str | None, Any]:
    """The in-stream error event each protocol uses."""
    dialect = protocol_of(path)
    message = "injected stream error (request id: fake-stream)"
    if dialect == "anthropic":
        return "error", {"type": "error", "error": {"type": "overloaded_error", "message": message}}
    if dialect == "gemini":
        return None, {"error": {"code": 500, "message": message, "status": "INTERNAL"}}
    if path.startswith("/v1/responses"):
        return "error", {"type": "error", "code": "server_error", "message": message,
                         "param": None, "sequence_number": sent}
    return None, {"error": {"message": message, "type": "server_error", "param": None,
                            "code": None}}


def _frame(event: str | None, data: Any) -> bytes:
    payload = data if isinstance(data, bytes) else (
        data.encode() if isinstance(data, str) else pydantic_core.to_json(data))
    head = b"event: " + event.encode() + b"\n" if event else b""
    return head + b"data: " + payload + b"\n\n"


async def send_sse(request: web.Request, frames: Iterable[tuple[str | None, Any]]) -> web.StreamResponse:
    """Write ``(event, data)`` frames as SSE, applying the request's stream fault if any.

    ``data`` may be a dict (JSON-encoded), bytes or str (sent as is, e.g. ``[DONE]``).
    """
    fake = request.app[FAKE_KEY]
    fault = fake.stream_fault(request)
    resp = web.StreamResponse(
        status=200,
        headers={"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"},
    )
    await resp.prepare(request)
    sent = 0
    try:
        for event, data in frames:
            if fault is not None and await _apply_stream_fault(request, resp, fault, sent):
                return resp
            await resp.write(_frame(event, data))
            sent += 1
            if fake.ping_every and sent % fake.ping_every == 0:
                await resp.write(b": PING\n\n")
            if fake.chunk_delay:
                await asyncio.sleep(fake.chunk_delay)
        if fault is not None and fault.truncate_after is not None and fault.truncate_after >= sent:
            pass  # nothing was cut: the stream was shorter than the fault's threshold
        await resp.write_eof()
    except ConnectionResetError:
        pass  # the client hung up (after the terminator, or it stopped reading): not an error
    return resp


async def _apply_stream_fault(request: web.Request, resp: web.StreamResponse, fault: Fault,
                              sent: int) -> bool:
    """True when the fault ended the stream at this point."""
    if fault.disconnect_after == sent:
        transport = request.transport
        if transport is not None:
            transport.abort()
        return True
    if fault.truncate_after == sent:
        await resp.write_eof()
        return True
    if fault.malformed_after == sent:
        await resp.write(b'data: {"id": "broken", "choices": [ oops\n\n')
        await resp.write_eof()
        return True
    if fault.error_after == sent:
        await resp.write(_frame(*stream_error_frame(request.path, sent)))
        await resp.write_eof()
        return True
    if fault.stall_after == sent:
        deadline = time.monotonic() + fault.stall_seconds
        with contextlib.suppress(ConnectionError):
            while time.monotonic() < deadline:
                step = fault.ping_interval or fault.stall_seconds
                await asyncio.sleep(min(step, max(0.0, deadline - time.monotonic())))
                if fault.ping_interval:
                    await resp.write(b": PING\n\n")
        return True
    return False
