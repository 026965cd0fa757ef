"""The loopback payload server, run in its own process so that it is never the bottleneck.

A bare ``asyncio.Protocol`` HTTP/1.1 server (keep-alive, no framework) that answers every
protocol's stream and non-stream routes with pre-rendered bytes. What to send is read from the
model name, so every client (ours and the official SDKs) can ask for it unchanged:

- ``...-n20000``: a stream of 20,000 text chunks (default 8);
- ``...-hold50``: hold the answer for 50 ms before sending it (fan-out);
- ``...-open``: send the headers and the first events, then keep the stream open (memory);
- ``...-mb200``: a 200 MB chat stream generated on the fly with flow control (memory);
- ``...-split``: the body's final ``0\r\n\r\n`` in a separate, later write (connection reuse);
- ``...-real``: the realistic stream (random per-chunk fields, pings; see ``_payloads``), one of
  :data:`VARIANTS` pre-rendered variants per request in turn, so consecutive streams differ;
- ``...-pace1000``: a realistic chat stream with one event per write, 1000 µs apart; each text
  piece is ``t<send time in ns> `` (``time.perf_counter_ns``, the system-wide monotonic clock
  on Linux), so the client can tell how late each piece reached the user's code.

Run as ``python -m benchmarks._server``: it prints ``PORT <n>`` and serves until stdin closes.
"""

from __future__ import annotations

import asyncio
import re
import resource
import sys
import time
from collections.abc import Iterator
from functools import lru_cache
from itertools import count

from ._payloads import (
    chat_tail,
    non_stream_body,
    paced_chat_events,
    padded_chat_block,
    stream_events,
)

_MODEL = re.compile(rb'"model"\s*:\s*"([^"]*)"')
_STREAM = re.compile(rb'"stream"\s*:\s*true')
_GEMINI = re.compile(rb"/v1beta/models/([^:/?]+):(streamGenerateContent|generateContent)")
_ROUTES = {b"/v1/chat/completions": "chat", b"/v1/responses": "responses",
           b"/v1/messages": "messages"}
_SSE_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n")
_BIG_BLOCK_EVENTS = 64
_BIG_PAD = 2000
VARIANTS = 3
_turn = count()


def _chunked(events: list[bytes]) -> bytes:
    """Each SSE event in its own HTTP chunk, as a framework writing per event produces."""
    return b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in events)


@lru_cache(maxsize=64)
def _stream_response(protocol: str, n: int, real: bool = False, variant: int = 0) -> bytes:
    return _SSE_HEAD + _chunked(stream_events(protocol, n, real, variant)) + b"0\r\n\r\n"


def _paced_text(i: int) -> str:
    return f"t{time.perf_counter_ns()} "


@lru_cache(maxsize=16)
def _open_response(protocol: str) -> bytes:
    events = stream_events(protocol, 8)
    return _SSE_HEAD + _chunked(events[:4])


@lru_cache(maxsize=1)
def _big_block() -> bytes:
    """One pre-rendered block of padded chat chunks, sent over and over for the big stream."""
    return _chunked([padded_chat_block(0, _BIG_BLOCK_EVENTS, _BIG_PAD)])


@lru_cache(maxsize=16)
def _json_response(protocol: str) -> bytes:
    body = non_stream_body(protocol)
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (len(body), body))


