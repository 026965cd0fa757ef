"""Generate and edit images across model families; save them wherever they came from.

    python examples/images.py [out_dir]   # default: <tmp>/aiotokenhot-images

Uses the real gateway when TOKENHOT_API_KEY is set, else an in-process fake gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from aiotokenhot import AsyncTokenHot


async def main(out_dir: Path) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if os.environ.get("TOKENHOT_API_KEY"):
            th = AsyncTokenHot()
        else:
            from aiotokenhot.testing import FakeTokenHot

            th = (await stack.enter_async_context(FakeTokenHot())).client()
        await stack.enter_async_context(th)

        # OpenAI family: the answer carries a URL or base64, the result looks the same
        result = await th.images.generate(model="gpt-image-2", prompt="A lighthouse at dawn",
                                          size="1024x1024", quality="high")
        first = await result.images[0].save(out_dir / "lighthouse.png")  # downloads if a URL
        print("gpt-image-2 →", first, result.images[0].mime_type)

        # Seedream: vendor fields pass through untouched
        result = await th.images.generate(
            model="doubao-seedream-4-5-251128", prompt="A tea garden in mist", size="2K",
            extra_body={"watermark": False, "sequential_image_generation": "disabled"})
        print("seedream →", [i.url for i in result.images])

        # Wan (DashScope body in extra_body): image links are found inside the reply text
        result = await th.images.generate(model="wan2.6-image", extra_body={
            "input": {"messages": [{"role": "user", "content": [{"text": "Autumn lake"}]}]},
            "parameters": {"size": "1024*1024", "max_images": 1}})
        print("wan →", [i.url for i in result.images])

        # Gemini image models answer through generateContent with inline bytes
        result = await th.images.generate(model="gemini-2.5-flash-image", prompt="A red kite",
                                          size="16:9")
        kite = await result.images[0].save(out_dir / "kite.png")
        print("gemini →", kite, f"({len(result.images[0].bytes or b'')} bytes)", result.text)

        # editing: images and mask from a path (streamed from disk), bytes or an async file
        edited = await th.images.edit(model="gpt-image-2", image=[first, kite], prompt="Merge them",
                                      mask=("mask.png", b"\x89PNG\r\n\x1a\n..."),
                                      response_format="b64_json")
        print("edit →", await edited.images[0].save(out_dir / "merged.png"))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir(), "aiotokenhot-images")
    target.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(target))
