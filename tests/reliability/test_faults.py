"""The fault matrix: every fault × every streaming protocol, over real sockets.

Faults come from the fake gateway's knobs (reset, truncation, stall, malformed event, error
event, error statuses) or from a replay server that serves a captured valid stream with one
thing changed (gzip, CRLF/CR framing, keep-alive comments, an HTML proxy page, a 200 error
body, a non-SSE content type, an endless line). Each fault must give the right text or a typed
error carrying exactly the text received so far, and leave no connection acquired.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from aiotokenhot import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncTokenHot,
    BadRequestError,
    EventTooLargeError,
    IncompleteStreamError,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    StreamError,
    Timeout,
    TokenHotError,
)
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.testing._server import error_body

from ._protocols import Proto, capture, expected_text, frames, protocol_params
from ._servers import Canned, Replay

PROMPT = "fault matrix prompt"
WORDS = 12  # the fake's default reply length
AFTER = 6  # events delivered before a mid-stream fault: past every protocol's preamble

each_protocol = pytest.mark.parametrize("proto", protocol_params())


async def read_all(proto: Proto, th: AsyncTokenHot, pieces: list[str]) -> Any:
    """Stream to the end, collecting text pieces as they arrive; return ``final()``."""
    async with proto.open(th, PROMPT) as stream:
        async for piece in stream.text():
            pieces.append(piece)
    assert th.pool.acquired_connections() == 0  # back in the pool for the next call
    return stream.final()


async def expect_fault(proto: Proto, th: AsyncTokenHot, error: type[TokenHotError]) -> Any:
    """The stream fails with ``error`` whose ``partial`` holds exactly the text delivered."""
    pieces: list[str] = []
    with pytest.raises(error) as info:
        await read_all(proto, th, pieces)
    assert pieces, "the fault was meant to strike mid-stream"
    partial = getattr(info.value, "partial", None)
    assert partial is not None, f"{type(info.value).__name__} carries no partial"
    assert proto.partial_text(partial) == "".join(pieces)
    assert th.pool.acquired_connections() == 0
    return info.value


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stream re-opens wait a random backoff; the tests only care that they happen."""
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt: 0.0)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTokenHot]:
    async with FakeTokenHot(reply_words=WORDS) as server:
        yield server


# -- mid-stream faults from the fake gateway ----------------------------------------------------


@each_protocol
async def test_reset_mid_stream(proto: Proto, fake: FakeTokenHot) -> None:
    fake.disconnect_after(AFTER, path=proto.route)
    async with fake.client(max_retries=3) as th:
        await expect_fault(proto, th, APIConnectionError)
    assert len(fake.requests_to(proto.route)) == 1  # a started stream is never replayed


#: protocols with no terminator: a clean end of the body is the end of the answer
NO_TERMINATOR = {"gemini", "unified-gemini"}


@each_protocol
async def test_closed_without_terminator(proto: Proto, fake: FakeTokenHot) -> None:
    fake.truncate_after(AFTER, path=proto.route)
    async with fake.client(max_retries=3) as th:
        if proto.name in NO_TERMINATOR:
            pieces: list[str] = []
            final = await read_all(proto, th, pieces)
            assert pieces and proto.read_text(final) == "".join(pieces)
        else:
            await expect_fault(proto, th, IncompleteStreamError)
    assert len(fake.requests_to(proto.route)) == 1


@each_protocol
async def test_stall_kept_alive_by_pings_hits_the_idle_timeout(proto: Proto,
                                                               fake: FakeTokenHot) -> None:
    fake.stall_after(AFTER, seconds=10, ping_interval=0.02, path=proto.route)
    async with fake.client(max_retries=3, timeout=Timeout(idle=0.1)) as th:
        await expect_fault(proto, th, APITimeoutError)
    assert len(fake.requests_to(proto.route)) == 1


@each_protocol
async def test_malformed_json_event(proto: Proto, fake: FakeTokenHot) -> None:
    fake.malformed_after(AFTER, path=proto.route)
    async with fake.client() as th:
        await expect_fault(proto, th, StreamError)


@each_protocol
async def test_error_event_inside_the_stream(proto: Proto, fake: FakeTokenHot) -> None:
    fake.error_event_after(AFTER, path=proto.route)
    async with fake.client() as th:
        err = await expect_fault(proto, th, StreamError)
    assert "injected stream error" in str(err)


@each_protocol
async def test_error_event_as_the_very_first_event(proto: Proto, fake: FakeTokenHot) -> None:
    """An answer, not a broken connection: typed, with no partial, and not retried."""
    fake.error_event_after(0, path=proto.route)
    async with fake.client(max_retries=3) as th:
        with pytest.raises(StreamError, match="injected stream error") as info:
            await read_all(proto, th, [])
        assert th.pool.acquired_connections() == 0
    assert not proto.partial_text(info.value.partial)
    assert len(fake.requests_to(proto.route)) == 1


# -- faults before the first event: safe to retry -------------------------------------------


