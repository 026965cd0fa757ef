"""Request ids for support tickets, raw HTTP answers, ``stream=True`` — against the fake gateway.

Run: ``python examples/raw_responses.py``. Uses the real gateway when TOKENHOT_API_KEY is set,
otherwise starts the built-in fake gateway.

Prints, for each call, the request id the gateway gave it; then the status and a header of a raw
answer; then a reply streamed with ``create(stream=True)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from aiotokenhot import APIStatusError, AsyncTokenHot
from aiotokenhot.protocols.chat import ChatCompletionParams
from aiotokenhot.testing import FakeTokenHot

log = logging.getLogger("app")


async def ask(th: AsyncTokenHot, question: str) -> str:
    params: ChatCompletionParams = {"model": "gpt-5.4", "messages": [{"role": "user", "content": question}]}
    try:
        reply = await th.chat.completions.create(**params)
    except APIStatusError as exc:  # errors carry the id too
        log.error("call failed, request id %s: %s", exc.request_id, exc.message)
        raise
    print(f"request id {reply.request_id}: {reply.text}")
    return reply.text


async def main() -> None:
    async with contextlib.AsyncExitStack() as stack:
        if os.environ.get("TOKENHOT_API_KEY"):
            th = AsyncTokenHot()  # key and base URL from the environment
        else:
            fake = await stack.enter_async_context(FakeTokenHot())
            th = fake.client()
        await stack.enter_async_context(th)
        await ask(th, "What is a request id for?")

        # the whole HTTP answer beside the parsed result
        raw = await th.chat.completions.with_raw_response.create(
            model="gpt-5.4", messages=[{"role": "user", "content": "Show me the headers"}])
        print(f"raw: HTTP {raw.status_code}, {raw.headers['Content-Type']}, "
              f"request id {raw.request_id}, {len(raw.content or b'')} bytes")
        print(f"parsed: {raw.parse().choices[0].finish_reason}")

        # the official SDKs' spelling of a stream, on a client with a tighter timeout
        quick = th.with_options(timeout=20, default_headers={"X-App": "raw-responses-example"})
        stream = await quick.chat.completions.create(
            model="gpt-5.4", messages=[{"role": "user", "content": "Stream this"}], stream=True)
        async with stream:
            text = "".join([piece async for piece in stream.text()])
        print(f"streamed (request id {stream.request_id}): {text}")


if __name__ == "__main__":
    asyncio.run(main())
