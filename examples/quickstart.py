"""Quickstart: one reply, a token stream, and the unified API over any model.

    python examples/quickstart.py

Uses the real gateway when TOKENHOT_API_KEY is set, otherwise starts the built-in fake gateway
in-process (so it runs anywhere, with no key and no network).
"""

from __future__ import annotations

import asyncio
import contextlib
import os

from aiotokenhot import AsyncTokenHot, TextDelta, Usage
from aiotokenhot.testing import FakeTokenHot

QUESTION = [{"role": "user", "content": "Say hello to the async world"}]


async def main() -> None:
    async with contextlib.AsyncExitStack() as stack:
        if os.environ.get("TOKENHOT_API_KEY"):
            th = AsyncTokenHot()  # key and base URL from the environment
        else:
            fake = await stack.enter_async_context(FakeTokenHot())
            th = fake.client()
        await stack.enter_async_context(th)

        # 1. one whole reply (OpenAI Chat Completions)
        reply = await th.chat.completions.create(model="gpt-5.4", messages=QUESTION)
        print("reply:   ", reply.choices[0].message.content)

        # 2. the same, streamed token by token; leaving the block releases the connection
        print("stream:   ", end="")
        async with th.chat.completions.stream(model="gpt-5.4", messages=QUESTION) as stream:
            async for piece in stream.text():
                print(piece, end="", flush=True)
        print()

        # 3. one event type for every model, whatever protocol carries it
        print("unified:  ", end="")
        async for event in th.stream(model="claude-opus-4-6", messages=QUESTION):
            if isinstance(event, TextDelta):
                print(event.text, end="", flush=True)
            elif isinstance(event, Usage):
                print(f"  [{event.total_tokens} tokens]", end="")
        print()

        done = await th.complete(model="gemini-2.5-flash", messages=QUESTION)
        print("complete:", done.text, f"[{done.protocol}, {done.finish_reason}]")


if __name__ == "__main__":
    asyncio.run(main())
