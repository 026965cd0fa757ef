"""``aiotokenhot chat -m MODEL "prompt"``: stream one reply to the terminal, over any protocol."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pydantic_core

from ..unified._registry import PROTOCOLS
from ._common import EXIT_USAGE, CLIError, open_client

__all__ = ["add_parser", "chat"]


def add_parser(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "chat", parents=[parent], help="stream one reply token by token",
        description="Stream a reply to PROMPT (or stdin) as it is generated.",
    )
    p.add_argument("prompt", nargs="*", help="the prompt (default: read stdin)")
    p.add_argument("-m", "--model", required=True,
                   help="model id, e.g. gpt-5.4, claude-opus-4-6, gemini-2.5-flash, grok-4.1")
    p.add_argument("--protocol", default="auto",
                   choices=["auto", *PROTOCOLS],
                   help="wire protocol (auto: by model name)")
    p.add_argument("--system", help="a system prompt")
    p.add_argument("--max-tokens", type=int, help="most tokens the reply may use")
    p.add_argument("--temperature", type=float, help="sampling temperature (e.g. 0 to 2)")
    p.add_argument("--json", action="store_true",
                   help="print the protocol's raw stream events as JSON lines")
    p.set_defaults(command=chat)


def _messages(args: argparse.Namespace) -> list[dict[str, Any]]:
    prompt = " ".join(args.prompt)
    if not prompt or prompt == "-":
        if sys.stdin.isatty():
            raise CLIError("give a prompt, or pipe one on stdin", EXIT_USAGE)
        prompt = sys.stdin.read().strip()
    if not prompt:
        raise CLIError("the prompt is empty", EXIT_USAGE)
    messages = [{"role": "system", "content": args.system}] if args.system else []
    return [*messages, {"role": "user", "content": prompt}]


async def chat(args: argparse.Namespace) -> int:
    messages = _messages(args)
    async with open_client(args, chunk_delay=0.02) as th:
        if args.json:
            await _raw_events(th, args, messages)
            return 0
        from ..unified import ReasoningDelta, TextDelta

        out, err = sys.stdout, sys.stderr
        async with th.stream(model=args.model, messages=messages, protocol=args.protocol,
                             max_tokens=args.max_tokens, temperature=args.temperature) as stream:
            async for event in stream:
                if isinstance(event, TextDelta):
                    out.write(event.text)
                    out.flush()
                elif isinstance(event, ReasoningDelta):
                    err.write(event.text)
                    err.flush()
        out.write("\n")
        out.flush()
    return 0


async def _raw_events(th: Any, args: argparse.Namespace, messages: list[dict[str, Any]]) -> None:
    """Each SSE event as ``{"event", "data"}``: the wire as the protocol sent it."""
    from ..streams import SSEDecoder
    from ..unified import prepare

    _, native = prepare(model=args.model, messages=messages, tools=None, tool_choice=None,
                        max_tokens=args.max_tokens, temperature=args.temperature, top_p=None,
                        stop=None, protocol=args.protocol, stream=True)
    decoder = SSEDecoder()
    transport = th._transport

    async def send() -> Any:
        return await transport.open("POST", native.path, json=native.body, params=native.params)

    # the same span and metrics as any stream (no usage: the raw events are not parsed)
    instrumentation = transport.instrumentation
    call = None if instrumentation is None else instrumentation.start(
        native.path, native.body, native.params)
    resp = await (send() if call is None else call.opener(send)())
    error: BaseException | None = None
    try:
        async for chunk in resp.content.iter_any():
            for sse in decoder.feed(chunk):
                if call is not None and call.on_chunk is not None:
                    call.on_chunk()
                try:
                    data: Any = pydantic_core.from_json(sse.data)
                except ValueError:
                    data = sse.text()
                line = {"event": sse.event or None, "data": data}
                sys.stdout.write(pydantic_core.to_json(line).decode() + "\n")
                sys.stdout.flush()
    except BaseException as exc:
        error = exc
        raise
    finally:
        resp.release()
        if call is not None:
            call.finish(error=error)
