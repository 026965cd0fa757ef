"""Small loopback servers for faults the fake gateway's knobs cannot express.

``Replay`` answers every request with a canned reply (status, content type, chunks, gzip, how
the body ends), so the same misbehaviour can be aimed at any protocol's route. ``StubResponse``
stands in for an ``aiohttp.ClientResponse`` when a stream mapper is fed bytes without a socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from multidict import CIMultiDict

__all__ = ["Canned", "Replay", "StubResponse", "serve", "until_client_gone"]

Ending = Literal["eof", "abort", "hang"]


@contextlib.asynccontextmanager
async def serve(app: web.Application, *, ssl_context: Any = None) -> AsyncIterator[str]:
    """Run ``app`` on 127.0.0.1 (any free port) and yield its base URL."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    server: Any = site._server
    port = server.sockets[0].getsockname()[1]
    scheme = "https" if ssl_context is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def until_client_gone(request: web.Request, *, limit: float = 30.0) -> None:
    """Stall a handler until the client hangs up (so server shutdown never waits on it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while loop.time() < deadline:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await asyncio.sleep(0.01)


@dataclass
class Canned:
    """One canned answer. ``chunks`` are written one by one, each flushed to the socket."""

    chunks: list[bytes] = field(default_factory=list)
    status: int = 200
    content_type: str = "text/event-stream; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False
    ending: Ending = "eof"
    pause: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class Replay:
    """A server that answers any method on any path with ``self.reply`` (or ``self.replies``)."""

    def __init__(self, reply: Canned | None = None) -> None:
        self.reply = reply or Canned()
        self.replies: deque[Canned] = deque()  # used first, one per request, when not empty
        self.seen: list[Seen] = []
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._handle)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        self.seen.append(Seen(request.method, request.path, dict(request.headers)))
        canned = self.replies.popleft() if self.replies else self.reply
        headers = {"Content-Type": canned.content_type, **canned.headers}
        chunks: Iterable[bytes] = canned.chunks
        if canned.gzip:
            headers["Content-Encoding"] = "gzip"
            chunks = _gzip_incrementally(canned.chunks)
        resp = web.StreamResponse(status=canned.status, headers=headers)
        await resp.prepare(request)
        for chunk in chunks:
            await resp.write(chunk)
            if canned.pause:
                await asyncio.sleep(canned.pause)
        if canned.ending == "abort":
            if request.transport is not None:
                request.transport.abort()
            return resp
        if canned.ending == "hang":
            await until_client_gone(request)
            return resp
        await resp.write_eof()
        return resp


def _gzip_incrementally(chunks: list[bytes]) -> list[bytes]:
    """A gzip member flushed after every chunk, as a compressing proxy in front of SSE does."""
    z = zlib.compressobj(wbits=31)
    out = [z.compress(c) + z.flush(zlib.Z_SYNC_FLUSH) for c in chunks]
    out.append(z.flush())
    return [c for c in out if c]


class _StubContent:
    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = deque(chunks)
        self._exc: BaseException | None = None

    async def readany(self) -> bytes:
        if self._exc is not None:
            raise self._exc
        return self._chunks.popleft() if self._chunks else b""

    def set_exception(self, exc: BaseException) -> None:
        self._exc = exc


class StubResponse:
    """Just enough of ``aiohttp.ClientResponse`` for :class:`Stream`: headers, status, content."""

    def __init__(self, chunks: Iterable[bytes], *, status: int = 200,
                 content_type: str = "text/event-stream") -> None:
        self.status = status
        self.headers: CIMultiDict[str] = CIMultiDict({"Content-Type": content_type})
        self.content = _StubContent(chunks)
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def release(self) -> None:
        self.closed = True
