"""Feed hand-written SSE bytes to any stream of the public API, split into reads as asked.

``split_every_byte(body)`` gives the whole body, every two-piece cut and one-byte reads, so a
test states a rule once and checks it against every way the network may cut the bytes.
``served(body)`` is a loopback HTTP server answering with the body, for end-to-end checks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from aiotokenhot import AsyncTokenHot, TokenHotError

__all__ = ["Outcome", "consume", "served", "split_every_byte", "sse"]

Opener = Callable[[AsyncTokenHot], Any]


def sse(*frames: Any, event: str | None = None) -> bytes:
    """Frames in SSE wire form; dicts become JSON, bytes are sent as they are."""
    import pydantic_core

    out = []
    for data in frames:
        payload = data if isinstance(data, bytes) else pydantic_core.to_json(data)
        out.append((f"event: {event}\n".encode() if event else b"") + b"data: " + payload + b"\n\n")
    return b"".join(out)


def split_every_byte(body: bytes) -> Iterator[list[bytes]]:
    """The body whole, cut in two at every position, and one byte per read."""
    yield [body]
    for cut in range(1, len(body)):
        yield [body[:cut], body[cut:]]
    yield [body[i:i + 1] for i in range(len(body))]


class _Content:
    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = list(chunks)

    async def readany(self) -> bytes:
        return self._chunks.pop(0) if self._chunks else b""

    async def read(self, n: int = -1) -> bytes:
        return b"".join(self._chunks)


class _Response:
    status = 200

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.headers: CIMultiDict[str] = CIMultiDict({"Content-Type": "text/event-stream"})
        self.content = _Content(chunks)

    def close(self) -> None:
        pass

    def release(self) -> None:
        pass


class Outcome:
    """What one run of a stream gave: the items iterated, ``final()`` or the error raised."""

    def __init__(self, items: list[Any], final: Any, error: TokenHotError | None) -> None:
        self.items = items
        self.final = final
        self.error = error


async def consume(open_stream: Opener, chunks: list[bytes], *, text: bool = False) -> Outcome:
    """Run ``open_stream(client)`` over ``chunks`` (each one network read).

    ``text=True`` iterates ``.text()`` instead of the typed events.
    """
    th = AsyncTokenHot(api_key="sk-feed-test", base_url="http://127.0.0.1:9", max_retries=0)

    async def open_stub(*args: Any, **kwargs: Any) -> Any:
        return _Response(chunks)

    th._transport.open = open_stub  # type: ignore[method-assign]
    items: list[Any] = []
    stream = open_stream(th)
    try:
        async with stream:
            async for item in (stream.text() if text else stream):
                items.append(item)
        return Outcome(items, stream.final(), None)
    except TokenHotError as exc:
        return Outcome(items, None, exc)


@contextlib.asynccontextmanager
async def served(body: bytes, *, pieces: list[bytes] | None = None) -> AsyncIterator[AsyncTokenHot]:
    """A client whose every POST is answered with ``body`` by a loopback server.

    ``pieces`` (joining to ``body``) are written one by one with a pause between them, so
    the client sees several reads.
    """
    async def answer(request: web.Request) -> web.StreamResponse:
        await request.read()
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for piece in pieces or [body]:
            await resp.write(piece)
            await asyncio.sleep(0)
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with AsyncTokenHot(api_key="sk-served-test", base_url=f"http://127.0.0.1:{port}",
                                 max_retries=0) as th:
            yield th
    finally:
        await runner.cleanup()
