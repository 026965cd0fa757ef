"""However a stream or request is left, no connection stays acquired and nothing is unclosed.

Every test here runs under ``error::ResourceWarning`` and the suite's autouse leak check
(``gc.collect()`` with no ResourceWarning), and asserts the connector holds zero acquired
connections right after the exit path — not eventually.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
import pytest
from aiohttp import web

from aiotokenhot import APIConnectionError, AsyncTokenHot, TokenHotError
from aiotokenhot.testing import FakeTokenHot

from ._protocols import Proto, protocol_params
from ._servers import serve, until_client_gone

PROMPT = "leak check prompt"
pytestmark = pytest.mark.usefixtures("no_resource_warnings")


async def eventually(check: Callable[[], bool], *, within: float = 5.0) -> None:
    """Wait (bounded) for the server side to notice a closed connection."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


@pytest.fixture
async def slow_fake() -> AsyncIterator[FakeTokenHot]:
    """A gateway whose streams are still arriving when the tests leave them."""
    async with FakeTokenHot(reply_words=40, chunk_delay=0.02) as server:
        yield server


@pytest.fixture
async def th(slow_fake: FakeTokenHot) -> AsyncIterator[AsyncTokenHot]:
    async with slow_fake.client(max_retries=0) as client:
        yield client


each_protocol = pytest.mark.parametrize("proto", protocol_params())


@each_protocol
async def test_break_inside_async_with(proto: Proto, th: AsyncTokenHot,
                                       slow_fake: FakeTokenHot) -> None:
    async with proto.open(th, PROMPT) as stream:
        async for _ in stream:
            break
        assert th.pool.acquired_connections() == 1
    assert th.pool.acquired_connections() == 0
    await eventually(lambda: slow_fake.in_flight == 0)


@each_protocol
async def test_break_out_of_text_inside_async_with(proto: Proto, th: AsyncTokenHot) -> None:
    async with proto.open(th, PROMPT) as stream:
        async for piece in stream.text():
            assert piece
            break
    assert th.pool.acquired_connections() == 0


@each_protocol
async def test_raise_inside_the_loop(proto: Proto, th: AsyncTokenHot) -> None:
    with pytest.raises(KeyError):
        async with proto.open(th, PROMPT) as stream:
            async for _ in stream:
                raise KeyError("user code failed")
    assert th.pool.acquired_connections() == 0


@each_protocol
async def test_cancel_the_consuming_task(proto: Proto, th: AsyncTokenHot,
                                         slow_fake: FakeTokenHot) -> None:
    got_one = asyncio.Event()

    async def consume() -> None:
        async with proto.open(th, PROMPT) as stream:
            async for _ in stream:
                got_one.set()

    task = asyncio.create_task(consume())
    await got_one.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert th.pool.acquired_connections() == 0
    await eventually(lambda: slow_fake.in_flight == 0)


@each_protocol
async def test_anyio_fail_after_mid_stream(proto: Proto, th: AsyncTokenHot) -> None:
    received = 0
    with pytest.raises(TimeoutError):
        with anyio.fail_after(0.3):
            async with proto.open(th, PROMPT) as stream:
                async for _ in stream:
                    received += 1
    assert received > 0  # it was cut mid-stream, not before the first event
    assert th.pool.acquired_connections() == 0


@each_protocol
async def test_wait_for_while_waiting_for_headers(proto: Proto, th: AsyncTokenHot,
                                                  slow_fake: FakeTokenHot) -> None:
    slow_fake.delay_next(5.0)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(proto.open(th, PROMPT).__aenter__(), 0.1)
    assert th.pool.acquired_connections() == 0


@each_protocol
async def test_aclose_without_context_manager(proto: Proto, th: AsyncTokenHot) -> None:
    stream = proto.open(th, PROMPT)
    await stream.__anext__()
    await stream.aclose()
    await stream.aclose()
    assert th.pool.acquired_connections() == 0
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()


@each_protocol
async def test_entered_but_never_iterated(proto: Proto, th: AsyncTokenHot) -> None:
    async with proto.open(th, PROMPT):
        assert th.pool.acquired_connections() == 1
    assert th.pool.acquired_connections() == 0


