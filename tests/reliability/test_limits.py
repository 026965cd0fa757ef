"""Limits a hostile or broken server cannot push the client past.

Bodies are bounded (a gzip bomb, an endless body, an endless error body on a stream open), the
``total`` timeout covers retries and their waits, a pool left exhausted gives a typed error
instead of waiting for ever, odd redirects are typed errors, an echoed key is redacted after
JSON unescaping, proxies are honoured, and one client survives several ``asyncio.run()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import json
import logging
import ssl
import struct
import threading
import tracemalloc
import warnings
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

from aiotokenhot import (
    APIStatusError,
    APITimeoutError,
    AsyncTokenHot,
    AuthenticationError,
    InternalServerError,
    PoolTimeoutError,
    ResponseTooLargeError,
    Timeout,
)
from aiotokenhot.batch import run_batch
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.transport._errors import build_status_error
from aiotokenhot.transport._transport import _redirect_target

from ._servers import serve, until_client_gone

MiB = 1 << 20
KEY = "sk-test-ABCDEFGHIJKLMNOPQRSTUVWX"
MESSAGES = [{"role": "user", "content": "hi"}]
CHAT = "/v1/chat/completions"


def gzip_bomb(inflated_mib: int) -> bytes:
    """A valid gzip body of about ``inflated_mib / 1000`` MiB that inflates to ``inflated_mib``
    MiB of zeros. Each MiB is one fully flushed deflate block, so it is compressed once and
    repeated (compressing 600 MiB would take seconds)."""
    zeros = bytes(MiB)
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = z.compress(zeros) + z.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(inflated_mib):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (inflated_mib * MiB) & 0xFFFFFFFF)
    return header + block * inflated_mib + z.flush() + trailer


def test_the_bomb_is_a_real_gzip_body() -> None:
    assert gzip.decompress(gzip_bomb(5)) == bytes(5 * MiB)


class Endless:
    """A route that answers ``status`` with an endless chunked body, counting what it sent."""

    def __init__(self, status: int = 200, content_type: str = "application/json") -> None:
        self.status = status
        self.content_type = content_type
        self.sent = 0
        self.done = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(status=self.status, headers={"Content-Type": self.content_type})
        await resp.prepare(request)
        block = b'{"error": "' + b"x" * (MiB - 20) + b'"}\n'
        try:
            while self.sent < 600 * MiB:  # the client hangs up long before
                await resp.write(block)
                self.sent += len(block)
        except (ConnectionError, RuntimeError):
            pass
        finally:
            self.done.set()
        return resp


async def sent_by(server: Endless) -> int:
    """What the server managed to send once the client hung up."""
    await asyncio.wait_for(server.done.wait(), 30)
    return server.sent


@contextlib.contextmanager
def traced_peak() -> Iterator[list[int]]:
    """The peak of Python-allocated memory while the block runs (bytes), in ``result[0]``."""
    result = [0]
    tracemalloc.start()
    try:
        yield result
        result[0] = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def app_with(path: str, handler: Any, method: str = "*") -> web.Application:
    app = web.Application()
    app.router.add_route(method, path, handler)
    return app


# -- bounded bodies -------------------------------------------------------------------------------


async def test_a_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = gzip_bomb(600)
    assert len(bomb) < MiB  # 0.6 MB on the wire

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip",
                                                "Content-Type": "application/json"})

    async with serve(app_with(CHAT, handler)) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url) as th:
        with traced_peak() as peak, pytest.raises(ResponseTooLargeError) as info:
            await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
        assert th.pool.acquired_connections() == 0
    assert info.value.limit <= 64 * MiB
    assert "inflates" in str(info.value) or "max_response_size" in str(info.value)
    assert peak[0] < 64 * MiB + 50 * MiB  # nowhere near the 600 MiB it inflates to


async def test_a_gzip_body_over_a_smaller_limit_stops_at_the_limit() -> None:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunks = [z.compress(bytes(256 * 1024)) + z.flush(zlib.Z_SYNC_FLUSH) for _ in range(200)]

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Encoding": "gzip",
                                           "Content-Type": "application/json"})
        await resp.prepare(request)
        with contextlib.suppress(ConnectionError, RuntimeError):
            for chunk in chunks:  # 50 MiB inflated, a quarter MiB at a time
                await resp.write(chunk)
            await resp.write_eof()
        return resp

    async with serve(app_with(CHAT, handler)) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url, max_response_size=MiB) as th:
        with pytest.raises(ResponseTooLargeError) as info:
            await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
        assert th.pool.acquired_connections() == 0
    assert info.value.limit == MiB
    assert "max_response_size" in str(info.value)


async def test_an_endless_plain_body_stops_at_the_default_limit() -> None:
    server = Endless()
    async with serve(app_with(CHAT, server.handle)) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url) as th:
        with traced_peak() as peak, pytest.raises(ResponseTooLargeError) as info:
            await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
        assert th.pool.acquired_connections() == 0
        sent = await sent_by(server)
    assert info.value.limit == 64 * MiB
    assert info.value.status_code == 200
    assert sent < 64 * MiB + 32 * MiB  # read up to the limit, then hung up
    assert peak[0] < 64 * MiB + 50 * MiB


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    big = b"[" + b"0," * (MiB // 2) + b"0]"

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=big, content_type="application/json")

    async with serve(app_with("/v1/models", handler)) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url, max_response_size=1000) as th:
        with pytest.raises(ResponseTooLargeError):
            await th.models.list()
        assert th.pool.acquired_connections() == 0


async def test_an_endless_error_body_on_a_stream_open_is_cut() -> None:
    server = Endless(status=500)
    async with serve(app_with(CHAT, server.handle)) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url, max_retries=0) as th:
        with traced_peak() as peak, pytest.raises(InternalServerError) as info:
            async with th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES) as stream:
                async for _ in stream:
                    pass
        assert th.pool.acquired_connections() == 0
        sent = await sent_by(server)
    assert info.value.status_code == 500
    assert len(str(info.value.body)) <= MiB  # the first MiB is kept for the error
    assert sent < 32 * MiB
    assert peak[0] < 50 * MiB


async def test_media_downloads_are_not_bounded_by_the_body_limit(tmp_path: Path) -> None:
    async with FakeTokenHot(video_polls=1, video_size=3 * MiB) as fake, \
            fake.client(max_response_size=MiB) as th:
        task = await th.videos.create(model="sora-2", prompt="a lighthouse")
        done = await th.videos.wait(task.id, poll_interval=0.01)
        await th.videos.download(done.id, tmp_path / "clip.mp4")
    assert (tmp_path / "clip.mp4").stat().st_size == 3 * MiB


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_a_bad_body_limit_is_refused(bad: Any) -> None:
    from aiotokenhot import InvalidRequestError

    with pytest.raises(InvalidRequestError):
        AsyncTokenHot(api_key=KEY, max_response_size=bad)


# -- the total deadline covers retries --------------------------------------------------------------


async def test_an_endless_retry_after_does_not_outlive_the_total_timeout() -> None:
    calls: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        calls.append(1)
        return web.json_response({"error": {"message": "busy"}}, status=503,
                                 headers={"Retry-After": "999999"})

    async with serve(app_with(CHAT, handler)) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url, timeout=Timeout(total=3),
                          max_retries=5) as th:
        with pytest.raises(InternalServerError) as info:
            await asyncio.wait_for(
                th.chat.completions.create(model="gpt-5.4", messages=MESSAGES), 60)
    # the hint (capped at 60 s) cannot fit in what is left of 3 s: no wait, no second try
    assert info.value.attempts == 1
    assert len(calls) == 1


async def test_a_slow_server_gets_one_try_when_the_total_is_spent() -> None:
    calls: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        calls.append(1)
        await until_client_gone(request)
        return web.json_response({})

    async with serve(app_with(CHAT, handler)) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url, timeout=Timeout(total=0.5),
                          max_retries=3) as th:
        with pytest.raises(APITimeoutError) as info:
            await asyncio.wait_for(
                th.chat.completions.create(model="gpt-5.4", messages=MESSAGES), 60)
    assert info.value.attempts == 1
    assert len(calls) == 1


async def test_retries_that_fit_in_the_total_still_happen() -> None:
    calls: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        calls.append(1)
        if len(calls) < 3:
            return web.json_response({"error": {"message": "busy"}}, status=503,
                                     headers={"Retry-After": "0"})
        return web.json_response({"object": "list", "data": []})

    async with serve(app_with("/v1/models", handler)) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url, timeout=Timeout(total=30)) as th:
        assert (await th.models.list()).data == []
    assert len(calls) == 3


# -- the pool wait ------------------------------------------------------------------------------------


async def test_an_exhausted_pool_gives_a_typed_timeout_not_a_hang() -> None:
    fake = FakeTokenHot(reply_words=50, chunk_delay=0.5)
    async with fake, fake.client(max_connections=2, timeout=Timeout(connect=0.5)) as th:
        held = [th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES) for _ in range(2)]
        async with contextlib.AsyncExitStack() as stack:
            for stream in held:
                await stack.enter_async_context(stream)
            with pytest.raises(PoolTimeoutError) as info:
                await asyncio.wait_for(th.models.list(), 60)
            assert isinstance(info.value, APITimeoutError)
            assert "pool" in str(info.value)
            assert info.value.attempts == 1  # waiting again would not free a slot
        assert (await th.models.list()).data  # the slots came back with the streams


async def test_a_queue_that_moves_is_waited_for_beyond_the_connect_timeout() -> None:
    """Twelve calls on two connections, each call a quarter second: the last ones queue for
    longer than ``connect``, but a connection comes back every quarter second, so all succeed."""
    async with FakeTokenHot() as fake, \
            fake.client(max_connections=2, timeout=Timeout(connect=1.0), max_retries=0) as th:
        fake.delay_next(0.25, n=12)
        results = await asyncio.wait_for(
            asyncio.gather(*(th.models.list() for _ in range(12)), return_exceptions=True), 60)
    assert [type(r).__name__ for r in results] == ["ModelList"] * 12


# -- redirects ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("location", ["file:///etc/passwd", "data:,x", "http://[broken",
                                      "ftp://example.com/x", "http://"])
async def test_a_redirect_to_a_non_http_or_broken_location_is_a_typed_error(location: str) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": location})

    async with serve(app_with("/{tail:.*}", handler)) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url) as th:
        with pytest.raises(APIStatusError) as info:
            await th.models.list()
        assert not isinstance(info.value, ValueError)
        assert info.value.status_code == 302
        with pytest.raises(APIStatusError):
            async with th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES):
                pass
        assert th.pool.acquired_connections() == 0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_location_is_an_http_url_or_refused(location: str) -> None:
    target = _redirect_target(URL("https://gw.example/v1/models"), location)
    assert target is None or (target.scheme in ("http", "https") and target.host)


# -- a key echoed back JSON-escaped -------------------------------------------------------------------


def escaped(text: str) -> str:
    """``text`` with its first letter after the prefix written as a JSON ``\\uXXXX`` escape."""
    head, tail = text[:8], text[8:]
    return head + f"\\u{ord(tail[0]):04X}" + tail[1:]


def escaping_echo(status: int) -> Any:
    """A handler answering ``status`` with an error body that quotes the key JSON-escaped."""

    async def handler(request: web.Request) -> web.Response:
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        body = '{"error": {"message": "invalid key ' + escaped(key) + '", "type": "auth", ' \
               '"param": {"given": "' + escaped(key) + '"}}}'
        return web.Response(status=status, text=body, content_type="application/json")

    return handler


async def test_an_escaped_echo_of_the_key_is_redacted_in_message_and_body() -> None:
    assert json.loads(f'"{escaped(KEY)}"') == KEY  # the body does hold the key, once parsed
    async with serve(app_with("/{tail:.*}", escaping_echo(401))) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url) as th:
        with pytest.raises(AuthenticationError) as info:
            await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
    error = info.value
    assert KEY not in str(error)
    assert KEY not in repr(error.body)
    assert error.body["error"]["param"]["given"] == "<redacted>"
    assert "<redacted>" in error.message


async def test_an_escaped_echo_never_reaches_the_batch_output(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    request = {"custom_id": "a", "method": "POST", "url": CHAT,
               "body": {"model": "gpt-5.4", "messages": MESSAGES}}
    async with serve(app_with("/{tail:.*}", escaping_echo(400))) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url) as th:
        summary = await run_batch(th, [request], output=out)
    assert summary.failed == 1
    [line] = [json.loads(text) for text in out.read_text().splitlines()]
    assert line["response"]["status_code"] == 400
    assert line["response"]["body"]["error"]["param"]["given"] == "<redacted>"
    assert KEY not in out.read_text()
    assert KEY not in json.dumps(line, ensure_ascii=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), min_size=len(KEY), max_size=len(KEY)),
       st.sampled_from([400, 401, 403, 429, 500, 200]))
def test_the_key_escaped_in_any_way_never_survives_in_an_error(escape: list[bool],
                                                               status: int) -> None:
    echoed = "".join(f"\\u{ord(c):04x}" if e else c for c, e in zip(KEY, escape, strict=True))
    raw = ('{"error": {"message": "bad ' + echoed + '", "echo": ["' + echoed + '"]}}').encode()
    error = build_status_error(status, {"x-echo": KEY}, raw, secret=KEY)
    assert KEY not in str(error) and KEY not in repr(error.body)
    assert KEY not in repr(error.headers)


# -- proxies --------------------------------------------------------------------------------------------


class LoopbackProxy:
    """A plain-HTTP forward proxy that sends every request to ``upstream`` (a loopback root)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.seen: list[tuple[str, str | None]] = []
        self.app = app_with("/{tail:.*}", self.forward)

    async def forward(self, request: web.Request) -> web.Response:
        self.seen.append((request.raw_path, request.headers.get("Proxy-Authorization")))
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("host", "proxy-authorization", "content-length")}
        async with aiohttp.ClientSession() as session, session.request(
            request.method, self.upstream + request.path_qs, headers=headers,
            data=await request.read(),
        ) as answer:
            body = await answer.read()
            return web.Response(status=answer.status, body=body,
                                content_type=answer.content_type)


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