@each_protocol
async def test_reset_before_the_first_event_is_retried(proto: Proto, fake: FakeTokenHot,
                                                        no_backoff: None) -> None:
    fake.disconnect_after(0, path=proto.route)
    async with fake.client(max_retries=1) as th:
        pieces: list[str] = []
        final = await read_all(proto, th, pieces)
    assert proto.read_text(final) == "".join(pieces) == expected_text(PROMPT, WORDS)
    assert len(fake.requests_to(proto.route)) == 2


@each_protocol
async def test_503_flapping_then_success(proto: Proto, fake: FakeTokenHot) -> None:
    fake.fail_next(2, 503, retry_after=0, path=proto.route)
    async with fake.client(max_retries=2) as th:
        final = await read_all(proto, th, [])
    assert proto.read_text(final) == expected_text(PROMPT, WORDS)
    assert len(fake.requests_to(proto.route)) == 3


@each_protocol
async def test_429_retry_after_is_honoured(proto: Proto, fake: FakeTokenHot) -> None:
    fake.fail_next(1, 429, retry_after=0.1, path=proto.route)
    async with fake.client(max_retries=1) as th:
        await read_all(proto, th, [])
    first, second = fake.requests_to(proto.route)
    assert second.time - first.time >= 0.1


@each_protocol
async def test_retries_exhausted_give_the_last_error_and_attempts(proto: Proto,
                                                                  fake: FakeTokenHot) -> None:
    fake.fail_next(2, 503, retry_after=0, path=proto.route)
    fake.fail_next(1, 429, retry_after=0, path=proto.route)
    async with fake.client(max_retries=2) as th:
        with pytest.raises(RateLimitError) as info:
            await read_all(proto, th, [])
        assert th.pool.acquired_connections() == 0
    assert info.value.attempts == 3
    assert len(fake.requests_to(proto.route)) == 3


@each_protocol
async def test_bad_request_is_not_retried(proto: Proto, fake: FakeTokenHot) -> None:
    fake.fail_next(1, 400, path=proto.route)
    async with fake.client(max_retries=3) as th:
        with pytest.raises(BadRequestError):
            await read_all(proto, th, [])
    assert len(fake.requests_to(proto.route)) == 1


@each_protocol
async def test_keepalive_comments_between_every_event(proto: Proto) -> None:
    async with FakeTokenHot(reply_words=WORDS, ping_every=1) as fake, fake.client() as th:
        final = await read_all(proto, th, [])
    assert proto.read_text(final) == expected_text(PROMPT, WORDS)


# -- framing and body faults, replayed from a captured valid stream ---------------------------


def _crlf(raw: bytes) -> bytes:
    return raw.replace(b"\n", b"\r\n")


def _cr(raw: bytes) -> bytes:
    return raw.replace(b"\n", b"\r")


def _comments(raw: bytes) -> bytes:
    """Keep-alive comments, an unknown field and a retry hint around every frame."""
    out = b": PING\n\n"
    for frame in frames(raw):
        out += b": keepalive\nx-vendor: 1\n" + frame + b": PING\n\n"
    return out


FRAMINGS = {"crlf": _crlf, "cr": _cr, "comments": _comments}


