"""Opt-in acceptance: the SSE byte cases recorded from the official SDKs' own test suites.

Reads ``../shared/peer_vectors/sse_cases.json`` (next to the repository) when it is there; the
cases are not part of this repository. Each case is a list of network chunks (bytes written as
latin-1 text) and the events the official SDKs decode from them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiotokenhot.streams import SSEDecoder

CASES_FILE = Path(__file__).resolve().parents[1].parent / "shared" / "peer_vectors" / "sse_cases.json"

#: Cases where this decoder follows the SSE standard rather than the official SDKs: an event
#: with no ``data:`` line is not dispatched (see the README's stream section).
NO_DATA_LINE_NOT_DISPATCHED = {"event_missing_data", "multiple_events"}


def _cases() -> list[Any]:
    if not CASES_FILE.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"{CASES_FILE} is not present (opt-in acceptance corpus)"))]
    cases = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in cases]


def _chunk_bytes(chunk: str) -> bytes:
    try:
        return chunk.encode("latin-1")  # raw bytes, written one character per byte
    except UnicodeEncodeError:
        return chunk.encode("utf-8")


@pytest.mark.parametrize("case", _cases())
def test_peer_sse_case(case: dict[str, Any]) -> None:
    decoder = SSEDecoder()
    got: list[tuple[str, str]] = []
    for chunk in case["chunks"]:
        got += [(e.event, e.text()) for e in decoder.feed(_chunk_bytes(chunk))]
    got += [(e.event, e.text()) for e in decoder.finish()]
    expected = [(name or "message", data) for name, data in case["expected_events"]]
    if case["name"] in NO_DATA_LINE_NOT_DISPATCHED:
        raw = b"".join(_chunk_bytes(c) for c in case["chunks"])
        assert b"data" not in raw  # the difference is exactly the rule, nothing else
        expected = []
    assert got == expected
