"""Native Gemini over real sockets: generateContent, the SSE stream, countTokens, models."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from aiotokenhot import APIConnectionError, AsyncTokenHot, InvalidRequestError, StreamError
from aiotokenhot.protocols.gemini import (
    Content,
    FunctionCall,
    GeminiModelInfo,
    GenerateContentResponse,
    GenerateContentStream,
    Part,
)
from aiotokenhot.testing import FakeTokenHot

MODEL = "gemini-2.5-flash"
ASK = [{"role": "user", "parts": [{"text": "hello gemini"}]}]
WEATHER = {"function_declarations": [{
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"},
                                                    "unit_name": {"type": "STRING",
                                                                  "enum": ["C", "F"]}}},
}]}


async def test_generate_content_sends_camel_case_and_returns_typed_snake_case(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    reply = await client.gemini.generate_content(
        MODEL, contents=ASK, system_instruction="Be brief.",
        generation_config={"temperature": 0.5, "max_output_tokens": 200, "top_p": 0.9,
                           "response_mime_type": "text/plain"},
        safety_settings=[{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    )

    assert isinstance(reply, GenerateContentResponse)
    assert reply.text.startswith("Echo: hello gemini")
    assert reply.finish_reason == "STOP"
    assert reply.usage_metadata is not None and reply.usage_metadata.candidates_token_count == 12
    assert reply.model_version == MODEL
    sent = fake.requests_to(":generateContent")[-1]
    assert sent.path == f"/v1beta/models/{MODEL}:generateContent"
    assert sent.headers["x-goog-api-key"] == fake.api_key
    assert sent.json == {
        "contents": ASK,
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {"temperature": 0.5, "maxOutputTokens": 200, "topP": 0.9,
                             "responseMimeType": "text/plain"},
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    }


async def test_snake_and_camel_case_input_send_the_same_body(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    await client.gemini.generate_content(
        MODEL, contents=[{"role": "user", "parts": [
            {"text": "look"}, {"inline_data": {"mime_type": "image/png", "data": "AAAA"}}]}],
        generation_config={"thinking_config": {"thinking_budget": 0}, "stop_sequences": ["x"]},
        tools=[WEATHER], tool_config={"function_calling_config": {"mode": "NONE"}},
    )
    await client.gemini.generate_content(
        MODEL, contents=[{"role": "user", "parts": [
            {"text": "look"}, {"inlineData": {"mimeType": "image/png", "data": "AAAA"}}]}],
        generation_config={"thinkingConfig": {"thinkingBudget": 0}, "stopSequences": ["x"]},
        tools=[{"functionDeclarations": WEATHER["function_declarations"]}],
        tool_config={"functionCallingConfig": {"mode": "NONE"}},
    )

    snake, camel = (r.json for r in fake.requests_to(":generateContent"))
    assert snake == camel
    assert snake["contents"][0]["parts"][1] == {"inlineData": {"mimeType": "image/png", "data": "AAAA"}}
    # the caller's own schema keys are not rewritten
    assert "unit_name" in snake["tools"][0]["functionDeclarations"][0]["parameters"]["properties"]


async def test_stream_sends_alt_sse_and_yields_typed_delta_chunks(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    stream = client.gemini.stream_generate_content(MODEL, contents="hello gemini")
    async with stream:
        chunks = [chunk async for chunk in stream]

    assert len(chunks) == fake.reply_words
    assert all(isinstance(c, GenerateContentResponse) for c in chunks)
    assert [c.finish_reason for c in chunks].count("STOP") == 1 and chunks[-1].finish_reason == "STOP"
    final = stream.final()
    assert final.text == "".join(c.text for c in chunks)
    assert final.usage_metadata == chunks[-1].usage_metadata
    assert final.candidates[0].content == Content(role="model", parts=[Part(text=final.text)])
    sent = fake.requests_to(":streamGenerateContent")[-1]
    assert sent.query == {"alt": "sse"}
    assert sent.json == {"contents": [{"role": "user", "parts": [{"text": "hello gemini"}]}]}


async def test_text_yields_answer_pieces_and_final_keeps_thoughts_apart(client: AsyncTokenHot) -> None:
    stream = client.gemini.stream_generate_content(
        MODEL, contents=ASK, generation_config={"thinking_config": {"include_thoughts": True}})
    async with stream:
        pieces = [piece async for piece in stream.text()]

    final = stream.final()
    assert "".join(pieces) == final.text
    assert final.thoughts == "Thinking about: hello gemini"
    thought, answer = final.candidates[0].content.parts  # type: ignore[union-attr]
    assert thought.thought and not answer.thought


async def test_function_calls_are_kept_whole_in_stream_and_reply(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    question = {"role": "user", "parts": [{"text": "weather in Paris"}]}
    stream = client.gemini.stream_generate_content(MODEL, contents=[question], tools=[WEATHER])
    async with stream:
        await stream.until_done()
    [call] = stream.final().function_calls
    assert call == FunctionCall(name="get_weather", args={"city": "weather in Paris", "unit_name": "C"})

    answer = await client.gemini.generate_content(MODEL, tools=[WEATHER], contents=[
        question,
        stream.final().candidates[0].content,
        {"role": "user", "parts": [{"function_response": {"name": "get_weather",
                                                          "response": {"temp_c": 18}}}]},
    ])
    assert answer.function_calls == []
    assert answer.text.startswith("Echo: weather in Paris")
    sent = fake.requests_to(":generateContent")[-1].json["contents"]
    assert sent[1] == {"role": "model", "parts": [{"functionCall": call.to_dict()}]}
    assert sent[2]["parts"] == [{"functionResponse": {"name": "get_weather",
                                                      "response": {"temp_c": 18}}}]


async def test_a_clean_end_before_any_finish_reason_gives_what_arrived(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    """The protocol has no terminator: like the official SDK, a clean end is the end."""
    fake.truncate_after(3, path=":streamGenerateContent")
    stream = client.gemini.stream_generate_content(MODEL, contents=ASK)
    async with stream:
        pieces = [piece async for piece in stream.text()]

    final = stream.final()
    assert final.text == "".join(pieces) == "Echo: hello gemini "
    assert final.finish_reason is None
    assert stream.completed


async def test_a_broken_connection_before_any_finish_reason_still_raises(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    fake.disconnect_after(3, path=":streamGenerateContent")
    stream = client.gemini.stream_generate_content(MODEL, contents=ASK)
    with pytest.raises(APIConnectionError) as caught:
        async with stream:
            await stream.until_done()

    partial = caught.value.partial
    assert isinstance(partial, GenerateContentResponse)
    assert partial.text == "Echo: hello gemini "
    assert partial.finish_reason is None
    assert not stream.completed


async def test_an_error_object_in_the_stream_raises_stream_error(
    client: AsyncTokenHot, fake: FakeTokenHot
) -> None:
    fake.error_event_after(2, path=":streamGenerateContent")
    with pytest.raises(StreamError) as caught:
        async with client.gemini.stream_generate_content(MODEL, contents=ASK) as stream:
            await stream.until_done()

    assert caught.value.error_type == "INTERNAL"
    assert "injected stream error" in str(caught.value)
    assert caught.value.partial.text == "Echo: hello "


async def test_malformed_chunks_raise_stream_error(client: AsyncTokenHot, fake: FakeTokenHot) -> None:
    fake.malformed_after(1, path=":streamGenerateContent")
    with pytest.raises(StreamError, match="malformed JSON"):
        async with client.gemini.stream_generate_content(MODEL, contents=ASK) as stream:
            await stream.until_done()


async def test_max_output_tokens_and_stop_sequences_cut_the_reply(client: AsyncTokenHot) -> None:
    short = await client.gemini.generate_content(MODEL, contents=ASK,
                                                 generation_config={"maxOutputTokens": 2})
    stopped = await client.gemini.generate_content(MODEL, contents=ASK,
                                                   generation_config={"stop_sequences": ["gemini"]})
    assert (short.text, short.finish_reason) == ("Echo: hello ", "MAX_TOKENS")
    assert (stopped.text, stopped.finish_reason) == ("Echo: hello ", "STOP")


async def test_image_parts_come_back_as_inline_data(client: AsyncTokenHot) -> None:
    reply = await client.gemini.generate_content(
        "gemini-2.5-flash-image", contents="a red square",
        generation_config={"response_modalities": ["TEXT", "IMAGE"]})

    images = [p.inline_data for p in reply.candidates[0].content.parts  # type: ignore[union-attr]
              if p.inline_data is not None]
    assert [i.mime_type for i in images] == ["image/png"]
    assert base64.b64decode(images[0].data or "").startswith(b"\x89PNG")


async def test_count_tokens_and_list_models(client: AsyncTokenHot, fake: FakeTokenHot) -> None:
    counted = await client.gemini.count_tokens(f"models/{MODEL}", contents="one two three")
    listed = await client.gemini.list_models()

    assert counted.total_tokens == 3
    assert fake.requests_to(":countTokens")[-1].path == f"/v1beta/models/{MODEL}:countTokens"
    assert MODEL in [m.id for m in listed.models]
    assert GeminiModelInfo(name=f"models/{MODEL}").id == GeminiModelInfo(name=MODEL).id == MODEL


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"contents": []}, "contents must be"),
        ({"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]}, "calls the assistant 'model'"),
        ({"contents": [{"role": "user", "parts": []}]}, r"parts must be a non-empty list"),
        ({"generation_config": {"temperature": 3}}, "temperature must be a number between"),
        ({"generation_config": {"max_output_tokens": 0}}, "maxOutputTokens must be an integer"),
        ({"system_instruction": {"text": "no parts"}}, "system_instruction must be"),
        ({"model": "a/b"}, "invalid Gemini model name"),
    ],
)
async def test_invalid_arguments_are_rejected_before_sending(
    client: AsyncTokenHot, fake: FakeTokenHot, kwargs: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {"model": MODEL, "contents": ASK, **kwargs}
    model = args.pop("model")
    with pytest.raises(InvalidRequestError, match=message):
        await client.gemini.generate_content(model, **args)
    with pytest.raises(InvalidRequestError, match=message):
        client.gemini.stream_generate_content(model, **args)
    assert fake.requests == []


# -- what the fake never does: snake_case answers, raw paths --------------------------------------


@contextlib.asynccontextmanager
async def raw_gateway(body: bytes, seen: list[str], ctype: str) -> AsyncIterator[AsyncTokenHot]:
    """A loopback server that records raw request targets and answers ``body``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(request.raw_path)
        return web.Response(body=body, headers={"Content-Type": ctype})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        async with AsyncTokenHot(api_key="sk-raw", base_url=f"http://127.0.0.1:{runner.addresses[0][1]}",
                                 max_retries=0) as th:
            yield th
    finally:
        await runner.cleanup()


