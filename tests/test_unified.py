"""The unified delta stream: th.stream(...) / th.complete(...) over all four protocols.

Three layers: conversion of OpenAI-chat-shape conversations to each native body (pure),
recorded native SSE streams served over a loopback socket and mapped to unified deltas, and
end-to-end runs against the FakeTokenHot gateway.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pydantic_core
import pytest
from aiohttp import web

from aiotokenhot import (
    AsyncTokenHot,
    Completion,
    Finish,
    IncompleteStreamError,
    InvalidRequestError,
    ReasoningDelta,
    StreamError,
    TextDelta,
    TokenHotError,
    ToolCallDelta,
    UnifiedStream,
    Usage,
)
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.unified import DEFAULT_ANTHROPIC_MAX_TOKENS, pick_protocol
from aiotokenhot.unified._convert import build_request

PNG = base64.b64encode(b"\x89PNG fake image bytes").decode()
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"]},
    },
}

# A conversation that exercises every message kind the unified API converts.
CONVERSATION: list[dict[str, Any]] = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": [
        {"type": "text", "text": "What is in this picture, and the weather in Paris and Rome?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]},
    {"role": "assistant", "content": "Checking.", "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
        {"id": "call_2", "type": "function",
         "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}},
    ]},
    {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 18}'},
    {"role": "tool", "tool_call_id": "call_2", "content": "sunny"},
    {"role": "user", "content": "Thanks. Summarise."},
]


def native(protocol: str, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("model", "some-model")
    kwargs.setdefault("messages", CONVERSATION)
    return build_request(protocol, stream=kwargs.pop("stream", False), **kwargs).body


# -- protocol choice ------------------------------------------------------------------------------


def test_auto_picks_the_protocol_from_the_model_family() -> None:
    assert pick_protocol("claude-opus-4-6", "auto") == "anthropic"
    assert pick_protocol("gemini-2.5-flash", "auto") == "gemini"
    assert pick_protocol("gpt-5.4", "auto") == "openai"
    assert pick_protocol("grok-4.1", "auto") == "openai"
    assert pick_protocol("claude-opus-4-6", "responses") == "responses"
    with pytest.raises(InvalidRequestError, match="protocol must be"):
        pick_protocol("gpt-5.4", "bedrock")


# -- conversion to each native body ---------------------------------------------------------------


def test_anthropic_body_keeps_system_apart_and_merges_tool_results_into_one_user_turn() -> None:
    body = native("anthropic", tools=[WEATHER_TOOL], tool_choice="required", temperature=0.2,
                  stop="END")
    assert body["max_tokens"] == DEFAULT_ANTHROPIC_MAX_TOKENS
    assert body["system"] == "You are terse."
    assert body["temperature"] == 0.2
    assert body["stop_sequences"] == ["END"]
    assert body["tool_choice"] == {"type": "any"}
    assert body["tools"] == [{
        "name": "get_weather", "description": "Current weather for a city",
        "input_schema": WEATHER_TOOL["function"]["parameters"],  # type: ignore[index]
    }]
    assert body["messages"] == [
        {"role": "user", "content": [
            {"type": "text", "text": "What is in this picture, and the weather in Paris and Rome?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
        ]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}},
            {"type": "tool_use", "id": "call_2", "name": "get_weather", "input": {"city": "Rome"}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_1", "content": '{"temp_c": 18}'},
            {"type": "tool_result", "tool_use_id": "call_2", "content": "sunny"},
            {"type": "text", "text": "Thanks. Summarise."},
        ]},
    ]
    assert "stream" not in body
    assert native("anthropic", stream=True, max_tokens=100)["max_tokens"] == 100


def test_gemini_body_uses_model_role_function_parts_and_inline_or_file_data() -> None:
    body = native("gemini", tools=[WEATHER_TOOL], max_tokens=64, temperature=0.5, top_p=0.9,
                  tool_choice={"type": "function", "function": {"name": "get_weather"}})
    assert body["systemInstruction"] == {"parts": [{"text": "You are terse."}]}
    assert body["generationConfig"] == {"maxOutputTokens": 64, "temperature": 0.5, "topP": 0.9}
    assert body["tools"] == [{"functionDeclarations": [{
        "name": "get_weather", "description": "Current weather for a city",
        "parameters": WEATHER_TOOL["function"]["parameters"],  # type: ignore[index]
    }]}]
    assert body["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}
    }
    assert body["contents"] == [
        {"role": "user", "parts": [
            {"text": "What is in this picture, and the weather in Paris and Rome?"},
            {"inlineData": {"mimeType": "image/png", "data": PNG}},
            {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/cat.jpg"}},
        ]},
        {"role": "model", "parts": [
            {"text": "Checking."},
            {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
            {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}},
        ]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "get_weather", "response": {"temp_c": 18}}},
            {"functionResponse": {"name": "get_weather", "response": {"result": "sunny"}}},
            {"text": "Thanks. Summarise."},
        ]},
    ]
    stream = build_request("gemini", model="models/gemini-2.5-flash", messages=CONVERSATION,
                           stream=True)
    assert stream.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert stream.params == {"alt": "sse"}


def test_responses_body_turns_tool_traffic_into_input_items() -> None:
    body = native("responses", tools=[WEATHER_TOOL, {"type": "web_search"}], max_tokens=50,
                  stream=True)
    assert body["stream"] is True
    assert body["max_output_tokens"] == 50
    assert body["tools"] == [
        {"type": "function", "name": "get_weather", "description": "Current weather for a city",
         "parameters": WEATHER_TOOL["function"]["parameters"]},  # type: ignore[index]
        {"type": "web_search"},
    ]
    assert body["input"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": [
            {"type": "input_text",
             "text": "What is in this picture, and the weather in Paris and Rome?"},
            {"type": "input_image", "image_url": f"data:image/png;base64,{PNG}", "detail": "auto"},
            {"type": "input_image", "image_url": "https://example.com/cat.jpg", "detail": "auto"},
        ]},
        {"role": "assistant", "content": "Checking."},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather",
         "arguments": '{"city": "Paris"}'},
        {"type": "function_call", "call_id": "call_2", "name": "get_weather",
         "arguments": '{"city": "Rome"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": '{"temp_c": 18}'},
        {"type": "function_call_output", "call_id": "call_2", "output": "sunny"},
        {"role": "user", "content": "Thanks. Summarise."},
    ]


def test_chat_body_is_the_conversation_itself_with_usage_requested_when_streaming() -> None:
    body = native("openai", tools=[WEATHER_TOOL], max_tokens=10, stream=True)
    assert body["messages"] == CONVERSATION
    assert body["tools"] == [WEATHER_TOOL]
    assert body["max_tokens"] == 10
    assert body["stream_options"] == {"include_usage": True}


def test_gemini_carries_audio_and_sends_back_thought_signatures() -> None:
    messages = [
        {"role": "user", "content": [{"type": "input_audio",
                                      "input_audio": {"data": "UklGRg==", "format": "wav"}}]},
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "c1", "type": "function", "function": {"name": "f", "arguments": ""},
            "extra_content": {"google": {"thought_signature": "sig=="}},
        }]},
    ]
    contents = native("gemini", messages=messages)["contents"]
    assert contents[0]["parts"] == [{"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}}]
    assert contents[1]["parts"] == [
        {"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "sig=="}
    ]


@pytest.mark.parametrize(
    ("protocol", "kwargs", "message"),
    [
        ("anthropic", {"messages": [{"role": "user", "content": "hi"},
                                    {"role": "system", "content": "late"}]}, "system prompts"),
        ("gemini", {"messages": [{"role": "user", "content": "hi"},
                                 {"role": "system", "content": "late"}]}, "system instructions"),
        ("anthropic", {"messages": [{"role": "user", "content": [
            {"type": "input_audio", "input_audio": {"data": "x", "format": "wav"}}]}]},
         "cannot carry a 'input_audio' part"),
        ("responses", {"stop": ["x"]}, "no stop sequences"),
        ("gemini", {"tools": [{"type": "web_search"}]}, "cannot carry a 'web_search' tool"),
        ("anthropic", {"messages": [{"role": "assistant", "tool_calls": [
            {"id": "a", "function": {"name": "f", "arguments": "{not json"}}]}]}, "not valid JSON"),
        ("anthropic", {"messages": [{"role": "assistant", "tool_calls": [
            {"id": "a", "function": {"name": "f", "arguments": "[1, 2]"}}]}]}, "a JSON object"),
        ("gemini", {"messages": [{"role": "assistant", "tool_calls": [
            {"id": "a", "function": {"name": "f", "arguments": "\"text\""}}]}]}, "a JSON object"),
        ("gemini", {"messages": [{"role": "tool", "tool_call_id": "nope", "content": "x"}]},
         "function name"),
        ("openai", {"messages": []}, "non-empty list"),
        ("openai", {"messages": [{"role": "wizard", "content": "x"}]}, "needs a role"),
        ("openai", {"max_tokens": 0}, "positive integer"),
        ("openai", {"tools": [{"type": "function", "function": {}}]}, "function.name"),
        ("anthropic", {"tool_choice": "sometimes"}, "tool_choice"),
    ],
)
def test_what_a_protocol_cannot_express_is_refused(protocol: str, kwargs: dict[str, Any],
                                                   message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        native(protocol, **kwargs)


# -- recorded native streams over a loopback socket -----------------------------------------------


@dataclass
class Wire:
    """A loopback server answering every POST with ``body`` (recorded SSE bytes)."""

    url: str = ""
    body: bytes = b""
    content_type: str = "text/event-stream"
    requests: list[tuple[str, dict[str, str], dict[str, str], Any]] = field(default_factory=list)

    def client(self) -> AsyncTokenHot:
        return AsyncTokenHot(api_key="sk-unified-test", base_url=self.url, max_retries=0)


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    state = Wire()

    async def answer(request: web.Request) -> web.Response:
        body = await request.read()
        state.requests.append((request.path, dict(request.query), dict(request.headers),
                               pydantic_core.from_json(body)))
        return web.Response(body=state.body, content_type=state.content_type)

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


def sse(*frames: tuple[str | None, Any]) -> bytes:
    """Frames in SSE wire form: ``event:`` line when named, JSON (or raw bytes) data."""
    out = []
    for event, data in frames:
        payload = data if isinstance(data, bytes) else pydantic_core.to_json(data)
        out.append((f"event: {event}\n".encode() if event else b"") + b"data: " + payload + b"\n\n")
    return b"".join(out)


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> Any:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return (None, {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-5.4",
                   "choices": choices, **extra})


CHAT_STREAM = sse(
    chunk({"role": "assistant", "content": ""}),
    chunk({"reasoning_content": "Paris first."}),
    chunk({"content": "Let me "}),
    chunk({"content": "check."}),
    chunk({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                           "function": {"name": "get_weather", "arguments": ""}}]}),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]}),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]}),
    chunk({}, "tool_calls"),
    chunk(None, usage={"prompt_tokens": 20, "completion_tokens": 9, "total_tokens": 29,
                       "prompt_tokens_details": {"cached_tokens": 4},
                       "completion_tokens_details": {"reasoning_tokens": 3}}),
    (None, b"[DONE]"),
)

RESPONSES_STREAM = sse(
    ("response.created", {"type": "response.created", "sequence_number": 0,
                          "response": {"id": "resp_1", "model": "gpt-5.4", "status": "in_progress",
                                       "output": []}}),
    ("response.output_item.added", {"type": "response.output_item.added", "output_index": 0,
                                    "item": {"type": "reasoning", "id": "rs_1", "summary": []}}),
    ("response.reasoning_summary_text.delta", {"type": "response.reasoning_summary_text.delta",
                                               "output_index": 0, "delta": "Paris first."}),
    ("response.output_item.added", {"type": "response.output_item.added", "output_index": 1,
                                    "item": {"type": "message", "id": "msg_1", "content": []}}),
    ("response.output_text.delta", {"type": "response.output_text.delta", "output_index": 1,
                                    "item_id": "msg_1", "content_index": 0, "delta": "Let me "}),
    ("response.output_text.delta", {"type": "response.output_text.delta", "output_index": 1,
                                    "item_id": "msg_1", "content_index": 0, "delta": "check."}),
    ("response.output_text.done", {"type": "response.output_text.done", "text": "Let me check."}),
    ("response.output_item.added", {"type": "response.output_item.added", "output_index": 2,
                                    "item": {"type": "function_call", "id": "fc_1",
                                             "call_id": "call_a", "name": "get_weather",
                                             "arguments": ""}}),
    ("response.function_call_arguments.delta", {"type": "response.function_call_arguments.delta",
                                                "output_index": 2, "delta": '{"city": '}),
    ("response.function_call_arguments.delta", {"type": "response.function_call_arguments.delta",
                                                "output_index": 2, "delta": '"Paris"}'}),
    ("response.output_item.done", {"type": "response.output_item.done", "output_index": 2,
                                   "item": {"type": "function_call", "call_id": "call_a",
                                            "name": "get_weather",
                                            "arguments": '{"city": "Paris"}'}}),
    ("response.completed", {"type": "response.completed", "response": {
        "id": "resp_1", "model": "gpt-5.4", "status": "completed",
        # the gateway quirk: Chat-style usage names inside a Responses object
        "usage": {"prompt_tokens": 20, "completion_tokens": 9, "total_tokens": 29,
                  "prompt_tokens_details": {"cached_tokens": 4},
                  "completion_tokens_details": {"reasoning_tokens": 3}}}}),
)

ANTHROPIC_STREAM = (
    b"event: message_start\n"
    b'data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",'
    b'"model":"claude-opus-4-6","content":[],"stop_reason":null,"stop_sequence":null,'
    b'"usage":{"input_tokens":16,"cache_read_input_tokens":4,"output_tokens":1}}}\n\n'
    b"event: ping\ndata: {\"type\": \"ping\"}\n\n"
    b"event: content_block_start\n"
    b'data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking",'
    b'"thinking":"","signature":""}}\n\n'
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta",'
    b'"thinking":"Paris first."}}\n\n'
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta",'
    b'"signature":"EqQBCgIYAhIM"}}\n\n'
    b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
    b"event: content_block_start\n"
    b'data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}\n\n'
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Let me "}}'
    b"\n\n"
    b": PING\n\n"
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"check."}}'
    b"\n\n"
    b'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n'
    b"event: content_block_start\n"
    b'data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use",'
    b'"id":"call_a","name":"get_weather","input":{}}}\n\n'
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta",'
    b'"partial_json":""}}\n\n'
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta",'
    b'"partial_json":"{\\"city\\": "}}\n\n'
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta",'
    b'"partial_json":"\\"Paris\\"}"}}\n\n'
    b'event: content_block_stop\ndata: {"type":"content_block_stop","index":2}\n\n'
    b"event: message_delta\n"
    b'data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},'
    b'"usage":{"output_tokens":9}}\n\n'
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
)

GEMINI_STREAM = sse(
    (None, {"candidates": [{"content": {"role": "model", "parts": [
        {"text": "Paris first.", "thought": True}]}, "index": 0}],
        "usageMetadata": {"promptTokenCount": 20}, "modelVersion": "gemini-2.5-flash",
        "responseId": "r1"}),
    (None, {"candidates": [{"content": {"role": "model", "parts": [{"text": "Let me "}]},
                            "index": 0}]}),
    (None, {"candidates": [{"content": {"role": "model", "parts": [{"text": "check."}]},
                            "index": 0}]}),
    (None, {"candidates": [{"content": {"role": "model", "parts": [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
         "thoughtSignature": "c2ln"}]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 20, "candidatesTokenCount": 6,
                          "thoughtsTokenCount": 3, "cachedContentTokenCount": 4,
                          "totalTokenCount": 29}}),
)

RECORDED = {
    "openai": ("gpt-5.4", CHAT_STREAM, "tool_calls"),
    "responses": ("gpt-5.4", RESPONSES_STREAM, "completed"),
    "anthropic": ("claude-opus-4-6", ANTHROPIC_STREAM, "tool_use"),
    "gemini": ("gemini-2.5-flash", GEMINI_STREAM, "STOP"),
}
PATHS = {
    "openai": "/v1/chat/completions",
    "responses": "/v1/responses",
    "anthropic": "/v1/messages",
    "gemini": "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
}


@pytest.mark.parametrize("protocol", list(RECORDED))
async def test_each_protocol_stream_maps_to_the_same_unified_events(wire: Wire, protocol: str) -> None:
    model, wire.body, raw_reason = RECORDED[protocol]
    async with wire.client() as th:
        events = [ev async for ev in th.stream(model=model, messages=CONVERSATION,
                                               tools=[WEATHER_TOOL], protocol=protocol)]
    path, query, _, _ = wire.requests[0]
    assert path == PATHS[protocol]
    assert query == ({"alt": "sse"} if protocol == "gemini" else {})

    first_call = next(ev for ev in events if isinstance(ev, ToolCallDelta))
    assert first_call.index == 0
    assert first_call.name == "get_weather"
    assert first_call.id == ("call_a" if protocol != "gemini" else first_call.id)
    assert [ev for ev in events if not isinstance(ev, ToolCallDelta)] == [
        ReasoningDelta("Paris first."),
        TextDelta("Let me "),
        TextDelta("check."),
        Usage(input_tokens=20, output_tokens=9, reasoning_tokens=3 if protocol != "anthropic" else 0,
              cached_tokens=4),
        Finish("tool_calls", raw_reason),
    ]
    assert "".join(ev.arguments for ev in events if isinstance(ev, ToolCallDelta)) == (
        '{"city": "Paris"}' if protocol != "gemini" else '{"city":"Paris"}'
    )


@pytest.mark.parametrize("protocol", list(RECORDED))
async def test_final_is_a_completion_with_parsed_tool_arguments(wire: Wire, protocol: str) -> None:
    model, wire.body, _ = RECORDED[protocol]
    async with wire.client() as th, th.stream(model=model, messages=CONVERSATION,
                                              protocol=protocol) as s:
        text = [piece async for piece in s.text()]
        done = s.final()
    assert text == ["Let me ", "check."]
    assert isinstance(done, Completion)
    assert done.protocol == protocol
    assert (done.text, done.reasoning) == ("Let me check.", "Paris first.")
    assert [(c.name, c.arguments) for c in done.tool_calls] == [("get_weather", {"city": "Paris"})]
    assert done.finish_reason == "tool_calls"
    assert done.usage is not None and done.usage.total_tokens == 29
    assert done.raw is not None
    assert done.to_message()["tool_calls"][0]["function"]["name"] == "get_weather"


async def test_gemini_thought_signature_survives_a_round_trip(wire: Wire) -> None:
    wire.body = GEMINI_STREAM
    async with wire.client() as th:
        s = th.stream(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])
        await s.until_done()
        history = [{"role": "user", "content": "hi"}, s.final().to_message(),
                   {"role": "tool", "tool_call_id": s.final().tool_calls[0].id, "content": "18C"}]
        await th.stream(model="gemini-2.5-flash", messages=history).until_done()
    sent = wire.requests[1][3]["contents"]
    assert sent[1]["parts"][-1] == {
        "functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": "c2ln"
    }
    assert sent[2]["parts"] == [{"functionResponse": {"name": "get_weather",
                                                      "response": {"result": "18C"}}}]


async def test_anthropic_requests_carry_its_headers_and_a_default_max_tokens(wire: Wire) -> None:
    wire.body = ANTHROPIC_STREAM
    async with wire.client() as th:
        await th.stream(model="claude-opus-4-6", messages=[{"role": "user", "content": "hi"}],
                        extra_headers={"anthropic-beta": "x"}).until_done()
    _, _, headers, body = wire.requests[0]
    assert headers["x-api-key"] == "sk-unified-test"
    assert headers["anthropic-version"] == "2023-06-01"
    assert headers["anthropic-beta"] == "x"
    assert body["stream"] is True and body["max_tokens"] == DEFAULT_ANTHROPIC_MAX_TOKENS


ERROR_STREAMS = {
    "openai": CHAT_STREAM[: CHAT_STREAM.index(b"data: ", 400)]
    + b'data: {"error": {"message": "upstream exploded", "type": "server_error"}}\n\n',
    "responses": sse(
        ("response.output_text.delta", {"type": "response.output_text.delta", "output_index": 0,
                                        "delta": "Let me "}),
        ("error", {"type": "error", "code": "server_error", "message": "upstream exploded"}),
    ),
    "anthropic": ANTHROPIC_STREAM[: ANTHROPIC_STREAM.index(b": PING")]
    + b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error",'
      b'"message":"upstream exploded"}}\n\n',
    "gemini": GEMINI_STREAM[: GEMINI_STREAM.index(b"data: ", 10)]
    + sse((None, {"candidates": [{"content": {"parts": [{"text": "Let me "}]}}]}))
    + b'data: {"error": {"code": 500, "message": "upstream exploded", "status": "INTERNAL"}}\n\n',
}


@pytest.mark.parametrize("protocol", list(ERROR_STREAMS))
async def test_an_error_inside_the_stream_raises_stream_error_with_the_partial_reply(
    wire: Wire, protocol: str
) -> None:
    wire.body = ERROR_STREAMS[protocol]
    model = RECORDED[protocol][0]
    seen: list[str] = []
    async with wire.client() as th:
        with pytest.raises(StreamError, match="upstream exploded") as info:
            async for piece in th.stream(model=model, messages=CONVERSATION,
                                         protocol=protocol).text():
                seen.append(piece)
    assert seen == ["Let me "]
    assert isinstance(info.value.partial, Completion)
    assert info.value.partial.text == "Let me "
    assert info.value.partial.finish is None


def _cut(protocol: str) -> bytes:
    """The recorded stream without its terminator (and, for Gemini, its finishing chunk)."""
    body = RECORDED[protocol][1]
    marker = {"openai": b"data: [DONE]", "responses": b"event: response.completed",
              "anthropic": b"event: message_stop", "gemini": b'data: {"candidates":[{"content"'
              b':{"role":"model","parts":[{"functionCall"'}[protocol]
    return body[: body.index(marker)]


async def test_a_gemini_stream_ending_cleanly_without_a_finish_reason_is_what_arrived(
    wire: Wire,
) -> None:
    """Gemini has no terminator: a clean end is the end (a cut line or connection still raises)."""
    wire.body = _cut("gemini")
    async with wire.client() as th:
        s = th.stream(model=RECORDED["gemini"][0], messages=CONVERSATION, protocol="gemini")
        done = await s.get_final()
    assert done.text == "Let me check."
    assert done.finish == Finish("stop", None)  # no reason was sent: raw_reason says so
    assert s.completed


@pytest.mark.parametrize("protocol", [p for p in RECORDED if p != "gemini"])
async def test_a_stream_cut_before_its_terminator_raises_incomplete_with_the_partial(
    wire: Wire, protocol: str
) -> None:
    wire.body = _cut(protocol)
    async with wire.client() as th:
        s = th.stream(model=RECORDED[protocol][0], messages=CONVERSATION, protocol=protocol)
        with pytest.raises(IncompleteStreamError) as info:
            await s.until_done()
    assert info.value.partial.text == "Let me check."
    assert info.value.partial.finish is None
    assert not s.completed


@pytest.mark.parametrize("protocol", list(RECORDED))
async def test_malformed_json_in_the_stream_is_a_stream_error(wire: Wire, protocol: str) -> None:
    wire.body = RECORDED[protocol][1][:200].rsplit(b"\n\n", 1)[0] + b"\n\n" + (
        b"event: content_block_delta\n" if protocol == "anthropic" else b""
    ) + b'data: {"choices": [ oops\n\n'
    async with wire.client() as th:
        with pytest.raises(StreamError, match="malformed JSON"):
            await th.stream(model=RECORDED[protocol][0], messages=CONVERSATION,
                            protocol=protocol).until_done()


async def test_gemini_blocked_prompt_finishes_with_content_filter(wire: Wire) -> None:
    wire.body = sse((None, {"promptFeedback": {"blockReason": "SAFETY"},
                            "usageMetadata": {"promptTokenCount": 7}}))
    async with wire.client() as th:
        events = [ev async for ev in th.stream(model="gemini-2.5-flash",
                                               messages=[{"role": "user", "content": "x"}])]
    assert events == [Usage(input_tokens=7), Finish("content_filter", "SAFETY")]


async def test_responses_incomplete_finishes_with_length(wire: Wire) -> None:
    wire.body = sse(
        ("response.output_text.delta", {"type": "response.output_text.delta", "delta": "Hi"}),
        ("response.incomplete", {"type": "response.incomplete", "response": {
            "id": "resp_2", "status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
            "usage": {"input_tokens": 3, "output_tokens": 1}}}),
    )
    async with wire.client() as th:
        events = [ev async for ev in th.stream(model="gpt-5.4", messages=CONVERSATION,
                                               protocol="responses")]
    assert events == [TextDelta("Hi"), Usage(3, 1), Finish("length", "max_output_tokens")]


async def test_parallel_chat_tool_calls_get_their_own_indexes(wire: Wire) -> None:
    wire.body = sse(
        chunk({"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "a", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x": 1}'}}]}),
        chunk({"tool_calls": [{"index": 1, "id": "c2", "function": {"name": "b",
                                                                     "arguments": "{}"}}]}),
        chunk({}, "stop"),  # some gateways say stop even after tool calls
        (None, b"[DONE]"),
    )
    async with wire.client() as th:
        s = th.stream(model="gpt-5.4", messages=CONVERSATION)
        events = [ev async for ev in s]
    assert events == [ToolCallDelta(0, "c1", "a", ""), ToolCallDelta(0, None, None, '{"x": 1}'),
                      ToolCallDelta(1, "c2", "b", "{}"), Finish("tool_calls", "stop")]
    assert [(c.id, c.name, c.arguments) for c in s.final().tool_calls] == [
        ("c1", "a", {"x": 1}), ("c2", "b", {})]


async def test_responses_failed_raises_stream_error(wire: Wire) -> None:
    wire.body = sse(
        ("response.output_text.delta", {"type": "response.output_text.delta", "delta": "Hi"}),
        ("response.failed", {"type": "response.failed", "response": {
            "id": "resp_3", "status": "failed",
            "error": {"code": "server_error", "message": "model crashed"}}}),
    )
    async with wire.client() as th:
        with pytest.raises(StreamError, match="model crashed") as info:
            await th.stream(model="gpt-5.4", messages=CONVERSATION, protocol="responses").until_done()
    assert info.value.partial.text == "Hi"


async def test_final_needs_the_stream_consumed_to_its_end(wire: Wire) -> None:
    wire.body = CHAT_STREAM
    async with wire.client() as th, th.stream(model="gpt-5.4", messages=CONVERSATION) as s:
        await s.__anext__()
        with pytest.raises(TokenHotError, match="consumed"):
            s.final()


async def test_invalid_arguments_raise_before_anything_is_sent(wire: Wire) -> None:
    async with wire.client() as th:
        with pytest.raises(InvalidRequestError):
            th.stream(model="claude-opus-4-6", messages=[{"role": "user", "content": [
                {"type": "input_audio", "input_audio": {"data": "x", "format": "wav"}}]}])
        with pytest.raises(InvalidRequestError):
            await th.complete(model="", messages=CONVERSATION)
    assert wire.requests == []


async def test_stream_object_is_typed_for_async_with(wire: Wire) -> None:
    wire.body = CHAT_STREAM
    async with wire.client() as th:
        async with th.stream(model="gpt-5.4", messages=CONVERSATION) as s:
            assert isinstance(s, UnifiedStream)
            assert s.protocol == "openai"
            first = await s.__anext__()
        assert first == ReasoningDelta("Paris first.")
        assert not s.completed
        assert th.pool.acquired_connections() == 0  # leaving early released the connection


# -- whole replies from the non-streaming endpoints -----------------------------------------------

WHOLE = {
    "openai": {"id": "c1", "model": "gpt-5.4", "choices": [{"index": 0, "finish_reason": "tool_calls",
               "message": {"role": "assistant", "content": "Let me check.",
                           "reasoning_content": "Paris first.",
                           "tool_calls": [{"id": "call_a", "type": "function", "function": {
                               "name": "get_weather", "arguments": '{"city": "Paris"}'}}]}}],
               "usage": {"prompt_tokens": 20, "completion_tokens": 9}},
    "responses": {"id": "resp_1", "model": "gpt-5.4", "status": "completed", "output": [
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Paris first."}]},
        {"type": "message", "content": [{"type": "output_text", "text": "Let me check."}]},
        {"type": "function_call", "call_id": "call_a", "name": "get_weather",
         "arguments": '{"city": "Paris"}'}],
        "usage": {"input_tokens": 20, "output_tokens": 9}},
    "anthropic": {"id": "msg_1", "type": "message", "model": "claude-opus-4-6", "content": [
        {"type": "thinking", "thinking": "Paris first.", "signature": "s"},
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "call_a", "name": "get_weather", "input": {"city": "Paris"}}],
        "stop_reason": "tool_use", "usage": {"input_tokens": 20, "output_tokens": 9}},
    "gemini": {"candidates": [{"content": {"role": "model", "parts": [
        {"text": "Paris first.", "thought": True}, {"text": "Let me check."},
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
        "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 20, "candidatesTokenCount": 9}},
}


@pytest.mark.parametrize("protocol", list(WHOLE))
async def test_complete_parses_each_native_answer_into_one_completion(wire: Wire, protocol: str) -> None:
    wire.body = pydantic_core.to_json(WHOLE[protocol])
    wire.content_type = "application/json"
    async with wire.client() as th:
        done = await th.complete(model=RECORDED[protocol][0], messages=CONVERSATION,
                                 protocol=protocol)
    path = wire.requests[0][0]
    assert path == PATHS[protocol].replace("streamGenerateContent", "generateContent")
    assert "stream" not in wire.requests[0][3]
    assert (done.text, done.reasoning, done.protocol) == ("Let me check.", "Paris first.", protocol)
    assert [(c.name, c.arguments) for c in done.tool_calls] == [("get_weather", {"city": "Paris"})]
    assert done.finish == Finish("tool_calls", RECORDED[protocol][2])
    assert done.usage == Usage(20, 9)
    assert done.raw == WHOLE[protocol]


# -- end to end against the fake gateway ----------------------------------------------------------

MODELS = {"openai": "gpt-5.4", "responses": "gpt-5.4", "anthropic": "claude-opus-4-6",
          "gemini": "gemini-2.5-flash"}
QUESTION: list[dict[str, Any]] = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": [
        {"type": "text", "text": "Weather in Paris today?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
    ]},
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTokenHot]:
    async with FakeTokenHot(reply_words=8) as server:
        yield server


async def _agent_turns(th: AsyncTokenHot, protocol: str) -> tuple[list[Any], str, Completion]:
    """Ask, run the tool the model calls, send the result back; return what each turn gave."""
    async with th.stream(model=MODELS[protocol], messages=QUESTION, tools=[WEATHER_TOOL],
                         protocol=protocol) as s:
        events = [ev async for ev in s]
    first = s.final()
    history = [*QUESTION, first.to_message()] + [
        {"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 18}'}
        for call in first.tool_calls
    ]
    second = th.stream(model=MODELS[protocol], messages=history, tools=[WEATHER_TOOL],
                       protocol=protocol)
    answer = "".join([piece async for piece in second.text()])
    assert isinstance(events[-1], Finish)
    return [(c.name, c.arguments) for c in first.tool_calls], answer, second.final()


async def test_the_same_conversation_gives_the_same_text_and_tool_calls_over_all_four_protocols(
    fake: FakeTokenHot,
) -> None:
    results = {}
    async with fake.client() as th:
        for protocol in MODELS:
            results[protocol] = await _agent_turns(th, protocol)
    calls, answer, _ = results["openai"]
    assert calls == [("get_weather", {"city": "Weather in Paris today?"})]
    assert answer.startswith("Echo: Weather in Paris today?")
    for protocol, (other_calls, other_answer, other_last) in results.items():
        assert (other_calls, other_answer) == (calls, answer), protocol
        assert other_last.finish_reason == "stop", protocol
        assert other_last.protocol == protocol
    paths = [r.path for r in fake.requests]
    assert paths == [p for p in (PATHS[name] for name in MODELS) for _ in range(2)]


async def test_tool_call_arguments_arrive_in_pieces_that_join_to_the_whole(fake: FakeTokenHot) -> None:
    async with fake.client() as th:
        for protocol in ("openai", "responses", "anthropic"):
            events = [ev async for ev in th.stream(model=MODELS[protocol], messages=QUESTION,
                                                   tools=[WEATHER_TOOL], protocol=protocol)]
            pieces = [ev for ev in events if isinstance(ev, ToolCallDelta)]
            assert len([p for p in pieces if p.arguments]) > 1, protocol
            assert {p.index for p in pieces} == {0}
            joined = "".join(p.arguments for p in pieces)
            assert pydantic_core.from_json(joined) == {"city": "Weather in Paris today?"}
            assert events[-1] == Finish("tool_calls", RECORDED[protocol][2])


@pytest.mark.parametrize("protocol", list(MODELS))
async def test_complete_and_a_consumed_stream_agree(fake: FakeTokenHot, protocol: str) -> None:
    messages = [{"role": "user", "content": "Tell me a story"}]
    async with fake.client() as th:
        whole = await th.complete(model=MODELS[protocol], messages=messages, protocol=protocol,
                                  max_tokens=100, temperature=0.3)
        s = th.stream(model=MODELS[protocol], messages=messages, protocol=protocol)
        await s.until_done()
        streamed = s.final()
    assert whole.text == streamed.text
    assert whole.text.startswith("Echo: Tell me a story")
    assert whole.finish == streamed.finish
    assert whole.finish_reason == "stop"
    assert whole.usage is not None and whole.usage.output_tokens == 8
    assert isinstance(whole.raw, dict) and whole.protocol == protocol


async def test_auto_sends_each_model_family_to_its_native_endpoint(fake: FakeTokenHot) -> None:
    async with fake.client() as th:
        for model in ("claude-opus-4-6", "gemini-2.5-flash", "gpt-5.4"):
            await th.complete(model=model, messages=[{"role": "user", "content": "hi"}])
    assert [r.path for r in fake.requests] == [
        "/v1/messages", "/v1beta/models/gemini-2.5-flash:generateContent", "/v1/chat/completions",
    ]
    assert fake.requests[1].headers["x-goog-api-key"] == fake.api_key


@pytest.mark.parametrize("protocol", list(MODELS))
async def test_fake_gateway_error_event_raises_stream_error(fake: FakeTokenHot, protocol: str) -> None:
    fake.error_event_after(6)
    async with fake.client() as th:
        s = th.stream(model=MODELS[protocol], messages=[{"role": "user", "content": "Hello there"}],
                      protocol=protocol)
        with pytest.raises(StreamError, match="injected stream error") as info:
            await s.until_done()
    assert info.value.partial.text.startswith("Echo:")


@pytest.mark.parametrize("protocol", [p for p in MODELS if p != "gemini"])  # gemini: no terminator
async def test_fake_gateway_truncation_raises_incomplete(fake: FakeTokenHot, protocol: str) -> None:
    fake.truncate_after(5)
    async with fake.client() as th:
        s = th.stream(model=MODELS[protocol], messages=[{"role": "user", "content": "Hello there"}],
                      protocol=protocol)
        with pytest.raises(IncompleteStreamError) as info:
            await s.until_done()
    assert info.value.partial.finish is None
    assert info.value.events_received == 5


async def test_a_refused_first_attempt_is_retried_before_streaming(fake: FakeTokenHot) -> None:
    fake.fail_next(1, 429, retry_after=0)
    async with fake.client() as th:
        text = [p async for p in th.stream(model="claude-opus-4-6",
                                           messages=[{"role": "user", "content": "Hi"}]).text()]
    assert "".join(text).startswith("Echo: Hi")
    assert len(fake.requests_to("/v1/messages")) == 2
