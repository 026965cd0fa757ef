"""One tool-using conversation, streamed through all four protocols with the same code.

Runs against the built-in fake gateway (no key, no network):

    python examples/unified_stream.py

Point it at the real service by replacing ``FakeTokenHot`` with ``AsyncTokenHot()`` and your
``TOKENHOT_API_KEY``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiotokenhot import (
    AsyncTokenHot,
    Finish,
    ReasoningDelta,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from aiotokenhot.testing import FakeTokenHot

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"]},
    },
}


def get_weather(city: str) -> dict[str, Any]:
    return {"city": city, "temp_c": 18, "sky": "clear"}


async def ask(th: AsyncTokenHot, model: str, protocol: str = "auto") -> str:
    """Stream a turn, run the tools it asks for, stream the answer; return the answer."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What's the weather in Paris?"},
    ]
    while True:
        async with th.stream(model=model, messages=messages, tools=[WEATHER],
                             protocol=protocol) as s:
            async for ev in s:
                if isinstance(ev, TextDelta):
                    print(ev.text, end="", flush=True)
                elif isinstance(ev, ReasoningDelta):
                    print(f"[thinking] {ev.text}", end="")
                elif isinstance(ev, ToolCallDelta) and ev.name:
                    print(f"[calling {ev.name}]", end=" ")
                elif isinstance(ev, Usage):
                    print(f"\n  usage: {ev.input_tokens} in / {ev.output_tokens} out")
                elif isinstance(ev, Finish):
                    print(f"  finish: {ev.reason} (sent as {ev.raw_reason!r} by {s.protocol})")
        reply = s.final()
        if not reply.tool_calls:
            return reply.text
        messages.append(reply.to_message())
        for call in reply.tool_calls:
            result = get_weather(**call.arguments)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})


async def main() -> None:
    async with FakeTokenHot() as fake, fake.client() as th:
        answers = {}
        for model, protocol in [("gpt-5.4", "auto"), ("gpt-5.4", "responses"),
                                ("claude-opus-4-6", "auto"), ("gemini-2.5-flash", "auto")]:
            print(f"\n== {model} via {protocol} ==")
            answers[protocol if protocol != "auto" else model] = await ask(th, model, protocol)
        assert len(set(answers.values())) == 1, "the fake gives every protocol the same reply"

        done = await th.complete(model="claude-opus-4-6",
                                 messages=[{"role": "user", "content": "Say hi"}])
        print(f"\ncomplete(): {done.text!r} finish={done.finish_reason} via {done.protocol}")


if __name__ == "__main__":
    asyncio.run(main())
