"""Responses API against the fake gateway (and a scripted server for rare events)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pydantic_core
import pytest
from aiohttp import web

from aiotokenhot import (
    AsyncTokenHot,
    IncompleteStreamError,
    InvalidRequestError,
    StreamError,
)
from aiotokenhot.protocols.responses import (
    GenericResponseEvent,
    Response,
    ResponseAccumulator,
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionToolCall,
    ResponseIncompleteEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputMessage,
    ResponseOutputTextDeltaEvent,
    ResponseReasoningItem,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseWebSearchCall,
)
from aiotokenhot.testing import FakeTokenHot

QUESTION = [{"role": "user", "content": "What is xAI?"}]
LOOKUP_TOOL = {"type": "function", "name": "lookup", "description": "Look a term up",
               "parameters": {"type": "object", "properties": {"term": {"type": "string"}}}}


async def collect(th: AsyncTokenHot, **kwargs: Any) -> tuple[list[ResponseEvent], Response]:
    async with th.responses.stream(model="grok-4.1", **kwargs) as stream:
        events = [event async for event in stream]
    return events, stream.final()


# -- create ---------------------------------------------------------------------------------------


async def test_create_returns_a_typed_response_with_output_text(th: AsyncTokenHot) -> None:
    response = await th.responses.create(model="grok-4.1", input=QUESTION)

    assert isinstance(response, Response)
    assert response.status == "completed"
    assert response.id.startswith("resp_")
    assert isinstance(response.output[0], ResponseOutputMessage)
    assert response.output_text.startswith("Echo: What is xAI?")
    assert response.usage is not None
    assert response.usage.output_tokens == len(response.output_text.split())
    assert response.usage.total_tokens == response.usage.input + response.usage.output  # type: ignore[operator]


async def test_the_official_request_shape_is_sent(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    await th.responses.create(
        model="grok-4.1", input=QUESTION, instructions="Answer briefly.",
        tools=[{"type": "web_search"}], tool_choice="auto", previous_response_id="resp_1",
        reasoning={"effort": "low"}, text={"format": {"type": "text"}}, max_output_tokens=200,
        store=False, metadata={"trace": "t-1"}, extra_body={"include": ["reasoning.encrypted_content"]},
    )

    sent = fake.requests_to("/v1/responses")[-1]
    assert sent.headers["Authorization"] == f"Bearer {fake.api_key}"
    assert sent.json == {
        "model": "grok-4.1", "input": QUESTION, "instructions": "Answer briefly.",
        "tools": [{"type": "web_search"}], "tool_choice": "auto", "previous_response_id": "resp_1",
        "reasoning": {"effort": "low"}, "text": {"format": {"type": "text"}},
        "max_output_tokens": 200, "store": False, "metadata": {"trace": "t-1"},
        "include": ["reasoning.encrypted_content"],
    }


async def test_a_string_input_works_too(th: AsyncTokenHot) -> None:
    response = await th.responses.create(model="grok-4.1", input="Tell me a story")
    assert response.output_text.startswith("Echo: Tell me a story")


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({}, "input is required"),
        ({"input": ""}, "must not be empty"),
        ({"input": []}, "must not be empty"),
        ({"input": [{"role": "robot", "content": "x"}]}, "unknown role 'robot'"),
        ({"input": [{"content": "x"}]}, "needs a 'role'"),
        ({"input": "hi", "temperature": 3}, "temperature"),
        ({"input": "hi", "max_output_tokens": -1}, "max_output_tokens"),
    ],
)
async def test_clearly_bad_input_is_refused_before_sending(
    fake: FakeTokenHot, th: AsyncTokenHot, kwargs: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(InvalidRequestError, match=complaint):
        await th.responses.create(model="grok-4.1", **kwargs)
    assert fake.requests == []


# -- stream ---------------------------------------------------------------------------------------


async def test_stream_delivers_typed_events_in_order_and_final_is_the_response(
    th: AsyncTokenHot,
) -> None:
    events, final = await collect(th, input=QUESTION)

    types = [e.type for e in events]
    assert types[:4] == ["response.created", "response.in_progress",
                         "response.output_item.added", "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done",
                          "response.output_item.done", "response.completed"]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert isinstance(events[0], ResponseCreatedEvent)
    assert isinstance(events[-1], ResponseCompletedEvent)
    deltas = [e for e in events if isinstance(e, ResponseOutputTextDeltaEvent)]
    assert len(deltas) == 12
    assert final is events[-1].response
    assert final.output_text == "".join(d.delta for d in deltas)
    whole = await th.responses.create(model="grok-4.1", input=QUESTION)
    assert final.output_text == whole.output_text


async def test_text_yields_the_output_text_deltas(th: AsyncTokenHot) -> None:
    async with th.responses.stream(model="grok-4.1", input="Tell me a story") as stream:
        text = "".join([piece async for piece in stream.text()])
    assert text == stream.final().output_text
    assert text.startswith("Echo: Tell me a story")


async def test_function_call_arguments_stream_in_pieces(th: AsyncTokenHot) -> None:
    events, final = await collect(th, input=QUESTION, tools=[LOOKUP_TOOL])

    pieces = [e.delta for e in events if isinstance(e, ResponseFunctionCallArgumentsDeltaEvent)]
    assert len(pieces) > 2
    (call,) = final.function_calls
    assert isinstance(call, ResponseFunctionToolCall)
    assert call.name == "lookup" and call.call_id
    assert json.loads(call.arguments) == json.loads("".join(pieces)) == {"term": "What is xAI?"}
    assert final.output_text == ""


async def test_event_types_without_a_class_arrive_as_generic_events(th: AsyncTokenHot) -> None:
    events, final = await collect(th, input=QUESTION, tools=[{"type": "web_search"}])

    generic = [e for e in events if isinstance(e, GenericResponseEvent)]
    assert [e.type for e in generic] == ["response.web_search_call.in_progress",
                                         "response.web_search_call.searching",
                                         "response.web_search_call.completed"]
    assert generic[0].model_extra is not None and generic[0].model_extra["item_id"].startswith("ws_")
    assert isinstance(final.output[0], ResponseWebSearchCall)
    assert final.output[0].action == {"type": "search", "query": "What is xAI?"}
    assert final.output_text.startswith("Echo:")


async def test_reasoning_summary_is_typed(th: AsyncTokenHot) -> None:
    events, final = await collect(th, input=QUESTION, reasoning={"effort": "low",
                                                                 "summary": "auto"})

    summary = "".join(e.delta for e in events
                      if isinstance(e, ResponseReasoningSummaryTextDeltaEvent))
    assert summary == "Thinking about: What is xAI?"
    item = final.output[0]
    assert isinstance(item, ResponseReasoningItem)
    assert item.summary[0].text == summary
    assert final.usage is not None
    assert final.usage.output_tokens_details == {"reasoning_tokens": len(summary.split())}


async def test_max_output_tokens_ends_with_response_incomplete(th: AsyncTokenHot) -> None:
    events, final = await collect(th, input=QUESTION, max_output_tokens=3)

    assert isinstance(events[-1], ResponseIncompleteEvent)
    assert final.status == "incomplete"
    assert final.incomplete_details == {"reason": "max_output_tokens"}
    assert final.output_text == "Echo: What is "


async def test_an_error_event_raises_stream_error_with_the_partial_response(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fake.error_event_after(7)  # created, in_progress, item added, part added, 3 deltas

    with pytest.raises(StreamError, match="injected stream error") as caught:
        await collect(th, input=QUESTION)

    assert caught.value.error_type == "server_error"
    partial = caught.value.partial
    assert isinstance(partial, Response)
    assert partial.output_text == "Echo: What is "


async def test_a_stream_cut_before_completed_carries_the_partial_response(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fake.truncate_after(5)

    with pytest.raises(IncompleteStreamError) as caught:
        await collect(th, input=QUESTION)

    partial = caught.value.partial
    assert isinstance(partial, Response)
    assert partial.status == "in_progress"
    assert partial.output_text == "Echo: "


# -- rare events, from a scripted server ----------------------------------------------------------


ScriptedServer = Callable[[bytes], Awaitable[str]]


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedServer]:
    """Start a server that answers /v1/responses with the given raw SSE bytes."""
    runners: list[web.AppRunner] = []

    async def start(payload: bytes) -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await resp.prepare(request)
            await resp.write(payload)
            await resp.write_eof()
            return resp

        app = web.Application()
        app.router.add_post("/v1/responses", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def sse(data: dict[str, Any], *, named: bool = True) -> bytes:
    head = f"event: {data['type']}\n".encode() if named else b""
    return head + b"data: " + pydantic_core.to_json(data) + b"\n\n"


RESPONSE = {"id": "resp_1", "object": "response", "status": "in_progress", "model": "m",
            "output": []}
ITEM = {"id": "msg_1", "type": "message", "role": "assistant", "content": []}


async def test_frames_without_event_lines_and_vendor_events_are_typed_by_their_data(
    scripted: ScriptedServer,
) -> None:
    base_url = await scripted(b"".join([
        sse({"type": "response.created", "sequence_number": 0, "response": RESPONSE}, named=False),
        sse({"type": "response.vendor.heartbeat", "sequence_number": 1, "load": 0.5}, named=False),
        sse({"type": "response.output_item.added", "sequence_number": 2, "output_index": 0,
             "item": ITEM}),
        sse({"type": "response.output_text.delta", "sequence_number": 3, "item_id": "msg_1",
             "output_index": 0, "content_index": 0, "delta": "Hi"}, named=False),
        sse({"type": "response.completed", "sequence_number": 4, "response": {
            **RESPONSE, "status": "completed", "output": [{**ITEM, "content": [
                {"type": "output_text", "text": "Hi"}]}]}}),
        b"data: [DONE]\n\n",
    ]))
    async with AsyncTokenHot(api_key="sk-test", base_url=base_url, max_retries=0) as th:
        events, final = await collect(th, input="hello")

    assert [type(e) for e in events] == [ResponseCreatedEvent, GenericResponseEvent,
                                         ResponseOutputItemAddedEvent,
                                         ResponseOutputTextDeltaEvent, ResponseCompletedEvent]
    assert events[1].model_extra == {"load": 0.5}
    assert final.output_text == "Hi"


async def test_response_failed_raises_stream_error_carrying_the_failed_response(
    scripted: ScriptedServer,
) -> None:
    failed = {**RESPONSE, "status": "failed",
              "error": {"code": "server_error", "message": "upstream exploded"}}
    base_url = await scripted(
        sse({"type": "response.created", "sequence_number": 0, "response": RESPONSE})
        + sse({"type": "response.failed", "sequence_number": 1, "response": failed}))
    async with AsyncTokenHot(api_key="sk-test", base_url=base_url, max_retries=0) as th:
        with pytest.raises(StreamError, match="upstream exploded") as caught:
            await collect(th, input="hello")

    assert caught.value.error_type == "server_error"
    assert isinstance(caught.value.partial, Response)
    assert caught.value.partial.status == "failed"


async def test_the_fake_writes_real_event_lines(fake: FakeTokenHot) -> None:
    async with aiohttp.ClientSession() as session, session.post(
        fake.base_url + "/v1/responses",
        json={"model": "grok-4.1", "input": "hi", "stream": True},
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as resp:
        raw = (await resp.read()).decode()

    frames = [f for f in raw.split("\n\n") if f]
    for frame in frames:
        event_line, data_line = frame.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: ")
        assert json.loads(data_line[6:])["type"] == event_line[7:]


async def test_the_official_openai_client_streams_responses_from_the_fake(
    fake: FakeTokenHot,
) -> None:
    import openai  # a dev dependency: the fake must serve the official client
    client = openai.AsyncOpenAI(api_key=fake.api_key, base_url=fake.base_url + "/v1",
                                max_retries=0)
    try:
        async with client.responses.stream(model="grok-4.1", input="Tell me a story") as stream:
            async for _ in stream:
                pass
            final = await stream.get_final_response()
    finally:
        await client.close()
    assert final.output_text.startswith("Echo: Tell me a story")


# -- types and the pure accumulator ---------------------------------------------------------------


def test_chat_style_usage_names_in_a_response_are_accepted() -> None:
    response = Response.model_validate_json(
        b'{"id":"resp_1","object":"response","status":"completed","model":"grok-4.1",'
        b'"output":[{"type":"mystery_item","id":"x1","payload":[1]}],'
        b'"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,'
        b'"prompt_tokens_details":{"cached_tokens":0,"text_tokens":5}}}'
    )
    assert response.usage is not None
    assert (response.usage.input, response.usage.output) == (5, 7)
    assert response.output[0].type == "mystery_item"
    assert response.output[0].model_extra == {"payload": [1]}


def test_the_accumulator_rebuilds_unfinished_items() -> None:
    acc = ResponseAccumulator()
    for event in [
        ResponseCreatedEvent(type="response.created", response=Response.model_validate(RESPONSE)),
        ResponseOutputItemAddedEvent(type="response.output_item.added", output_index=0,
                                     item=ResponseOutputMessage(type="message", id="msg_1")),
        ResponseOutputTextDeltaEvent(type="response.output_text.delta", output_index=0,
                                     delta="Hel"),
        ResponseOutputItemAddedEvent(
            type="response.output_item.added", output_index=1,
            item=ResponseFunctionToolCall(type="function_call", id="fc_1", name="f")),
        ResponseOutputTextDeltaEvent(type="response.output_text.delta", output_index=0,
                                     delta="lo"),
        ResponseFunctionCallArgumentsDeltaEvent(
            type="response.function_call_arguments.delta", output_index=1, delta='{"a":'),
        ResponseFunctionCallArgumentsDeltaEvent(
            type="response.function_call_arguments.delta", output_index=1, delta="1}"),
    ]:
        acc.add(event)

    snapshot = acc.snapshot()
    assert acc.response is None
    assert snapshot.id == "resp_1"
    assert snapshot.output_text == "Hello"
    assert snapshot.function_calls[0].arguments == '{"a":1}'
