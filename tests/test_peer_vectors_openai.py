"""Opt-in acceptance check: recorded Chat Completions streams from the official SDK's own test
suite, read by our native stream, give what the official SDK gives.

The recordings live outside the repository (``<repo>/../shared/peer_vectors/openai_chat/*.bin``
with ``expected.json``, key ``chat``: one entry per recording, named by the first 12 characters
of its file name). The test is skipped, saying so, when they are not there. Entries without a
recording (the ``obfusc-*`` padding cases) are covered by our own minimal inputs in
``test_openai_stream_rules.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _feed import consume, served

from aiotokenhot import AsyncTokenHot

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "peer_vectors"
RECORDINGS = sorted((VECTORS / "openai_chat").glob("*.bin")) if VECTORS.is_dir() else []

pytestmark = pytest.mark.skipif(
    not (RECORDINGS and (VECTORS / "expected.json").is_file()),
    reason=f"the recorded peer streams are not present at {VECTORS}",
)


def load(recording: Path) -> tuple[bytes, dict[str, Any]]:
    """The recorded bytes and what the official SDK made of them."""
    table = json.loads((VECTORS / "expected.json").read_text())["chat"]
    return recording.read_bytes(), table[recording.name[:12]]


def _pairs(logprobs: Any, key: str) -> list[list[Any]]:
    entries = (logprobs or {}).get(key) or []
    return [[e["token"], e["logprob"]] for e in entries]


def summary(final: Any, chunks: list[Any]) -> dict[str, Any]:
    """Our result in the shape ``expected.json`` records for the official SDK."""
    return {
        "id": final.id, "model": final.model, "created": final.created,
        "system_fingerprint": final.system_fingerprint,
        # the recordings keep the three counts of usage
        "usage": {"prompt_tokens": final.usage.prompt_tokens,
                  "completion_tokens": final.usage.completion_tokens,
                  "total_tokens": final.usage.total_tokens} if final.usage else None,
        "has_obfuscation_key": "obfuscation" in (final.model_extra or {}),
        "chunk_obfuscation": [(c.model_extra or {}).get("obfuscation") for c in chunks],
        "choices": [
            {
                "index": c.index, "content": c.message.content, "refusal": c.message.refusal,
                "finish_reason": c.finish_reason,
                "logprobs_content": _pairs(c.logprobs, "content"),
                "logprobs_refusal": _pairs(c.logprobs, "refusal"),
                "tool_calls": [
                    {"id": t.id, "type": t.type, "name": t.function.name,
                     "arguments": t.function.arguments,
                     "parsed": json.loads(t.function.arguments)}
                    for t in c.message.tool_calls or ()
                ],
            }
            for c in final.choices
        ],
    }


def _open(th: AsyncTokenHot) -> Any:
    return th.chat.completions.stream(model="gpt-4o", messages=[{"role": "user", "content": "x"}])


@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda p: p.name[:12])
async def test_our_chat_stream_gives_what_the_official_sdk_gives(recording: Path) -> None:
    body, want = load(recording)
    async with served(body) as th, _open(th) as stream:
        chunks = [chunk async for chunk in stream]
    assert summary(stream.final(), chunks) == want

    one_byte_reads = await consume(_open, [body[i:i + 1] for i in range(len(body))])
    assert one_byte_reads.error is None
    assert summary(one_byte_reads.final, one_byte_reads.items) == want
