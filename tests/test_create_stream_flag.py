"""``create(..., stream=True)`` returns the open stream, as the official SDKs do."""

from __future__ import annotations

import pytest

from aiotokenhot import AsyncTokenHot, AuthenticationError
from aiotokenhot.protocols.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionStream
from aiotokenhot.protocols.completions import TextCompletionStream
from aiotokenhot.protocols.gemini import GenerateContentResponse, GenerateContentStream
from aiotokenhot.protocols.messages import MessageStream
from aiotokenhot.protocols.responses import ResponseStream
from aiotokenhot.testing import FakeTokenHot

HELLO = [{"role": "user", "content": "Hello there"}]


async def test_chat_create_with_stream_true_streams_the_reply(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    stream = await th.chat.completions.create(model="gpt-5.4", messages=HELLO, stream=True,
                                              stream_options={"include_usage": True})
    assert isinstance(stream, ChatCompletionStream)
    assert len(fake.requests) == 1  # sent by the await, before the first chunk is read
    async with stream:
        chunks = [chunk async for chunk in stream]
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    final = stream.final()
    whole = await th.chat.completions.create(model="gpt-5.4", messages=HELLO)
    assert final.text == whole.text
    assert final.usage is not None and final.usage.total_tokens > 0
    assert fake.requests[0].json["stream"] is True
    assert "stream" not in fake.requests[1].json


async def test_stream_false_is_the_whole_reply(th: AsyncTokenHot) -> None:
    completion = await th.chat.completions.create(model="gpt-5.4", messages=HELLO, stream=False)
    assert isinstance(completion, ChatCompletion)


async def test_status_errors_surface_at_the_await(fake: FakeTokenHot) -> None:
    async with AsyncTokenHot(api_key="sk-wrong", base_url=fake.base_url, max_retries=0) as th:
        with pytest.raises(AuthenticationError):
            await th.chat.completions.create(model="gpt-5.4", messages=HELLO, stream=True)


async def test_responses_completions_messages_and_gemini_stream_too(th: AsyncTokenHot) -> None:
    responses = await th.responses.create(model="gpt-5.4", input="Hello there", stream=True)
    assert isinstance(responses, ResponseStream)
    async with responses:
        text = "".join([piece async for piece in responses.text()])
    assert text.startswith("Echo: Hello there")

    completions = await th.completions.create(model="gpt-3.5-turbo-instruct", prompt="Hello there",
                                              stream=True)
    assert isinstance(completions, TextCompletionStream)
    async with completions:
        assert "".join([p async for p in completions.text()]).strip()

    messages = await th.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=HELLO,
                                        stream=True)
    assert isinstance(messages, MessageStream)
    async with messages:
        assert "".join([p async for p in messages.text()]).startswith("Echo: Hello there")

    gemini = await th.gemini.generate_content("gemini-2.5-flash", contents="Hello there", stream=True)
    assert isinstance(gemini, GenerateContentStream)
    async with gemini:
        chunks = [c async for c in gemini]
    assert all(isinstance(c, GenerateContentResponse) for c in chunks)
    assert "Hello there" in gemini.final().text


async def test_streams_that_cannot_be_asked_for_say_so(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    from aiotokenhot import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="best_of"):
        await th.completions.create(model="gpt-3.5-turbo-instruct", prompt="x", best_of=2, stream=True)
    assert fake.requests == []
