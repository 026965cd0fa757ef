"""A chat call loads only what chat needs: the unified stream, the telemetry readers, the
streaming and parsing code and the file-reading thread pool load on their first use, and work
when they do.

Each client runs in a fresh interpreter (this process has loaded everything already), against
the fake gateway served from this one; the client finds it through ``TOKENHOT_BASE_URL``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from aiotokenhot.testing import FakeTokenHot

_PRELUDE = """
import asyncio, json, sys
from aiotokenhot import AsyncTokenHot

def loaded(prefix):
    return sorted(m for m in sys.modules if m == prefix or m.startswith(prefix + "."))

ASK = {"model": "gpt-5.4", "messages": [{"role": "user", "content": "hi"}]}
"""


async def run(fake: FakeTokenHot, body: str) -> dict[str, Any]:
    """Run ``body`` (after the prelude) in a fresh interpreter whose client defaults to the
    fake gateway; the script prints one JSON object, returned here."""
    env = {**os.environ, "TOKENHOT_API_KEY": fake.api_key, "TOKENHOT_BASE_URL": fake.base_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _PRELUDE + body, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def test_a_chat_completion_loads_neither_the_unified_stream_nor_the_telemetry_readers(
    fake: FakeTokenHot,
) -> None:
    seen = await run(fake, """
async def main():
    async with AsyncTokenHot() as th:
        completions = th.chat.completions
        before = {"unified": loaded("aiotokenhot.unified"),
                  "extract": loaded("aiotokenhot.telemetry._extract")}
        reply = await completions.create(**ASK)
        after = {"unified": loaded("aiotokenhot.unified"),
                 "extract": loaded("aiotokenhot.telemetry._extract"),
                 "stream and parse": loaded("aiotokenhot.protocols.chat._stream")
                 + loaded("aiotokenhot.protocols.chat._parse"),
                 "thread pool": loaded("anyio.to_thread")}
        unified = await th.complete(**ASK)
    print(json.dumps({"before": before, "after": after, "text": reply.text,
                      "unified_text": unified.text, "now": loaded("aiotokenhot.unified")}))
asyncio.run(main())
""")
    # the keyword declarations of th.stream / th.complete and the protocol registry (where the
    # transport finds a path's auth header), never the unified stream's machinery
    light = {"aiotokenhot.unified", "aiotokenhot.unified._params", "aiotokenhot.unified._registry"}
    for moment in ("before", "after"):
        assert set(seen[moment]["unified"]) <= light
        assert seen[moment]["extract"] == []
    # a whole reply needs no stream or parsed types, and no worker thread when no file is sent
    assert seen["after"]["stream and parse"] == []
    assert seen["after"]["thread pool"] == []
    assert seen["text"].startswith("Echo: hi")
    # the first th.complete loads the unified code and answers as the chat call did
    assert seen["unified_text"] == seen["text"]
    assert "aiotokenhot.unified._stream" in seen["now"]


async def test_a_priced_client_reads_its_answers_on_first_use(fake: FakeTokenHot) -> None:
    seen = await run(fake, """
from aiotokenhot import ModelPrice
async def main():
    prices = {"gpt-5.4": ModelPrice(input=1, output=2)}
    async with AsyncTokenHot(prices=prices, telemetry=False) as th:
        reply = await th.chat.completions.create(**ASK)
    print(json.dumps({"cost": str(reply.usage.cost),
                      "extract": loaded("aiotokenhot.telemetry._extract")}))
asyncio.run(main())
""")
    assert seen["extract"] == ["aiotokenhot.telemetry._extract"]
    assert float(seen["cost"]) > 0


async def test_streaming_and_parsing_work_from_a_cold_start(fake: FakeTokenHot) -> None:
    seen = await run(fake, """
import pydantic
class Answer(pydantic.BaseModel):
    text: str
async def main():
    async with AsyncTokenHot() as th:
        async with th.chat.completions.stream(**ASK) as stream:
            pieces = [piece async for piece in stream.text()]
        parsed = await th.chat.completions.parse(response_format=Answer, **ASK)
    print(json.dumps({"streamed": "".join(pieces),
                      "parsed": type(parsed.choices[0].message.parsed).__name__}))
asyncio.run(main())
""")
    assert seen["streamed"].startswith("Echo: hi")
    assert seen["parsed"] == "Answer"
