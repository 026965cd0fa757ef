"""Gemini streams as real gateways write them: candidates by index, snake_case, late usage,
no finish reason at all, a finish reason not erased — whatever the read split."""

from __future__ import annotations

from typing import Any

import pytest
from _feed import consume, split_every_byte, sse

from aiotokenhot import AsyncTokenHot, Finish, IncompleteStreamError, TextDelta, Usage
from aiotokenhot.protocols.gemini import FunctionCall, GenerateContentResponse

ASK = [{"role": "user", "parts": [{"text": "hi"}]}]
USAGE = {"promptTokenCount": 3, "candidatesTokenCount": 2, "totalTokenCount": 5}


def gemini(th: AsyncTokenHot) -> Any:
    return th.gemini.stream_generate_content("gemini-2.5-flash", contents=ASK)


def cand(index: int | None, *parts: dict[str, Any], **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"content": {"role": "model", "parts": list(parts)}, **fields}
    if index is not None:
        out["index"] = index
    return out


async def finals(body: bytes) -> list[tuple[GenerateContentResponse, str]]:
    """``final()`` and the ``.text()`` pieces joined, for every read split."""
    out = []
    for chunks in split_every_byte(body):
        typed = await consume(gemini, chunks)
        assert typed.error is None, typed.error
        texts = await consume(gemini, chunks, text=True)
        assert texts.error is None, texts.error
        assert texts.final == typed.final
        out.append((typed.final, "".join(texts.items)))
    return out


async def test_a_clean_end_without_any_finish_reason_gives_what_arrived() -> None:
    for body in (sse({"candidates": [{"content": {}, "index": 0}]}),
                 sse({"candidates": [cand(0, {"text": "partial answer"})]})):
        for final, text in await finals(body):
            assert final.finish_reason is None
            assert text == final.text
            assert len(final.candidates) == 1


async def test_a_body_cut_inside_its_last_line_is_still_incomplete() -> None:
    body = sse({"candidates": [cand(0, {"text": "ab"})]}) + b'data: {"candidates": [{"con'
    got = await consume(gemini, [body])
    assert isinstance(got.error, IncompleteStreamError)
    assert got.error.partial.text == "ab"


async def test_a_later_chunk_without_finish_reason_does_not_erase_it() -> None:
    body = sse(
        {"candidates": [cand(0, {"text": "done"}, finishReason="STOP")]},
        {"candidates": [cand(0, {"text": ""})], "usageMetadata": USAGE},
    )
    for final, text in await finals(body):
        assert final.finish_reason == "STOP"
        assert (final.text, text) == ("done", "done")
        assert final.usage_metadata is not None and final.usage_metadata.total_token_count == 5


async def test_usage_in_a_chunk_after_the_finish_is_kept() -> None:
    body = sse(
        {"candidates": [cand(0, {"text": "hi"}, finishReason="STOP")]},
        {"usageMetadata": USAGE},
    )
    for final, _ in await finals(body):
        assert final.finish_reason == "STOP"
        assert final.usage_metadata is not None
        assert final.usage_metadata.prompt_token_count == 3


async def test_candidates_are_told_apart_by_their_index_field() -> None:
    body = sse(
        {"candidates": [cand(1, {"text": "B1"}), cand(0, {"text": "A0"})]},
        {"candidates": [cand(0, {"text": "A0+"})]},
        {"candidates": [cand(1, {"text": "B1+"}, finishReason="MAX_TOKENS"),
                        cand(0, {"text": ""}, finishReason="STOP")]},
    )
    for final, text in await finals(body):
        assert text == "A0A0+"  # .text() follows the candidate whose index is 0
        first, second = final.candidates
        assert (first.index, first.text, first.finish_reason) == (0, "A0A0+", "STOP")
        assert (second.index, second.text, second.finish_reason) == (1, "B1B1+", "MAX_TOKENS")


async def test_snake_case_gateways_are_read_like_camel_case() -> None:
    body = sse(
        {"candidates": [{"content": {"role": "model", "parts": [
            {"text": "checking"},
            {"function_call": {"name": "get_weather", "args": {"city": "Paris"}},
             "thought_signature": "c2ln"}]}, "index": 0}]},
        {"candidates": [{"content": {"role": "model", "parts": []}, "finish_reason": "STOP",
                         "index": 0}],
         "usage_metadata": {"prompt_token_count": 3, "total_token_count": 5},
         "response_id": "r1", "model_version": "gemini-x"},
    )
    for final, text in await finals(body):
        assert text == "checking"
        assert final.finish_reason == "STOP"
        assert final.function_calls == [FunctionCall(name="get_weather", args={"city": "Paris"})]
        parts = final.candidates[0].content.parts  # type: ignore[union-attr]
        assert parts[1].thought_signature == "c2ln"
        assert final.usage_metadata is not None and final.usage_metadata.total_token_count == 5
        assert (final.response_id, final.model_version) == ("r1", "gemini-x")


