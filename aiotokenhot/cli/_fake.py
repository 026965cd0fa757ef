"""``aiotokenhot fake-server [--port N]``: the built-in fake gateway, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import errno
from typing import Any

from ._common import EXIT_USAGE, CLIError

__all__ = ["add_parser", "fake_server", "port_number"]


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0-65535 (0 lets the system pick a free one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


def add_parser(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("fake-server", help="run the built-in fake gateway (Ctrl-C stops it)",
                       description="Serve every TokenHot protocol (OpenAI Chat Completions and "
                                   "Responses, Anthropic Messages, Gemini, images, video, audio, "
                                   "account) from a local fake gateway, for trying clients and "
                                   "testing apps without a key or network.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=port_number, default=8787,
                   help="TCP port; 0 picks a free one (default 8787)")
    p.add_argument("--reply-words", type=int, default=12, help="words per chat reply (12)")
    p.add_argument("--chunk-delay", type=float, default=0.0,
                   help="seconds between stream events (0: as fast as possible)")
    p.add_argument("--replies", choices=["prose", "echo"], default="prose",
                   help="prose (default): short sentences about the prompt; echo: "
                        "'Echo: <prompt>' first, as tests predict it")
    p.add_argument("--api-key", metavar="KEY",
                   help="the key clients must send (default: the fake's public test key, printed)")
    p.add_argument("--unknown-model", action="append", default=[], metavar="MODEL",
                   help="answer 404 (in each protocol's error shape) for MODEL; repeatable")
    p.set_defaults(command=fake_server)


async def fake_server(args: argparse.Namespace) -> int:
    from ..testing import FakeTokenHot
    from ..testing._server import DEFAULT_FAKE_KEY

    fake = FakeTokenHot(args.api_key or DEFAULT_FAKE_KEY, host=args.host, port=args.port,
                        reply_words=args.reply_words, chunk_delay=args.chunk_delay,
                        record=False, replies=args.replies,
                        unknown_models=args.unknown_model)
    try:
        await fake.start()
    except OSError as exc:
        await fake.stop()
        if exc.errno == errno.EADDRINUSE:
            raise CLIError(f"port {args.port} on {args.host} is already in use: stop what "
                           "listens there or pick another with --port (0: any free port)",
                           EXIT_USAGE) from None
        raise CLIError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                       EXIT_USAGE) from None
    try:
        # the default key is a public constant, not a secret: printing it is the point; a key
        # the user chose is not repeated
        key = "<the key you passed>" if args.api_key else fake.api_key
        print(f"fake TokenHot gateway listening on {fake.base_url}\n"
              f"  export TOKENHOT_BASE_URL={fake.base_url}\n"
              f"  export TOKENHOT_API_KEY={key}\n"
              "Ctrl-C to stop.", flush=True)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:  # Ctrl-C is how this command is meant to end
            print("fake gateway stopped", flush=True)
    finally:
        await fake.stop()
    return 0
