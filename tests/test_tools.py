"""The tool-running loop over every protocol: ``th.run_tools`` and ``th.stream_tools``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import pydantic
import pytest

from aiotokenhot import (
    AsyncTokenHot,
    InvalidRequestError,
    MaxTurnsExceededError,
    NoChannelError,
    TextDelta,
    Tool,
    ToolCallDelta,
    ToolCallError,
    ToolResult,
)
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.testing._replies import reply_pieces

MODELS = {"openai": "gpt-5.4", "responses": "gpt-5.4", "anthropic": "claude-opus-4-6",
          "gemini": "gemini-2.5-flash"}
QUESTION = "Weather and time in Paris?"
ASK = [{"role": "user", "content": QUESTION}]
ANSWER = "".join(reply_pieces(QUESTION, 8))
CITY = " ".join(QUESTION.split()[:4])  # the fake model fills string arguments from the prompt


async def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict[str, Any]:
    """The current weather in a city."""
    return {"city": city, "temp": 18, "unit": unit}


def local_time(city: Annotated[str, pydantic.Field(description="a city name")]) -> str:
    """The local time in a city (a plain function: it runs in a worker thread)."""
    return f"12:00 in {city}"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTokenHot]:
    async with FakeTokenHot(reply_words=8, tool_calls=2) as server:
        yield server


@pytest.fixture
async def th(fake: FakeTokenHot) -> AsyncIterator[AsyncTokenHot]:
    async with fake.client(max_retries=0) as client:
        yield client


def tool_results_sent(protocol: str, body: dict[str, Any]) -> list[str]:
    """The tool results a request carries, read from each protocol's own shape."""
    if protocol == "openai":
        return [m["content"] for m in body["messages"] if m["role"] == "tool"]
    if protocol == "responses":
        return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]
    if protocol == "anthropic":
        return [b["content"] for m in body["messages"] if isinstance(m["content"], list)
                for b in m["content"] if b.get("type") == "tool_result"]
    return [str(p["functionResponse"]["response"]) for c in body["contents"] for p in c["parts"]
            if "functionResponse" in p]


