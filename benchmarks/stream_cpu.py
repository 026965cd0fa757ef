"""Client CPU per event on realistic streams of every protocol, as ratios to a raw ceiling.

``python -m benchmarks.stream_cpu [events] [reps] [protocols]`` (protocols: a comma-separated
subset of ``chat,responses,anthropic,gemini``; all by default). A separate process serves a fixed body on
loopback; this process measures its own CPU time (``time.process_time``) per event for:

- the ceiling: aiohttp + SSE frame split + ``orjson.loads`` of each payload into a dict;
- the native typed stream read by attributes (the pattern most code uses);
- the native ``.text()``;
- the unified ``th.stream()``.

Realistic means: Chat and Responses chunks carry a random per-chunk ``obfuscation`` string
(and chat chunks ``usage: null``, as with ``include_usage``); Anthropic streams carry a
``ping`` between deltas; Gemini chunks carry a ``usageMetadata`` that grows and a
``responseId`` that changes per chunk. The ratio is
ceiling CPU / client CPU (1.0 = as cheap as the ceiling; higher is better).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import socket
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson
from aiohttp import web

WORDS = ["the", " quick", " brown", " fox", " jumps", " over", " a", " lazy", " dog", ",",
         " and", " then", " some", " more", " text", " follows", "."]


def anthropic_body(n: int, rng: random.Random) -> bytes:
    out = [
        ("message_start", {"type": "message_start", "message": {
            "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-opus-4-6",
            "content": [], "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
    ]
    for i in range(n):
        if i % 2 == 1:
            out.append(("ping", {"type": "ping"}))
        out.append(("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {
            "type": "text_delta", "text": rng.choice(WORDS)}}))
    out += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn",
                                                               "stop_sequence": None},
                           "usage": {"output_tokens": n}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return b"".join(b"event: " + name.encode() + b"\ndata: " + json.dumps(data).encode() + b"\n\n"
                    for name, data in out)


def gemini_body(n: int, rng: random.Random) -> bytes:
    frames = []
    for i in range(n):
        cand: dict[str, Any] = {"content": {"parts": [{"text": rng.choice(WORDS)}], "role": "model"},
                                "index": 0}
        if i == n - 1:
            cand["finishReason"] = "STOP"
        chunk = {"candidates": [cand],
                 "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": i + 1,
                                   "totalTokenCount": 13 + i},
                 "modelVersion": "gemini-2.5-flash",
                 "responseId": "".join(rng.choice("abcdefghijkLMNOP0123") for _ in range(22))}
        frames.append(b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\r\n\r\n")
    return b"".join(frames)


def _obfuscation(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijkLMNOP0123") for _ in range(rng.randint(2, 12)))


def chat_body(n: int, rng: random.Random) -> bytes:
    head = {"id": "chatcmpl-BZ01", "object": "chat.completion.chunk", "created": 1764400000,
            "model": "gpt-4o-mini-2024-07-18", "service_tier": "default",
            "system_fingerprint": "fp_560af6e559"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                     "finish_reason": finish}],
                "usage": None, "obfuscation": _obfuscation(rng)}

    out = [chunk({"role": "assistant", "content": "", "refusal": None})]
    out += [chunk({"content": rng.choice(WORDS)}) for _ in range(n)]
    out.append(chunk({}, "stop"))
    out.append({**head, "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": n,
                                                 "total_tokens": n + 12},
                "obfuscation": _obfuscation(rng)})
    frames = [b"data: " + json.dumps(c, separators=(",", ":")).encode() + b"\n\n" for c in out]
    return b"".join(frames) + b"data: [DONE]\n\n"


def responses_body(n: int, rng: random.Random) -> bytes:
    seq = iter(range(1 << 30))

    def response(status: str, output: list[Any], usage: Any) -> dict[str, Any]:
        return {"id": "resp_01", "object": "response", "created_at": 1764400000,
                "status": status, "model": "gpt-4.1-mini", "output": output,
                "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "usage": usage}

    def ev(kind: str, **fields: Any) -> bytes:
        data = {"type": kind, "sequence_number": next(seq), **fields}
        return (b"event: " + kind.encode() + b"\ndata: "
                + json.dumps(data, separators=(",", ":")).encode() + b"\n\n")

    item = {"id": "msg_01", "type": "message", "status": "in_progress", "role": "assistant",
            "content": []}
    loc = {"item_id": "msg_01", "output_index": 0, "content_index": 0}
    out = [ev("response.created", response=response("in_progress", [], None)),
           ev("response.in_progress", response=response("in_progress", [], None)),
           ev("response.output_item.added", output_index=0, item=item),
           ev("response.content_part.added", **loc,
              part={"type": "output_text", "text": "", "annotations": []})]
    pieces = [rng.choice(WORDS) for _ in range(n)]
    out += [ev("response.output_text.delta", **loc, delta=p, logprobs=[],
               obfuscation=_obfuscation(rng)) for p in pieces]
    text = "".join(pieces)
    part = {"type": "output_text", "text": text, "annotations": []}
    done = {**item, "status": "completed", "content": [part]}
    out += [ev("response.output_text.done", **loc, text=text, logprobs=[]),
            ev("response.content_part.done", **loc, part=part),
            ev("response.output_item.done", output_index=0, item=done),
            ev("response.completed", response=response("completed", [done], {
                "input_tokens": 12, "output_tokens": n, "total_tokens": n + 12,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens_details": {"reasoning_tokens": 0}}))]
    return b"".join(out)


def _serve(port: int, bodies: dict[str, bytes]) -> None:
    async def handle(request: web.Request) -> web.StreamResponse:
        await request.read()
        path = request.path
        body = bodies["gemini" if "streamGenerateContent" in path else "chat"
                      if path.endswith("/chat/completions") else "responses"
                      if path.endswith("/responses") else "anthropic"]
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for i in range(0, len(body), 16384):
            await resp.write(body[i:i + 16384])
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    web.run_app(app, host="127.0.0.1", port=port, print=None, handle_signals=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def raw_ceiling(session: aiohttp.ClientSession, url: str) -> int:
    n = 0
    async with session.post(url, json={}) as resp:
        buf = b""
        async for chunk in resp.content.iter_any():
            buf += chunk
            if b"\r" in buf:
                buf = buf.replace(b"\r\n", b"\n")
            frames = buf.split(b"\n\n")
            buf = frames.pop()
            for frame in frames:
                for line in frame.split(b"\n"):
                    if line.startswith(b"data:") and line != b"data: [DONE]":
                        orjson.loads(line[6:])
                        n += 1
    return n


async def main(n: int, reps: int, only: list[str]) -> None:
    rng = random.Random(7)
    bodies = {"chat": chat_body(n, rng), "responses": responses_body(n, rng),
              "anthropic": anthropic_body(n, rng), "gemini": gemini_body(n, rng)}
    events = {k: v.count(b"data: ") for k, v in bodies.items()}
    port = _free_port()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(port, bodies),
                                                          daemon=True)
    server.start()
    base = f"http://127.0.0.1:{port}"
    try:
        from aiotokenhot import AsyncTokenHot, TextDelta
        from aiotokenhot.protocols.messages import ContentBlockDeltaEvent

        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        msgs = [{"role": "user", "content": "hi"}]
        async with aiohttp.ClientSession() as session, AsyncTokenHot(
            api_key="sk-bench", base_url=base, max_retries=0
        ) as th:

            async def chat_typed() -> None:
                async for chunk in th.chat.completions.stream(model="gpt-4o-mini", messages=msgs):
                    if chunk.choices:
                        chunk.choices[0].delta.content  # noqa: B018

            async def responses_typed() -> None:
                async for ev in th.responses.stream(model="gpt-4.1-mini", input="hi"):
                    if ev.type == "response.output_text.delta":
                        ev.delta  # type: ignore[union-attr]  # noqa: B018

            async def chat_text() -> None:
                async for _ in th.chat.completions.stream(model="gpt-4o-mini", messages=msgs
                                                          ).text():
                    pass

            async def responses_text() -> None:
                async for _ in th.responses.stream(model="gpt-4.1-mini", input="hi"
                                                   ).text():
                    pass

            async def anthropic_typed() -> None:
                async for ev in th.messages.stream(model="claude-opus-4-6", max_tokens=10,
                                                   messages=msgs):
                    if ev.type == "content_block_delta" and ev.delta.type == "text_delta":
                        ev.delta.text  # noqa: B018 (the attribute read is the measured pattern)

            async def gemini_typed() -> None:
                async for chunk in th.gemini.stream_generate_content(
                        "gemini-2.5-flash", contents=[{"role": "user", "parts": [{"text": "hi"}]}]):
                    chunk.candidates[0].content.parts[0].text  # type: ignore[union-attr]  # noqa: B018

            async def anthropic_text() -> None:
                async for _ in th.messages.stream(model="claude-opus-4-6", max_tokens=10,
                                                  messages=msgs).text():
                    pass

            async def gemini_text() -> None:
                async for _ in th.gemini.stream_generate_content(
                        "gemini-2.5-flash", contents=[{"role": "user", "parts": [{"text": "hi"}]}]
                ).text():
                    pass

            def unified(model: str, protocol: str = "auto") -> Callable[[], Awaitable[None]]:
                async def run() -> None:
                    async for ev in th.stream(model=model, messages=msgs, max_tokens=10,
                                              protocol=protocol):
                        if ev.__class__ is TextDelta:
                            ev.text  # noqa: B018
                return run

            async def ceiling(path: str) -> None:
                await raw_ceiling(session, base + path)

            cases: dict[str, dict[str, Callable[[], Awaitable[None]]]] = {
                "chat": {
                    "ceiling": lambda: ceiling("/v1/chat/completions"),
                    "typed": chat_typed, ".text()": chat_text,
                    "th.stream()": unified("gpt-4o-mini", "openai")},
                "responses": {
                    "ceiling": lambda: ceiling("/v1/responses"),
                    "typed": responses_typed, ".text()": responses_text,
                    "th.stream()": unified("gpt-4.1-mini", "responses")},
                "anthropic": {
                    "ceiling": lambda: ceiling("/v1/messages"),
                    "typed": anthropic_typed, ".text()": anthropic_text,
                    "th.stream()": unified("claude-opus-4-6")},
                "gemini": {
                    "ceiling": lambda: ceiling("/v1beta/models/gemini-2.5-flash:streamGenerateContent"),
                    "typed": gemini_typed, ".text()": gemini_text,
                    "th.stream()": unified("gemini-2.5-flash")},
            }
            del ContentBlockDeltaEvent
            for proto, runs in cases.items():
                if proto not in only:
                    continue
                timing: dict[str, list[float]] = {name: [] for name in runs}
                for _ in range(reps):
                    for name, fn in runs.items():
                        start = time.process_time()
                        await fn()
                        timing[name].append((time.process_time() - start) / events[proto] * 1e6)
                best = {name: statistics.median(v) for name, v in timing.items()}
                ceil = best["ceiling"]
                print(f"{proto} ({events[proto]} events/stream, median of {reps})")
                for name, us in best.items():
                    print(f"  {name:12s} {us:6.2f} us/event  ratio {ceil / us:4.2f}")
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000,
                     int(sys.argv[2]) if len(sys.argv) > 2 else 5,
                     (sys.argv[3] if len(sys.argv) > 3 else "chat,responses,anthropic,gemini")
                     .split(",")))
