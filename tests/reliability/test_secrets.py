"""The API key never leaks, and credentials stay with the host they were meant for.

A recognisable key is sent to a hostile server that echoes it back everywhere it can — error
messages of every envelope style, HTML pages, response headers, in-stream error events,
malformed events — and every error path is swept: the exception's str and repr, its whole
``__cause__``/``__context__`` chain, a formatted traceback, core error attributes, and every
log record at DEBUG.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import traceback
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pydantic_core
import pytest
from aiohttp import web

from aiotokenhot import (
    APIConnectionError,
    AsyncTokenHot,
    InvalidRequestError,
    RetryPolicy,
    Timeout,
    TokenHotError,
)
from aiotokenhot.testing._server import error_body

from ._protocols import PROTOCOLS, Proto, protocol_params
from ._servers import serve, until_client_gone

KEY = "sk-CANARY-7f3e9d1c2b4a-do-not-leak"
HERE = Path(__file__).parent
CHAT = "/v1/chat/completions"
FAMILIES = {  # one path per auth family: Bearer, Anthropic x-api-key, Gemini x-goog-api-key
    "bearer": CHAT,
    "anthropic": "/v1/messages",
    "gemini": "/v1beta/models/gemini-2.5-flash:generateContent",
}
BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}


# -- the sweep ---------------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__]


def texts_of(exc: BaseException) -> list[str]:
    """Every text a user, a logger or an error tracker may produce from ``exc``."""
    out = ["".join(traceback.format_exception(type(exc), exc, exc.__traceback__))]
    for e in _chain(exc):
        out += [str(e), repr(e), repr(e.args)]
        if isinstance(e, TokenHotError):
            out += [repr(getattr(e, name, None)) for name in ("message", "body", "headers")]
    return out


def assert_clean(exc: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    for text in texts_of(exc):
        assert KEY not in text, text
        assert KEY[3:] not in text, text  # the key without its prefix
    for record in caplog.records:
        rendered = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            rendered += "".join(traceback.format_exception(*record.exc_info))
        assert KEY not in rendered, rendered


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, aiohttp's, asyncio's


# -- a server that echoes the key back in every way it can -------------------------------------


def _sent_key(request: web.Request) -> str:
    for name in ("Authorization", "x-api-key", "x-goog-api-key"):
        if name in request.headers:
            return request.headers[name]
    return "no key"


def _sse(*frames: bytes) -> bytes:
    return b"".join(b"data: " + f + b"\n\n" for f in frames)


Echo = Callable[[web.Request, str], Awaitable[web.StreamResponse]]


async def _status_json(request: web.Request, key: str) -> web.StreamResponse:
    body = error_body(request.path, 401, f"Invalid token {key} (request id: echo-1)")
    return web.json_response(body, status=401, headers={"X-Debug-Auth": key})


async def _html_page(request: web.Request, key: str) -> web.StreamResponse:
    page = f"<html><body><h1>502 Bad Gateway</h1><pre>Authorization: {key}</pre></body></html>"
    return web.Response(status=502, text=page, content_type="text/html")


async def _error_in_200(request: web.Request, key: str) -> web.StreamResponse:
    return web.json_response(error_body(request.path, 400, f"bad key {key}"), status=200)


async def _non_json_200(request: web.Request, key: str) -> web.StreamResponse:
    return web.Response(status=200, text=f"debug: you sent {key}", content_type="text/plain")


async def _stream_error_event(request: web.Request, key: str) -> web.StreamResponse:
    dump = pydantic_core.to_json({"error": {"message": f"quota for {key} exceeded",
                                            "type": "server_error"}})
    return await _stream(request, _sse(dump))


async def _stream_malformed(request: web.Request, key: str) -> web.StreamResponse:
    return await _stream(request, _sse(f'{{"choices": [ {key}'.encode()))


async def _stream_html_error_event(request: web.Request, key: str) -> web.StreamResponse:
    frame = f'event: error\ndata: {{"type": "error", "error": {{"type": "x", "message": "{key}"}}}}\n\n'
    return await _stream(request, frame.encode())


async def _stream(request: web.Request, payload: bytes) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    await resp.write(payload)
    await resp.write_eof()
    return resp


async def _garbage_http(request: web.Request, key: str) -> web.StreamResponse:
    """Not HTTP at all: aiohttp's parser fails with an error that carries the request info."""
    assert request.transport is not None
    request.transport.write(f"HTTP/1.1 200 OK\r\nContent-Length: nope {key}\r\n\r\n".encode())
    request.transport.close()
    await asyncio.sleep(0)
    return web.Response()


async def _stall(request: web.Request, key: str) -> web.StreamResponse:
    await until_client_gone(request)
    return web.Response()


async def _redirect_loop(request: web.Request, key: str) -> web.StreamResponse:
    raise web.HTTPTemporaryRedirect(request.path + f"?again={len(request.query)}")


