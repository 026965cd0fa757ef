"""Describe a local photo and get the answer back as a pydantic object, on any protocol.

    python examples/structured_outputs.py [photo.png]   # default: a generated 32x32 PNG

The photo is read off the event loop and sent the way each protocol wants it (a data URL, an
Anthropic base64 source, Gemini inlineData); the reply is validated into ``Photo``. Uses the
real gateway when TOKENHOT_API_KEY is set, else an in-process fake gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from pydantic import BaseModel

from aiotokenhot import AsyncTokenHot


class Photo(BaseModel):
    subject: str
    colours: list[str]
    people: int


async def main(photo: Path) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if os.environ.get("TOKENHOT_API_KEY"):
            th = AsyncTokenHot()
        else:
            from aiotokenhot.testing import FakeTokenHot

            th = (await stack.enter_async_context(FakeTokenHot())).client()
        await stack.enter_async_context(th)

        ask = [{"role": "user", "content": [
            {"type": "text", "text": "Describe this photo"},
            {"type": "image_url", "image_url": {"url": photo}}]}]
        for model in ("gpt-5.4", "claude-opus-4-6", "gemini-2.5-flash"):
            done = await th.complete(model=model, messages=ask, response_format=Photo)
            if done.parsed is None:
                print(f"{model}: refused: {done.refusal}")
            else:
                print(f"{model}: {done.parsed!r}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        target = Path(sys.argv[1])
    else:
        from aiotokenhot.testing._media import fake_png

        target = Path(tempfile.gettempdir()) / "aiotokenhot-example.png"
        target.write_bytes(fake_png("example", size=32))
    asyncio.run(main(target))
