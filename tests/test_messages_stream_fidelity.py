"""Anthropic Messages streams as real gateways write them: every field kept, cut tools read,
unknown blocks kept, the last event without its blank line — whatever the read split."""

from __future__ import annotations

from typing import Any

from _feed import consume, split_every_byte

from aiotokenhot import AsyncTokenHot, Finish, TextDelta, ToolCallDelta
from aiotokenhot.protocols.messages import (
    ContentBlockDeltaEvent,
    Message,
    MessageDeltaEvent,
    TextBlock,
    ToolUseBlock,
    UnknownBlock,
    UnknownDelta,
)

USER = [{"role": "user", "content": "hi"}]


def frames(*events: dict[str, Any]) -> bytes:
    import pydantic_core

    return b"".join(b"event: " + e["type"].encode() + b"\ndata: " + pydantic_core.to_json(e)
                    + b"\n\n" for e in events)


def start(**usage: int) -> dict[str, Any]:
    return {"type": "message_start", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x", "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": usage or {"input_tokens": 5, "output_tokens": 1}}}


def block(index: int, **content: Any) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": content}


def delta(index: int, **d: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": d}


def stop_block(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def message_delta(usage: dict[str, Any] | None = None, **d: Any) -> dict[str, Any]:
    return {"type": "message_delta", "delta": d, "usage": usage or {"output_tokens": 7}}


STOP = {"type": "message_stop"}
PING = {"type": "ping"}


def messages(th: AsyncTokenHot) -> Any:
    return th.messages.stream(model="claude-x", max_tokens=64, messages=USER)


async def finals(body: bytes) -> list[tuple[Message, str]]:
    """``final()`` and the text for every read split, over typed events and over ``.text()``."""
    out = []
    for chunks in split_every_byte(body):
        typed = await consume(messages, chunks)
        assert typed.error is None, typed.error
        texts = await consume(messages, chunks, text=True)
        assert texts.error is None, texts.error
        assert texts.final == typed.final
        out.append((typed.final, "".join(texts.items)))
    return out


async def test_every_field_of_message_delta_is_kept_in_final() -> None:
    details = {"type": "refusal", "category": "cyber", "explanation": "refused by policy"}
    body = frames(
        start(), block(0, type="text", text=""), delta(0, type="text_delta", text="No."),
        stop_block(0),
        message_delta(stop_reason="refusal", stop_sequence=None, stop_details=details,
                      container={"id": "c1"}),
        message_delta({"output_tokens": 9, "server_tool_use": {"web_search_requests": 1}},
                      stop_reason=None),  # a later delta without a value erases nothing
        STOP,
    )
    for final, text in await finals(body):
        assert text == final.text == "No."
        assert final.stop_reason == "refusal"
        assert final.model_extra is not None
        assert final.model_extra["stop_details"] == details
        assert final.model_extra["container"] == {"id": "c1"}
        assert final.usage.output_tokens == 9
        assert final.usage.input_tokens == 5
        assert final.usage.model_extra == {"server_tool_use": {"web_search_requests": 1}}

    events = (await consume(messages, [body])).items
    [first_delta, _] = [e for e in events if isinstance(e, MessageDeltaEvent)]
    assert first_delta.delta.model_extra == {"stop_details": details, "container": {"id": "c1"}}


async def test_a_stream_cut_by_max_tokens_inside_tool_input_reads_what_arrived() -> None:
    pieces = ['{"city": "Par', 'is", "days": [1, 2', ', 3], "note": "unfini']
    body = frames(
        start(),
        block(0, type="text", text=""), delta(0, type="text_delta", text="Let me look."),
        stop_block(0),
        block(1, type="tool_use", id="toolu_1", name="get_weather", input={}),
        *(delta(1, type="input_json_delta", partial_json=p) for p in pieces),
        # no content_block_stop: the model ran out of tokens inside the input
        message_delta(stop_reason="max_tokens"), STOP,
    )
    for final, text in await finals(body):
        assert text == "Let me look."
        assert final.stop_reason == "max_tokens"
        [call] = final.tool_uses
        assert call.input == {"city": "Paris", "days": [1, 2, 3]}  # the cut string is dropped
        assert call.model_extra == {"partial_json": "".join(pieces)}


async def test_a_tool_input_that_stopped_whole_is_parsed_and_keeps_no_raw_text() -> None:
    body = frames(
        start(), block(0, type="tool_use", id="toolu_1", name="f", input={}),
        delta(0, type="input_json_delta", partial_json='{"a": '),
        delta(0, type="input_json_delta", partial_json="[1]}"),
        stop_block(0), message_delta(stop_reason="tool_use"), STOP,
    )
    for final, _ in await finals(body):
        assert final.content == [ToolUseBlock(id="toolu_1", name="f", input={"a": [1]})]


async def test_unknown_blocks_and_deltas_are_kept_with_their_fields() -> None:
    body = frames(
        start(),
        block(0, type="compaction", content=None, encrypted_content=None),
        PING,
        delta(0, type="compaction_delta", content="Earlier turns, ", encrypted_content="EpwB"),
        delta(0, type="compaction_delta", content="summarized."),
        stop_block(0),
        block(1, type="fallback", trigger={"type": "refusal"}),
        stop_block(1),
        block(2, type="text", text=""), delta(2, type="text_delta", text="Hello"),
        stop_block(2), message_delta(stop_reason="end_turn"), STOP,
    )
    for final, text in await finals(body):
        assert text == "Hello"
        compaction, fallback, hello = final.content
        assert isinstance(compaction, UnknownBlock) and compaction.type == "compaction"
        assert compaction.model_extra == {"content": "Earlier turns, summarized.",
                                          "encrypted_content": "EpwB"}
        assert isinstance(fallback, UnknownBlock)
        assert fallback.model_extra == {"trigger": {"type": "refusal"}}
        assert hello == TextBlock(text="Hello")

    events = (await consume(messages, [body])).items
    unknown = [e.delta for e in events
               if isinstance(e, ContentBlockDeltaEvent) and isinstance(e.delta, UnknownDelta)]
    assert [d.type for d in unknown] == ["compaction_delta", "compaction_delta"]
    assert unknown[0].model_extra == {"content": "Earlier turns, ", "encrypted_content": "EpwB"}


async def test_message_stop_without_its_blank_line_still_ends_the_stream() -> None:
    body = frames(start(), block(0, type="text", text=""), delta(0, type="text_delta", text="ok"),
                  stop_block(0), message_delta(stop_reason="end_turn"))
    for ending in (b'event: message_stop\ndata: {"type":"message_stop"}\n',
                   b'event: message_stop\r\ndata: {"type":"message_stop"}\r\n'):
        for final, text in await finals(body + ending):
            assert (final.text, text, final.stop_reason) == ("ok", "ok", "end_turn")


async def test_the_official_sdk_names_read_the_same_stream() -> None:
    body = frames(start(), block(0, type="text", text=""), delta(0, type="text_delta", text="a"),
                  PING, delta(0, type="text_delta", text="b"), stop_block(0),
                  message_delta(stop_reason="end_turn"), STOP)

    async def read(th: AsyncTokenHot) -> Any:
        stream = messages(th)
        async with stream:
            pieces = [p async for p in stream.text_stream]
            message = await stream.get_final_message()
            text = await stream.get_final_text()
        return pieces, message, text

    async def drained(th: AsyncTokenHot) -> Any:
        async with messages(th) as stream:  # get_final_message reads the rest itself
            return await stream.get_final_message()

    from _feed import served

    async with served(body) as th:
        pieces, message, text = await read(th)
        assert pieces == ["a", "b"] and message.text == text == "ab"
        assert (await drained(th)).text == "ab"


# -- the same bytes through th.stream() -----------------------------------------------------------


def unified(th: AsyncTokenHot) -> Any:
    return th.stream(model="claude-x", messages=USER)


async def test_unified_tool_input_cut_by_max_tokens_is_read_leniently() -> None:
    pieces = ['{"city": "Par', 'is", "days": [1, 2']
    body = frames(
        start(), block(0, type="tool_use", id="toolu_1", name="get_weather", input={}),
        *(delta(0, type="input_json_delta", partial_json=p) for p in pieces),
        message_delta(stop_reason="max_tokens"), STOP,
    )
    for chunks in split_every_byte(body):
        got = await consume(unified, chunks)
        assert got.error is None, got.error
        [call] = got.final.tool_calls
        assert call.arguments == {"city": "Paris", "days": [1, 2]}
        assert call.raw_arguments == "".join(pieces)  # the text that arrived
        assert "".join(e.arguments for e in got.items if isinstance(e, ToolCallDelta)) == \
            call.raw_arguments
        assert got.items[-1] == Finish("length", "max_tokens")


async def test_unified_unknown_stop_reason_and_blocks() -> None:
    body = frames(
        start(), block(0, type="compaction", content="summary"), stop_block(0),
        block(1, type="text", text=""), delta(1, type="text_delta", text="ok"), stop_block(1),
        message_delta(stop_reason="network_error"), STOP,
    )
    got = await consume(unified, [body])
    assert got.items[0] == TextDelta("ok")
    assert got.items[-1] == Finish("error", "network_error")
    assert got.final.raw.content[0].model_extra == {"content": "summary"}


async def test_a_stray_done_line_from_an_openai_minded_gateway_is_no_event() -> None:
    body = (frames(start(), block(0, type="text", text=""), delta(0, type="text_delta", text="hi"))
            + b"data: [DONE]\n\n"
            + frames(stop_block(0), message_delta(stop_reason="end_turn"), STOP))
    for final, text in await finals(body):
        assert (final.text, text, final.stop_reason) == ("hi", "hi", "end_turn")
    typed = await consume(messages, [body])
    assert [e.type for e in typed.items] == ["message_start", "content_block_start",
                                             "content_block_delta", "content_block_stop",
                                             "message_delta", "message_stop"]