@pytest.fixture
async def proxied() -> AsyncIterator[tuple[FakeTokenHot, LoopbackProxy, str]]:
    async with FakeTokenHot() as fake:
        proxy = LoopbackProxy(fake.base_url)
        async with serve(proxy.app) as proxy_url:
            yield fake, proxy, proxy_url


async def test_the_proxy_option_routes_every_request(
    proxied: tuple[FakeTokenHot, LoopbackProxy, str], clean_proxy_env: pytest.MonkeyPatch
) -> None:
    fake, proxy, proxy_url = proxied
    with_credentials = proxy_url.replace("http://", "http://user:pw@")
    async with fake.client(proxy=with_credentials) as th:
        models = await th.models.list()
        reply = await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
    assert models.data and reply.choices[0].message.content
    assert [path.split("/", 3)[-1] for path, _ in proxy.seen] == ["v1/models",
                                                                 "v1/chat/completions"]
    assert all(auth == aiohttp.BasicAuth("user", "pw").encode() for _, auth in proxy.seen)


async def test_http_proxy_from_the_environment_is_honoured(
    proxied: tuple[FakeTokenHot, LoopbackProxy, str], clean_proxy_env: pytest.MonkeyPatch
) -> None:
    fake, proxy, proxy_url = proxied
    clean_proxy_env.setenv("HTTP_PROXY", proxy_url)
    # a name only the proxy can resolve: reaching the gateway proves the proxy carried it
    gateway = f"http://gateway.test:{fake.port}"
    with pytest.warns(UserWarning, match="plain http"):
        th = AsyncTokenHot(api_key=fake.api_key, base_url=gateway)
    async with th:
        assert (await th.models.list()).data
    assert proxy.seen == [(gateway + "/v1/models", None)]


