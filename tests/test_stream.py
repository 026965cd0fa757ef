"""The generic stream object: iteration, release on every exit path, idle timeout, retries."""

from __future__ import annotations

import asyncio
from typing import Any

import pydantic_core
import pytest

from aiotokenhot import (
    APIConnectionError,
    APITimeoutError,
    AsyncTokenHot,
    IncompleteStreamError,
    StreamError,
    Timeout,
    TokenHotError,
)
from aiotokenhot.streams import SSEEvent, Stream
from aiotokenhot.testing import FakeTokenHot

CHAT = "/v1/chat/completions"


class ChunkStream(Stream[dict[str, Any]]):
    """A minimal protocol: raw JSON chat chunks, ended by [DONE]."""

    protocol = "test-chat"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pieces: list[str] = []

    def _on_event(self, sse: SSEEvent) -> dict[str, Any] | None:
        if sse.data == b"[DONE]":
            self._complete = True
            return None
        chunk: dict[str, Any] = pydantic_core.from_json(sse.data)
        if "error" in chunk:
            raise StreamError(chunk["error"]["message"], body=chunk, partial=self._partial())
        choices = chunk.get("choices") or []
        text = choices[0]["delta"].get("content") if choices else None
        if text:
            self.pieces.append(text)
        return chunk if self._typed else text  # type: ignore[return-value]

    def _partial(self) -> str:
        return "".join(self.pieces)

    def final(self) -> str:
        self._require_complete()
        return "".join(self.pieces)


def open_chat(th: AsyncTokenHot, prompt: str = "hello world", **options: Any) -> ChunkStream:
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": prompt}]}
    from aiotokenhot.transport import RequestOptions

    return th._transport.stream(ChunkStream, "POST", CHAT, json=body,
                                options=RequestOptions.make(**options))


async def test_stream_yields_every_chunk_and_releases_at_end(client: AsyncTokenHot) -> None:
    async with open_chat(client, "say something") as stream:
        text = "".join([piece async for piece in stream.text()])
    assert text.startswith("Echo: say something")
    assert stream.final() == text
    assert stream.completed
    assert client.pool.acquired_connections() == 0


async def test_final_before_the_end_is_an_error(client: AsyncTokenHot) -> None:
    async with open_chat(client) as stream:
        await stream.__anext__()
        with pytest.raises(TokenHotError, match="consumed"):
            stream.final()


async def test_break_inside_async_with_releases_the_connection(fake: FakeTokenHot) -> None:
    fake.chunk_delay = 0.05  # the body is still arriving when we leave
    async with fake.client() as th:
        async with open_chat(th) as stream:
            async for _ in stream:
                break
            assert th.pool.acquired_connections() == 1
        assert th.pool.acquired_connections() == 0


async def test_exception_in_the_loop_releases_the_connection(client: AsyncTokenHot) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with open_chat(client) as stream:
            async for _ in stream:
                raise RuntimeError("boom")
    assert client.pool.acquired_connections() == 0


async def test_cancelling_the_task_releases_the_connection(fake: FakeTokenHot) -> None:
    fake.chunk_delay = 0.05
    async with fake.client() as th:
        started = asyncio.Event()

        async def consume() -> None:
            async with open_chat(th) as stream:
                async for _ in stream:
                    started.set()

        task = asyncio.create_task(consume())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert th.pool.acquired_connections() == 0


async def test_aclose_without_context_manager(client: AsyncTokenHot) -> None:
    stream = open_chat(client)
    first = await stream.__anext__()
    assert first["object"] == "chat.completion.chunk"
    await stream.aclose()
    await stream.aclose()  # idempotent
    assert client.pool.acquired_connections() == 0


async def test_truncated_stream_raises_with_what_arrived(fake: FakeTokenHot,
                                                         client: AsyncTokenHot) -> None:
    fake.truncate_after(4)
    with pytest.raises(IncompleteStreamError) as info:
        async with open_chat(client, "one two three") as stream:
            async for _ in stream:
                pass
    assert info.value.partial == "Echo: one two "
    assert info.value.events_received == 4
    assert client.pool.acquired_connections() == 0


async def test_disconnect_mid_stream_is_a_connection_error_with_partial(
    fake: FakeTokenHot, client: AsyncTokenHot
) -> None:
    fake.disconnect_after(3)
    with pytest.raises(APIConnectionError) as info:
        async with open_chat(client, "alpha beta") as stream:
            async for _ in stream:
                pass
    assert info.value.partial == "Echo: alpha "
    assert client.pool.acquired_connections() == 0


async def test_error_event_inside_the_stream(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    fake.error_event_after(2)
    with pytest.raises(StreamError, match="injected stream error"):
        async with open_chat(client) as stream:
            async for _ in stream:
                pass
    assert client.pool.acquired_connections() == 0


async def test_pings_alone_do_not_keep_a_stream_alive(fake: FakeTokenHot) -> None:
    fake.stall_after(2, seconds=5, ping_interval=0.05)
    async with fake.client(timeout=Timeout(idle=0.4)) as th:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(APITimeoutError, match="idle"):
            async with open_chat(th) as stream:
                async for _ in stream:
                    pass
        assert loop.time() - started < 4  # cut by the idle timer, not by the end of the stall
        assert th.pool.acquired_connections() == 0


async def test_steady_events_outlive_the_idle_timeout(fake: FakeTokenHot) -> None:
    fake.chunk_delay = 0.1
    fake.reply_words = 8  # ~1 s of stream in all, idle limit 0.5 s
    async with fake.client(timeout=Timeout(idle=0.5)) as th, open_chat(th) as stream:
        pieces = [p async for p in stream.text()]
    assert len(pieces) == 8


async def test_a_stream_that_delivered_nothing_is_retried(fake: FakeTokenHot) -> None:
    fake.disconnect_after(0)
    async with fake.client(max_retries=1) as th, open_chat(th, "retry me") as stream:
        text = "".join([p async for p in stream.text()])
    assert text.startswith("Echo: retry me")
    assert len(fake.requests_to(CHAT)) == 2


async def test_a_stream_that_delivered_an_event_is_never_replayed(fake: FakeTokenHot) -> None:
    fake.disconnect_after(2)
    async with fake.client(max_retries=3) as th:
        with pytest.raises(APIConnectionError):
            async with open_chat(th) as stream:
                async for _ in stream:
                    pass
    assert len(fake.requests_to(CHAT)) == 1


async def test_json_where_a_stream_was_expected(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}  # no "stream": true
    stream = client._transport.stream(ChunkStream, "POST", CHAT, json=body)
    with pytest.raises(StreamError, match="expected an event stream"):
        async with stream:
            pass
    assert client.pool.acquired_connections() == 0


async def test_malformed_event_surfaces_as_a_typed_error(fake: FakeTokenHot,
                                                         client: AsyncTokenHot) -> None:
    fake.malformed_after(2)
    with pytest.raises(StreamError, match="unexpected 'message' event shape"):
        async with open_chat(client) as stream:
            async for _ in stream:
                pass
    assert client.pool.acquired_connections() == 0
