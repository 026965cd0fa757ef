"""``aiotokenhot models`` and ``aiotokenhot video``: ``MODEL "prompt" -o out.mp4`` (create, wait,
download), ``status TASK_ID`` and ``download TASK_ID -o out.mp4`` (resume an existing task)."""

from __future__ import annotations

import argparse
from typing import Any

import pydantic_core

from ._common import EXIT_USAGE, CLIError, open_client
from ._progress import progress_mode, video_download_progress, video_task_progress

__all__ = ["add_parsers", "models", "video"]


def add_parsers(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("models", parents=[parent], help="list the models this key may call",
                       description="List the model ids the gateway offers to this key, one a "
                                   "line (or the whole listing as JSON).")
    p.add_argument("--json", action="store_true", help="the whole list as JSON")
    p.set_defaults(command=models)

    p = sub.add_parser(
        "video", parents=[parent], help="generate a video and download it",
        usage="%(prog)s [options] MODEL PROMPT... -o FILE | status TASK_ID | download TASK_ID -o FILE",
        description="Submit a video task, wait for it with progress, download it. "
                    "'video status TASK_ID' shows an existing task; 'video download TASK_ID "
                    "-o FILE' waits for it if needed and downloads it with progress.")
    p.add_argument("model", help="the video model (e.g. doubao-seedance-2.0, sora-2), or "
                                 "'status' / 'download' followed by a task id")
    p.add_argument("prompt", nargs="+", help="what the video shows (or the task id)")
    p.add_argument("-o", "--output", help="where to save the video")
    p.add_argument("--seconds", type=int, help="duration in seconds")
    p.add_argument("--size", help="e.g. 1280x720")
    p.add_argument("--poll-interval", type=float, help="seconds between polls (default 5)")
    p.add_argument("--wait-timeout", type=float, default=1800.0,
                   help="seconds to wait for the task before giving up (1800)")
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


async def video(args: argparse.Namespace) -> int:
    if args.model in ("status", "download"):
        return await _existing_task(args)
    if not args.output:
        raise CLIError("-o/--output is required: where to save the video", EXIT_USAGE)
    from ..transport._download import writable_target

    prompt = " ".join(args.prompt)
    writable_target(args.output)  # a bad path fails now, not after the paid task
    interval = args.poll_interval or (0.2 if args.fake else 5.0)
    mode = progress_mode(args)
    async with open_client(args, video_polls=5) as th:
        task = await th.videos.create(model=args.model, prompt=prompt, seconds=args.seconds,
                                      size=args.size)
        on_task, task_bar = video_task_progress(mode)
        try:
            done = await th.videos.wait(
                task, poll_interval=interval,
                max_poll_interval=max(interval, 30.0 if not args.fake else 0.5),
                timeout=args.wait_timeout, on_progress=on_task)
        finally:
            task_bar.close()  # an error is printed on a line of its own
        path = await _download(th, done, args, mode)
    print(path)
    return 0


async def _download(th: Any, task: Any, args: argparse.Namespace, mode: str) -> Any:
    """Download a finished task's video to ``args.output`` under a bytes progress bar."""
    on_bytes, bar = video_download_progress(mode, every=args.progress_every)
    try:
        return await th.videos.download(task, args.output, on_progress=on_bytes)
    finally:
        bar.close()


async def _existing_task(args: argparse.Namespace) -> int:
    """``video status ID`` prints the task; ``video download ID -o FILE`` waits and downloads."""
    if len(args.prompt) != 1:
        raise CLIError(f"usage: aiotokenhot video {args.model} TASK_ID", EXIT_USAGE)
    from ..protocols.videos import VideoStatus

    task_id = args.prompt[0]
    async with open_client(args) as th:
        task = await th.videos.retrieve(task_id)
        if args.model == "status":
            pct = "" if task.progress is None else f" {task.progress:.0f}%"
            print(f"{task.id}: {task.status}{pct}" + (f" ({task.raw_status})" if task.raw_status
                                                       and task.raw_status != task.status.value
                                                       else ""))
            if task.result_url:
                print(task.result_url)
            if task.error:
                print(f"error: {task.error.message}")
            return 0 if task.status is not VideoStatus.FAILED else 1
        if not args.output:
            raise CLIError("-o/--output is required: where to save the video", EXIT_USAGE)
        if not task.done:
            interval = args.poll_interval or 5.0
            on_task, task_bar = video_task_progress(progress_mode(args))
            try:
                task = await th.videos.wait(task, poll_interval=interval,
                                            max_poll_interval=max(interval, 30.0),
                                            timeout=args.wait_timeout, on_progress=on_task)
            finally:
                task_bar.close()
        elif not task.succeeded:
            raise CLIError(f"video task {task.id} ended {task.status}: "
                           f"{task.error.message if task.error else 'no reason given'}")
        path = await _download(th, task, args, progress_mode(args))
    print(path)
    return 0
