"""``aiotokenhot models`` and ``aiotokenhot video MODEL "prompt" -o out.mp4``."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

import pydantic_core

from ._common import open_client

__all__ = ["add_parsers", "models", "video"]


def add_parsers(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("models", parents=[parent], help="list the models this key may call")
    p.add_argument("--json", action="store_true", help="the whole list as JSON")
    p.set_defaults(command=models)

    p = sub.add_parser("video", parents=[parent], help="generate a video and download it",
                       description="Submit a video task, wait for it with progress, download it.")
    p.add_argument("model")
    p.add_argument("prompt", nargs="+")
    p.add_argument("-o", "--output", required=True, help="where to save the video")
    p.add_argument("--seconds", type=int, help="duration in seconds")
    p.add_argument("--size", help="e.g. 1280x720")
    p.add_argument("--poll-interval", type=float, help="seconds between polls (default 5)")
    p.add_argument("--wait-timeout", type=float, default=1800.0, help="give up after (s)")
    p.set_defaults(command=video)


async def models(args: argparse.Namespace) -> int:
    async with open_client(args) as th:
        listing = await th.models.list()
    if args.json:
        print(pydantic_core.to_json(listing.model_dump(mode="json"), indent=2).decode())
    else:
        for model in listing:
            print(model.id)
    return 0


def progress_printer(label: str, stream: TextIO | None = None) -> Any:
    """An ``on_progress`` callback: a rewritten line on a terminal, one line per change otherwise."""
    out = stream or sys.stderr
    tty = out.isatty()

    def show(task: Any) -> None:
        pct = "" if task.progress is None else f" {task.progress:.0f}%"
        text = f"{label} {task.id}: {task.status}{pct}"
        out.write(("\r" + text.ljust(60)) if tty else text + "\n")
        if tty and task.done:
            out.write("\n")
        out.flush()

    return show


async def video(args: argparse.Namespace) -> int:
    from ..transport._download import writable_target

    prompt = " ".join(args.prompt)
    writable_target(args.output)  # a bad path fails now, not after the paid task
    interval = args.poll_interval or (0.2 if args.fake else 5.0)
    async with open_client(args, video_polls=5) as th:
        task = await th.videos.create(model=args.model, prompt=prompt, seconds=args.seconds,
                                      size=args.size)
        done = await th.videos.wait(task, poll_interval=interval,
                                    max_poll_interval=max(interval, 30.0 if not args.fake else 0.5),
                                    timeout=args.wait_timeout,
                                    on_progress=progress_printer("video"))
        path = await th.videos.download(done, args.output)
    print(path)
    return 0