@each_protocol
@pytest.mark.parametrize("framing", ["lf", "crlf"])
async def test_last_event_without_its_blank_line(proto: Proto, framing: str,
                                                 replay: tuple[Replay, str]) -> None:
    """A server that ends the body right after the last event's lines: the event counts."""
    server, url = replay
    body = (await capture(proto, PROMPT)).rstrip(b"\n") + b"\n"
    if framing == "crlf":
        body = _crlf(body)
    for cut in (1, len(body) // 2, len(body) - 1):
        server.reply = Canned(chunks=[body[:cut], body[cut:]])
        async with await replay_client(url) as th:
            final = await read_all(proto, th, [])
        assert proto.read_text(final) == expected_text(PROMPT, WORDS)


@each_protocol
async def test_body_ending_inside_a_line_is_cut(proto: Proto, replay: tuple[Replay, str]) -> None:
    server, url = replay
    body = (await capture(proto, PROMPT)).rstrip(b"\n")
    server.reply = Canned(chunks=[body[:-1]])  # the last line lacks its last byte and its end
    async with await replay_client(url) as th:
        with pytest.raises(IncompleteStreamError):
            await read_all(proto, th, [])


async def replay_client(url: str, **kwargs: Any) -> AsyncTokenHot:
    return AsyncTokenHot(api_key="sk-replay-key", base_url=url, **kwargs)


@each_protocol
@pytest.mark.parametrize("framing", list(FRAMINGS))
async def test_framing_variants(proto: Proto, framing: str,
                                replay: tuple[Replay, str]) -> None:
    server, url = replay
    raw = FRAMINGS[framing](await capture(proto, PROMPT))
    # cut into small writes that split lines (and CRLF pairs) across network chunks
    server.reply = Canned(chunks=[raw[i:i + 7] for i in range(0, len(raw), 7)])
    async with await replay_client(url) as th:
        final = await read_all(proto, th, [])
    assert proto.read_text(final) == expected_text(PROMPT, WORDS)


@each_protocol
async def test_gzip_encoded_event_stream(proto: Proto, replay: tuple[Replay, str]) -> None:
    server, url = replay
    server.reply = Canned(chunks=frames(await capture(proto, PROMPT)), gzip=True)
    async with await replay_client(url) as th:
        pieces: list[str] = []
        final = await read_all(proto, th, pieces)
    assert proto.read_text(final) == expected_text(PROMPT, WORDS)
    assert len(pieces) == WORDS  # decoded incrementally, piece by piece


@each_protocol
async def test_html_error_page_from_a_proxy(proto: Proto, replay: tuple[Replay, str]) -> None:
    server, url = replay
    page = (b"<html><head><title>502 Bad Gateway</title></head><body><center>"
            b"<h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
    server.reply = Canned(chunks=[page], status=502, content_type="text/html",
                          headers={"Retry-After": "0"})
    async with await replay_client(url, max_retries=1) as th:
        with pytest.raises(InternalServerError) as info:
            await read_all(proto, th, [])
        assert th.pool.acquired_connections() == 0
    assert info.value.status_code == 502
    assert "502 Bad Gateway" in info.value.message and "<" not in info.value.message
    assert info.value.attempts == 2 and len(server.seen) == 2  # 502 is transient: retried


@each_protocol
async def test_200_with_an_error_body(proto: Proto, replay: tuple[Replay, str]) -> None:
    server, url = replay
    import pydantic_core

    path = proto.route if proto.route.startswith("/") else "/v1beta/models/m:streamGenerateContent"
    body = error_body(path, 429, "rate limit reached for requests (request id: r-200)")
    server.reply = Canned(chunks=[pydantic_core.to_json(body)], content_type="application/json")
    async with await replay_client(url, max_retries=2) as th:
        with pytest.raises(APIStatusError) as info:
            await read_all(proto, th, [])
        assert th.pool.acquired_connections() == 0
    assert info.value.status_code == 200
    assert "rate limit reached" in info.value.message
    assert info.value.request_id == "r-200"


@each_protocol
async def test_json_answer_where_a_stream_was_expected(proto: Proto,
                                                       replay: tuple[Replay, str]) -> None:
    """A gateway that ignored ``stream: true`` and sent a whole (non-error) JSON answer."""
    server, url = replay
    server.reply = Canned(chunks=[b'{"id": "x", "object": "chat.completion", "choices": []}'],
                          content_type="application/json")
    async with await replay_client(url) as th:
        with pytest.raises(StreamError, match="expected an event stream"):
            await read_all(proto, th, [])
        assert th.pool.acquired_connections() == 0


@each_protocol
async def test_html_page_with_status_200(proto: Proto, replay: tuple[Replay, str]) -> None:
    """A captive portal or misrouted proxy answering 200 with a web page."""
    server, url = replay
    server.reply = Canned(chunks=[b"<html><body><h1>Please sign in</h1></body></html>"],
                          content_type="text/html")
    async with await replay_client(url) as th:
        with pytest.raises(APIStatusError, match="Please sign in"):
            await read_all(proto, th, [])
        assert th.pool.acquired_connections() == 0


@each_protocol
async def test_plain_text_body_is_an_incomplete_stream(proto: Proto,
                                                      replay: tuple[Replay, str]) -> None:
    server, url = replay
    server.reply = Canned(chunks=[b"upstream said no\n"], content_type="text/plain")
    async with await replay_client(url) as th:
        with pytest.raises(IncompleteStreamError) as info:
            await read_all(proto, th, [])
        assert th.pool.acquired_connections() == 0
    assert info.value.events_received == 0


@each_protocol
async def test_endless_line_hits_the_event_size_limit(proto: Proto,
                                                      replay: tuple[Replay, str]) -> None:
    server, url = replay
    head = frames(await capture(proto, PROMPT))[:6]
    server.reply = Canned(chunks=[*head, b"data: ", *([b"A" * 65536] * 64)], ending="hang")
    async with await replay_client(url, max_event_size=256 * 1024) as th:
        with pytest.raises(EventTooLargeError) as info:
            await read_all(proto, th, [])
        assert th.pool.acquired_connections() == 0
    # like every other stream error, it carries what arrived before the oversized event
    assert info.value.partial is not None
    received = proto.partial_text(info.value.partial)
    assert received and expected_text(PROMPT, WORDS).startswith(received)


@each_protocol
async def test_server_hangs_before_headers(proto: Proto, fake: FakeTokenHot) -> None:
    """The idle timeout also bounds the wait for the response headers."""
    fake.delay_next(5.0, path=proto.route)
    async with fake.client(max_retries=0, timeout=Timeout(idle=0.1)) as th:
        with pytest.raises(APITimeoutError):
            await read_all(proto, th, [])
        assert th.pool.acquired_connections() == 0
