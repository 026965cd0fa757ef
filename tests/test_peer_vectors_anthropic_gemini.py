"""Opt-in acceptance: Anthropic and Gemini streams recorded by the official SDKs' own test suites.

Reads ``../shared/peer_vectors/{anthropic,gemini}/`` and ``expected.json`` (what anthropic and
google-genai produce from each recording) when they are next to the repository; the recordings
are not part of it. Each recording is served on loopback and read with our native stream; the
result must be the official SDK's, except for the differences the README lists:

- a cut tool input keeps the text that arrived as ``partial_json`` (the SDK drops it);
- beta-only blocks are kept generically (a ``fallback`` block does not relabel the message's
  model);
- a last line with no line end is a cut stream (the ``as_fed`` Anthropic variants): we raise
  :class:`IncompleteStreamError` whose ``partial`` is the message the SDK returns;
- the Gemini recordings hold one chunk per ``data:`` line with no blank line between them; by
  the SSE standard consecutive data lines are one event, so they are served framed one chunk
  per event, as the API sends them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _feed import consume

from aiotokenhot import AsyncTokenHot, IncompleteStreamError, StreamError

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "peer_vectors"
EXPECTED = VECTORS / "expected.json"


def _expected(protocol: str) -> dict[str, Any]:
    if not EXPECTED.is_file():
        return {}
    table: dict[str, Any] = json.loads(EXPECTED.read_text(encoding="utf-8")).get(protocol, {})
    return table


def _cases(protocol: str, recording: Any) -> list[Any]:
    table = _expected(protocol)
    if not table:
        return [pytest.param(None, None, "", marks=pytest.mark.skip(
            reason=f"{VECTORS} is not present (opt-in acceptance corpus)"))]
    out = []
    for key, want in sorted(table.items()):
        path = recording(key)
        if path is not None and path.is_file():
            out.append(pytest.param(path, want, key, id=key))
    return out


# -- Anthropic -------------------------------------------------------------------------------------

#: the official stream's derived events (not on the wire)
_SYNTHETIC = {"text", "input_json", "compaction", "thinking", "signature", "citation"}


def _anthropic_file(key: str) -> Path | None:
    name, _, variant = key.partition("/")
    return VECTORS / "anthropic" / f"{name}.txt" if variant else None


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _bytes(body: bytes) -> list[bytes]:
    """One byte per network read."""
    return [body[i:i + 1] for i in range(len(body))]


def _no_none(value: Any) -> Any:
    """The dump as the official SDK writes it: no null fields, at any depth."""
    if isinstance(value, dict):
        return {k: _no_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_none(v) for v in value]
    return value


def _comparable(message: dict[str, Any]) -> dict[str, Any]:
    """A message dump without what the README lists as deliberate differences."""
    out = _no_none(message)
    out["content"] = [{k: v for k, v in block.items() if k != "partial_json"}
                      for block in out.get("content", [])]
    if any(block.get("type") == "fallback" for block in out["content"]):
        out.pop("model", None)  # the SDK relabels the model from the beta fallback block
    return out


def _messages(th: AsyncTokenHot) -> Any:
    return th.messages.stream(model="claude-x", max_tokens=64,
                              messages=[{"role": "user", "content": "hi"}])


@pytest.mark.parametrize(("recording", "want", "key"), _cases("anthropic", _anthropic_file))
async def test_anthropic_recording_gives_the_official_message(recording: Path,
                                                              want: dict[str, Any],
                                                              key: str) -> None:
    raw = _read(recording)
    as_fed = key.endswith("/as_fed")  # the file's bytes as they are; "wire": as a server ends it
    body = raw if as_fed else raw.rstrip(b"\n") + b"\n\n"
    got = await consume(_messages, [body])
    byte_by_byte = await consume(_messages, _bytes(body))
    assert (byte_by_byte.final, type(byte_by_byte.error)) == (got.final, type(got.error))
    if got.error is not None:
        assert as_fed and not raw.endswith(b"\n"), got.error
        assert isinstance(got.error, IncompleteStreamError)
        message = got.error.partial
    else:
        message = got.final
        kinds = [e.type for e in got.items if e.type != "ping"]
        if as_fed and not raw.endswith(b"\n\n"):  # delivered at the clean end (see the README)
            assert kinds.pop() == "message_stop"
        assert kinds == [k for k in want["event_types"] if k not in _SYNTHETIC]
    assert _comparable(message.to_dict()) == _comparable(want["message"])


# -- Gemini ----------------------------------------------------------------------------------------


def _gemini_file(key: str) -> Path | None:
    source, sep, rest = key.partition("--")
    return VECTORS / "gemini" / f"{source}--streaming-{rest}.txt" if sep else None


def _gemini(th: AsyncTokenHot) -> Any:
    return th.gemini.stream_generate_content("gemini-x", contents="hi")


def _framed(raw: bytes) -> bytes:
    lines = [line for line in raw.splitlines() if line.startswith(b"data:")]
    return b"".join(line + b"\r\n\r\n" for line in lines)


def _usage(u: Any) -> dict[str, Any] | None:
    if u is None:
        return None
    return {"candidates": u.candidates_token_count, "prompt": u.prompt_token_count,
            "thoughts": u.thoughts_token_count, "total": u.total_token_count}


@pytest.mark.parametrize(("recording", "want", "key"), _cases("gemini", _gemini_file))
async def test_gemini_recording_gives_the_official_result(recording: Path,
                                                          want: dict[str, Any], key: str) -> None:
    body = _framed(_read(recording))
    got = await consume(_gemini, [body])
    byte_by_byte = await consume(_gemini, _bytes(body))
    assert (byte_by_byte.final, type(byte_by_byte.error)) == (got.final, type(got.error))
    if want["error"] is not None:
        assert isinstance(got.error, StreamError)
        final = got.error.partial
    else:
        assert got.error is None, got.error
        final = got.final
        assert [c.text for c in got.items] == [c["text"] for c in want["per_chunk"]]
    feedback = final.prompt_feedback
    assert {
        "text": final.text,
        "thoughts": final.thoughts,
        "finish_reason": final.finish_reason,
        "function_calls": [c.model_dump() for c in final.function_calls],
        "usage": _usage(final.usage_metadata),
        "model_version": final.model_version,
        "response_id": final.response_id,
        "block_reason": feedback.block_reason if feedback is not None else None,
    } == {k: want[k] for k in ("text", "thoughts", "finish_reason", "function_calls", "usage",
                               "model_version", "response_id", "block_reason")}
