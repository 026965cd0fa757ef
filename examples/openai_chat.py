"""Stream a chat reply, then let the model call a tool — against the built-in fake gateway.

Run: ``python examples/openai_chat.py``. To talk to the real service instead, drop the
FakeTokenHot and use ``AsyncTokenHot()`` (reads TOKENHOT_API_KEY).
"""

from __future__ import annotations

import asyncio
import json

from aiotokenhot import AsyncTokenHot
from aiotokenhot.testing import FakeTokenHot

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


async def main() -> None:
    async with FakeTokenHot() as fake, AsyncTokenHot(fake.api_key, fake.base_url) as th:
        messages = [{"role": "user", "content": "Say hello to the async world"}]

        # 1. token by token
        async with th.chat.completions.stream(
            model="gpt-5.4", messages=messages, stream_options={"include_usage": True}
        ) as stream:
            async for piece in stream.text():
                print(piece, end="", flush=True)
        print()
        final = stream.final()
        assert final.usage is not None
        print(f"[{final.choices[0].finish_reason}, {final.usage.total_tokens} tokens]")

        # 2. a tool call, its arguments assembled from the streamed pieces
        question = [{"role": "user", "content": "Paris"}]
        async with th.chat.completions.stream(
            model="gpt-5.4", messages=question, tools=[WEATHER_TOOL]
        ) as stream:
            await stream.until_done()
        call = (stream.final().choices[0].message.tool_calls or [])[0]
        print(f"tool call: {call.function.name}({json.loads(call.function.arguments)})")


if __name__ == "__main__":
    asyncio.run(main())