async def test_snake_case_answers_are_read_and_the_colon_is_sent_literally() -> None:
    seen: list[str] = []
    chunks = (b'data: {"candidates":[{"content":{"role":"model","parts":[{"inline_data":'
              b'{"mime_type":"audio/L16;codec=pcm;rate=24000","data":"AAAA"}}]},"index":0}]}\n\n'
              b'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"done"}]},'
              b'"finish_reason":"STOP","index":0}],"usage_metadata":{"total_token_count":4}}\n\n')
    async with raw_gateway(chunks, seen, "text/event-stream") as th:
        stream: GenerateContentStream = th.gemini.stream_generate_content("gemini-2.5-flash-preview-tts",
                                                                          contents="say hi")
        async with stream:
            await stream.until_done()

    assert seen == ["/v1beta/models/gemini-2.5-flash-preview-tts:streamGenerateContent?alt=sse"]
    final = stream.final()
    audio, text = final.candidates[0].content.parts  # type: ignore[union-attr]
    assert audio.inline_data is not None
    assert audio.inline_data.mime_type == "audio/L16;codec=pcm;rate=24000"
    assert (text.text, final.finish_reason) == ("done", "STOP")
    assert final.usage_metadata is not None and final.usage_metadata.total_token_count == 4
    assert audio.to_dict() == {"inlineData": {"mimeType": "audio/L16;codec=pcm;rate=24000", "data": "AAAA"}}


