"""Hostile input: the SSE decoder and every protocol's stream mapper under arbitrary bytes.

The contract: right events, or one of the SDK's typed errors (``TokenHotError`` subclasses) —
never another exception, never a hang, never unbounded memory. Mappers are fed through a stub
response (no socket), so hypothesis can try thousands of streams quickly.
"""

from __future__ import annotations

import asyncio
import os
import re
import tracemalloc
from contextlib import nullcontext
from typing import Any

import pydantic_core
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from aiotokenhot import (
    AsyncTokenHot,
    EventTooLargeError,
    IncompleteStreamError,
    StreamError,
    TokenHotError,
)
from aiotokenhot.streams import SSEDecoder, SSEEvent

from ._protocols import PROTOCOLS, Proto, capture, expected_text, frames, protocol_params
from ._servers import StubResponse

PROMPT = "hostile input prompt"
each_protocol = pytest.mark.parametrize("proto", protocol_params())
#: Mapper fuzzing is derandomized in the default run, so a failure it finds is reproducible;
#: AIOTOKENHOT_FUZZ_DEEP=1 explores fresh random streams, many more of them.
DEEP = bool(os.environ.get("AIOTOKENHOT_FUZZ_DEEP"))
FUZZ = settings(max_examples=3000 if DEEP else 60, derandomize=not DEEP, database=None,
                deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- a reference decoder, written straight from the WHATWG rules -----------------------------


def reference_decode(raw: bytes) -> list[SSEEvent]:
    """The event-stream rules, line by line, with no buffering cleverness (the oracle)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines = re.split(rb"\r\n|\r|\n", raw)[:-1]  # the last piece has no line end: not a line
    events: list[SSEEvent] = []
    data: list[bytes] = []
    event, last_id, retry = "", None, None
    for line in lines:
        if not line:
            if data:
                events.append(SSEEvent(event or "message", b"\n".join(data), last_id, retry))
            data, event, retry = [], "", None
            continue
        if line.startswith(b":"):
            continue
        name, colon, value = line.partition(b":")
        if colon and value.startswith(b" "):
            value = value[1:]
        if name == b"data":
            data.append(value)
        elif name == b"event":
            event = value.decode("utf-8", "replace")
        elif name == b"id" and b"\x00" not in value:
            last_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            retry = int(value)
    return events


_TOKENS = st.sampled_from([
    b"data", b"data:", b"data: ", b"event:", b"event: x", b"id:", b"id: 7", b"retry:", b"retry: 15",
    b"retry: x", b":", b": PING", b" ", b"x", b"{}", b"\n", b"\r", b"\r\n", b"\n\n", b"\x00",
    b"\xef\xbb\xbf", b"\xc3", b"\xa9", "é".encode(), b"::", b"data:data: ",
])


@st.composite
def chopped(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    raw = b"".join(draw(st.lists(_TOKENS, max_size=40)))
    cuts = sorted(draw(st.lists(st.integers(0, len(raw)), max_size=10)))
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    return raw, pieces


@settings(max_examples=400, deadline=None)
@given(chopped())
def test_decoder_agrees_with_the_reference_on_any_split(case: tuple[bytes, list[bytes]]) -> None:
    raw, pieces = case
    decoder = SSEDecoder(max_event_size=1 << 20)
    got = [ev for piece in pieces for ev in decoder.feed(piece)]
    assert got == reference_decode(raw)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000), st.integers(1, 64))
def test_decoder_events_never_exceed_the_limit(raw: bytes, limit: int) -> None:
    decoder = SSEDecoder(max_event_size=limit)
    try:
        for i in range(0, len(raw), 17):
            for ev in decoder.feed(raw[i:i + 17]):
                assert len(ev.data) <= limit
    except EventTooLargeError as exc:
        assert exc.limit == limit


@pytest.mark.parametrize("shape", ["one endless line", "endless data lines", "endless comments"])
def test_decoder_memory_is_bounded(shape: str) -> None:
    """64 MiB of input that never completes an event: the decoder stops at its limit.

    Comments are dropped as they come, so an endless run of them is no event at all and is fed
    to the end without growing.
    """
    limit = 1 << 20
    piece = {"one endless line": b"A" * 65536, "endless data lines": b"data: " + b"B" * 1018 + b"\n",
             "endless comments": b": " + b"C" * 1021 + b"\n"}[shape]
    decoder = SSEDecoder(max_event_size=limit)
    fed = 0
    tracemalloc.start()
    try:
        with pytest.raises(EventTooLargeError) if shape != "endless comments" else nullcontext():
            while fed < 64 << 20:
                assert decoder.feed(piece) == []
                fed += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * limit
    if shape != "endless comments":
        assert fed <= 2 * limit  # stopped near the limit, not at the end of the input


# -- protocol mappers via a stub response -------------------------------------------------------


def captured(proto: Proto) -> bytes:
    """A valid stream for ``proto`` (recorded from the fake gateway once per session)."""
    return asyncio.run(capture(proto, PROMPT))


async def _consume(proto: Proto, chunks: list[bytes], max_event_size: int) -> tuple[list[Any], Any]:
    th = AsyncTokenHot(api_key="sk-hostile", base_url="http://127.0.0.1:9", max_retries=0,
                       max_event_size=max_event_size)
    stub = StubResponse(chunks)

    async def open_stub(*args: Any, **kwargs: Any) -> Any:
        return stub

    th._transport.open = open_stub  # type: ignore[method-assign]
    events: list[Any] = []
    stream = proto.open(th, PROMPT)
    try:
        async with stream:
            async for event in stream:
                events.append(event)
        return events, stream.final()
    finally:
        assert stub.closed, "the response was not released"


def feed(proto: Proto, chunks: list[bytes], *, max_event_size: int = 1 << 20
         ) -> tuple[list[Any], Any] | TokenHotError:
    """Run the mapper over ``chunks``: its events and final(), or the typed error it raised.

    Any other exception propagates (and fails the test); so does a hang (``wait_for``).
    """
    try:
        return asyncio.run(asyncio.wait_for(_consume(proto, chunks, max_event_size), 5))
    except TokenHotError as exc:
        assert isinstance(str(exc), str)
        return exc


def split(raw: bytes, cuts: list[int]) -> list[bytes]:
    cuts = sorted({c % (len(raw) + 1) for c in cuts})
    return [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True) if raw[a:b]]


#: Streams whose JSON has a wrong shape, found by the fuzzers when they still escaped as bare
#: KeyError/TypeError/AttributeError. The stream base now turns any such mapper failure into a
#: StreamError; ``test_wrong_shape_events_are_stream_errors`` keeps each one pinned.
DEFECTS = {
    # a unified fold that indexed the parsed JSON without checking its shape
    "unified-openai": (b'data: {"choices": [true]}\n\n',
                       "unified chat mapper: AttributeError on a non-object choice"),
    "unified-responses": (b"event: response.output_text.delta\ndata: {}\n\n",
                          "unified responses mapper: KeyError 'delta' on an event missing it"),
    "unified-anthropic": (b'event: content_block_delta\ndata: {"type": "content_block_delta",'
                          b' "index": 0, "delta": null}\n\n',
                          "unified anthropic mapper: TypeError on a null delta"),
    "unified-gemini": (b'data: {"candidates": [null]}\n\n',
                       "unified gemini mapper: AttributeError on a null candidate"),
    # aiotokenhot/protocols/responses/_types.py: _item_tag does `kind in _ITEM_CLASSES` with an
    # unhashable kind; pydantic lets the discriminator's TypeError through
    "responses": (b'event: response.output_item.added\ndata: {"type": "response.output_item.added",'
                  b' "output_index": 0, "item": {"type": {}}}\n\n',
                  "responses item discriminator: TypeError on a non-string item type"),
}


@pytest.mark.parametrize(
    ("proto", "raw"),
    [pytest.param(p, DEFECTS[p.name][0], id=p.name) for p in PROTOCOLS if p.name in DEFECTS],
)
def test_wrong_shape_events_are_stream_errors(proto: Proto, raw: bytes) -> None:
    result = feed(proto, [raw])
    assert isinstance(result, StreamError), result
    assert "unexpected" in result.message and "shape" in result.message


@each_protocol
@FUZZ
@given(cuts=st.lists(st.integers(0, 1 << 16), max_size=30))
def test_any_split_of_a_valid_stream_gives_the_same_events(proto: Proto, cuts: list[int]) -> None:
    raw = captured(proto)
    whole = feed(proto, [raw])
    assert not isinstance(whole, TokenHotError), whole
    result = feed(proto, split(raw, cuts))
    assert not isinstance(result, TokenHotError), result
    events, final = result
    assert [repr(e) for e in events] == [repr(e) for e in whole[0]]
    assert proto.read_text(final) == expected_text(PROMPT, 12)


@each_protocol
def test_one_byte_at_a_time(proto: Proto) -> None:
    raw = captured(proto)
    result = feed(proto, [raw[i:i + 1] for i in range(len(raw))])
    assert not isinstance(result, TokenHotError), result
    assert proto.read_text(result[1]) == expected_text(PROMPT, 12)


@each_protocol
@FUZZ
@given(data=st.binary(max_size=600), cuts=st.lists(st.integers(0, 600), max_size=6))
def test_arbitrary_bytes_give_typed_errors_only(proto: Proto, data: bytes, cuts: list[int]) -> None:
    feed(proto, split(data, cuts), max_event_size=512)


@each_protocol
@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 8), st.binary(max_size=6)),
                      min_size=1, max_size=4))
def test_byte_level_corruption_of_a_valid_stream(proto: Proto,
                                                 edits: list[tuple[int, int, bytes]]) -> None:
    """Deleted, inserted and overwritten bytes anywhere in a valid stream."""
    raw = bytearray(captured(proto))
    for at, drop, insert in edits:
        at %= len(raw) + 1
        raw[at:at + drop] = insert
    feed(proto, split(bytes(raw), [len(raw) // 3, len(raw) // 2]))


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "index", "delta", "text", "choices", "content", "error",
                         "candidates", "parts", "role", "id", "message", "usage", "x"]),
        inner, max_size=4),
    max_leaves=12,
)


def _replace_somewhere(data: st.DrawFn, value: Any) -> Any:
    """Walk into ``value`` and swap one node for a random JSON value (or drop a key)."""
    if isinstance(value, dict) and value and data(st.booleans()):
        key = data(st.sampled_from(sorted(value)))
        if data(st.integers(0, 5)) == 0:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: _replace_somewhere(data, value[key])}
    if isinstance(value, list) and value and data(st.booleans()):
        i = data(st.integers(0, len(value) - 1))
        return [*value[:i], _replace_somewhere(data, value[i]), *value[i + 1:]]
    return data(_json)


@st.composite
def mutated_stream(draw: st.DrawFn, raw: bytes) -> bytes:
    """A valid stream where some frames' JSON has one subtree replaced by arbitrary JSON."""
    out = frames(raw)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(out) - 1))
        head, sep, payload = out[i].rpartition(b"data: ")
        try:
            obj = pydantic_core.from_json(payload.strip())
        except ValueError:
            continue  # [DONE]
        new = pydantic_core.to_json(_replace_somewhere(draw, obj))
        out[i] = head + sep + new + b"\n\n"
    return b"".join(out)


@each_protocol
@settings(FUZZ, phases=[Phase.explicit, Phase.generate])  # no shrinking: keep it quick
@given(data=st.data())
def test_structurally_wrong_json_events_give_typed_errors_only(proto: Proto,
                                                               data: st.DataObject) -> None:
    """Valid JSON of the wrong shape (a list for ``delta``, a string for ``index``...)."""
    feed(proto, [data.draw(mutated_stream(captured(proto)))])


@each_protocol
def test_endless_line_stops_at_the_limit_without_reading_on(proto: Proto) -> None:
    head = frames(captured(proto))[:2]
    body = [b"A" * 65536] * 1024  # 64 MiB offered; the stream must stop after ~256 KiB
    chunks = [*head, b"data: ", *body]
    result = feed(proto, chunks, max_event_size=256 * 1024)
    assert isinstance(result, EventTooLargeError)


@each_protocol
def test_empty_body_is_an_incomplete_stream(proto: Proto) -> None:
    result = feed(proto, [])
    assert isinstance(result, IncompleteStreamError)
    assert result.events_received == 0
