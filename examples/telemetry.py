"""Telemetry and cost: OpenTelemetry GenAI spans on the console, and what each call cost.

    pip install 'aiotokenhot[otel]' opentelemetry-sdk
    python examples/telemetry.py

Uses the real gateway when TOKENHOT_API_KEY is set, otherwise the built-in fake gateway.
Every call below prints one span (``chat gpt-5.4``, ``generate_content gemini-2.5-flash``...)
as JSON, then the cost line; prompts and replies are not recorded unless you opt in.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from decimal import Decimal

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

from aiotokenhot import AsyncTokenHot, ModelPrice
from aiotokenhot.testing import FakeTokenHot

# USD per million tokens
PRICES = {
    "gpt-5.4": ModelPrice(input=Decimal("1.25"), output=Decimal("10"), cached_input=Decimal("0.125")),
    "gemini-2.5-flash": ModelPrice(input=Decimal("0.30"), output=Decimal("2.50")),
}
QUESTION = [{"role": "user", "content": "Say hello to the async world"}]


async def main() -> None:
    # the five-line set-up: a tracer provider printing finished spans to the console
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)  # telemetry turns on by itself once a provider is set

    async with contextlib.AsyncExitStack() as stack:
        if os.environ.get("TOKENHOT_API_KEY"):
            th = AsyncTokenHot(prices=PRICES)
        else:
            fake = await stack.enter_async_context(FakeTokenHot())
            th = fake.client(prices=PRICES)
        await stack.enter_async_context(th)

        reply = await th.chat.completions.create(model="gpt-5.4", messages=QUESTION)
        assert reply.usage is not None
        print(f"cost: chat gpt-5.4 ${reply.usage.cost}")

        async with th.chat.completions.stream(
            model="gpt-5.4", messages=QUESTION, stream_options={"include_usage": True}
        ) as stream:
            await stream.until_done()
        usage = stream.final().usage
        print(f"cost: streamed chat gpt-5.4 ${usage.cost if usage else None}")

        done = await th.complete(model="gemini-2.5-flash", messages=QUESTION)
        print(f"cost: unified gemini-2.5-flash ${done.cost}")

        unknown = await th.complete(model="claude-opus-4-6", messages=QUESTION)
        print(f"cost: claude-opus-4-6 {unknown.cost} (no price in the table: unknown, not a guess)")
    provider.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
