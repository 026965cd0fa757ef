"""Structured outputs: a pydantic class out as a strict schema, the reply back as that class."""

from __future__ import annotations

from typing import Any, Literal

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiotokenhot import AsyncTokenHot, InvalidRequestError, ResponseValidationError
from aiotokenhot.protocols._structured import strict_json_schema
from aiotokenhot.protocols.chat import ParsedChatCompletion
from aiotokenhot.protocols.gemini import ParsedGenerateContentResponse
from aiotokenhot.protocols.messages import ParsedMessage
from aiotokenhot.protocols.responses import ParsedResponse
from aiotokenhot.testing import FakeTokenHot


class Address(pydantic.BaseModel):
    city: str
    postcode: int | None = None


class City(pydantic.BaseModel):
    """A city and a few facts about it."""

    name: str
    population: int = pydantic.Field(description="people living there")
    area_km2: float
    capital: bool = False
    tags: list[str]
    kind: Literal["town", "city", "megacity"]
    address: Address


ASK = [{"role": "user", "content": "Paris facts"}]
# name-like strings get the prompt's proper noun, other strings what the prompt is about
EXPECTED = City(name="Paris", population=42, area_km2=1.5, capital=True, tags=["Paris facts"],
                kind="town", address=Address(city="Paris", postcode=42))
# over Anthropic's fallback the answer travels as a forced tool's input, where the fake fills
# top-level strings as for any tool call (the prompt's words) and leaves lists empty
VIA_TOOL = EXPECTED.model_copy(update={"name": "Paris facts", "tags": []})


def _objects(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found += _objects(value)
    elif isinstance(node, list):
        for value in node:
            found += _objects(value)
    return found


def test_the_schema_is_strict_compatible() -> None:
    schema = strict_json_schema(City)

    objects = _objects(schema)
    assert len(objects) == 2  # City and Address (under $defs)
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])
    assert "default" not in str(schema)
    assert schema["properties"]["address"] == {"$ref": "#/$defs/Address"}
    inlined = strict_json_schema(City, inline_refs=True)
    assert "$defs" not in inlined and "$ref" not in str(inlined)
    assert inlined["properties"]["address"]["properties"]["city"] == {"title": "City", "type": "string"}


_FIELD_TYPES: list[Any] = [str, int, float, bool, list[str], int | None, Address, list[Address]]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(range(len(_FIELD_TYPES))), min_size=1, max_size=6),
       st.booleans())
def test_every_generated_schema_closes_every_object(kinds: list[int], inline: bool) -> None:
    fields: dict[str, Any] = {f"f{i}": (_FIELD_TYPES[k], None if i % 2 else ...)
                              for i, k in enumerate(kinds)}
    model = pydantic.create_model("Generated", **fields)

    schema = strict_json_schema(model, inline_refs=inline)

    for obj in _objects(schema):
        assert obj["additionalProperties"] is False
        assert set(obj["required"]) == set(obj["properties"])
    assert ("$ref" in str(schema)) == (not inline and any(
        _FIELD_TYPES[k] in (Address, list[Address]) for k in kinds))


def test_a_self_referencing_model_cannot_be_inlined() -> None:
    class Node(pydantic.BaseModel):
        value: int
        children: list[Node]

    assert strict_json_schema(Node)["$defs"]["Node"]["additionalProperties"] is False
    with pytest.raises(InvalidRequestError, match="refers to itself"):
        strict_json_schema(Node, inline_refs=True)


# -- per protocol ------------------------------------------------------------------------------