@pytest.mark.parametrize("protocol", list(MODELS))
async def test_two_parallel_calls_run_and_their_results_go_back_in_the_protocols_shape(
    protocol: str, fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    done = await th.run_tools(model=MODELS[protocol], protocol=protocol, messages=ASK,
                              tools=[get_weather, local_time])
    assert done.text == ANSWER and done.turns == 2
    assert [(r.name, r.error) for r in done.results] == [("get_weather", None), ("local_time", None)]
    assert done.usage is not None and done.completion.usage is not None
    assert done.usage.output_tokens > done.completion.usage.output_tokens  # both replies counted
    assert done.results[0].value == {"city": CITY, "temp": 18, "unit": "celsius"}
    assert done.results[1].output == f"12:00 in {CITY}"
    roles = [m["role"] for m in done.messages]
    assert roles == ["user", "assistant", "tool", "tool", "assistant"]
    calls = done.messages[1]["tool_calls"]
    assert [m["tool_call_id"] for m in done.messages[2:4]] == [c["id"] for c in calls]
    assert len({c["id"] for c in calls}) == 2
    second = fake.requests[-1].json
    sent = tool_results_sent(protocol, second)
    assert len(sent) == 2 and "12:00 in" in sent[1] and "18" in sent[0]
    assert ASK == [{"role": "user", "content": QUESTION}]  # the caller's list is not modified


async def test_parallel_calls_run_at_the_same_time(th: AsyncTokenHot) -> None:
    """Each tool waits for the other to have started: run one after the other, the first
    would hit its timeout."""
    started = {"ping": asyncio.Event(), "pong": asyncio.Event()}

    async def ping(city: str) -> str:
        started["ping"].set()
        await started["pong"].wait()
        return "ping"

    async def pong(city: str) -> str:
        started["pong"].set()
        await started["ping"].wait()
        return "pong"

    done = await th.run_tools(model="gpt-5.4", messages=ASK, tools=[ping, pong], tool_timeout=5)
    assert [(r.output, r.error) for r in done.results] == [("ping", None), ("pong", None)]


@pytest.mark.parametrize("protocol", list(MODELS))
async def test_a_failing_tool_sends_its_error_to_the_model_and_the_loop_goes_on(
    protocol: str, fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    def get_weather(city: str) -> str:
        raise ValueError(f"no station in {city}")

    done = await th.run_tools(model=MODELS[protocol], protocol=protocol, messages=ASK,
                              tools=[get_weather, local_time])
    failed, fine = done.results
    assert isinstance(failed.error, ValueError) and failed.value is None
    assert failed.output == f"Error: ValueError: no station in {CITY}"
    assert fine.error is None
    assert done.text == ANSWER
    assert failed.output in str(tool_results_sent(protocol, fake.requests[-1].json))


async def test_a_failing_tool_can_raise_instead(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    cancelled = asyncio.Event()

    async def slow(city: str) -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    def broken(city: str) -> str:
        raise KeyError(city)

    with pytest.raises(KeyError):
        await th.run_tools(model="claude-opus-4-6", messages=ASK, tools=[slow, broken],
                           on_tool_error="raise")
    assert cancelled.is_set()  # the other call was cancelled, not left running
    assert len(fake.requests) == 1
    assert th.pool.acquired_connections() == 0


@pytest.mark.parametrize("protocol", list(MODELS))
async def test_max_turns_raises_with_the_conversation_so_far(
    protocol: str, fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fake.tool_rounds = 5
    with pytest.raises(MaxTurnsExceededError) as info:
        await th.run_tools(model=MODELS[protocol], protocol=protocol, messages=ASK,
                           tools=[get_weather, local_time], max_turns=2)
    error = info.value
    assert error.turns == 2 and len(fake.requests) == 2
    assert [m["role"] for m in error.messages] == ["user", "assistant", "tool", "tool",
                                                   "assistant", "tool", "tool"]
    assert error.completion.tool_calls
    # the conversation ends with the last turn's results, so it can be continued
    fake.tool_rounds = 2
    done = await th.run_tools(model=MODELS[protocol], protocol=protocol,
                              messages=error.messages, tools=[get_weather, local_time])
    assert done.turns == 1 and done.text == ANSWER


def shape(messages: list[dict[str, Any]]) -> list[Any]:
    """A conversation without its call ids (the fake makes a new one per request)."""
    return [(m["role"], m.get("content"),
             [(c["function"]["name"], json.loads(c["function"]["arguments"]))
              for c in m.get("tool_calls", ())]) for m in messages]


@pytest.mark.parametrize("protocol", list(MODELS))
async def test_the_streaming_form_yields_every_turns_events_and_a_result_per_call(
    protocol: str, th: AsyncTokenHot
) -> None:
    whole = await th.run_tools(model=MODELS[protocol], protocol=protocol, messages=ASK,
                               tools=[get_weather, local_time])
    async with th.stream_tools(model=MODELS[protocol], protocol=protocol, messages=ASK,
                               tools=[get_weather, local_time]) as s:
        events = [event async for event in s]
    done = s.final()
    results = [e for e in events if isinstance(e, ToolResult)]
    assert {r.name for r in results} == {"get_weather", "local_time"}
    assert all(r.turn == 1 for r in results)
    first_result = events.index(results[0])
    assert any(isinstance(e, ToolCallDelta) for e in events[:first_result])
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == ANSWER == done.text
    assert shape(done.messages) == shape(whole.messages) and s.messages is done.messages
    assert [r.output for r in done.results] == [r.output for r in whole.results]
    assert th.pool.acquired_connections() == 0


async def test_leaving_the_stream_while_tools_run_cancels_them(th: AsyncTokenHot) -> None:
    running, cancelled = asyncio.Event(), asyncio.Event()

    async def get_weather(city: str) -> str:
        running.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    async with th.stream_tools(model="gemini-2.5-flash", messages=ASK,
                               tools=[get_weather, local_time]) as s:
        async for event in s:
            if isinstance(event, ToolResult):  # local_time finished; get_weather still runs
                assert running.is_set()
                break
    assert cancelled.is_set()
    assert th.pool.acquired_connections() == 0


async def test_a_tool_that_takes_too_long_reports_a_timeout(th: AsyncTokenHot) -> None:
    async def get_weather(city: str) -> str:
        await asyncio.sleep(30)
        return "never"

    done = await th.run_tools(model="gpt-5.4", messages=ASK, tools=[get_weather, local_time],
                              tool_timeout=0.2)
    assert isinstance(done.results[0].error, ToolCallError)
    assert "did not finish within 0.2s" in done.results[0].output
    with pytest.raises(ToolCallError, match="did not finish"):
        await th.run_tools(model="gpt-5.4", messages=ASK, on_tool_error="raise",
                           tools=[Tool(get_weather, timeout=0.2), local_time])


async def test_arguments_that_do_not_validate_go_back_to_the_model(th: AsyncTokenHot) -> None:
    def forecast(days: Annotated[int, pydantic.Field(ge=1, le=7)]) -> str:
        """The forecast for the next days."""
        return f"{days} days"

    done = await th.run_tools(model="claude-opus-4-6", messages=ASK, tools=[forecast])
    [result] = done.results  # the fake model sends 42, out of range
    assert isinstance(result.error, ToolCallError)
    assert "invalid arguments for 'forecast'" in result.output and "less than or equal" in result.output


async def test_a_pydantic_model_and_a_handler_make_a_tool(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    class Lookup(pydantic.BaseModel):
        """Find a city in the atlas."""

        city: str
        population: bool = False

    seen: list[Lookup] = []

    async def lookup(query: Lookup) -> Lookup:
        seen.append(query)
        return query

    tool = Tool(lookup, args=Lookup, name="atlas")
    assert tool.to_openai()["function"] == {
        "name": "atlas", "description": "Find a city in the atlas.",
        "parameters": {"type": "object", "description": "Find a city in the atlas.",
                       "properties": {"city": {"type": "string"},
                                      "population": {"type": "boolean", "default": False}},
                       "required": ["city"]},
    }
    done = await th.run_tools(model="gpt-5.4", messages=ASK, tools=[tool])
    assert seen == [Lookup(city=CITY, population=True)]
    assert done.results[0].output == '{"city":"' + CITY + '","population":true}'
    assert fake.requests[0].json["tools"][0]["function"]["name"] == "atlas"


class Place(pydantic.BaseModel):
    city: str
    country: str = "FR"


def test_a_function_schema_comes_from_its_signature_and_docstring() -> None:
    async def plan(place: Place, days: Annotated[int, pydantic.Field(description="how long")] = 2,
                   json: bool = False) -> str:
        """Plan a trip."""
        return ""

    function = Tool(plan).to_openai()["function"]
    assert function["description"] == "Plan a trip."
    assert function["parameters"] == {
        "type": "object",
        "properties": {
            "place": {"type": "object", "properties": {
                "city": {"type": "string"}, "country": {"type": "string", "default": "FR"}},
                "required": ["city"]},
            "days": {"type": "integer", "default": 2, "description": "how long"},
            "json": {"type": "boolean", "default": False},
        },
        "required": ["place"],
    }


async def test_gemini_3_thought_signatures_travel_back_with_the_calls(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    done = await th.run_tools(model="gemini-3.1-pro-preview", messages=ASK,
                              tools=[get_weather, local_time])
    assert done.text == ANSWER
    model_turn = fake.requests[-1].json["contents"][1]
    assert model_turn["role"] == "model"
    assert "thoughtSignature" in model_turn["parts"][0]


async def test_the_loop_runs_over_a_fallback_chain(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    fake.fail_next(1, 503, path="/v1/messages", body={"error": {
        "message": "no available channel for this model", "type": "new_api_error"}})
    fake.tool_rounds = 2
    async with th.stream_tools(model=["claude-opus-4-6", "gemini-2.5-flash", "gpt-5.4"],
                               messages=ASK, tools=[get_weather, local_time]) as s:
        await s.until_done()
    done = s.final()
    assert done.turns == 3 and done.text == ANSWER
    assert done.completion.attempts == []  # later turns start at gemini
    assert [(a.model, type(a.error)) for a in done.attempts] == [("claude-opus-4-6", NoChannelError)]
    paths = [r.path.split(":")[0] for r in fake.requests]
    assert paths == ["/v1/messages"] + ["/v1beta/models/gemini-2.5-flash"] * 3
    single = await th.run_tools(model="gpt-5.4", messages=ASK, tools=[get_weather], deadline=30)
    assert single.completion.model == "gpt-5.4"  # a deadline makes a chain of one


async def test_bad_arguments_raise_before_anything_is_sent(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    def varargs(*cities: str) -> str:
        return ""

    bad: list[dict[str, Any]] = [
        {"tools": []},
        {"tools": [get_weather], "max_turns": 0},
        {"tools": [get_weather], "on_tool_error": "ignore"},
        {"tools": [get_weather], "tool_timeout": -1},
        {"tools": [get_weather, get_weather]},
        {"tools": [varargs]},
        {"tools": [lambda city: city]},
        {"tools": [get_weather], "temprature": 0.3},
        {"tools": [get_weather], "stop": "x", "protocol": "responses"},
    ]
    for extra in bad:
        with pytest.raises(InvalidRequestError):
            await th.run_tools(model="gpt-5.4", messages=ASK, **extra)
        with pytest.raises(InvalidRequestError):
            th.stream_tools(model="gpt-5.4", messages=ASK, **extra)
    assert fake.requests == []