class ConnectTunnel:
    """A forward proxy for HTTPS: answers ``CONNECT host:port`` and pipes bytes to ``upstream``
    (a loopback port), whatever host the client named."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.seen: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.seen.append(head.split(b"\r\n", 1)[0].decode())
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while chunk := await src.read(65536):
                    dst.write(chunk)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def test_https_proxy_from_the_environment_tunnels_tls(
    clean_proxy_env: pytest.MonkeyPatch,
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    here = Path(__file__).parent
    context.load_cert_chain(here / "selfsigned-cert.pem", here / "selfsigned-key.pem")

    async def models(request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "m", "object": "model"}]})

    async with serve(app_with("/v1/models", models), ssl_context=context) as gateway_url:
        tunnel = ConnectTunnel(URL(gateway_url).port or 0)
        server = await asyncio.start_server(tunnel.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            clean_proxy_env.setenv("https_proxy", f"127.0.0.1:{port}")
            gateway = f"https://gateway.test:{URL(gateway_url).port}"
            async with AsyncTokenHot(api_key=KEY, base_url=gateway, verify_ssl=False) as th:
                assert [m.id for m in (await th.models.list()).data] == ["m"]
        finally:
            server.close()
            await server.wait_closed()
    assert tunnel.seen == [f"CONNECT gateway.test:{URL(gateway_url).port} HTTP/1.1"]


def test_no_proxy_and_trust_env_decide_the_route(clean_proxy_env: pytest.MonkeyPatch) -> None:
    clean_proxy_env.setenv("HTTPS_PROXY", "http://u:p@proxy.internal:3128")
    clean_proxy_env.setenv("NO_PROXY", "internal.example, .corp.example:8443")
    th = AsyncTokenHot(api_key=KEY, base_url="https://gw.example")
    route = th.pool.route(URL("https://gw.example/v1/models"))
    assert route is not None
    assert route[0] == URL("http://proxy.internal:3128")
    assert route[1] == aiohttp.BasicAuth("u", "p")
    assert th.pool.route(URL("http://gw.example/v1/models")) is None  # no HTTP_PROXY set
    assert th.pool.route(URL("https://api.internal.example/x")) is None
    assert th.pool.route(URL("https://internal.example/x")) is None
    assert th.pool.route(URL("https://a.corp.example:8443/x")) is None
    assert th.pool.route(URL("https://a.corp.example/x")) is not None  # another port
    assert th.pool.route(URL("https://127.0.0.1:8000/x")) is None  # loopback goes direct
    assert th.pool.route(URL("https://localhost/x")) is None
    clean_proxy_env.setenv("ALL_PROXY", "proxy.internal:8080")  # no scheme: http
    fallback = AsyncTokenHot(api_key=KEY, base_url="https://gw.example")
    assert fallback.pool.route(URL("http://gw.example/x")) == (URL("http://proxy.internal:8080"),
                                                               None)
    off = AsyncTokenHot(api_key=KEY, base_url="https://gw.example", trust_env=False)
    assert off.pool.route(URL("https://gw.example/v1/models")) is None


async def test_a_loopback_gateway_is_not_sent_to_an_environment_proxy(
    clean_proxy_env: pytest.MonkeyPatch,
) -> None:
    clean_proxy_env.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    async with FakeTokenHot() as fake, fake.client(max_retries=0) as th:
        assert (await th.models.list()).data


def test_a_bad_proxy_option_is_a_configuration_error() -> None:
    from aiotokenhot import ConfigurationError

    with pytest.raises(ConfigurationError):
        AsyncTokenHot(api_key=KEY, proxy="socks5://127.0.0.1:1080")


# -- one client, several event loops ----------------------------------------------------------------


@pytest.fixture
def threaded_fake() -> Iterator[FakeTokenHot]:
    """A fake gateway served from its own thread, so the test may run its own event loops."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = FakeTokenHot()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(30)
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