ECHOES: dict[str, Echo] = {
    "status-json": _status_json,
    "html-502": _html_page,
    "error-in-200": _error_in_200,
    "non-json-200": _non_json_200,
    "garbage-http": _garbage_http,
    "stall": _stall,
    "redirect-loop": _redirect_loop,
}
STREAM_ECHOES: dict[str, Echo] = {
    **{k: v for k, v in ECHOES.items() if k not in ("non-json-200",)},
    "stream-error-event": _stream_error_event,
    "stream-malformed": _stream_malformed,
    "stream-named-error-event": _stream_html_error_event,
}


class EchoServer:
    def __init__(self) -> None:
        self.echo: Echo = _status_json
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._handle)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        return await self.echo(request, _sent_key(request))


@pytest.fixture
async def echo() -> AsyncIterator[tuple[EchoServer, str]]:
    server = EchoServer()
    async with serve(server.app) as url:
        yield server, url


def client(url: str, **kwargs: Any) -> AsyncTokenHot:
    options: dict[str, Any] = {"max_retries": 1, "timeout": Timeout(total=10, idle=10)}
    return AsyncTokenHot(api_key=KEY, base_url=url, **{**options, **kwargs})


def timeouts_for(mode: str) -> dict[str, Any]:
    """Short limits only where the server stalls (so the timeout path is the one swept)."""
    return {"timeout": Timeout(total=0.3, idle=0.1)} if mode == "stall" else {}


# -- whole requests: every echo × every auth family --------------------------------------------


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("mode", list(ECHOES))
async def test_request_errors_never_show_the_key(
    mode: str, family: str, echo: tuple[EchoServer, str], caplog: pytest.LogCaptureFixture,
    no_backoff: None,
) -> None:
    server, url = echo
    server.echo = ECHOES[mode]
    async with client(url, **timeouts_for(mode)) as th:
        with pytest.raises(TokenHotError) as info:
            result = await th._transport.request("POST", FAMILIES[family], json=BODY)
            result.json()
        assert th.pool.acquired_connections() == 0
    assert_clean(info.value, caplog)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt: 0.0)


# -- streams: every echo × every streaming protocol ----------------------------------------------


@pytest.mark.parametrize("mode", list(STREAM_ECHOES))
@pytest.mark.parametrize("proto", protocol_params())
async def test_stream_errors_never_show_the_key(
    proto: Proto, mode: str, echo: tuple[EchoServer, str], caplog: pytest.LogCaptureFixture,
    no_backoff: None,
) -> None:
    server, url = echo
    server.echo = STREAM_ECHOES[mode]
    async with client(url, **timeouts_for(mode)) as th:
        stream = proto.open(th, "hello")
        with pytest.raises(TokenHotError) as info:
            async with stream:
                async for _ in stream:
                    pass
        assert KEY not in repr(stream)
        assert th.pool.acquired_connections() == 0
    assert_clean(info.value, caplog)


async def test_connection_refused(caplog: pytest.LogCaptureFixture, no_backoff: None) -> None:
    async with client("http://127.0.0.1:9") as th:
        with pytest.raises(APIConnectionError) as info:
            await th._transport.request("POST", CHAT, json=BODY)
        stream = PROTOCOLS[0].open(th, "hi")
        with pytest.raises(APIConnectionError) as stream_info:
            async with stream:
                pass
    assert_clean(info.value, caplog)
    assert_clean(stream_info.value, caplog)


async def test_invalid_arguments_never_show_the_key(caplog: pytest.LogCaptureFixture) -> None:
    async with client("http://127.0.0.1:9") as th:
        with pytest.raises(InvalidRequestError) as info:
            await th._transport.request("POST", CHAT, json={"x": object()})
    assert_clean(info.value, caplog)


def test_reprs_never_show_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENHOT_API_KEY", KEY)
    for th in (AsyncTokenHot(base_url="https://gw.example"), client("https://gw.example")):
        shown = [repr(th), str(th), repr(th.pool), repr(th._transport._key), str(th._transport._key),
                 repr(th.with_options(timeout=3)), repr(th.timeout)]
        assert not [s for s in shown if KEY in s]


async def test_debug_logs_of_a_successful_call_never_show_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from aiotokenhot.testing import FakeTokenHot

    async with FakeTokenHot(KEY) as fake, fake.client() as th:
        fake.fail_next(1, 503, retry_after=0)
        await th.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        async with th.messages.stream(model="claude-opus-4-6", max_tokens=8,
                                      messages=[{"role": "user", "content": "x"}]) as s:
            await s.until_done()
    assert any("<redacted>" in r.getMessage() for r in caplog.records)  # headers were logged
    assert not [r for r in caplog.records if KEY in r.getMessage()]
    # Gemini's key travels in a header, never in the URL (URLs end up in logs and errors)
    assert all(KEY not in str(r.query) for r in fake.requests)


