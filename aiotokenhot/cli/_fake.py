"""``aiotokenhot fake-server [--port N]``: the built-in fake gateway, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

__all__ = ["add_parser", "fake_server"]


def add_parser(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("fake-server", help="run the built-in fake gateway (Ctrl-C stops it)",
                       description="Serve every TokenHot protocol from a local fake gateway.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8787, help="0 picks a free port (default 8787)")
    p.add_argument("--reply-words", type=int, default=12, help="length of chat replies")
    p.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between stream events")
    p.set_defaults(command=fake_server)


async def fake_server(args: argparse.Namespace) -> int:
    from ..testing import FakeTokenHot

    async with FakeTokenHot(host=args.host, port=args.port, reply_words=args.reply_words,
                            chunk_delay=args.chunk_delay, record=False) as fake:
        # the fake's key is a public constant, not a secret: printing it is the point
        print(f"fake TokenHot gateway listening on {fake.base_url}\n"
              f"  export TOKENHOT_BASE_URL={fake.base_url}\n"
              f"  export TOKENHOT_API_KEY={fake.api_key}\n"
              "Ctrl-C to stop.", flush=True)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:  # Ctrl-C is how this command is meant to end
            print("fake gateway stopped", flush=True)
    return 0