async def test_a_blocked_prompt_ends_the_stream_normally() -> None:
    body = b'data: {"promptFeedback":{"blockReason":"SAFETY"}}\n\n'
    async with raw_gateway(body, [], "text/event-stream") as th:
        stream = th.gemini.stream_generate_content(MODEL, contents="bad")
        async with stream:
            await stream.until_done()
    final = stream.final()
    assert final.candidates == [] and final.text == ""
    assert final.prompt_feedback is not None and final.prompt_feedback.block_reason == "SAFETY"


# -- other clients of the protocol work against the fake unchanged --------------------------------


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_the_google_genai_sdk_works_on_v1beta_and_v1_routes(fake: FakeTokenHot) -> None:
    from google import genai  # a dev dependency: the fake must serve the official client
    from google.genai import types
    answers = []
    for version in ("v1beta", "v1"):
        sdk = genai.Client(api_key=fake.api_key,
                           http_options=types.HttpOptions(base_url=fake.base_url, api_version=version))
        answers.append((await sdk.aio.models.generate_content(model=MODEL, contents="hello gemini")).text)
        pieces = [c.text async for c in await sdk.aio.models.generate_content_stream(
            model=MODEL, contents="hello gemini")]
        answers.append("".join(pieces))
        await sdk.aio.aclose()

    assert len(set(answers)) == 1 and answers[0].startswith("Echo: hello gemini")
    assert {r.path.split("/")[1] for r in fake.requests} == {"v1beta", "v1"}