@pytest.fixture
def no_collector() -> Iterator[None]:
    """Reference counting only: what is released here is released without the cyclic collector."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@each_protocol
@pytest.mark.usefixtures("no_collector")
async def test_bare_break_releases_the_connection_at_once(proto: Proto, th: AsyncTokenHot) -> None:
    """``async for ev in stream: break`` without ``async with``: the stream is freed when the loop
    lets go of it, its connection is closed right there, and a ResourceWarning names it."""
    stream = proto.open(th, PROMPT)
    alive = weakref.ref(stream)
    with pytest.warns(ResourceWarning, match=r"abandoned before its end"):
        async for _event in stream:
            break
        del stream, _event
    assert alive() is None
    assert th.pool.acquired_connections() == 0


@each_protocol
@pytest.mark.usefixtures("no_collector")
async def test_bare_break_out_of_text_releases_the_connection_at_once(
    proto: Proto, th: AsyncTokenHot
) -> None:
    with pytest.warns(ResourceWarning, match=r"abandoned before its end"):
        async for piece in proto.open(th, PROMPT).text():
            assert piece
            break
    assert th.pool.acquired_connections() == 0


@each_protocol
@pytest.mark.usefixtures("no_collector")
async def test_exception_in_a_bare_loop_releases_the_connection_at_once(
    proto: Proto, th: AsyncTokenHot
) -> None:
    async def consume() -> None:
        async for _ in proto.open(th, PROMPT):
            raise KeyError("user code failed")

    with pytest.warns(ResourceWarning, match=r"abandoned before its end"), pytest.raises(KeyError):
        await consume()
    assert th.pool.acquired_connections() == 0


@each_protocol
@pytest.mark.usefixtures("no_collector")
async def test_a_stream_read_to_its_end_without_async_with_warns_nothing(
    proto: Proto, th: AsyncTokenHot
) -> None:
    async for _ in proto.open(th, PROMPT):
        pass
    assert th.pool.acquired_connections() == 0


class ConnectionCounter:
    """Counts the sockets a running aiohttp server sees open and close."""

    def __init__(self, fake: FakeTokenHot) -> None:
        self.opened = 0
        self.closed = 0
        assert fake._runner is not None and fake._runner.server is not None
        server = fake._runner.server
        made, lost = server.connection_made, server.connection_lost

        def connection_made(handler: Any, transport: Any) -> None:
            self.opened += 1
            made(handler, transport)

        def connection_lost(handler: Any, exc: BaseException | None) -> None:
            self.closed += 1
            lost(handler, exc)

        server.connection_made = connection_made  # type: ignore[method-assign]
        server.connection_lost = connection_lost  # type: ignore[method-assign]


@pytest.mark.usefixtures("no_collector")
async def test_fifty_bare_breaks_on_a_pool_of_ten(slow_fake: FakeTokenHot) -> None:
    """A relay loop that leaves every stream by ``break`` never runs out of connections."""
    slow_fake.reply_words = 5000  # each stream would go on long after its break
    counter = ConnectionCounter(slow_fake)
    async with slow_fake.client(max_connections=10, max_retries=0) as th:
        with pytest.warns(ResourceWarning, match=r"abandoned before its end"):
            for i in range(50):
                async for _ in th.chat.completions.stream(
                    model="gpt-5.4", messages=[{"role": "user", "content": f"relay {i}"}]
                ):
                    break
                assert th.pool.acquired_connections() == 0
        reply = await th.chat.completions.create(
            model="gpt-5.4", messages=[{"role": "user", "content": "and now a whole reply"}]
        )
        assert reply.choices[0].message.content
        # the 50 stream sockets are closed; the whole reply's one may stay pooled (keep-alive)
        await eventually(lambda: counter.closed == 50 and counter.opened in (50, 51))


@each_protocol
async def test_cancel_during_retry_backoff(proto: Proto, slow_fake: FakeTokenHot) -> None:
    slow_fake.fail_next(1, 503, retry_after=30, path=proto.route)
    async with slow_fake.client(max_retries=3) as th:
        task = asyncio.create_task(proto.open(th, PROMPT).__aenter__())
        await eventually(lambda: len(slow_fake.requests_to(proto.route)) == 1)
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert th.pool.acquired_connections() == 0
    assert len(slow_fake.requests_to(proto.route)) == 1


@each_protocol
async def test_client_closed_under_a_running_stream(proto: Proto, slow_fake: FakeTokenHot) -> None:
    th = slow_fake.client(max_retries=0)
    with pytest.raises(TokenHotError):
        async with proto.open(th, PROMPT) as stream:
            async for _ in stream:
                await th.aclose()
    assert th.pool.acquired_connections() == 0


# -- whole (non-streaming) requests -------------------------------------------------------------


async def test_cancel_while_reading_a_whole_body() -> None:
    """Headers arrived, the body is slow: cancelling must not leave the response open."""
    body_started = asyncio.Event()

    async def slow_body(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        await resp.prepare(request)
        await resp.write(b'{"id": "x", ')
        body_started.set()
        await until_client_gone(request)
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", slow_body)
    async with serve(app) as url, AsyncTokenHot(api_key="sk-leak", base_url=url,
                                                max_retries=0) as th:
        task = asyncio.create_task(th._transport.request("POST", "/v1/chat/completions",
                                                         json={"model": "m"}))
        await body_started.wait()
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert th.pool.acquired_connections() == 0


async def test_connection_error_on_a_whole_body_releases() -> None:
    async def cut(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/json",
                                           "Content-Length": "1000"})
        await resp.prepare(request)
        await resp.write(b'{"partial": ')
        assert request.transport is not None
        request.transport.abort()
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", cut)
    async with serve(app) as url, AsyncTokenHot(api_key="sk-leak", base_url=url,
                                                max_retries=1) as th:
        with pytest.raises(APIConnectionError) as info:
            await th._transport.request("POST", "/v1/chat/completions", json={"model": "m"})
        assert info.value.attempts == 2
        assert th.pool.acquired_connections() == 0
