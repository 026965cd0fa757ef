"""Property: for any stream of a protocol, ``th.stream()`` says what the native ``final()`` of
the same bytes says — text, reasoning, tool calls, finish and usage — however the bytes are cut.

Each protocol contributes a generator of random streams (:data:`GENERATORS`) and a function
that derives the expected unified reply from its native ``final()`` (:data:`DERIVE`). A stream
is served on loopback in random pieces, read once natively and once through ``th.stream()``.
To cover another protocol, add its generator, its derivation and its native opener.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pydantic_core
from _feed import served
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiotokenhot import AsyncTokenHot, Finish, ReasoningDelta, TextDelta, ToolCallDelta, Usage

USER = [{"role": "user", "content": "hi"}]
WORDS = st.text(alphabet="abcxyz é😀{}\":,", min_size=0, max_size=6)
REASONS = st.sampled_from(["stop", "length", "tool_calls", "content_filter", "network_error", ""])


@dataclass
class Reply:
    """What a reply says, in unified terms."""

    text: str
    reasoning: str
    calls: list[tuple[str, str, str]]  # id, name, raw arguments
    finish: tuple[str, str | None]
    usage: tuple[int, int, int, int] | None


def frame(data: Any, event: str | None = None) -> bytes:
    payload = data if isinstance(data, bytes) else pydantic_core.to_json(data)
    return (f"event: {event}\n".encode() if event else b"") + b"data: " + payload + b"\n\n"


# -- Chat Completions ----------------------------------------------------------------------------


@st.composite
def chat_streams(draw: st.DrawFn) -> bytes:
    """Several choices interleaved in any order, text / reasoning / tool-call pieces, a finish
    that may come early (more pieces after it) or repeat, usage on any chunk or on its own."""
    n = draw(st.integers(1, 3))
    ops: list[tuple[int, dict[str, Any]]] = []
    for index in range(n):
        calls = 0
        for _ in range(draw(st.integers(0, 6))):
            kind = draw(st.sampled_from(["content", "reasoning_content", "call", "args"]))
            if kind == "call" or (kind == "args" and calls == 0):
                call = {"index": calls, "id": f"call_{index}_{calls}", "type": "function",
                        "function": {"name": f"f{calls}", "arguments": draw(WORDS)}}
                calls += 1
                ops.append((index, {"tool_calls": [call]}))
            elif kind == "args":
                call = {"index": draw(st.integers(0, calls - 1)),
                        "function": {"arguments": draw(WORDS)}}
                ops.append((index, {"tool_calls": [call]}))
            else:
                ops.append((index, {kind: draw(WORDS)}))
        for _ in range(draw(st.integers(1, 2))):  # finish, maybe twice
            at = draw(st.integers(0, len(ops)))
            ops.insert(at, (index, {"finish": draw(REASONS)}))
    ops = draw(st.permutations(ops)) if draw(st.booleans()) else ops
    chunks: list[dict[str, Any]] = []
    while ops:
        take = draw(st.integers(1, min(3, len(ops))))
        group, ops = ops[:take], ops[take:]
        choices = []
        for index, op in group:
            finish = op.pop("finish", None)
            choices.append({"index": index, "delta": op, "finish_reason": finish})
        chunks.append({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                       "choices": choices})
    usage = {"prompt_tokens": draw(st.integers(0, 99)), "completion_tokens": draw(st.integers(0, 99)),
             "total_tokens": 0, "completion_tokens_details": {"reasoning_tokens": 2},
             "prompt_tokens_details": {"cached_tokens": 1}}
    where = draw(st.integers(-1, len(chunks)))
    if where == len(chunks):
        chunks.append({"id": "c", "object": "chat.completion.chunk", "choices": [], "usage": usage})
    elif where >= 0:
        chunks[where]["usage"] = usage
    return b"".join(frame(c) for c in chunks) + frame(b"[DONE]")


def derive_chat(final: Any) -> Reply:
    choice = next(c for c in final.choices if c.index == 0)
    message = choice.message
    calls = [(t.id, t.function.name, t.function.arguments) for t in message.tool_calls or ()]
    usage = final.usage
    return Reply(
        message.content or "", message.reasoning_content or "", calls,
        _finish(choice.finish_reason, calls, {"stop": "stop", "length": "length",
                                              "tool_calls": "tool_calls",
                                              "content_filter": "content_filter"}),
        (usage.prompt_tokens, usage.completion_tokens, 2, 1) if usage else None,
    )


# -- Responses -----------------------------------------------------------------------------------


@st.composite
def responses_streams(draw: st.DrawFn) -> bytes:
    """Reasoning, message and function-call items in any order, each streamed in pieces, then
    ``response.completed`` or ``response.incomplete`` (maybe twice) with the whole output."""
    frames: list[bytes] = []
    output: list[dict[str, Any]] = []

    def event(kind: str, **fields: Any) -> None:
        frames.append(frame({"type": kind, **fields}, event=kind))

    base = {"id": "resp_1", "object": "response", "model": "m", "status": "in_progress"}
    event("response.created", response={**base, "output": []})
    for index in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["message", "reasoning", "function_call"]))
        pieces = draw(st.lists(WORDS, max_size=4))
        if kind == "message":
            item: dict[str, Any] = {"type": "message", "id": f"m{index}", "role": "assistant",
                                    "content": []}
            event("response.output_item.added", output_index=index, item=item)
            for p in pieces:
                event("response.output_text.delta", output_index=index, content_index=0, delta=p)
            item = {**item, "content": [{"type": "output_text", "text": "".join(pieces)}]}
        elif kind == "reasoning":
            item = {"type": "reasoning", "id": f"r{index}", "summary": []}
            event("response.output_item.added", output_index=index, item=item)
            for p in pieces:
                event("response.reasoning_summary_text.delta", output_index=index,
                      summary_index=0, delta=p)
            item = {**item, "summary": [{"type": "summary_text", "text": "".join(pieces)}]}
        else:
            item = {"type": "function_call", "id": f"fc{index}", "call_id": f"call_{index}",
                    "name": f"f{index}", "arguments": ""}
            event("response.output_item.added", output_index=index, item=item)
            for p in pieces:
                event("response.function_call_arguments.delta", output_index=index, delta=p)
            item = {**item, "arguments": "".join(pieces)}
        event("response.output_item.done", output_index=index, item=item)
        output.append(item)
    end = draw(st.sampled_from(["response.completed", "response.incomplete"]))
    response: dict[str, Any] = {**base, "status": end.split(".")[1], "output": output}
    if end == "response.incomplete":
        response["incomplete_details"] = {"reason": draw(st.sampled_from(
            ["max_output_tokens", "content_filter", "network_error"]))}
    if draw(st.booleans()):
        response["usage"] = {"input_tokens": draw(st.integers(0, 99)),
                             "output_tokens": draw(st.integers(0, 99)),
                             "output_tokens_details": {"reasoning_tokens": 2},
                             "input_tokens_details": {"cached_tokens": 1}}
    for _ in range(draw(st.integers(1, 2))):
        event(end, response=response)
    return b"".join(frames)


def derive_responses(final: Any) -> Reply:
    reasoning = "".join(p.text for item in final.output if item.type == "reasoning"
                        for p in item.summary)
    calls = [(c.call_id, c.name, c.arguments) for c in final.function_calls]
    raw = final.status
    if raw == "incomplete":
        raw = (final.incomplete_details or {}).get("reason") or raw
    usage = final.usage
    return Reply(
        final.output_text, reasoning, calls,
        _finish(raw, calls, {"completed": "stop", "max_output_tokens": "length",
                             "content_filter": "content_filter"}),
        (usage.input_tokens, usage.output_tokens, 2, 1) if usage else None,
    )


# -- Anthropic Messages --------------------------------------------------------------------------

ARGS = st.dictionaries(st.sampled_from(["city", "days", "q"]),
                       st.one_of(WORDS, st.integers(-5, 99), st.lists(st.integers(0, 9), max_size=3)),
                       max_size=3)


def _split(text: str, draw: st.DrawFn) -> list[str]:
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=4)))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


@st.composite
def anthropic_streams(draw: st.DrawFn) -> bytes:
    """Text, thinking and tool_use blocks in any order, pings anywhere, tool input in pieces,
    usage at the start and in one or two message_delta events (the stop reason early, late or
    twice), then message_stop."""
    frames: list[bytes] = []

    def event(kind: str, **fields: Any) -> None:
        frames.append(frame({"type": kind, **fields}, event=kind))
        if draw(st.integers(0, 4)) == 0:
            frames.append(frame({"type": "ping"}, event="ping"))

    usage: dict[str, Any] = {"input_tokens": draw(st.integers(0, 99)), "output_tokens": 1}
    if draw(st.booleans()):
        usage["cache_read_input_tokens"] = draw(st.integers(0, 9))
    event("message_start", message={"id": "msg_1", "type": "message", "role": "assistant",
                                    "model": "claude-x", "content": [], "stop_reason": None,
                                    "stop_sequence": None, "usage": usage})
    reasons = st.sampled_from(["end_turn", "max_tokens", "tool_use", "refusal", "network_error",
                               "stop_sequence", None])
    deltas = draw(st.integers(1, 2))
    for index in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["text", "thinking", "tool_use"]))
        if kind == "text":
            event("content_block_start", index=index, content_block={"type": "text", "text": ""})
            for p in draw(st.lists(WORDS, max_size=4)):
                event("content_block_delta", index=index, delta={"type": "text_delta", "text": p})
        elif kind == "thinking":
            event("content_block_start", index=index,
                  content_block={"type": "thinking", "thinking": "", "signature": ""})
            for p in draw(st.lists(WORDS, max_size=4)):
                event("content_block_delta", index=index,
                      delta={"type": "thinking_delta", "thinking": p})
            event("content_block_delta", index=index,
                  delta={"type": "signature_delta", "signature": "c2ln"})
        else:
            event("content_block_start", index=index, content_block={
                "type": "tool_use", "id": f"toolu_{index}", "name": f"f{index}", "input": {}})
            raw = pydantic_core.to_json(draw(ARGS)).decode()
            for p in _split(raw, draw):
                event("content_block_delta", index=index,
                      delta={"type": "input_json_delta", "partial_json": p})
        event("content_block_stop", index=index)
        if deltas == 2 and draw(st.integers(0, 3)) == 0:  # a delta between blocks: early stop
            deltas -= 1
            event("message_delta", delta={"stop_reason": draw(reasons)},
                  usage={"output_tokens": draw(st.integers(0, 99))})
    for _ in range(deltas):
        event("message_delta", delta={"stop_reason": draw(reasons), "stop_sequence": None},
              usage={"output_tokens": draw(st.integers(0, 99))})
    event("message_stop")
    return b"".join(frames)


def derive_anthropic(final: Any) -> Reply:
    calls = [(b.id, b.name, pydantic_core.to_json(b.input).decode()) for b in final.tool_uses]
    u = final.usage
    cached = u.cache_read_input_tokens or 0
    return Reply(
        final.text, final.thinking, calls,
        _finish(final.stop_reason, calls, {"end_turn": "stop", "stop_sequence": "stop",
                                           "max_tokens": "length", "tool_use": "tool_calls",
                                           "refusal": "content_filter"}),
        (u.input_tokens + cached + (u.cache_creation_input_tokens or 0), u.output_tokens, 0, cached),
    )


# -- Gemini --------------------------------------------------------------------------------------


@st.composite
def gemini_streams(draw: st.DrawFn) -> bytes:
    """Several candidates listed in any order, answer / thought / function-call parts (with or
    without an id), a finish reason early, repeated or missing, usage on any chunk or alone."""
    n = draw(st.integers(1, 3))
    ops: list[tuple[int, dict[str, Any]]] = []
    for index in range(n):
        for k in range(draw(st.integers(0, 5))):
            kind = draw(st.sampled_from(["text", "thought", "call"]))
            if kind == "text":
                ops.append((index, {"text": draw(WORDS)}))
            elif kind == "thought":
                ops.append((index, {"text": draw(WORDS), "thought": True}))
            else:
                call: dict[str, Any] = {"name": f"f{k}", "args": draw(ARGS)}
                if draw(st.booleans()):
                    call["id"] = f"fc_{index}_{k}"
                ops.append((index, {"functionCall": call}))
        for _ in range(draw(st.integers(0, 2))):  # finish: missing, once or twice
            at = draw(st.integers(0, len(ops)))
            ops.insert(at, (index, {"finish": draw(st.sampled_from(
                ["STOP", "MAX_TOKENS", "SAFETY", "network_error", ""]))}))
    ops = draw(st.permutations(ops)) if draw(st.booleans()) else ops
    chunks: list[dict[str, Any]] = []
    while ops:
        take = draw(st.integers(1, min(3, len(ops))))
        group, ops = ops[:take], ops[take:]
        candidates: dict[int, dict[str, Any]] = {}
        for index, op in group:
            cand = candidates.setdefault(index, {"content": {"role": "model", "parts": []},
                                                 "index": index})
            if "finish" in op:
                cand["finishReason"] = op["finish"]
            else:
                cand["content"]["parts"].append(op)
        chunks.append({"candidates": list(candidates.values()), "responseId": "resp-1",
                       "modelVersion": "gemini-x"})
    usage = {"promptTokenCount": draw(st.integers(0, 99)),
             "candidatesTokenCount": draw(st.integers(0, 99)), "thoughtsTokenCount": 2,
             "cachedContentTokenCount": 1}
    where = draw(st.integers(-1, len(chunks)))
    if where == len(chunks) or not chunks:
        chunks.append({"usageMetadata": usage})
    elif where >= 0:
        chunks[where]["usageMetadata"] = usage
    return b"".join(frame(c) for c in chunks)


def derive_gemini(final: Any) -> Reply:
    from aiotokenhot.protocols.gemini._accumulate import function_call_id

    u = final.usage_metadata
    usage = (u.prompt_token_count or 0, (u.candidates_token_count or 0) + 2, 2, 1) if u else None
    candidate = next((c for c in final.candidates if c.index == 0), None)
    if candidate is None:
        return Reply("", "", [], ("stop", None), usage)
    parts = candidate.content.parts if candidate.content else []
    calls = []
    for p in parts:
        if p.function_call is not None:
            fn = p.function_call
            raw = pydantic_core.to_json(fn.args if fn.args is not None else {}).decode()
            calls.append((fn.id or function_call_id(final.response_id, len(calls), fn.name, raw),
                          fn.name, raw))
    return Reply(
        "".join(p.text for p in parts if p.text is not None and not p.thought),
        "".join(p.text for p in parts if p.text is not None and p.thought), calls,
        _finish(candidate.finish_reason, calls, {"STOP": "stop", "MAX_TOKENS": "length",
                                                 "SAFETY": "content_filter"}),
        usage,
    )


# -- the property ----------------------------------------------------------------------------------


def _finish(raw: str | None, calls: list[Any], known: dict[str, str]) -> tuple[str, str | None]:
    """The unified rule, written out: known names, else error / content filter / other."""
    reason = known.get(raw) if raw is not None else "stop"
    if reason is None and raw is not None:
        reason = ("error" if "error" in raw else
                  "content_filter" if any(w in raw for w in ("filter", "sensitive")) else "other")
    if reason == "stop" and calls:
        reason = "tool_calls"
    return reason, raw


def unified_reply(events: list[Any]) -> Reply:
    """The reply the unified events spell out; also checks their order."""
    *body, last = events
    assert isinstance(last, Finish)
    usage = None
    if body and isinstance(body[-1], Usage):
        *body, used = body
        usage = (used.input_tokens, used.output_tokens, used.reasoning_tokens, used.cached_tokens)
    assert not any(isinstance(e, (Usage, Finish)) for e in body), "Usage and Finish come last, once"
    calls: dict[int, list[Any]] = {}
    for e in body:
        if isinstance(e, ToolCallDelta):
            if e.index not in calls:
                assert e.index == len(calls)
                calls[e.index] = [None, None, ""]
            call = calls[e.index]
            call[0], call[1] = e.id or call[0], e.name or call[1]  # may come after arguments
            call[2] += e.arguments
    return Reply(
        "".join(e.text for e in body if isinstance(e, TextDelta)),
        "".join(e.text for e in body if isinstance(e, ReasoningDelta)),
        [(i, n, a) for i, n, a in calls.values()],
        (last.reason, last.raw_reason), usage,
    )


Opener = Callable[[AsyncTokenHot], Any]
#: protocol -> (stream generator, native opener, derivation from native final())
PROTOCOLS: dict[str, tuple[Any, Opener, Callable[[Any], Reply]]] = {
    "openai": (chat_streams(),
               lambda th: th.chat.completions.stream(model="gpt-5.4", messages=USER), derive_chat),
    "responses": (responses_streams(),
                  lambda th: th.responses.stream(model="gpt-5.4", input="hi"), derive_responses),
    "anthropic": (anthropic_streams(),
                  lambda th: th.messages.stream(model="claude-x", max_tokens=64, messages=USER),
                  derive_anthropic),
    "gemini": (gemini_streams(),
               lambda th: th.gemini.stream_generate_content("gemini-x", contents="hi"),
               derive_gemini),
}


def _pieces(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(body) + 1) for c in cuts})
    return [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True) if body[a:b]]


async def _both(protocol: str, body: bytes, pieces: list[bytes]) -> tuple[Reply, Reply, Any]:
    _, open_native, derive = PROTOCOLS[protocol]
    async with served(body, pieces=pieces) as th:
        async with open_native(th) as native:
            await native.until_done()
        async with th.stream(model="gpt-5.4", messages=USER, protocol=protocol) as unified:
            events = [e async for e in unified]
    return derive(native.final()), unified_reply(events), unified.final()


def _check(protocol: str, body: bytes, cuts: list[int]) -> None:
    expected, got, final = asyncio.run(_both(protocol, body, _pieces(body, cuts)))
    assert got == expected
    assert (final.text, final.reasoning) == (got.text, got.reasoning)
    assert [(c.id, c.name, c.raw_arguments) for c in final.tool_calls] == got.calls


PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(body=chat_streams(), cuts=st.lists(st.integers(0, 1 << 14), max_size=8))
def test_unified_chat_stream_equals_what_the_native_final_says(body: bytes, cuts: list[int]) -> None:
    _check("openai", body, cuts)


@PROPERTY
@given(body=responses_streams(), cuts=st.lists(st.integers(0, 1 << 14), max_size=8))
def test_unified_responses_stream_equals_what_the_native_final_says(body: bytes,
                                                                    cuts: list[int]) -> None:
    _check("responses", body, cuts)


@PROPERTY
@given(body=anthropic_streams(), cuts=st.lists(st.integers(0, 1 << 14), max_size=8))
def test_unified_anthropic_stream_equals_what_the_native_final_says(body: bytes,
                                                                    cuts: list[int]) -> None:
    _check("anthropic", body, cuts)


@PROPERTY
@given(body=gemini_streams(), cuts=st.lists(st.integers(0, 1 << 14), max_size=8))
def test_unified_gemini_stream_equals_what_the_native_final_says(body: bytes,
                                                                 cuts: list[int]) -> None:
    _check("gemini", body, cuts)
