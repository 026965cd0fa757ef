"""``python -m aiotokenhot.testing --port N``: run the fake gateway until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from ._server import DEFAULT_FAKE_KEY, FakeTokenHot


async def serve(host: str, port: int, api_key: str, reply_words: int) -> None:
    async with FakeTokenHot(api_key, host=host, port=port, reply_words=reply_words,
                            record=False) as fake:
        print(f"fake TokenHot gateway on {fake.base_url} (key: the one you passed, or the default)",
              flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m aiotokenhot.testing")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--api-key", default=DEFAULT_FAKE_KEY)
    parser.add_argument("--reply-words", type=int, default=12)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.api_key, args.reply_words))


if __name__ == "__main__":
    main()
