"""Chat Completions against the fake gateway over real sockets (and the pure accumulator)."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest

from aiotokenhot import (
    AsyncTokenHot,
    IncompleteStreamError,
    InvalidRequestError,
    StreamError,
    TokenHotError,
)
from aiotokenhot.protocols.chat import (
    ChatCompletion,
    ChatCompletionAccumulator,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ToolParam,
    UserMessageParam,
)
from aiotokenhot.testing import FakeTokenHot

HELLO = [{"role": "user", "content": "Hello there"}]
WEATHER_TOOL: ToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object",
                       "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}},
    },
}


# -- create ---------------------------------------------------------------------------------------


async def test_create_returns_a_typed_completion_with_consistent_usage(th: AsyncTokenHot) -> None:
    completion = await th.chat.completions.create(model="gpt-5.4", messages=HELLO)

    assert isinstance(completion, ChatCompletion)
    assert completion.object == "chat.completion"
    assert completion.model == "gpt-5.4"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert completion.text == choice.message.content
    assert completion.text.startswith("Echo: Hello there")
    assert completion.usage is not None
    assert completion.usage.completion_tokens == len(completion.text.split())
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens)


async def test_the_official_request_shape_is_sent(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    await th.chat.completions.create(
        model="gpt-5.4", messages=HELLO, temperature=0.2, max_completion_tokens=50, seed=7,
        stop=["\n\n"], tools=[WEATHER_TOOL], tool_choice="auto", parallel_tool_calls=False,
        reasoning_effort="low", user="u-1", extra_body={"provider_hint": "fast"},
    )

    sent = fake.requests_to("/v1/chat/completions")[-1]
    assert sent.method == "POST"
    assert sent.headers["Authorization"] == f"Bearer {fake.api_key}"
    assert sent.headers["Content-Type"].startswith("application/json")
    assert sent.json == {
        "model": "gpt-5.4", "messages": HELLO, "temperature": 0.2, "max_completion_tokens": 50,
        "seed": 7, "stop": ["\n\n"], "tools": [WEATHER_TOOL], "tool_choice": "auto",
        "parallel_tool_calls": False, "reasoning_effort": "low", "user": "u-1",
        "provider_hint": "fast",
    }


async def test_n_choices_differ_and_max_tokens_cuts_with_length(th: AsyncTokenHot) -> None:
    completion = await th.chat.completions.create(model="gpt-5.4", messages=HELLO, n=3,
                                                  max_tokens=4)

    assert [c.index for c in completion.choices] == [0, 1, 2]
    assert {c.finish_reason for c in completion.choices} == {"length"}
    texts = [c.message.content or "" for c in completion.choices]
    assert all(len(t.split()) == 4 for t in texts)
    assert len(set(texts)) == 3
    assert completion.usage is not None and completion.usage.completion_tokens == 12


async def test_typed_messages_and_content_parts_are_sent_as_plain_json(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    class Note(pydantic.BaseModel):
        role: str = "developer"
        content: str
        name: str | None = None

    user: UserMessageParam = {"role": "user", "content": [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
    ]}
    earlier = ChatCompletionMessage(role="assistant", content="I am ready.")

    await th.chat.completions.create(
        model="gpt-5.4", messages=[Note(content="Be brief."), earlier, user])

    assert fake.requests[-1].json["messages"] == [
        {"role": "developer", "content": "Be brief."},
        {"role": "assistant", "content": "I am ready."},
        user,
    ]


async def test_a_pydantic_model_as_response_format_becomes_a_json_schema(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    class City(pydantic.BaseModel):
        name: str
        population: int

    await th.chat.completions.create(model="gpt-5.4", messages=HELLO, response_format=City)

    fmt = fake.requests[-1].json["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "City"
    assert set(fmt["json_schema"]["schema"]["properties"]) == {"name", "population"}


async def test_messages_may_be_any_sequence_of_mappings(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    from types import MappingProxyType

    frozen = MappingProxyType({"role": "system", "content": "Be brief."})

    await th.chat.completions.create(model="gpt-5.4", messages=(frozen, HELLO[0]))

    assert fake.requests[-1].json["messages"] == [dict(frozen), HELLO[0]]


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"messages": []}, "must not be empty"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "unknown role 'robot'"),
        ({"messages": [{"content": "hi"}]}, "unknown role None"),
        ({"messages": "hi"}, "list of message objects"),
        ({"messages": {"role": "user", "content": "hi"}}, "list of message objects"),
        ({"messages": ["hi"]}, r"messages\[0\] must be a dict or a message model, not str"),
        ({"messages": [{"role": "user"}]}, "needs content"),
        ({"messages": [{"role": "tool", "content": "42"}]}, "tool_call_id"),
        ({"messages": [{"role": "user", "content": [{"type": "text"}]}]}, "string 'text'"),
        ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
         "image_url.url"),
        ({"max_tokens": -5}, "max_tokens"),
        ({"max_completion_tokens": 0}, "max_completion_tokens"),
        ({"n": 0}, "n must be"),
        ({"temperature": 2.5}, "temperature must be between 0.0 and 2.0"),
        ({"temperature": -0.1}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"top_p": 1.5, "temperature": 9}, "temperature must be"),  # the first in field order
        ({"model": ""}, "model"),
        ({"tools": [{"type": "function", "function": {}}]}, "needs a 'name'"),
    ],
)
async def test_clearly_bad_input_is_refused_before_sending(
    fake: FakeTokenHot, th: AsyncTokenHot, changes: dict[str, Any], complaint: str
) -> None:
    kwargs: dict[str, Any] = {"model": "gpt-5.4", "messages": HELLO, **changes}

    with pytest.raises(InvalidRequestError, match=complaint.replace("(", r"\(")):
        await th.chat.completions.create(**kwargs)
    with pytest.raises(InvalidRequestError):
        th.chat.completions.stream(**kwargs)
    assert fake.requests == []


# -- stream ---------------------------------------------------------------------------------------


async def test_stream_yields_typed_chunks_and_final_matches_create(th: AsyncTokenHot) -> None:
    whole = await th.chat.completions.create(model="gpt-5.4", messages=HELLO)

    async with th.chat.completions.stream(
        model="gpt-5.4", messages=HELLO, stream_options={"include_usage": True}
    ) as stream:
        chunks = [chunk async for chunk in stream]

    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == [] and usage_chunk.usage is not None
    final = stream.final()
    assert stream.completed
    assert final.text == whole.text
    assert final.choices[0].finish_reason == "stop"
    assert final.usage == whole.usage
    assert final.id == chunks[0].id
    assert final.system_fingerprint == "fp_fake"


async def test_text_iterates_the_reply_pieces(th: AsyncTokenHot) -> None:
    async with th.chat.completions.stream(model="gpt-5.4", messages=HELLO) as stream:
        pieces = [piece async for piece in stream.text()]

    assert len(pieces) == 12
    assert "".join(pieces) == stream.final().text


async def test_final_accumulates_tool_calls_split_across_chunks_for_every_choice(
    th: AsyncTokenHot,
) -> None:
    messages = [{"role": "user", "content": "Weather in Paris"}]
    async with th.chat.completions.stream(
        model="gpt-5.4", messages=messages, tools=[WEATHER_TOOL], n=2
    ) as stream:
        chunks = [chunk async for chunk in stream]

    argument_pieces = [
        (choice.index, call.function.arguments)
        for chunk in chunks for choice in chunk.choices for call in choice.delta.tool_calls or []
        if call.function is not None and call.function.arguments
    ]
    assert sum(1 for index, _ in argument_pieces if index == 0) > 2  # really split
    assert [i for i, _ in argument_pieces[:2]] == [0, 1]  # and the choices interleave
    final = stream.final()
    assert [c.finish_reason for c in final.choices] == ["tool_calls", "tool_calls"]
    calls = [c.message.tool_calls for c in final.choices]
    assert all(c is not None and len(c) == 1 for c in calls)
    args = [json.loads(c[0].function.arguments) for c in calls if c]
    assert args[0] == {"city": "Weather in Paris", "days": 42}
    assert args[1] == {"city": "#1 Weather in Paris", "days": 42}
    assert [c[0].id for c in calls if c] == ["call_fake_0_0", "call_fake_1_0"]
    assert all(c.message.content is None for c in final.choices)

    whole = await th.chat.completions.create(model="gpt-5.4", messages=messages,
                                             tools=[WEATHER_TOOL], n=2)
    assert final.choices == whole.choices


async def test_a_tool_result_round_trip_gets_a_text_answer(th: AsyncTokenHot) -> None:
    messages: list[Any] = [{"role": "user", "content": "Weather in Paris"}]
    first = await th.chat.completions.create(model="gpt-5.4", messages=messages,
                                             tools=[WEATHER_TOOL])
    call = (first.choices[0].message.tool_calls or [])[0]

    messages += [first.choices[0].message,
                 {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21C"}]
    second = await th.chat.completions.create(model="gpt-5.4", messages=messages,
                                              tools=[WEATHER_TOOL])

    assert second.choices[0].finish_reason == "stop"
    assert second.text.startswith("Echo: Weather in Paris")


async def test_reasoning_content_is_streamed_and_accumulated(th: AsyncTokenHot) -> None:
    async with th.chat.completions.stream(model="gpt-5.4", messages=HELLO,
                                          reasoning_effort="high") as stream:
        await stream.until_done()

    message = stream.final().choices[0].message
    assert message.reasoning_content == "Thinking about: Hello there"
    assert message.content is not None and message.content.startswith("Echo:")


async def test_final_before_the_end_is_an_error(th: AsyncTokenHot) -> None:
    async with th.chat.completions.stream(model="gpt-5.4", messages=HELLO) as stream:
        await stream.__anext__()
        with pytest.raises(TokenHotError, match="consumed"):
            stream.final()


async def test_an_error_object_in_the_stream_raises_stream_error(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fake.error_event_after(4)
    received: list[str] = []

    with pytest.raises(StreamError) as caught:
        async with th.chat.completions.stream(model="gpt-5.4", messages=HELLO) as stream:
            async for piece in stream.text():
                received.append(piece)

    assert "injected stream error" in str(caught.value)
    assert caught.value.error_type == "server_error"
    partial = caught.value.partial
    assert isinstance(partial, ChatCompletion)
    assert partial.text == "".join(received)


async def test_a_stream_cut_before_done_carries_the_partial_completion(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fake.truncate_after(5)  # role chunk + 4 words

    with pytest.raises(IncompleteStreamError) as caught:
        async with th.chat.completions.stream(model="gpt-5.4", messages=HELLO) as stream:
            await stream.until_done()

    partial = caught.value.partial
    assert isinstance(partial, ChatCompletion)
    assert partial.text == "Echo: Hello there oscar "
    assert partial.choices[0].finish_reason is None
    assert caught.value.events_received == 5


async def test_malformed_json_in_the_stream_raises_stream_error(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fake.malformed_after(2)

    with pytest.raises(StreamError, match="malformed JSON") as caught:
        async with th.chat.completions.stream(model="gpt-5.4", messages=HELLO) as stream:
            await stream.until_done()
    assert isinstance(caught.value.partial, ChatCompletion)


async def test_the_official_openai_client_works_against_the_fake(fake: FakeTokenHot) -> None:
    import openai  # a dev dependency: the fake must serve the official client
    client = openai.AsyncOpenAI(api_key=fake.api_key, base_url=fake.base_url + "/v1",
                                max_retries=0)
    try:
        stream = await client.chat.completions.create(
            model="gpt-5.4", messages=[{"role": "user", "content": "Weather in Paris"}],
            tools=[WEATHER_TOOL], stream=True, stream_options={"include_usage": True})
        arguments = ""
        async for chunk in stream:
            for choice in chunk.choices:
                for call in choice.delta.tool_calls or []:
                    arguments += call.function.arguments or ""
        whole = await client.chat.completions.create(model="gpt-5.4", messages=HELLO)
    finally:
        await client.close()
    assert json.loads(arguments) == {"city": "Weather in Paris", "days": 42}
    assert (whole.choices[0].message.content or "").startswith("Echo: Hello there")


# -- the pure accumulator -------------------------------------------------------------------------


def _chunk(*choices: dict[str, Any], **top: Any) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate(
        {"id": "c1", "created": 1, "model": "m", "choices": list(choices), **top})


def test_accumulator_joins_pieces_per_choice_and_tool_index() -> None:
    acc = ChatCompletionAccumulator()
    feed = [
        _chunk({"index": 1, "delta": {"role": "assistant", "content": "B"}}),
        _chunk({"index": 0, "delta": {"role": "assistant", "tool_calls": [
            {"index": 0, "id": "call_a", "type": "function",
             "function": {"name": "f", "arguments": '{"x"'}},
            {"index": 1, "id": "call_b", "type": "function",
             "function": {"name": "g", "arguments": "[1"}}]}}),
        _chunk({"index": 0, "delta": {"tool_calls": [
            {"index": 1, "function": {"arguments": ",2]"}},
            {"index": 0, "function": {"arguments": ": 1}"}}]}}),
        _chunk({"index": 1, "delta": {"content": "ye", "citations_note": "[1"}}),
        _chunk({"index": 1, "delta": {"citations_note": "]"}, "finish_reason": "stop"}),
        _chunk({"index": 0, "delta": {}, "finish_reason": "tool_calls"}),
        _chunk(usage={"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8},
               provider="fake-upstream"),
    ]
    for chunk in feed:
        acc.add(chunk)

    done = acc.snapshot()
    first, second = done.choices
    assert first.finish_reason == "tool_calls" and first.message.content is None
    assert [(t.id, t.function.name, t.function.arguments) for t in first.message.tool_calls or []] == [
        ("call_a", "f", '{"x": 1}'), ("call_b", "g", "[1,2]")]
    assert second.message.content == "Bye"
    assert second.message.model_extra == {"citations_note": "[1]"}  # unknown fields are kept
    assert done.usage is not None and done.usage.total_tokens == 8
    assert done.id == "c1" and done.model_extra == {"provider": "fake-upstream"}


def test_unknown_fields_are_kept_on_every_type() -> None:
    completion = ChatCompletion.model_validate_json(
        b'{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,'
        b'"message":{"role":"assistant","content":"hi","reasoning_content":"hmm","annotations":[]},'
        b'"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,'
        b'"total_tokens":2,"prompt_tokens_details":{"cached_tokens":0,"image_tokens":0}},'
        b'"credits_consumed":0.01}'
    )
    assert completion.model_extra == {"credits_consumed": 0.01}
    assert completion.choices[0].message.model_extra == {"annotations": []}
    assert completion.choices[0].message.reasoning_content == "hmm"
    assert completion.usage is not None and completion.usage.prompt_tokens_details is not None
    assert completion.usage.prompt_tokens_details.image_tokens == 0


def test_replies_without_choices_each_get_their_own_empty_list() -> None:
    # a usage-only chunk or a lean reply may leave ``choices`` out: the default is never shared
    first = ChatCompletionChunk.model_validate_json(b'{"id":"a"}')
    second = ChatCompletionChunk.model_validate_json(b'{"id":"b"}')
    first.choices.append(ChatCompletionChunk.model_validate({"choices": [{}]}).choices[0])
    assert second.choices == []
    assert ChatCompletionChunk().choices == []
    made, parsed = ChatCompletion(), ChatCompletion.model_validate({})
    made.choices.append(ChatCompletion.model_validate({"choices": [{}]}).choices[0])
    assert parsed.choices == [] and ChatCompletion().choices == []
    assert ChatCompletion.model_construct().choices == []
