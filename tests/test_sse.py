"""The SSE decoder: pure bytes in, events out, whatever the chunking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiotokenhot import EventTooLargeError
from aiotokenhot.streams import SSEDecoder, SSEEvent


def decode(*chunks: bytes, limit: int = 1 << 20) -> list[SSEEvent]:
    decoder = SSEDecoder(max_event_size=limit)
    events: list[SSEEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return events


def test_data_only_events_end_at_blank_lines() -> None:
    events = decode(b'data: {"a":1}\n\ndata: [DONE]\n\n')
    assert [(e.event, e.data) for e in events] == [("message", b'{"a":1}'), ("message", b"[DONE]")]


def test_named_events_and_ids() -> None:
    (ev,) = decode(b"event: message_start\nid: 7\ndata: {}\n\n")
    assert (ev.event, ev.data, ev.id) == ("message_start", b"{}", "7")


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending(newline: bytes) -> None:
    raw = b"event: x" + newline + b"data: one" + newline + b"data: two" + newline + newline
    (ev,) = decode(raw)
    assert (ev.event, ev.data) == ("x", b"one\ntwo")


@pytest.mark.parametrize("cut", ["after the event line", "after the data line", "at the blank"])
def test_a_read_that_finishes_an_event_and_carries_more_frames(cut: str) -> None:
    raw = (b"event: a\ndata: 1\n\nevent: b\ndata: 2\n\ndata: 3\n\n: note\nid: 9\ndata: 4\n\n"
           b"event: c\ndata: 5\ndata: 6\n\n")
    at = {"after the event line": 9, "after the data line": 17, "at the blank": 18}[cut]
    events = decode(raw[:at], raw[at:])
    assert [(e.event, e.data, e.id) for e in events] == [
        ("a", b"1", None), ("b", b"2", None), ("message", b"3", None), ("message", b"4", "9"),
        ("c", b"5\n6", "9")]
    assert events == decode(raw)


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    events = decode(b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n")
    assert [e.data for e in events] == [b"a", b"b"]


def test_comments_and_unknown_fields_are_ignored() -> None:
    events = decode(b": PING\n\n: keepalive\nfoo: bar\ndata: x\n\n")
    assert [e.data for e in events] == [b"x"]


def test_field_without_space_and_without_colon() -> None:
    events = decode(b"data:tight\n\ndata\n\n")
    assert [e.data for e in events] == [b"tight", b""]


def test_utf8_character_split_across_chunks() -> None:
    raw = 'data: {"t":"héllo 你好"}\n\n'.encode()
    cut = raw.index("你".encode()) + 1  # inside the 3-byte character
    (ev,) = decode(raw[:cut], raw[cut:])
    assert ev.text() == '{"t":"héllo 你好"}'


def test_leading_bom_is_dropped_even_when_split() -> None:
    events = decode(b"\xef", b"\xbb", b"\xbfdata: x\n\n")
    assert [e.data for e in events] == [b"x"]


def test_retry_field_is_parsed() -> None:
    (ev,) = decode(b"retry: 1500\ndata: x\n\n")
    assert ev.retry == 1500


def test_event_still_open_at_eof_is_not_dispatched() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: half") == []
    assert decoder.finish() == []
    assert decoder.pending()


def decode_to_end(*chunks: bytes) -> tuple[list[SSEEvent], bool]:
    """Events of a body that ended cleanly after ``chunks``, and whether it was cut mid-line."""
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    events += decoder.finish()
    return events, decoder.pending()


def every_split(raw: bytes) -> list[tuple[bytes, ...]]:
    """The body whole, cut once at every byte, and one byte per chunk."""
    return [(raw,), *((raw[:i], raw[i:]) for i in range(1, len(raw))),
            tuple(raw[i : i + 1] for i in range(len(raw)))]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_last_event_without_its_blank_line_is_delivered_at_a_clean_end(newline: bytes) -> None:
    raw = (b"event: content_block_stop" + newline + b'data: {"index":0}' + newline + newline
           + b"event: message_stop" + newline + b'data: {"type":"message_stop"}' + newline)
    for chunks in every_split(raw):
        events, cut = decode_to_end(*chunks)
        assert [(e.event, e.data) for e in events] == [
            ("content_block_stop", b'{"index":0}'),
            ("message_stop", b'{"type":"message_stop"}'),
        ], chunks
        assert not cut


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_half_written_last_line_is_a_cut_stream(newline: bytes) -> None:
    raw = b"data: one" + newline + newline + b"data: two" + newline + b'data: {"tr'
    for chunks in every_split(raw):
        events, cut = decode_to_end(*chunks)
        assert [e.data for e in events] == [b"one"], chunks
        assert cut


def test_finish_after_a_complete_body_adds_nothing() -> None:
    events, cut = decode_to_end(b"data: a\n\n: PING\n")
    assert [e.data for e in events] == [b"a"]
    assert not cut


def test_a_line_without_end_hits_the_size_limit() -> None:
    decoder = SSEDecoder(max_event_size=1024)
    with pytest.raises(EventTooLargeError, match="1024"):
        for _ in range(100):
            decoder.feed(b"A" * 100)


def test_many_data_lines_hit_the_size_limit() -> None:
    with pytest.raises(EventTooLargeError):
        decode(b"data: xxxxxxxxxx\n" * 200, limit=1000)


def test_big_single_event_under_the_limit_passes() -> None:
    payload = b"B" * 3_000_000
    chunks = [b"data: "] + [payload[i : i + 65536] for i in range(0, len(payload), 65536)] + [b"\n\n"]
    (ev,) = decode(*chunks, limit=16 * 1024 * 1024)
    assert ev.data == payload


# -- property: any split of a byte stream gives the same events --------------------------------

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=20
)
_field_line = st.one_of(
    _text.map(lambda t: "data: " + t),
    _text.map(lambda t: "data:" + t),
    st.sampled_from(["event: a", "event: b", ": PING", "id: 1", "retry: 5", "data"]),
)
_event = st.lists(_field_line, min_size=1, max_size=4)


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    events = draw(st.lists(_event, max_size=6))
    bom = "\ufeff" if draw(st.booleans()) else ""
    raw = (bom + "".join(newline.join(lines) + newline + newline for lines in events)).encode()
    cuts = sorted(draw(st.lists(st.integers(0, len(raw)), max_size=12)))
    return raw, cuts


@settings(max_examples=300, deadline=None)
@given(streams())
def test_every_split_gives_the_same_events(case: tuple[bytes, list[int]]) -> None:
    raw, cuts = case
    whole = decode(raw)
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert decode(*pieces) == whole
    assert decode(*[raw[i : i + 1] for i in range(len(raw))]) == whole


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=8))
def test_arbitrary_bytes_never_raise_anything_but_size_errors(raw: bytes, cuts: list[int]) -> None:
    cuts = sorted(c for c in cuts if c <= len(raw))
    decoder = SSEDecoder(max_event_size=128)
    for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True):
        try:
            events = decoder.feed(raw[a:b])
        except EventTooLargeError:
            return
        for ev in events:
            assert isinstance(ev.data, bytes)


def reference(raw: bytes) -> list[tuple[str, bytes, str | None, int | None]]:
    """The WHATWG event-stream rules written out plainly, one line at a time (a test oracle)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    out = []
    data: list[bytes] = []
    name, last_id, retry = b"", None, None
    for line in raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")[:-1]:
        if not line:
            if data:
                out.append((name.decode() or "message", b"\n".join(data), last_id, retry))
            data, name, retry = [], b"", None
            continue
        if line.startswith(b":"):
            continue
        field, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if field == b"data":
            data.append(value)
        elif field == b"event":
            name = value
        elif field == b"id" and b"\x00" not in value:
            last_id = value.decode()
        elif field == b"retry" and value.isdigit():
            retry = int(value)
    return out


@settings(max_examples=300, deadline=None)
@given(streams())
def test_the_decoder_follows_the_written_out_rules(case: tuple[bytes, list[int]]) -> None:
    raw, cuts = case
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    for chunks in ([raw], pieces):
        assert [(e.event, e.data, e.id, e.retry) for e in decode(*chunks)] == reference(raw)