def _not_found() -> bytes:
    body = b'{"error":{"message":"no such benchmark route","type":"invalid_request_error"}}'
    return (b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


def _option(model: bytes, name: bytes) -> int | None:
    match = re.search(rb"-" + name + rb"(\d+)", model)
    return int(match.group(1)) if match else None


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self._buf = bytearray()
        self._busy = False
        self._paused = False
        self._big: tuple[int, int] | None = None  # (blocks sent, blocks left)
        self._paced: tuple[Iterator[bytes], float, float] | None = None  # events, t0, step
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.set_write_buffer_limits(high=512 * 1024)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        if self._big is not None:
            self._pump()

    def data_received(self, data: bytes) -> None:
        self._buf += data
        self._process()

    def _process(self) -> None:
        while not self._busy and self._transport is not None:
            request = self._take_request()
            if request is None:
                return
            self._respond(*request)

    def _take_request(self) -> tuple[bytes, bytes] | None:
        buf = self._buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = bytes(buf[:end]).split(b"\r\n")
        target = lines[0].split(b" ")[1]
        length, chunked = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        start = end + 4
        if chunked:
            body = bytearray()
            pos = start
            while True:
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    return None
                size = int(bytes(buf[pos:eol]).split(b";")[0], 16)
                if len(buf) < eol + 2 + size + 2:
                    return None
                body += buf[eol + 2: eol + 2 + size]
                pos = eol + 2 + size + 2
                if size == 0:
                    break
            del buf[:pos]
            return target, bytes(body)
        if len(buf) < start + length:
            return None
        body = bytes(buf[start: start + length])
        del buf[: start + length]
        return target, body

    def _respond(self, target: bytes, body: bytes) -> None:
        path = target.split(b"?")[0]
        protocol = _ROUTES.get(path)
        if protocol is not None:
            found = _MODEL.search(body)
            model = found.group(1) if found else b""
            stream = _STREAM.search(body) is not None
        else:
            gem = _GEMINI.match(path)
            if gem is None:
                self._send(_not_found())
                return
            protocol, model = "gemini", gem.group(1)
            stream = gem.group(2) == b"streamGenerateContent"
        if b"-open" in model and stream:
            self._busy = True  # stays open until the client goes away
            self._send(_open_response(protocol))
            return
        megabytes = _option(model, b"mb")
        if megabytes is not None and stream and protocol == "chat":
            self._start_big(megabytes)
            return
        pace = _option(model, b"pace")
        if pace is not None and stream and protocol == "chat":
            self._start_paced(_option(model, b"n") or 8, pace / 1e6)
            return
        real = b"-real" in model
        variant = next(_turn) % VARIANTS if real else 0
        if stream and b"-split" in model:
            # the chunked-body terminator in its own write, one server loop turn later (as
            # servers that write per event do): clients must wait for it to reuse the connection
            payload = _stream_response(protocol, _option(model, b"n") or 8)
            self._busy = True
            self._send(payload[:-5])
            asyncio.get_running_loop().call_soon(self._send_held, payload[-5:])
            return
        if stream:
            payload = _stream_response(protocol, _option(model, b"n") or 8, real, variant)
        else:
            payload = _json_response(protocol)
        hold = _option(model, b"hold")
        if hold:
            self._busy = True
            asyncio.get_running_loop().call_later(hold / 1000, self._send_held, payload)
        else:
            self._send(payload)

    def _send(self, payload: bytes) -> None:
        if self._transport is not None:
            self._transport.write(payload)

    def _send_held(self, payload: bytes) -> None:
        self._busy = False
        self._send(payload)
        self._process()

    # -- the token-paced stream ----------------------------------------------------------------

    def _start_paced(self, n: int, step: float) -> None:
        self._busy = True
        loop = asyncio.get_running_loop()
        self._paced = (paced_chat_events(n, _paced_text), loop.time(), step)
        self._send(_SSE_HEAD)
        self._tick(0)

    def _tick(self, k: int) -> None:
        if self._paced is None or self._transport is None:
            self._paced = None
            return
        events, t0, step = self._paced
        event = next(events, None)
        if event is None:
            self._paced = None
            self._send(b"0\r\n\r\n")
            self._busy = False
            self._process()
            return
        self._send(_chunked([event]))
        # on a fixed grid from the start, so a late tick does not delay every later one
        asyncio.get_running_loop().call_at(t0 + (k + 1) * step, self._tick, k + 1)

    # -- the big generated stream (flat-memory run) -------------------------------------------

    def _start_big(self, megabytes: int) -> None:
        blocks = max(1, megabytes * 1_000_000 // len(_big_block()))
        self._busy = True
        self._big = (0, blocks)
        self._send(_SSE_HEAD)
        self._pump()

    def _pump(self) -> None:
        while self._big is not None and not self._paused and self._transport is not None:
            sent, left = self._big
            if left <= 0:
                self._big = None
                self._send(_chunked([chat_tail()]) + b"0\r\n\r\n")
                self._busy = False
                self._process()
                return
            self._send(_big_block())
            self._big = (sent + 1, left - 1)


def raise_fd_limit() -> None:
    """Allow the thousand-connection runs (both ends keep one socket per stream)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def _serve() -> None:
    raise_fd_limit()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Connection, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.read()  # parent closed our stdin (or died): stop
    server.close()


if __name__ == "__main__":
    asyncio.run(_serve())
