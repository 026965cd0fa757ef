"""The unified stream is read off the native stream's own state: the same bytes give the same
reply whichever way they are read."""

from __future__ import annotations

from typing import Any

import pytest
from _feed import consume, served, split_every_byte, sse

from aiotokenhot import (
    AsyncTokenHot,
    Finish,
    InvalidRequestError,
    TextDelta,
    Usage,
)
from aiotokenhot.unified import normalize_finish

USER = [{"role": "user", "content": "hi"}]


def chunk(*choices: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": list(choices), **top}


def choice(index: int, content: str | None = None, finish: str | None = None) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    return {"index": index, "delta": delta, "finish_reason": finish}


#: n=2: choice 1 is listed first and interleaves with choice 0; choice 1 stops for length
TWO_CHOICES = sse(
    chunk(choice(1, "A1"), choice(0, "A0")),
    chunk(choice(0, "B0")),
    chunk(choice(1, "B1", "length")),
    chunk(choice(0, None, "stop")),
    chunk(usage={"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}),
    b"[DONE]",
)


def unified(th: AsyncTokenHot) -> Any:
    return th.stream(model="gpt-5.4", messages=USER)


def native(th: AsyncTokenHot) -> Any:
    return th.chat.completions.stream(model="gpt-5.4", messages=USER)


async def test_with_several_choices_the_unified_stream_follows_the_one_with_index_0() -> None:
    for chunks in split_every_byte(TWO_CHOICES):
        got = await consume(unified, chunks)
        assert got.error is None
        assert [e for e in got.items if isinstance(e, TextDelta)] == [TextDelta("A0"), TextDelta("B0")]
        assert got.items[-2:] == [Usage(3, 4, 0, 0), Finish("stop", "stop")]
        assert got.final.text == "A0B0" and got.final.finish_reason == "stop"

        mine = await consume(native, chunks)
        assert mine.error is None
        assert mine.final.choices[0].message.content == got.final.text
        assert mine.final.choices[1].message.content == "A1B1"


async def test_usage_and_finish_come_once_and_last_even_when_usage_arrives_first() -> None:
    body = sse(
        chunk(usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}),
        chunk(choice(0, None, "stop")),
        chunk(choice(0, "late")),  # a gateway that keeps sending after the finish chunk
        chunk(choice(0, None, "stop")),
        b"[DONE]",
    )
    got = await consume(unified, [body])
    kinds = [type(e).__name__ for e in got.items]
    assert kinds == ["TextDelta", "Usage", "Finish"]
    assert got.final.text == "late"


@pytest.mark.parametrize(("raw", "reason"), [
    ("network_error", "error"), ("failed", "error"), ("sensitive", "content_filter"),
    ("SAFETY_BLOCK", "content_filter"), ("", "other"), ("banana", "other"),
    ("length", "length"), ("stop", "stop"),
])
async def test_an_unknown_finish_reason_never_reads_as_stop(raw: str, reason: str) -> None:
    body = sse(chunk(choice(0, "x", raw)), b"[DONE]")
    got = await consume(unified, [body])
    assert got.items[-1] == Finish(reason, raw)  # type: ignore[arg-type]
    assert normalize_finish(raw, {"stop": "stop", "length": "length"}, False).reason == reason


async def test_unified_calls_are_checked_like_the_native_methods_before_sending() -> None:
    async with AsyncTokenHot(api_key="sk-x", base_url="http://127.0.0.1:9") as th:
        with pytest.raises(InvalidRequestError, match="temperature"):
            await th.complete(model="gpt-5.4", messages=USER, temperature=3)
        with pytest.raises(InvalidRequestError, match="temperature"):
            await th.chat.completions.create(model="gpt-5.4", messages=USER, temperature=3)  # type: ignore[list-item]
        with pytest.raises(InvalidRequestError, match="top_p"):
            th.stream(model="gpt-5.4", messages=USER, top_p=1.5)
        with pytest.raises(TypeError, match=r"stream\(\) got an unexpected keyword argument 'temprature'"):
            th.stream(model="gpt-5.4", messages=USER, temprature=1)  # type: ignore[call-arg]


async def test_the_get_final_helpers_drain_the_stream_and_return_the_final_result() -> None:
    responses_body = sse(
        {"type": "response.output_text.delta", "output_index": 0, "content_index": 0,
         "delta": "Hi"},
        {"type": "response.completed", "response": {"id": "r1", "status": "completed"}},
    )
    async with served(TWO_CHOICES) as th:
        async with native(th) as chat:
            first = await chat.__anext__()  # some read, the rest left for the helper
            assert first.choices
            done = await chat.get_final_completion()
        assert done.choices[0].message.content == "A0B0" and done is chat.final()
        async with unified(th) as s:
            reply = await s.get_final()
        assert reply.text == "A0B0" and reply.finish_reason == "stop"
    async with served(responses_body) as th, th.responses.stream(model="m", input="x") as r:
        response = await r.get_final_response()
    assert response.output_text == "Hi" and response.id == "r1"


#: events that append more than one text piece to the primary choice, or a piece together
#: with something else: every piece still comes out, in order, whatever the protocol
SEVERAL_PIECES_AT_ONCE = {
    "openai": sse(
        chunk({"index": 0, "delta": {"role": "assistant", "content": "Hel"}}),
        chunk(choice(0, "lo"), choice(0, ", ")),
        chunk({"index": 0, "delta": {"content": "wor", "reasoning_content": "think"}}),
        chunk(choice(0, "ld", "stop")),
        b"[DONE]",
    ),
    "gemini": sse(
        {"candidates": [{"index": 0, "content": {"role": "model", "parts": [
            {"text": "Hel"}, {"text": "lo"}]}}]},
        {"candidates": [{"index": 0, "content": {"parts": [{"text": "think", "thought": True},
                                                           {"text": ", wor"}]}}]},
        {"candidates": [{"index": 0, "content": {"parts": [{"text": "ld"}]},
                         "finishReason": "STOP"}]},
    ),
    "anthropic": b"".join([
        sse({"type": "message_start", "message": {
            "id": "m1", "type": "message", "role": "assistant", "model": "claude-x",
            "content": [{"type": "text", "text": "Hel"}], "usage": {"input_tokens": 1,
                                                                     "output_tokens": 1}}}),
        sse({"type": "content_block_delta", "index": 0,
             "delta": {"type": "text_delta", "text": "lo, "}}),
        sse({"type": "content_block_start", "index": 1,
             "content_block": {"type": "text", "text": "wor"}}),
        sse({"type": "content_block_delta", "index": 1,
             "delta": {"type": "text_delta", "text": "ld"}}),
        sse({"type": "message_delta", "delta": {"stop_reason": "end_turn"},
             "usage": {"output_tokens": 5}}),
        sse({"type": "message_stop"}),
    ]),
}


@pytest.mark.parametrize("protocol", sorted(SEVERAL_PIECES_AT_ONCE))
async def test_an_event_adding_several_pieces_gives_every_one_in_order(protocol: str) -> None:
    model = {"openai": "gpt-5.4", "gemini": "gemini-2.5-flash", "anthropic": "claude-x"}[protocol]
    for chunks in split_every_byte(SEVERAL_PIECES_AT_ONCE[protocol]):
        got = await consume(lambda th: th.stream(model=model, messages=USER,
                                                 protocol=protocol), chunks)
        assert got.error is None
        texts = [e.text for e in got.items if isinstance(e, TextDelta)]
        assert "".join(texts) == "Hello, world" == got.final.text
        assert isinstance(got.items[-1], Finish)
