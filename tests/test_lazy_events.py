"""Stream events are checked on arrival but built on first read: they must not be told apart.

Chat streams validate each chunk once, from the dict their fold read; Messages and Gemini
streams yield instances of their public classes that hold the checked JSON until something
reads them. Whatever the chunks look like, each event must equal what eager validation of
its JSON gives, and ``text()`` / ``final()`` must be what the chunks say.
"""

from __future__ import annotations

import contextlib
import copy
import json
import pickle
from collections.abc import AsyncIterator, Callable
from typing import Any

import pydantic
import pytest
from aiohttp import web

from aiotokenhot import AsyncTokenHot, StreamError
from aiotokenhot.protocols.chat import ChatCompletionChunk
from aiotokenhot.protocols.gemini import GenerateContentResponse
from aiotokenhot.protocols.messages import ContentBlockDeltaEvent, TextDelta

HI: list[Any] = [{"role": "user", "content": "hi"}]
#: text pieces that JSON writes in different ways: escapes, non-ASCII, a quote, a backslash
PIECES = ["Hello", " wörld", ' "quoted"', " back\\slash", "\n", " \u00e9\u4e2d\U0001f600", " end"]


def dumps(obj: Any) -> str:
    """Compact JSON with raw UTF-8, as most gateways write it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


@contextlib.asynccontextmanager
async def serve(frames: list[tuple[str | None, str]]) -> AsyncIterator[AsyncTokenHot]:
    """A loopback gateway answering every request with ``frames`` as one event stream."""
    body = b"".join((f"event: {e}\n" if e else "").encode() + f"data: {d}\n\n".encode()
                    for e, d in frames)

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, headers={"Content-Type": "text/event-stream"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        async with AsyncTokenHot(api_key="sk-lazy", base_url=f"http://127.0.0.1:{runner.addresses[0][1]}",
                                 max_retries=0) as th:
            yield th
    finally:
        await runner.cleanup()


def assert_same_as_eager(event: pydantic.BaseModel, data: str) -> None:
    """Every way of looking at a lazily built event gives what eager validation gives."""
    eager = type(event).model_validate_json(data)
    assert copy.copy(event) == eager  # a copy: the event itself is still unbuilt below
    assert pickle.loads(pickle.dumps(event)) == eager
    assert event.model_dump_json() == eager.model_dump_json()
    assert repr(event) == repr(eager)
    assert event.model_fields_set == eager.model_fields_set
    assert event.model_extra == eager.model_extra


def chat_chunk(delta: dict[str, Any], **top: Any) -> str:
    return dumps({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                       "choices": [{"index": 0, "delta": delta, "finish_reason": None}], **top})


async def test_chat_chunks_equal_eager_validation_whatever_their_text() -> None:
    datas = [chat_chunk({"role": "assistant", "content": ""})]
    datas += [chat_chunk({"content": p}) for p in PIECES]
    datas.insert(4, chat_chunk({"content": "!"}, provider="up-1"))  # the envelope changes once
    datas.append(chat_chunk({}, usage={"prompt_tokens": 1, "completion_tokens": 9, "total_tokens": 10}))
    async with serve([(None, d) for d in [*datas, "[DONE]"]]) as th, \
            th.chat.completions.stream(model="m", messages=HI) as s:
        events = [e async for e in s]

    assert [type(e) for e in events] == [ChatCompletionChunk] * len(datas)
    for event, data in zip(events, datas, strict=True):
        assert_same_as_eager(event, data)
    final = s.final()
    assert final.text == "".join(PIECES[:3]) + "!" + "".join(PIECES[3:])
    assert final.model_extra == {"provider": "up-1"}
    assert final.usage is not None and final.usage.total_tokens == 10


async def test_a_chunk_that_only_looks_like_its_neighbours_is_read_in_full() -> None:
    datas = [chat_chunk({"content": "a"}), chat_chunk({"content": "b"}),
             # same bytes around the text, but the "text" closes the string and adds a field
             chat_chunk({"content": "c"}).replace('"c"', '"c","refusal":"no"'),
             chat_chunk({"content": "d"})]
    async with serve([(None, d) for d in [*datas, "[DONE]"]]) as th, \
            th.chat.completions.stream(model="m", messages=HI) as s:
        pieces = [p async for p in s.text()]

    assert pieces == ["a", "b", "c", "d"]
    assert s.final().choices[0].message.refusal == "no"


async def test_a_broken_chunk_among_matching_ones_is_still_an_error() -> None:
    good = chat_chunk({"content": "a"})
    broken = good.replace('"a"', '"b\x01"')  # a raw control character: not JSON
    async with serve([(None, good), (None, good), (None, broken)]) as th:
        stream = th.chat.completions.stream(model="m", messages=HI)
        with pytest.raises(StreamError, match="malformed JSON") as caught:
            async with stream:
                await stream.until_done()
    assert caught.value.partial is not None and caught.value.partial.text == "aa"


def message_frames(pieces: list[str]) -> list[tuple[str | None, str]]:
    start = {"type": "message_start", "message": {"id": "msg_1", "type": "message",
                                                  "role": "assistant", "model": "m", "content": [],
                                                  "usage": {"input_tokens": 3, "output_tokens": 1}}}
    frames: list[tuple[str | None, str]] = [
        ("message_start", dumps(start)),
        ("content_block_start", '{"type":"content_block_start","index":0,'
                                '"content_block":{"type":"text","text":""}}'),
    ]
    for piece in pieces:
        delta = {"type": "content_block_delta", "index": 0,
                 "delta": {"type": "text_delta", "text": piece}}
        frames.append(("content_block_delta", dumps(delta)))
        frames.append(("ping", '{"type":"ping"}'))
    frames += [("content_block_stop", '{"type":"content_block_stop","index":0}'),
               ("message_delta", '{"type":"message_delta","delta":{"stop_reason":"end_turn"},'
                                 '"usage":{"output_tokens":7}}'),
               ("message_stop", '{"type":"message_stop"}')]
    return frames


async def test_message_deltas_equal_eager_validation_whatever_their_text() -> None:
    frames = message_frames(PIECES)
    async with serve(frames) as th, th.messages.stream(model="m", max_tokens=8, messages=HI) as s:
        events = [e async for e in s]

    deltas = [e for e in events if isinstance(e, ContentBlockDeltaEvent)]
    datas = [d for name, d in frames if name == "content_block_delta"]
    assert len(deltas) == len(datas) == len(PIECES)
    for event, data in zip(deltas, datas, strict=True):
        assert_same_as_eager(event, data)
    assert [d.delta.text for d in deltas if isinstance(d.delta, TextDelta)] == PIECES
    assert s.final().text == "".join(PIECES)


def gemini_chunk(parts: list[dict[str, Any]], finish: str | None = None) -> str:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return dumps({"candidates": [candidate], "usageMetadata": {"promptTokenCount": 2},
                       "modelVersion": "g", "responseId": "r1"})


async def test_gemini_chunks_equal_eager_validation_and_final_merges_runs() -> None:
    datas = [gemini_chunk([{"text": "Let me think", "thought": True}])]
    datas += [gemini_chunk([{"text": p}]) for p in PIECES]
    datas.insert(3, gemini_chunk([{"functionCall": {"name": "f", "args": {"x": 1}}}]))
    datas.append(gemini_chunk([{"text": "."}], finish="STOP"))
    async with serve([(None, d) for d in datas]) as th, \
            th.gemini.stream_generate_content("g", contents="hi") as s:
        events = [e async for e in s]

    assert [type(e) for e in events] == [GenerateContentResponse] * len(datas)
    for event, data in zip(events, datas, strict=True):
        assert_same_as_eager(event, data)
    final = s.final()
    texts: list[Callable[[Any], Any]] = [lambda p: p.thought, lambda p: p.text,
                                         lambda p: p.function_call and p.function_call.name]
    assert [tuple(f(p) for f in texts) for p in final.candidates[0].content.parts] == [  # type: ignore[union-attr]
        (True, "Let me think", None),
        (None, "".join(PIECES[:2]), None),
        (None, None, "f"),
        (None, "".join(PIECES[2:]) + ".", None),
    ]
    assert final.finish_reason == "STOP"
