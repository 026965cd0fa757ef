"""Anthropic Messages over real sockets: create, typed stream events, final(), faults, legacy."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from aiotokenhot import (
    AsyncTokenHot,
    EndpointNotSupportedError,
    IncompleteStreamError,
    InvalidRequestError,
    StreamError,
)
from aiotokenhot.protocols.messages import (
    ContentBlockDeltaEvent,
    ContentBlockStartEvent,
    ContentBlockStopEvent,
    InputJSONDelta,
    Message,
    MessageDeltaEvent,
    MessageStartEvent,
    MessageStopEvent,
    MessageStream,
    PingEvent,
    SignatureDelta,
    TextBlock,
    TextDelta,
    ThinkingBlock,
    ThinkingDelta,
    ToolUseBlock,
    UnknownBlock,
    UnknownDelta,
    UnknownEvent,
)
from aiotokenhot.testing import FakeTokenHot

MODEL = "claude-opus-4-6"
HELLO = [{"role": "user", "content": "hello there"}]
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {"type": "object",
                     "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                     "required": ["city"]},
}


async def test_create_sends_the_anthropic_wire_shape_and_returns_a_typed_message(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    message = await client.messages.create(
        model=MODEL, max_tokens=256, messages=HELLO, system="Be brief.", temperature=0.2,
        stop_sequences=["\n\nHuman:"], metadata={"user_id": "u-1"},
    )

    assert isinstance(message, Message)
    assert message.text.startswith("Echo: hello there")
    assert message.content == [TextBlock(text=message.text)]
    assert (message.stop_reason, message.usage.output_tokens) == ("end_turn", fake.reply_words)
    sent = fake.requests_to("/v1/messages")[-1]
    assert sent.json == {"model": MODEL, "max_tokens": 256, "messages": HELLO, "system": "Be brief.",
                         "temperature": 0.2, "stop_sequences": ["\n\nHuman:"],
                         "metadata": {"user_id": "u-1"}}
    assert sent.headers["x-api-key"] == fake.api_key
    assert sent.headers["anthropic-version"] == "2023-06-01"


async def test_stream_yields_typed_events_in_protocol_order(client: AsyncTokenHot) -> None:
    async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
        events = [event async for event in stream]

    kinds = [type(e) for e in events]
    assert kinds[:3] == [MessageStartEvent, PingEvent, ContentBlockStartEvent]
    assert kinds[-3:] == [ContentBlockStopEvent, MessageDeltaEvent, MessageStopEvent]
    deltas = [e for e in events if isinstance(e, ContentBlockDeltaEvent)]
    assert deltas and all(isinstance(d.delta, TextDelta) for d in deltas)
    final = stream.final()
    assert final.text == "".join(d.delta.text for d in deltas if isinstance(d.delta, TextDelta))
    assert final.stop_reason == "end_turn"
    assert stream.completed


async def test_text_skips_pings_and_joins_to_the_final_text(client: AsyncTokenHot) -> None:
    stream = client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO)
    async with stream:
        pieces = [piece async for piece in stream.text()]

    assert len(pieces) > 1
    assert "".join(pieces) == stream.final().text
    assert PingEvent in MessageStream.keepalive_types


async def test_tool_use_input_streamed_in_pieces_is_parsed_by_final(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    stream = client.messages.stream(
        model=MODEL, max_tokens=256, tools=[WEATHER_TOOL], tool_choice="auto",
        messages=[{"role": "user", "content": "weather in Paris"}],
    )
    async with stream:
        events = [event async for event in stream]

    json_pieces = [e.delta.partial_json for e in events
                   if isinstance(e, ContentBlockDeltaEvent) and isinstance(e.delta, InputJSONDelta)]
    assert len(json_pieces) > 2
    final = stream.final()
    assert final.stop_reason == "tool_use"
    [call] = final.tool_uses
    assert call.name == "get_weather"
    assert call.input == {"city": "weather in Paris", "days": 42}
    assert final.usage.output_tokens > 0
    assert fake.requests_to("/v1/messages")[-1].json["tool_choice"] == {"type": "auto"}


async def test_a_tool_round_trip_passes_earlier_blocks_back_unchanged(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    question = {"role": "user", "content": "weather in Paris"}
    first = await client.messages.create(model=MODEL, max_tokens=256, messages=[question],
                                         tools=[WEATHER_TOOL])
    [call] = first.tool_uses
    answer = await client.messages.create(
        model=MODEL, max_tokens=256, tools=[WEATHER_TOOL],
        messages=[question, {"role": "assistant", "content": first.content},
                  {"role": "user", "content": [
                      {"type": "tool_result", "tool_use_id": call.id, "content": "18 C, sunny"}]}],
    )

    assert answer.stop_reason == "end_turn"
    assert answer.text.startswith("Echo: weather in Paris")
    sent = fake.requests_to("/v1/messages")[-1].json["messages"][1]
    assert sent == {"role": "assistant", "content": [
        {"type": "tool_use", "id": call.id, "name": "get_weather", "input": call.input}]}


async def test_thinking_blocks_and_their_signature_are_kept(client: AsyncTokenHot) -> None:
    stream = client.messages.stream(model=MODEL, max_tokens=2048, messages=HELLO,
                                    thinking={"type": "enabled", "budget_tokens": 1024})
    async with stream:
        deltas = [e.delta async for e in stream if isinstance(e, ContentBlockDeltaEvent)]

    assert any(isinstance(d, ThinkingDelta) for d in deltas)
    assert any(isinstance(d, SignatureDelta) for d in deltas)
    final = stream.final()
    thinking, text = final.content
    assert isinstance(thinking, ThinkingBlock) and isinstance(text, TextBlock)
    assert thinking.thinking == final.thinking == "Thinking about: hello there"
    assert thinking.signature
    assert final.text.startswith("Echo: hello there")


async def test_an_error_event_raises_stream_error_with_the_partial_message(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    fake.error_event_after(5, path="/v1/messages")
    received: list[str] = []
    with pytest.raises(StreamError) as caught:
        async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
            async for piece in stream.text():
                received.append(piece)

    assert caught.value.error_type == "overloaded_error"
    assert "injected stream error" in str(caught.value)
    partial = caught.value.partial
    assert isinstance(partial, Message)
    assert partial.text == "".join(received) and len(received) == 2


async def test_a_stream_cut_before_message_stop_is_incomplete(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    fake.truncate_after(6, path="/v1/messages")
    stream = client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO)
    with pytest.raises(IncompleteStreamError) as caught:
        async with stream:
            await stream.until_done()

    assert isinstance(caught.value.partial, Message)
    assert caught.value.partial.text == "Echo: hello there "
    assert not stream.completed


async def test_malformed_json_in_the_stream_raises_stream_error(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    fake.malformed_after(4, path="/v1/messages")
    with pytest.raises(StreamError, match="malformed JSON") as caught:
        async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
            await stream.until_done()
    assert isinstance(caught.value.partial, Message)


async def test_max_tokens_and_stop_sequences_cut_the_reply(client: AsyncTokenHot) -> None:
    short = await client.messages.create(model=MODEL, max_tokens=3, messages=HELLO)
    stopped = await client.messages.create(model=MODEL, max_tokens=256, messages=HELLO,
                                           stop_sequences=["there"])

    assert (short.text, short.stop_reason) == ("Echo: hello there ", "max_tokens")
    assert (stopped.text, stopped.stop_reason, stopped.stop_sequence) == (
        "Echo: hello ", "stop_sequence", "there")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_tokens": 0}, "max_tokens must be a positive integer"),
        ({"max_tokens": True}, "max_tokens must be a positive integer"),
        ({"messages": []}, "messages must be a non-empty list"),
        ({"messages": [{"role": "system", "content": "x"}]}, "put system text in the `system`"),
        ({"messages": [{"role": "user", "content": [{"text": "untyped"}]}]}, "object with a 'type'"),
        ({"temperature": 1.5}, "temperature must be between 0.0 and 1.0"),
        ({"tools": [{"name": "t"}]}, "needs an input_schema"),
        ({"tool_choice": {"type": "tool"}}, "needs a name"),
        ({"thinking": {"type": "enabled", "budget_tokens": 256}}, "must be less than max_tokens"),
        ({"system": [{"type": "image"}]}, "system must be a string or a list of text blocks"),
    ],
)
async def test_invalid_arguments_are_rejected_before_sending(
    client: AsyncTokenHot, fake: FakeTokenHot, changes: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {"model": MODEL, "max_tokens": 256, "messages": HELLO, **changes}
    with pytest.raises(InvalidRequestError, match=message):
        await client.messages.create(**args)
    with pytest.raises(InvalidRequestError, match=message):
        client.messages.stream(**args)
    assert fake.requests == []


async def test_legacy_complete_sends_max_tokens_to_sample(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    done = await client.messages.legacy_complete(
        model="claude-2.1", prompt="\n\nHuman: hello there\n\nAssistant:", max_tokens_to_sample=5
    )

    assert done.completion.startswith(" Echo: hello there ")
    assert len(done.completion.split()) == 5
    assert done.stop_reason == "max_tokens"
    assert fake.requests_to("/v1/complete")[-1].json == {
        "model": "claude-2.1", "prompt": "\n\nHuman: hello there\n\nAssistant:",
        "max_tokens_to_sample": 5}
    with pytest.raises(InvalidRequestError, match="max_tokens_to_sample"):
        await client.messages.legacy_complete(model="claude-2.1", prompt="x", max_tokens_to_sample=0)


async def test_legacy_complete_on_a_gateway_without_the_route_is_unsupported(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    fake.fail_next(status=404, path="/v1/complete")
    with pytest.raises(EndpointNotSupportedError):
        await client.messages.legacy_complete(model="claude-2.1", prompt="\n\nHuman: hi\n\nAssistant:",
                                              max_tokens_to_sample=5)


# -- frames the fake never sends: a tiny raw SSE server --------------------------------------------


@contextlib.asynccontextmanager
async def raw_gateway(body: bytes) -> AsyncIterator[AsyncTokenHot]:
    """A loopback server answering every request with ``body`` as an event stream."""

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(body)
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with AsyncTokenHot(api_key="sk-raw", base_url=f"http://127.0.0.1:{port}",
                                 max_retries=0) as th:
            yield th
    finally:
        await runner.cleanup()


def sse(*frames: tuple[str | None, str]) -> bytes:
    return b"".join((f"event: {e}\n" if e else "").encode() + f"data: {d}\n\n".encode()
                    for e, d in frames)


START = '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",' \
        '"model":"m","content":[],"stop_reason":null,"stop_sequence":null,' \
        '"usage":{"input_tokens":3,"output_tokens":1}}}'


async def test_unknown_events_blocks_and_deltas_are_surfaced_not_fatal() -> None:
    body = sse(
        ("message_start", START),
        ("content_block_start", '{"type":"content_block_start","index":0,'
                                '"content_block":{"type":"server_tool_use","id":"s1","name":"web"}}'),
        ("content_block_delta", '{"type":"content_block_delta","index":0,'
                                '"delta":{"type":"brand_new_delta","x":1}}'),
        ("content_block_stop", '{"type":"content_block_stop","index":0}'),
        ("telemetry", '{"type":"telemetry","load":0.5}'),
        ("message_delta", '{"type":"message_delta","delta":{"stop_reason":"end_turn"},'
                          '"usage":{"output_tokens":7,"cache_read_input_tokens":2}}'),
        ("message_stop", '{"type":"message_stop"}'),
    )
    async with raw_gateway(body) as th, th.messages.stream(
        model="m", max_tokens=8, messages=HELLO
    ) as stream:
        events = [event async for event in stream]

    unknown = [e for e in events if isinstance(e, UnknownEvent)]
    assert [(e.event, e.model_extra) for e in unknown] == [("telemetry", {"load": 0.5})]
    assert any(isinstance(e, ContentBlockDeltaEvent) and isinstance(e.delta, UnknownDelta)
               for e in events)
    final = stream.final()
    [block] = final.content
    assert isinstance(block, UnknownBlock) and block.type == "server_tool_use"
    assert (final.usage.input_tokens, final.usage.output_tokens,
            final.usage.cache_read_input_tokens) == (3, 7, 2)


async def test_events_without_event_lines_are_read_from_their_type_field() -> None:
    body = sse(
        (None, START),
        (None, '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'),
        (None, '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}'),
        (None, '{"type":"content_block_stop","index":0}'),
        (None, '{"type":"message_stop"}'),
    )
    async with raw_gateway(body) as th:
        stream = th.messages.stream(model="m", max_tokens=8, messages=HELLO)
        async with stream:
            pieces = [piece async for piece in stream.text()]
    assert pieces == ["Hi"]
    assert stream.final().text == "Hi"


async def test_tool_input_that_never_becomes_json_is_an_error() -> None:
    body = sse(
        ("message_start", START),
        ("content_block_start", '{"type":"content_block_start","index":0,"content_block":'
                                '{"type":"tool_use","id":"t1","name":"f","input":{}}}'),
        ("content_block_delta", '{"type":"content_block_delta","index":0,'
                                '"delta":{"type":"input_json_delta","partial_json":"{\\"a\\": "}}'),
        ("content_block_stop", '{"type":"content_block_stop","index":0}'),
    )
    async with raw_gateway(body) as th:
        with pytest.raises(StreamError, match="not JSON") as caught:
            async with th.messages.stream(model="m", max_tokens=8, messages=HELLO) as stream:
                await stream.until_done()
    partial = caught.value.partial
    assert isinstance(partial, Message)
    [block] = partial.content
    assert isinstance(block, ToolUseBlock) and block.model_extra == {"partial_json": '{"a": '}


# -- other clients of the protocol work against the fake unchanged --------------------------------


async def test_the_official_anthropic_sdk_streams_tool_calls_from_the_fake(fake: FakeTokenHot) -> None:
    import anthropic  # a dev dependency: the fake must serve the official client
    sdk = anthropic.AsyncAnthropic(api_key=fake.api_key, base_url=fake.base_url, max_retries=0)
    plain = await sdk.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    async with sdk.messages.stream(model=MODEL, max_tokens=64, tools=[WEATHER_TOOL],
                                   messages=[{"role": "user", "content": "weather in Paris"}]) as s:
        final = await s.get_final_message()
    await sdk.close()

    assert plain.content[0].text.startswith("Echo: hello there")
    assert final.stop_reason == "tool_use"
    assert final.content[0].input == {"city": "weather in Paris", "days": 42}
