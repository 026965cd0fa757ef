"""An aiohttp.web endpoint that answers with tools, over a chain of fallback models.

    python examples/tool_loop.py          # starts the app, asks it twice, prints, exits
    python examples/tool_loop.py serve    # serves http://127.0.0.1:8080 until Ctrl-C

- ``POST /ask`` ``{"question": ...}`` streams Server-Sent Events while the loop runs:
  ``text`` (a piece of a reply), ``tool`` (a tool call that finished: name, output, error),
  then ``done`` (the answer, the model that gave it, the models that failed before) or
  ``error``.
- ``POST /answer`` ``{"question": ...}`` returns the answer as one JSON object.

The tools are plain typed Python functions: the JSON schema the model sees comes from their
signatures and docstrings. Parallel calls run concurrently, each with a timeout; a tool that
raises sends its error text back to the model. ``model=[...]`` is a fallback chain: a model
with no channel, a rate limit, a 5xx or a timeout before its first token hands over to the next
one. One client (one connection pool) serves every request; a browser that leaves mid-answer
closes the upstream stream and cancels the tools still running.

Uses the real gateway when TOKENHOT_API_KEY is set, else an in-process fake gateway whose
first model has no channel (so the demo shows a fallback) and whose model calls two tools at
once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any, Literal

import aiohttp
from aiohttp import web
from pydantic import Field

from aiotokenhot import AsyncTokenHot, TextDelta, TokenHotError, ToolResult

CLIENT = web.AppKey("client", AsyncTokenHot)
MODELS = ["claude-opus-4-6", "gpt-5.4", "gemini-2.5-flash"]
SYSTEM = {"role": "system", "content": "You answer travel questions. Use the tools."}


async def get_weather(city: Annotated[str, Field(description="a city name")]) -> dict[str, Any]:
    """The current weather in a city, in degrees Celsius."""
    await asyncio.sleep(0.01)  # an HTTP call to a weather service would go here
    return {"city": city, "temp_c": 18.5, "sky": "clear"}


def convert_temperature(celsius: float, to: Literal["fahrenheit", "kelvin"] = "fahrenheit") -> float:
    """Convert a temperature from degrees Celsius."""
    return round(celsius * 9 / 5 + 32, 1) if to == "fahrenheit" else celsius + 273.15


TOOLS: list[Callable[..., Any]] = [get_weather, convert_temperature]


def conversation(question: str) -> list[dict[str, Any]]:
    return [SYSTEM, {"role": "user", "content": question}]


async def ask(request: web.Request) -> web.StreamResponse:
    """Stream the loop as Server-Sent Events."""
    question = str((await request.json()).get("question", ""))
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await resp.prepare(request)

    async def send(event: str, data: dict[str, Any]) -> None:
        await resp.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())

    try:
        async with request.app[CLIENT].stream_tools(
            model=MODELS, messages=conversation(question), tools=TOOLS, max_turns=6,
            tool_timeout=10, deadline=30,
        ) as loop:
            async for event in loop:
                if isinstance(event, TextDelta):
                    await send("text", {"text": event.text})
                elif isinstance(event, ToolResult):
                    await send("tool", {"name": event.name, "output": event.output,
                                        "error": event.error is not None})
        done = loop.final()
        await send("done", {"answer": done.text, "model": done.completion.model,
                            "turns": done.turns,
                            "fell_back_from": [a.model for a in done.attempts]})
    except TokenHotError as exc:  # messages never contain the key
        await send("error", {"message": str(exc)})
    except ConnectionResetError:
        pass  # the client left: leaving the block closed the stream and cancelled the tools
    return resp


async def answer(request: web.Request) -> web.Response:
    """The whole loop with non-streaming calls, answered as JSON."""
    question = str((await request.json()).get("question", ""))
    try:
        done = await request.app[CLIENT].run_tools(
            model=MODELS, messages=conversation(question), tools=TOOLS, max_turns=6)
    except TokenHotError as exc:
        return web.json_response({"error": str(exc)}, status=502)
    return web.json_response({"answer": done.text, "turns": done.turns,
                              "tools": [r.name for r in done.results]})


def make_app(client: AsyncTokenHot) -> web.Application:
    app = web.Application()
    app[CLIENT] = client
    app.router.add_post("/ask", ask)
    app.router.add_post("/answer", answer)
    return app


def make_runner(client: AsyncTokenHot) -> web.AppRunner:
    """The app's runner. ``handler_cancellation``: a client that hangs up cancels its handler,
    even while nothing is being written (a tool running, a model thinking), so the upstream
    stream is closed and the tools stop at once."""
    return web.AppRunner(make_app(client), handler_cancellation=True)


async def read_events(resp: aiohttp.ClientResponse) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of an SSE answer (enough of SSE for this app's own output)."""
    events, name = [], "message"
    async for raw in resp.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[6:])))
    return events


@contextlib.asynccontextmanager
async def gateway_client() -> Any:
    """The real gateway with TOKENHOT_API_KEY, else a fake one (first model out of capacity)."""
    if os.environ.get("TOKENHOT_API_KEY"):
        async with AsyncTokenHot() as client:
            yield client
        return
    from aiotokenhot.testing import FakeTokenHot

    async with FakeTokenHot(reply_words=12, tool_calls=2) as fake, fake.client() as client:
        fake.fail_next(2, 503, path="/v1/messages", body={"error": {
            "message": "no available channel for model claude-opus-4-6", "type": "new_api_error"}})
        yield client


async def demo() -> None:
    async with gateway_client() as client:
        runner = make_runner(client)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
                question = {"question": "Is Lisbon warm today?"}
                async with http.post("/ask", json=question) as resp:
                    for event, data in await read_events(resp):
                        if event == "text":
                            print(data["text"], end="", flush=True)
                        elif event == "tool":
                            print(f"[tool {data['name']} -> {data['output']}]")
                        else:
                            print(f"\n{event}: {json.dumps(data)}")
                async with http.post("/answer", json=question) as resp:
                    print("answer:", json.dumps(await resp.json()))
        finally:
            await runner.cleanup()


async def serve(port: int = 8080) -> None:
    async with gateway_client() as client:
        runner = make_runner(client)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", port).start()
            print(f"POST http://127.0.0.1:{port}/ask with {{\"question\": ...}}", flush=True)
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve() if sys.argv[1:] == ["serve"] else demo())
