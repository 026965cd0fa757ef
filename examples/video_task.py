"""Submit a video task, wait for it with a progress bar, download the result.

    python examples/video_task.py [model] [out.mp4]   # default: <tmp>/aiotokenhot-video.mp4

Uses the real gateway when TOKENHOT_API_KEY is set, else an in-process fake gateway whose
tasks finish after a few polls. Seedance/Hailuo/HappyHorse models go through
``/v1/video/generations``; ``sora-2`` through ``/v1/videos``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from aiotokenhot import AsyncTokenHot
from aiotokenhot.protocols.videos import VideoTask, VideoTaskError


def progress_bar(task: VideoTask, width: int = 30) -> None:
    """Redraw one terminal line each time the task's status or progress changes."""
    done = int(width * (task.progress or 0) / 100)
    bar = "#" * done + "-" * (width - done)
    print(f"\r[{bar}] {task.progress or 0:5.1f}%  {task.status.value:<9}", end="", flush=True)


async def main(model: str, out: Path) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if os.environ.get("TOKENHOT_API_KEY"):
            th = AsyncTokenHot()
            poll_interval = 5.0
        else:
            from aiotokenhot.testing import FakeTokenHot

            fake = await stack.enter_async_context(FakeTokenHot(video_polls=8))
            th = fake.client()
            poll_interval = 0.05
        await stack.enter_async_context(th)

        if model.startswith("sora"):
            task = await th.videos.create(model=model, prompt="A paper boat on a rainy street",
                                          seconds="4", size="1280x720")
        else:
            task = await th.videos.create(
                model=model, prompt="A horse galloping along a beach at sunset", duration=5,
                metadata={"ratio": "16:9", "resolution": "720p"})
        print(f"submitted {task.id} ({task.status.value})")

        try:
            video = await th.videos.wait(task, poll_interval=poll_interval, timeout=1800,
                                         on_progress=progress_bar)
        except VideoTaskError as exc:
            print(f"\nthe task failed: {exc.message}")
            return
        print()
        path = await th.videos.download(video, out)  # streamed in chunks; atomic rename at the end
        print(f"saved {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    args = sys.argv[1:]
    out = Path(args[1]) if len(args) > 1 else Path(tempfile.gettempdir(), "aiotokenhot-video.mp4")
    asyncio.run(main(args[0] if args else "doubao-seedance-2.0", out))
