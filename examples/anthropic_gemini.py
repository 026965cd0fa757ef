"""The two native non-OpenAI protocols: Anthropic Messages and Gemini generateContent.

Runs against the built-in fake gateway (no key, no network):

    python examples/anthropic_gemini.py

Point it at the real service by replacing ``fake.client()`` with ``AsyncTokenHot()`` and your
``TOKENHOT_API_KEY``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiotokenhot import AsyncTokenHot
from aiotokenhot.protocols.messages import ContentBlockDeltaEvent, InputJSONDelta, ThinkingDelta
from aiotokenhot.testing import FakeTokenHot

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def get_weather(city: str) -> dict[str, Any]:
    return {"city": city, "temp_c": 18, "sky": "clear"}


async def claude(th: AsyncTokenHot) -> None:
    question = {"role": "user", "content": "What's the weather in Paris?"}
    async with th.messages.stream(
        model="claude-opus-4-6", max_tokens=2048, messages=[question], tools=[WEATHER_TOOL],
        thinking={"type": "enabled", "budget_tokens": 1024},
    ) as stream:
        async for event in stream:
            if isinstance(event, ContentBlockDeltaEvent):
                if isinstance(event.delta, ThinkingDelta):
                    print(event.delta.thinking, end="", flush=True)
                elif isinstance(event.delta, InputJSONDelta):
                    print(f"\n  tool input piece: {event.delta.partial_json!r}", end="")
    turn = stream.final()  # tool_use input parsed from the joined JSON pieces; thinking kept
    call = turn.tool_uses[0]
    print(f"\nclaude wants {call.name}({call.input}) — stop_reason={turn.stop_reason}")

    answer = await th.messages.create(
        model="claude-opus-4-6", max_tokens=2048, tools=[WEATHER_TOOL],
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[question, {"role": "assistant", "content": turn.content},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id,
                                                "content": str(get_weather(**call.input))}]}],
    )
    print(f"claude: {answer.text}  ({answer.usage.input_tokens} in / {answer.usage.output_tokens} out)")


async def gemini(th: AsyncTokenHot) -> None:
    reply = await th.gemini.generate_content(
        "gemini-2.5-flash",
        contents="Name three colours",
        system_instruction="Be brief.",
        generation_config={"temperature": 0.3, "max_output_tokens": 64},  # snake or camelCase
    )
    print(f"gemini: {reply.text}  (finish={reply.finish_reason})")

    stream = th.gemini.stream_generate_content(
        "gemini-2.5-flash", contents=[{"role": "user", "parts": [{"text": "Tell me a story"}]}],
        generation_config={"thinkingConfig": {"includeThoughts": True}},
    )
    async with stream:
        async for piece in stream.text():  # answer text only; thought parts stay in final()
            print(piece, end="", flush=True)
    merged = stream.final()
    print(f"\n  thoughts: {merged.thoughts!r}")
    if merged.usage_metadata is not None:
        print(f"  tokens: {merged.usage_metadata.total_token_count}")

    counted = await th.gemini.count_tokens("gemini-2.5-flash", contents="How many tokens is this?")
    models = await th.gemini.list_models()
    print(f"countTokens: {counted.total_tokens}; models: {[m.id for m in models.models][:3]}")


async def main() -> None:
    async with FakeTokenHot() as fake, fake.client() as th:
        await claude(th)
        await gemini(th)


if __name__ == "__main__":
    asyncio.run(main())