def test_one_client_across_several_asyncio_runs_leaves_nothing_open(
    threaded_fake: FakeTokenHot, caplog: pytest.LogCaptureFixture
) -> None:
    th = threaded_fake.client()
    connectors: list[aiohttp.BaseConnector | None] = []

    async def call() -> None:
        models = await th.models.list()
        reply = await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
        assert models.data and reply.choices
        connectors.append(th.pool.connector)

    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.ERROR):
        warnings.simplefilter("always")
        for _ in range(3):
            asyncio.run(call())
        gc.collect()
    asyncio.run(th.aclose())
    assert len({id(c) for c in connectors}) == 3  # a fresh pool in each loop
    assert all(c is not None and c.closed for c in connectors)  # each closed with its loop
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert "Unclosed" not in caplog.text


async def test_a_gzip_bomb_as_an_event_stream_is_refused_and_frees_the_connection() -> None:
    bomb = gzip_bomb(600)

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip",
                                                "Content-Type": "text/event-stream"})

    async with serve(app_with(CHAT, handler)) as url, \
            AsyncTokenHot(api_key=KEY, base_url=url, max_retries=0) as th:
        with traced_peak() as peak, pytest.raises(ResponseTooLargeError) as info:
            async with th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES) as stream:
                async for _ in stream:
                    pass
        assert th.pool.acquired_connections() == 0
    assert "chat completions stream" in str(info.value) and "inflates" in str(info.value)
    assert peak[0] < 64 * MiB + 50 * MiB  # nowhere near the 600 MiB it inflates to