async def test_repeated_empty_stop_chunks_leave_one_finish_reason() -> None:
    empty_stop = {"candidates": [cand(0, finishReason="STOP")]}
    body = sse(empty_stop, empty_stop, {"candidates": [cand(0, {"text": "late"})]},
               empty_stop, empty_stop)
    for final, text in await finals(body):
        assert (final.text, text, final.finish_reason) == ("late", "late", "STOP")


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
async def test_the_last_chunk_without_its_blank_line_counts(newline: bytes) -> None:
    body = sse({"candidates": [cand(0, {"text": "a"})]}).replace(b"\n", newline)
    body += b'data: {"candidates": [{"content": {"parts": [{"text": "b"}]}, "finishReason": "STOP",' \
            b' "index": 0}]}' + newline
    for final, text in await finals(body):
        assert (final.text, text, final.finish_reason) == ("ab", "ab", "STOP")


# -- the same bytes through th.stream() -----------------------------------------------------------


def unified(th: AsyncTokenHot) -> Any:
    return th.stream(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])


async def unified_runs(body: bytes) -> list[Any]:
    out = []
    for chunks in split_every_byte(body):
        got = await consume(unified, chunks)
        assert got.error is None, got.error
        out.append(got)
    return out


async def test_unified_snake_case_keeps_the_function_call_and_finish() -> None:
    body = sse(
        {"candidates": [{"content": {"role": "model", "parts": [
            {"function_call": {"name": "get_weather", "args": {"city": "Paris"}}}]},
            "index": 0}]},
        {"candidates": [{"content": {"parts": []}, "finish_reason": "STOP", "index": 0}],
         "usage_metadata": {"prompt_token_count": 3, "candidates_token_count": 2}},
    )
    for got in await unified_runs(body):
        [call] = got.final.tool_calls
        assert (call.name, call.arguments) == ("get_weather", {"city": "Paris"})
        assert got.items[-2:] == [Usage(3, 2, 0, 0), Finish("tool_calls", "STOP")]


async def test_unified_usage_after_the_finish_chunk_is_kept_whatever_the_split() -> None:
    body = sse(
        {"candidates": [cand(0, {"text": "hi"}, finishReason="STOP")]},
        {"usageMetadata": USAGE},
    )
    for got in await unified_runs(body):
        assert got.items == [TextDelta("hi"), Usage(3, 2, 0, 0), Finish("stop", "STOP")]


async def test_unified_repeated_empty_stop_chunks_give_one_finish_last() -> None:
    empty_stop = {"candidates": [cand(0, finishReason="STOP")]}
    body = sse(empty_stop, empty_stop, {"candidates": [cand(0, {"text": "late"})]},
               empty_stop, empty_stop)
    for got in await unified_runs(body):
        assert got.items == [TextDelta("late"), Finish("stop", "STOP")]


async def test_unified_follows_the_candidate_whose_index_is_0() -> None:
    body = sse(
        {"candidates": [cand(1, {"text": "B1"}), cand(0, {"text": "A0"})]},
        {"candidates": [cand(1, {"text": "B1+"}, finishReason="MAX_TOKENS"),
                        cand(0, {"text": "A0+"}, finishReason="STOP")]},
    )
    for got in await unified_runs(body):
        assert [e for e in got.items if isinstance(e, TextDelta)] == [TextDelta("A0"),
                                                                       TextDelta("A0+")]
        assert got.items[-1] == Finish("stop", "STOP")


async def test_unified_later_chunk_without_finish_reason_does_not_erase_it() -> None:
    body = sse(
        {"candidates": [cand(0, {"text": "x"}, finishReason="MAX_TOKENS")]},
        {"candidates": [cand(0, {"text": ""})], "usageMetadata": USAGE},
    )
    for got in await unified_runs(body):
        assert got.items[-1] == Finish("length", "MAX_TOKENS")


async def test_unified_clean_end_without_finish_reason() -> None:
    for got in await unified_runs(sse({"candidates": [{"content": {}, "index": 0}]})):
        assert got.items == [Finish("stop", None)]  # raw_reason None: no reason was sent