async def test_chat_parse_sends_a_strict_schema_and_parses_every_choice(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    result = await th.chat.completions.parse(model="gpt-5.4", messages=ASK, response_format=City, n=2)

    assert result.choices[0].message.parsed == EXPECTED
    assert result.choices[1].message.parsed == EXPECTED.model_copy(update={
        "tags": ["#1 Paris facts"]})
    assert result.parsed == EXPECTED
    fmt = fake.requests_to("/v1/chat/completions")[0].json["response_format"]
    assert fmt == {"type": "json_schema", "json_schema": {
        "name": "City", "schema": strict_json_schema(City), "strict": True}}


async def test_chat_create_with_a_class_sends_the_same_strict_format(fake: FakeTokenHot,
                                                                     th: AsyncTokenHot) -> None:
    await th.chat.completions.create(model="gpt-5.4", messages=ASK, response_format=City)
    assert fake.requests_to("/v1/chat/completions")[0].json["response_format"]["json_schema"][
        "strict"] is True


async def test_a_refusal_is_reported_not_parsed(th: AsyncTokenHot) -> None:
    refused = [{"role": "user", "content": "please refuse this"}]

    chat = await th.chat.completions.parse(model="gpt-5.4", messages=refused, response_format=City)
    responses = await th.responses.parse(model="gpt-5.4", input="please refuse this",
                                         text_format=City)
    claude = await th.messages.parse(model="claude-opus-4-6", max_tokens=256, messages=refused,
                                     output_format=City)
    gemini = await th.gemini.parse("gemini-2.5-flash", contents="please refuse this",
                                   response_schema=City)
    unified = await th.complete(model="gpt-5.4", messages=refused, response_format=City)

    assert chat.parsed is None and chat.choices[0].message.refusal
    assert responses.output_parsed is None and responses.refusal
    assert claude.parsed_output is None and claude.stop_reason == "refusal"
    assert gemini.parsed is None and gemini.refusal == "SAFETY"
    assert unified.parsed is None and unified.refusal


async def test_a_reply_of_the_wrong_shape_raises_with_the_raw_text(th: AsyncTokenHot) -> None:
    bad = [{"role": "user", "content": "malformed please"}]
    with pytest.raises(ResponseValidationError, match="does not match City") as caught:
        await th.chat.completions.parse(model="gpt-5.4", messages=bad, response_format=City)
    assert caught.value.body == '{"unexpected": true}'
    with pytest.raises(ResponseValidationError) as caught:
        await th.gemini.parse("gemini-2.5-flash", contents="malformed please", response_schema=City)
    assert caught.value.body == '{"unexpected": true}'


async def test_responses_parse_and_create_with_a_class(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    parsed = await th.responses.parse(model="gpt-5.4", input="Paris facts", text_format=City,
                                      text={"verbosity": "low"})
    await th.responses.create(model="gpt-5.4", input="Paris facts", text={"format": City})

    assert parsed.output_parsed == EXPECTED
    first, second = (r.json["text"] for r in fake.requests_to("/v1/responses"))
    assert first == {"verbosity": "low", "format": {
        "type": "json_schema", "name": "City", "schema": strict_json_schema(City), "strict": True}}
    assert second["format"]["strict"] is True


async def test_anthropic_native_output_format(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    result = await th.messages.parse(model="claude-opus-4-6", max_tokens=256, messages=ASK,
                                     output_format=City)

    assert result.parsed_output == EXPECTED
    sent = fake.requests_to("/v1/messages")[0]
    assert sent.json["output_format"] == {"type": "json_schema", "schema": strict_json_schema(City)}
    assert "structured-outputs-2025-11-13" in sent.headers["anthropic-beta"]
    assert "tools" not in sent.json


async def test_anthropic_falls_back_to_a_forced_tool_and_remembers(fake: FakeTokenHot,
                                                                   th: AsyncTokenHot) -> None:
    fake.state["anthropic_output_format"] = False  # a gateway without native structured outputs

    first = await th.messages.parse(model="claude-opus-4-6", max_tokens=256, messages=ASK,
                                    output_format=City)
    second = await th.messages.parse(model="claude-opus-4-6", max_tokens=256, messages=ASK,
                                     output_format=City)

    assert first.parsed_output == second.parsed_output
    assert first.parsed_output is not None and first.parsed_output.address.city == "Paris"
    bodies = [r.json for r in fake.requests_to("/v1/messages")]
    assert ["output_format" in b for b in bodies] == [True, False, False]
    assert bodies[1]["tool_choice"] == {"type": "tool", "name": "City"}
    assert bodies[1]["tools"][-1]["input_schema"] == strict_json_schema(City)


async def test_anthropic_native_only_raises_when_the_gateway_refuses_it(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    from aiotokenhot import BadRequestError

    fake.state["anthropic_output_format"] = False
    with pytest.raises(BadRequestError, match="output_format"):
        await th.messages.parse(model="claude-opus-4-6", max_tokens=256, messages=ASK,
                                output_format=City, method="native")


async def test_gemini_parse_uses_json_mode_with_inlined_schema(fake: FakeTokenHot,
                                                               th: AsyncTokenHot) -> None:
    result = await th.gemini.parse("gemini-2.5-flash", contents="Paris facts", response_schema=City,
                                   generation_config={"temperature": 0.2})

    assert result.parsed == EXPECTED
    config = fake.requests_to(":generateContent")[0].json["generationConfig"]
    assert config == {"temperature": 0.2, "responseMimeType": "application/json",
                      "responseJsonSchema": strict_json_schema(City, inline_refs=True)}


@pytest.mark.parametrize(("model", "protocol"), [
    ("gpt-5.4", "auto"), ("gpt-5.4", "responses"), ("claude-opus-4-6", "auto"),
    ("gemini-2.5-flash", "auto"),
])
async def test_complete_parses_on_every_protocol(fake: FakeTokenHot, th: AsyncTokenHot, model: str,
                                                 protocol: str) -> None:
    done = await th.complete(model=model, protocol=protocol, messages=ASK, response_format=City,
                             max_tokens=512)

    expected = VIA_TOOL if model.startswith("claude") else EXPECTED
    assert done.parsed == expected
    assert City.model_validate_json(done.text) == expected
    assert done.tool_calls == [] and done.finish_reason == "stop"
    body = fake.requests[-1].json
    if done.protocol == "openai":
        assert body["response_format"]["json_schema"]["strict"] is True
    elif done.protocol == "responses":
        assert body["text"]["format"]["name"] == "City"
    elif done.protocol == "anthropic":
        assert body["tool_choice"] == {"type": "tool", "name": "City"}
    else:
        assert body["generationConfig"]["maxOutputTokens"] == 512
        assert body["generationConfig"]["responseMimeType"] == "application/json"


async def test_parse_rejects_a_format_that_is_not_a_class(fake: FakeTokenHot,
                                                          th: AsyncTokenHot) -> None:
    with pytest.raises(InvalidRequestError, match="pydantic model class"):
        await th.chat.completions.parse(model="gpt-5.4", messages=ASK,
                                        response_format={"type": "json_object"})  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="response_format must be a pydantic model class"):
        await th.complete(model="gpt-5.4", messages=ASK, response_format=dict)
    with pytest.raises(InvalidRequestError, match="response_schema must be a pydantic model class"):
        await th.gemini.parse("gemini-2.5-flash", contents="hi",
                              response_schema=dict)  # type: ignore[type-var]
    with pytest.raises(InvalidRequestError, match="output_format must be a pydantic model class"):
        await th.messages.parse(**CLAUDE, messages=ASK, output_format=dict)  # type: ignore[type-var]
    assert fake.requests == []


async def test_the_stream_forms_give_final_parsed(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    async with th.chat.completions.stream(model="gpt-5.4", messages=ASK, response_format=City) as s:
        chat_text = "".join([piece async for piece in s.text()])
    chat = s.final()
    async with th.responses.stream(model="gpt-5.4", input="Paris facts", text={"format": City}) as r:
        await r.until_done()
    unified = {}
    for model in ("gpt-5.4", "claude-opus-4-6", "gemini-2.5-flash"):
        async with th.stream(model=model, messages=ASK, response_format=City) as u:
            await u.until_done()
        unified[model] = u.final()

    assert City.model_validate_json(chat_text) == EXPECTED
    assert isinstance(chat, ParsedChatCompletion)  # final() of a structured stream is the parsed type
    assert chat.choices[0].message.parsed == EXPECTED and chat.parsed == EXPECTED
    final = r.final()
    assert isinstance(final, ParsedResponse) and final.output_parsed == EXPECTED
    assert unified["gpt-5.4"].parsed == EXPECTED
    assert unified["gemini-2.5-flash"].parsed == EXPECTED
    assert unified["claude-opus-4-6"].parsed == VIA_TOOL
    assert unified["claude-opus-4-6"].tool_calls == []
    assert all(r.json.get("stream") or "streamGenerateContent" in r.path for r in fake.requests)


async def test_a_gemini_stream_with_a_schema_class(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    async with th.gemini.stream_generate_content(
        "gemini-2.5-flash", contents="Paris facts", generation_config={"response_schema": City,
                                                                        "temperature": 0.1}) as s:
        await s.until_done()
    final = s.final()

    assert isinstance(final, ParsedGenerateContentResponse) and final.parsed == EXPECTED
    config = fake.requests_to(":streamGenerateContent")[0].json["generationConfig"]
    assert config == {"temperature": 0.1, "responseMimeType": "application/json",
                      "responseJsonSchema": strict_json_schema(City, inline_refs=True)}


CLAUDE = {"model": "claude-opus-4-6", "max_tokens": 256}


async def test_a_messages_stream_with_output_format_gives_parsed_output(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    async with th.messages.stream(**CLAUDE, messages=ASK, output_format=City) as s:
        streamed = "".join([piece async for piece in s.text()])
    final = s.final()

    assert isinstance(final, ParsedMessage) and final.parsed_output == EXPECTED
    assert await s.get_final_message() is final
    assert City.model_validate_json(streamed) == EXPECTED  # the JSON arrived as text deltas
    (sent,) = fake.requests_to("/v1/messages")
    assert sent.json["stream"] is True
    assert sent.json["output_format"] == {"type": "json_schema", "schema": strict_json_schema(City)}
    assert "structured-outputs-2025-11-13" in sent.headers["anthropic-beta"]
    assert "tools" not in sent.json


async def test_a_messages_stream_falls_back_to_a_forced_tool_on_a_400(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fake.state["anthropic_output_format"] = False  # a gateway without native structured outputs

    async with th.messages.stream(**CLAUDE, messages=ASK, output_format=City,
                                  extra_headers={"anthropic-beta": "other-beta"}) as first:
        await first.until_done()
    second = th.messages.stream(**CLAUDE, messages=ASK, output_format=City)
    second_final = await second.get_final_message()
    await second.aclose()

    # the forced tool's input carries the answer (the fake's tool arguments)
    assert first.final().parsed_output == VIA_TOOL and second_final.parsed_output == VIA_TOOL
    assert first.final().stop_reason == "tool_use"
    bodies = [r.json for r in fake.requests_to("/v1/messages")]
    assert ["output_format" in b for b in bodies] == [True, False, False]  # then straight to the tool
    assert all(b["stream"] is True for b in bodies)
    assert bodies[1]["tool_choice"] == bodies[2]["tool_choice"] == {"type": "tool", "name": "City"}
    assert bodies[1]["tools"] == [{"name": "City", "description": "Answer with a City object.",
                                   "input_schema": strict_json_schema(City)}]
    headers = [r.headers["anthropic-beta"] for r in fake.requests_to("/v1/messages")[:2]]
    assert headers == ["other-beta,structured-outputs-2025-11-13", "other-beta"]


async def test_a_native_only_messages_stream_raises_the_400_on_open(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    from aiotokenhot import BadRequestError

    fake.state["anthropic_output_format"] = False
    stream = th.messages.stream(**CLAUDE, messages=ASK, output_format=City, method="native")
    with pytest.raises(BadRequestError, match="output_format"):
        await stream.__aenter__()
    assert len(fake.requests_to("/v1/messages")) == 1


async def test_a_messages_stream_with_method_tool_sends_only_the_tool(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    async with th.messages.stream(**CLAUDE, messages=ASK, output_format=City, method="tool") as s:
        await s.until_done()

    assert s.final().parsed_output == VIA_TOOL
    (sent,) = fake.requests_to("/v1/messages")
    assert "output_format" not in sent.json and sent.json["tool_choice"]["name"] == "City"


async def test_a_messages_stream_reports_a_refusal_and_raises_on_a_bad_shape(
    th: AsyncTokenHot,
) -> None:
    refused = [{"role": "user", "content": "please refuse this"}]
    async with th.messages.stream(**CLAUDE, messages=refused, output_format=City) as s:
        await s.until_done()
    refusal = s.final()

    bad = [{"role": "user", "content": "malformed please"}]
    async with th.messages.stream(**CLAUDE, messages=bad, output_format=City) as b:
        await b.until_done()

    assert refusal.parsed_output is None and refusal.stop_reason == "refusal"
    assert refusal.text == "I can't help with that request."
    with pytest.raises(ResponseValidationError, match="does not match City") as caught:
        b.final()
    assert caught.value.body == '{"unexpected": true}'
    with pytest.raises(ResponseValidationError):
        await b.get_final_message()


async def test_a_messages_stream_rejects_bad_structured_arguments_before_sending(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    with pytest.raises(InvalidRequestError, match="pydantic model class"):
        th.messages.stream(**CLAUDE, messages=ASK, output_format=dict)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="method must be"):
        th.messages.stream(**CLAUDE, messages=ASK, output_format=City,
                           method="json")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="needs an output_format"):
        th.messages.stream(**CLAUDE, messages=ASK, method="tool")
    with pytest.raises(InvalidRequestError, match="max_tokens"):
        th.messages.stream(model="claude-opus-4-6", max_tokens=0, messages=ASK, output_format=City)
    assert fake.requests == []


async def test_a_raw_messages_stream_keeps_parsed_output(fake: FakeTokenHot,
                                                         th: AsyncTokenHot) -> None:
    raw = await th.messages.with_raw_response.stream(**CLAUDE, messages=ASK, output_format=City)
    async with raw.parse() as s:
        await s.until_done()

    assert raw.status_code == 200
    assert s.final().parsed_output == EXPECTED


async def test_messages_create_with_output_format_parses_whole_and_streamed(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    whole = await th.messages.create(**CLAUDE, messages=ASK, output_format=City)
    stream = await th.messages.create(**CLAUDE, messages=ASK, output_format=City, stream=True)
    async with stream:
        await stream.until_done()

    assert isinstance(whole, ParsedMessage) and whole.parsed_output == EXPECTED
    assert isinstance(stream.final(), ParsedMessage) and stream.final().parsed_output == EXPECTED
    bodies = [r.json for r in fake.requests_to("/v1/messages")]
    assert [b.get("stream", False) for b in bodies] == [False, True]
    assert all(b["output_format"]["schema"] == strict_json_schema(City) for b in bodies)