# -- credentials stay with their origin ------------------------------------------------------


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_to_another_host_drops_every_credential(family: str, status: int) -> None:
    landed: list[dict[str, str]] = []

    async def landing(request: web.Request) -> web.Response:
        landed.append(dict(request.headers))
        return web.json_response({"ok": True})

    other = web.Application()
    other.router.add_route("*", "/{tail:.*}", landing)
    async with serve(other) as other_url:

        async def bounce(request: web.Request) -> web.Response:
            await request.read()
            return web.Response(status=status, headers={"Location": other_url + "/landing"})

        origin = web.Application()
        origin.router.add_route("*", "/{tail:.*}", bounce)
        async with serve(origin) as origin_url, client(origin_url) as th:
            await th._transport.request("POST", FAMILIES[family], json=BODY)
    (headers,) = landed
    sent = {k.lower(): v for k, v in headers.items()}
    assert not {"authorization", "x-api-key", "x-goog-api-key"} & set(sent)
    assert KEY not in repr(headers)


@pytest.mark.parametrize("family", list(FAMILIES))
async def test_redirect_within_the_same_origin_keeps_the_credentials(family: str) -> None:
    """The control case: the stripping above is about the origin, not about redirects."""
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        if request.path != "/moved":
            return web.Response(status=307, headers={"Location": "/moved"})
        seen.append(_sent_key(request))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    async with serve(app) as url, client(url) as th:
        await th._transport.request("POST", FAMILIES[family], json=BODY)
    assert seen and KEY in seen[0]


async def test_a_stream_redirected_to_another_host_drops_every_credential() -> None:
    landed: list[dict[str, str]] = []

    async def landing(request: web.Request) -> web.StreamResponse:
        landed.append(dict(request.headers))
        return await _stream(request, b"event: message_stop\ndata: {\"type\": \"message_stop\"}\n\n")

    other = web.Application()
    other.router.add_route("*", "/{tail:.*}", landing)
    async with serve(other) as other_url:

        async def bounce(request: web.Request) -> web.Response:
            await request.read()
            return web.Response(status=307, headers={"Location": other_url + "/v1/messages"})

        origin = web.Application()
        origin.router.add_route("*", "/{tail:.*}", bounce)
        async with serve(origin) as origin_url, client(origin_url) as th:
            stream = th.messages.stream(model="claude-opus-4-6", max_tokens=8,
                                        messages=[{"role": "user", "content": "hi"}])
            async with stream:
                await stream.until_done()
    (headers,) = landed
    assert KEY not in repr(headers)


# -- TLS and plain http ------------------------------------------------------------------------


@pytest.fixture
async def tls_url() -> AsyncIterator[str]:
    """An HTTPS server with a self-signed certificate (not trusted by anyone)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(HERE / "selfsigned-cert.pem", HERE / "selfsigned-key.pem")

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", ok)
    async with serve(app, ssl_context=context) as url:
        yield url


async def test_tls_is_verified_by_default(tls_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with client(tls_url, max_retries=0) as th:
        with pytest.raises(APIConnectionError, match=r"(?i)certificate") as info:
            await th._transport.request("GET", "/v1/models")
    assert_clean(info.value, caplog)


async def test_turning_tls_verification_off_is_explicit(tls_url: str) -> None:
    async with client(tls_url, verify_ssl=False) as th:
        result = await th._transport.request("GET", "/v1/models")
    assert result.json() == {"ok": True}


@pytest.mark.parametrize("url", ["http://gw.example", "http://10.0.0.8:3000",
                                 "http://127.evil.example", "http://localhost.evil.example"])
def test_plain_http_to_a_remote_host_warns(url: str) -> None:
    with pytest.warns(UserWarning, match="plain http") as caught:
        AsyncTokenHot(api_key=KEY, base_url=url)
    assert all(KEY not in str(w.message) for w in caught)


@pytest.mark.parametrize("url", ["http://localhost:8000", "http://127.0.0.1:8000",
                                 "http://127.1.2.3", "http://[::1]:8000", "https://gw.example"])
def test_loopback_or_https_does_not_warn(url: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AsyncTokenHot(api_key=KEY, base_url=url)


# -- the command line --------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["gpt-5.4", "claude-opus-4-6", "gemini-2.5-flash"])
@pytest.mark.parametrize("mode", ["status-json", "html-502", "error-in-200", "garbage-http",
                                  "stream-error-event", "stream-malformed"])
async def test_cli_errors_never_show_the_key(
    mode: str, model: str, echo: tuple[EchoServer, str], capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, no_backoff: None,
) -> None:
    from aiotokenhot.cli import main

    server, url = echo
    server.echo = STREAM_ECHOES[mode]
    monkeypatch.setenv("TOKENHOT_API_KEY", KEY)
    code = await asyncio.to_thread(main, ["chat", "-m", model, "--base-url", url, "hello"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "error" in err.lower()
    assert KEY not in out + err and KEY[3:] not in out + err
    assert not [r for r in caplog.records if KEY in r.getMessage()]


async def test_cli_models_error_never_shows_the_key(
    echo: tuple[EchoServer, str], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, no_backoff: None,
) -> None:
    from aiotokenhot.cli import main

    _, url = echo
    monkeypatch.setenv("TOKENHOT_API_KEY", KEY)
    code = await asyncio.to_thread(main, ["models", "--base-url", url])
    out, err = capsys.readouterr()
    assert code == 1 and "401" in err
    assert KEY not in out + err
