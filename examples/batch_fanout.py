"""Fan out a few hundred requests, resume after an interruption, split the work into shards.

    python examples/batch_fanout.py

Uses the real gateway when TOKENHOT_API_KEY is set, else an in-process fake gateway.
The same run from a shell: ``aiotokenhot batch requests.jsonl -o results.jsonl -c 64``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
from pathlib import Path

from aiotokenhot import AsyncTokenHot
from aiotokenhot.batch import run_batch

N = 200

def requests() -> list[dict[str, object]]:
    """OpenAI batch lines; the url picks the protocol (here Chat Completions and Anthropic)."""
    out: list[dict[str, object]] = []
    for i in range(N):
        question = [{"role": "user", "content": f"Give a title for chapter {i}"}]
        if i % 2:
            out.append({"custom_id": f"chapter-{i}", "method": "POST", "url": "/v1/messages",
                        "body": {"model": "claude-opus-4-6", "max_tokens": 32,
                                 "messages": question}})
        else:
            out.append({"custom_id": f"chapter-{i}", "method": "POST",
                        "url": "/v1/chat/completions",
                        "body": {"model": "gpt-5.4", "messages": question}})
    return out

async def main() -> None:
    async with contextlib.AsyncExitStack() as stack:
        if os.environ.get("TOKENHOT_API_KEY"):
            th = AsyncTokenHot()
        else:
            from aiotokenhot.testing import FakeTokenHot

            th = (await stack.enter_async_context(FakeTokenHot())).client()
        await stack.enter_async_context(th)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        src = tmp / "requests.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in requests()))
        out = tmp / "results.jsonl"

        # 1. results as they finish; stop after 50 as if the job had been interrupted
        async with run_batch(th, src, output=out, concurrency=16) as run:
            async for result in run:
                if result.ok and run.summary.ok == 1:
                    print("first result:", result.custom_id, result.status_code)
                if run.summary.done == 50:
                    break  # leaving the block cancels what is in flight; the file stays whole
        print("interrupted after", len(out.read_text().splitlines()), "results")

        # 2. the same call again resumes: ids already in the output are skipped
        summary = await run_batch(th, src, output=out, concurrency=16, rpm=60_000)
        print(summary.format())
        lines = out.read_text().splitlines()
        print(f"{len(lines)} lines for {N} ids, all distinct:",
              len({json.loads(line)['custom_id'] for line in lines}) == N)

        # 3. three workers (or machines) each take a deterministic share of the ids
        parts = []
        for k in range(3):
            shard_out = tmp / f"shard-{k}.jsonl"
            await run_batch(th, src, output=shard_out, shard=f"{k}/3")
            parts.append(len(shard_out.read_text().splitlines()))
        print("shards:", parts, "total", sum(parts))

if __name__ == "__main__":
    asyncio.run(main())
