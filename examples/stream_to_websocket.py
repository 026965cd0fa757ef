"""Relay streamed tokens to a browser over a websocket (aiohttp.web + the unified stream).

    python examples/stream_to_websocket.py        # then open http://127.0.0.1:8080

The page sends ``{"model", "prompt"}``; the server answers with ``{"type": "delta", "text"}``
messages, then ``{"type": "done"}`` (or ``{"type": "error", "message"}``). One client serves
every socket (one connection pool for the whole app). When the browser goes away mid-reply,
the upstream stream is cancelled at once and its connection returns to the pool.

Uses the real gateway when TOKENHOT_API_KEY is set, else an in-process fake gateway.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from aiohttp import WSMsgType, web

from aiotokenhot import AsyncTokenHot, TextDelta, TokenHotError

CLIENT = web.AppKey("client", AsyncTokenHot)

PAGE = """<!doctype html>
<meta charset="utf-8"><title>aiotokenhot relay</title>
<style>body{font:16px system-ui;max-width:48rem;margin:2rem auto}#out{white-space:pre-wrap}</style>
<form id="f"><input id="model" value="gpt-5.4"> <input id="prompt" size="50"
 value="Tell me about websockets"> <button>Send</button></form>
<p id="out"></p>
<script>
const ws = new WebSocket(`ws://${location.host}/ws`);
const out = document.getElementById("out");
ws.onmessage = (m) => {
  const ev = JSON.parse(m.data);
  if (ev.type === "delta") out.textContent += ev.text;
  else if (ev.type === "error") out.textContent += `\\n[error: ${ev.message}]`;
};
document.getElementById("f").onsubmit = (e) => {
  e.preventDefault(); out.textContent = "";
  ws.send(JSON.stringify({model: model.value, prompt: prompt.value}));
};
</script>
"""


async def index(request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


async def relay_reply(ws: web.WebSocketResponse, client: AsyncTokenHot, ask: dict[str, Any]) -> None:
    """Stream one reply to the socket; cancellation (a disconnect) closes the upstream stream."""
    messages = [{"role": "user", "content": str(ask.get("prompt", ""))}]
    try:
        async with client.stream(model=str(ask.get("model", "gpt-5.4")), messages=messages) as stream:
            async for event in stream:
                if isinstance(event, TextDelta):
                    await ws.send_json({"type": "delta", "text": event.text})
        await ws.send_json({"type": "done"})
    except TokenHotError as exc:  # messages never contain the key
        await ws.send_json({"type": "error", "message": str(exc)})
    except ConnectionResetError:
        pass  # the socket closed while we were writing: nothing left to tell


async def relay(request: web.Request) -> web.WebSocketResponse:
    """Read prompts while replies stream, so a close is noticed at once, not at the next write."""
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    client = request.app[CLIENT]
    async with anyio.create_task_group() as tg:
        current: anyio.CancelScope | None = None
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            if current is not None:
                current.cancel()  # a new prompt replaces the reply in progress
            current = anyio.CancelScope()
            tg.start_soon(_run_in, current, relay_reply, ws, client, json.loads(msg.data))
        tg.cancel_scope.cancel()  # the browser left: stop whatever is still streaming
    return ws


async def _run_in(scope: anyio.CancelScope, func: Callable[..., Awaitable[None]], *args: Any) -> None:
    with scope:
        await func(*args)


def make_app(client: AsyncTokenHot) -> web.Application:
    app = web.Application()
    app[CLIENT] = client
    app.router.add_get("/", index)
    app.router.add_get("/ws", relay)
    return app


async def serve(port: int = 8080) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if os.environ.get("TOKENHOT_API_KEY"):
            client = AsyncTokenHot()
        else:
            from aiotokenhot.testing import FakeTokenHot

            fake = FakeTokenHot(reply_words=60, chunk_delay=0.05)
            client = (await stack.enter_async_context(fake)).client()
        await stack.enter_async_context(client)
        runner = web.AppRunner(make_app(client))
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print(f"open http://127.0.0.1:{port}", flush=True)
        await anyio.sleep_forever()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        anyio.run(serve)
