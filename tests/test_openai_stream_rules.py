"""How the OpenAI-family streams read real-world input, each rule on the native stream (typed
events and ``.text()``) and on ``th.stream()``, with the bytes cut into reads at every position."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _feed import Outcome, consume, split_every_byte, sse
from hypothesis import given, settings
from hypothesis import strategies as st

from aiotokenhot import (
    AsyncTokenHot,
    Finish,
    ReasoningDelta,
    StreamError,
    TextDelta,
    ToolCallDelta,
)
from aiotokenhot.protocols.responses import ResponseReasoningSummaryTextDeltaEvent

USER = [{"role": "user", "content": "hi"}]


def chat_native(th: AsyncTokenHot) -> Any:
    return th.chat.completions.stream(model="gpt-5.4", messages=USER)


def chat_unified(th: AsyncTokenHot) -> Any:
    return th.stream(model="gpt-5.4", messages=USER)


def responses_native(th: AsyncTokenHot) -> Any:
    return th.responses.stream(model="gpt-5.4", input="hi")


def responses_unified(th: AsyncTokenHot) -> Any:
    return th.stream(model="gpt-5.4", messages=USER, protocol="responses")


def chunk(*choices: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 7, "model": "m",
            "choices": list(choices), **top}


def delta(index: int = 0, finish: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"index": index, "delta": fields, "finish_reason": finish}


async def every_split(opener: Any, body: bytes, *, text: bool = False) -> list[Outcome]:
    return [await consume(opener, chunks, text=text) for chunks in split_every_byte(body)]


def unified_text(items: list[Any]) -> list[str]:
    return [e.text for e in items if isinstance(e, TextDelta)]


# -- 1: an error object beside choices --------------------------------------------------------


IN_BAND_ERROR = sse(
    chunk(delta(role="assistant", content="Hel")),
    chunk(delta(content="", finish="error"),
          error={"code": "server_error", "message": "Provider disconnected"}),
    b"[DONE]",
)


async def test_an_error_object_beside_choices_is_a_stream_error_with_the_partial_reply() -> None:
    for got in await every_split(chat_native, IN_BAND_ERROR):
        assert isinstance(got.error, StreamError)
        assert "Provider disconnected" in got.error.message
        assert got.error.error_type == "server_error"
        assert got.error.partial.choices[0].message.content == "Hel"
    for got in await every_split(chat_unified, IN_BAND_ERROR):
        assert isinstance(got.error, StreamError)
        assert "Provider disconnected" in got.error.message
        assert got.error.partial.text == "Hel" and got.error.partial.finish is None


# -- 2: a character cut between its UTF-16 halves ----------------------------------------------

SPLIT_EMOJI_CHAT = (
    b'data: {"choices":[{"index":0,"delta":{"content":"ab\\ud83d"}}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{"content":"\\ude00c"},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


def _no_lone_surrogate(pieces: list[str]) -> bool:
    return not any("\ud800" <= ch <= "\udfff" for piece in pieces for ch in piece)


async def test_surrogate_halves_in_two_chat_pieces_join_into_one_character() -> None:
    for got in await every_split(chat_native, SPLIT_EMOJI_CHAT):
        assert got.error is None
        pieces = [c.choices[0].delta.content for c in got.items]
        assert pieces == ["ab", "😀c"] and _no_lone_surrogate(pieces)
        assert got.final.choices[0].message.content == "ab😀c"
    for got in await every_split(chat_native, SPLIT_EMOJI_CHAT, text=True):
        assert got.items == ["ab", "😀c"]
    for got in await every_split(chat_unified, SPLIT_EMOJI_CHAT):
        assert unified_text(got.items) == ["ab", "😀c"] and got.final.text == "ab😀c"


SPLIT_EMOJI_RESPONSES = b"".join([
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",'
    b'"output_index":0,"content_index":0,"delta":"ab\\ud83d"}\n\n',
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",'
    b'"output_index":0,"content_index":0,"delta":"\\ude00c"}\n\n',
    sse({"type": "response.completed", "response": {"id": "r", "status": "completed"}},
        event="response.completed"),
])


async def test_surrogate_halves_in_two_responses_pieces_join_into_one_character() -> None:
    for got in await every_split(responses_native, SPLIT_EMOJI_RESPONSES, text=True):
        assert got.error is None
        assert got.items == ["ab", "😀c"] and got.final.output_text == "ab😀c"
    got = await consume(responses_native, [SPLIT_EMOJI_RESPONSES])
    assert [e.delta for e in got.items[:2]] == ["ab", "😀c"]
    for got in await every_split(responses_unified, SPLIT_EMOJI_RESPONSES):
        assert unified_text(got.items) == ["ab", "😀c"] and got.final.text == "ab😀c"


# -- 3: parallel tool calls told apart by id ---------------------------------------------------


def _call(call_id: str | None, name: str | None, arguments: str,
          index: int | None = 0) -> dict[str, Any]:
    call: dict[str, Any] = {"function": {"arguments": arguments}}
    if index is not None:
        call["index"] = index
    if call_id is not None:
        call.update(id=call_id, type="function")
        call["function"]["name"] = name
    return call


@pytest.mark.parametrize("index", [0, None], ids=["same index", "no index"])
async def test_parallel_tool_calls_with_one_index_are_split_by_id(index: int | None) -> None:
    body = sse(
        chunk(delta(role="assistant", tool_calls=[_call("call_a", "f", '{"x":', index)])),
        chunk(delta(tool_calls=[_call(None, None, "1}", index)])),
        chunk(delta(tool_calls=[_call("call_b", "g", '{"y":', index)])),
        chunk(delta(tool_calls=[_call(None, None, "2}", index)], finish="tool_calls")),
        b"[DONE]",
    )
    for got in await every_split(chat_native, body):
        calls = got.final.choices[0].message.tool_calls
        assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
            ("call_a", "f", '{"x":1}'), ("call_b", "g", '{"y":2}')]
    for got in await every_split(chat_unified, body):
        starts = [e for e in got.items if isinstance(e, ToolCallDelta) and e.id]
        assert [(e.index, e.id, e.name) for e in starts] == [(0, "call_a", "f"), (1, "call_b", "g")]
        assert [(c.id, c.arguments) for c in got.final.tool_calls] == [
            ("call_a", {"x": 1}), ("call_b", {"y": 2})]
        assert got.items[-1] == Finish("tool_calls", "tool_calls")


# -- 4: null delta, null choices ---------------------------------------------------------------

NULLS = sse(
    chunk(delta(role="assistant", content="ok")),
    chunk({"index": 0, "delta": None, "finish_reason": "stop"}),
    {**chunk(usage={"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3}),
     "choices": None},
    b"[DONE]",
)


async def test_null_delta_and_null_choices_read_as_empty() -> None:
    for got in await every_split(chat_native, NULLS):
        assert got.error is None
        assert [c.choices[0].delta.content if c.choices else None for c in got.items] == [
            "ok", None, None]
        assert got.final.choices[0].finish_reason == "stop"
        assert got.final.usage is not None and got.final.usage.total_tokens == 3
    for got in await every_split(chat_unified, NULLS):
        assert got.final.text == "ok" and got.final.usage is not None
        assert got.items[-1] == Finish("stop", "stop")


# -- 5: a refusal ------------------------------------------------------------------------------

REFUSAL = sse(
    chunk(delta(role="assistant", content=None, refusal="")),
    chunk(delta(refusal="I can't ")),
    chunk(delta(refusal="help with that.")),
    chunk(delta(finish="stop")),
    b"[DONE]",
)


async def test_a_refusal_keeps_content_none_and_the_refusal_text() -> None:
    for got in await every_split(chat_native, REFUSAL):
        message = got.final.choices[0].message
        assert message.content is None and message.refusal == "I can't help with that."
    got = await consume(chat_unified, [REFUSAL])
    assert got.final.text == "" and unified_text(got.items) == []


# -- 6: per-chunk fields -----------------------------------------------------------------------

PADDED = sse(
    chunk(delta(role="assistant", content="He"), obfuscation="x1"),
    chunk(delta(content="llo"), obfuscation="yy22"),
    chunk(delta(finish="stop"), obfuscation="z"),
    b"[DONE]",
)


async def test_per_chunk_padding_stays_on_its_chunk_and_out_of_final() -> None:
    for got in await every_split(chat_native, PADDED):
        assert [c.model_extra for c in got.items] == [
            {"obfuscation": "x1"}, {"obfuscation": "yy22"}, {"obfuscation": "z"}]
        assert got.final.model_extra == {} and got.final.choices[0].message.content == "Hello"


# -- 12: the data's type decides ---------------------------------------------------------------

MISNAMED = b"".join([
    sse({"type": "response.reasoning_summary_text.delta", "output_index": 0,
         "summary_index": 0, "delta": "thinking"}, event="response.output_text.delta"),
    sse({"type": "response.output_text.delta", "output_index": 1, "content_index": 0,
         "delta": "answer"}, event="response.output_text.delta"),
    sse({"type": "response.completed", "response": {"id": "r", "status": "completed"}},
        event="response.completed"),
])


async def test_a_responses_event_is_what_its_data_says_not_its_sse_name() -> None:
    for got in await every_split(responses_native, MISNAMED):
        assert isinstance(got.items[0], ResponseReasoningSummaryTextDeltaEvent)
        assert got.final.output_text == "answer"
    for got in await every_split(responses_native, MISNAMED, text=True):
        assert got.items == ["answer"]
    for got in await every_split(responses_unified, MISNAMED):
        assert got.items[:2] == [ReasoningDelta("thinking"), TextDelta("answer")]


async def test_an_unknown_incomplete_reason_is_not_a_stop() -> None:
    body = sse({"type": "response.incomplete", "response": {
        "id": "r", "status": "incomplete", "incomplete_details": {"reason": "network_error"}}})
    got = await consume(responses_unified, [body])
    assert got.items[-1] == Finish("error", "network_error")


# -- 14: an empty first chunk ------------------------------------------------------------------

AZURE = sse(
    {"id": "", "object": "", "model": "", "created": 0, "choices": [],
     "prompt_filter_results": [{"prompt_index": 0}]},
    {"id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1700000000,
     "model": "gpt-4o", "choices": [delta(role="assistant", content="Hi", finish="stop")]},
    b"[DONE]",
)


async def test_the_first_non_empty_id_model_and_created_are_the_replys() -> None:
    for got in await every_split(chat_native, AZURE):
        final = got.final
        assert (final.id, final.model, final.created) == ("chatcmpl-9", "gpt-4o", 1700000000)
        assert final.choices[0].message.content == "Hi"
    got = await consume(chat_unified, [AZURE])
    assert (got.final.id, got.final.model) == ("chatcmpl-9", "gpt-4o")


def _escaped(units: list[int]) -> bytes:
    """UTF-16 code units written as JSON ``\\uXXXX`` escapes."""
    return "".join(f"\\u{u:04x}" for u in units).encode()


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("a😀é🎉z"), min_size=1, max_size=8),
       cuts=st.lists(st.integers(0, 16), max_size=4))
def test_text_cut_anywhere_between_utf16_units_comes_back_whole(text: str, cuts: list[int]) -> None:
    raw = text.encode("utf-16-le")
    units = [int.from_bytes(raw[i:i + 2], "little") for i in range(0, len(raw), 2)]
    points = sorted({c % (len(units) + 1) for c in cuts})
    parts = [units[a:b] for a, b in zip([0, *points], [*points, len(units)], strict=True)]
    body = b"".join(
        b'data: {"choices":[{"index":0,"delta":{"content":"' + _escaped(p) + b'"}}]}\n\n'
        for p in parts
    ) + b"data: [DONE]\n\n"
    got = asyncio.run(consume(chat_native, [body], text=True))
    assert got.error is None
    assert "".join(got.items) == text and _no_lone_surrogate(got.items)
