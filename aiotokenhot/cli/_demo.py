"""``aiotokenhot demo``: a few-second tour against an in-process fake gateway (``make demo``).

Streams one reply over each wire protocol, the unified stream over three model families, a
fan-out batch of a few hundred requests with its progress and summary, a video task
waited on with progress, an image edit from a local file and a structured output parsed into a
pydantic model. Needs no key and no network beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from ._media import progress_printer

__all__ = ["add_parser", "demo"]

BATCH_SIZE = 300
QUESTION = "Why do async clients reuse connections?"


def add_parser(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", help="a short tour against the built-in fake gateway",
                       description="Start the fake gateway in-process and show what the SDK does.")
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"requests ({BATCH_SIZE})")
    p.set_defaults(command=demo)


def _title(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}", flush=True)


async def _show(protocol: str, model: str, pieces: AsyncIterator[str]) -> None:
    print(f"{protocol:<20}{model:<18}", end="", flush=True)
    async for piece in pieces:
        print(piece, end="", flush=True)
    print(flush=True)


def _batch_lines(n: int) -> list[dict[str, Any]]:
    """A mixed batch: every route family in turn."""
    out: list[dict[str, Any]] = []
    for i in range(n):
        text = f"summarise document {i}"
        kind = i % 4
        body: dict[str, Any]
        if kind == 0:
            url, body = "/v1/chat/completions", {
                "model": "gpt-5.4", "messages": [{"role": "user", "content": text}]}
        elif kind == 1:
            url, body = "/v1/messages", {
                "model": "claude-opus-4-6", "max_tokens": 64,
                "messages": [{"role": "user", "content": text}]}
        elif kind == 2:
            url, body = "/v1beta/models/gemini-2.5-flash:generateContent", {
                "contents": [{"role": "user", "parts": [{"text": text}]}]}
        else:
            url, body = "/v1/responses", {"model": "grok-4.1", "input": text}
        out.append({"custom_id": f"doc-{i}", "method": "POST", "url": url, "body": body})
    return out


async def _local_file_and_structured_output(th: Any, tmp: Path) -> None:
    """An image edit from a file on disk, and a reply parsed into a pydantic model."""
    from pydantic import BaseModel

    from ..testing._media import fake_png

    class City(BaseModel):
        name: str
        population: int
        landmarks: list[str]

    _title("an image edit from a local file")
    photo = tmp / "cat.png"
    photo.write_bytes(fake_png("a cat on a sofa", size=32))
    edited = await th.images.edit(model="gpt-image-2", image=photo, prompt="add a tiny hat")
    got = edited.raw["received"]["image"][0]  # the fake gateway lists the parts it received
    print(f"sent {got['filename']} as {got['content_type']} ({got['size']:,} bytes, "
          "type sniffed from the content, streamed from disk)")
    saved = await edited.data[0].save(tmp / "cat-with-hat.png")
    print(f"got {saved.name}: {saved.stat().st_size:,} bytes")

    _title("a structured output, parsed into a pydantic model")
    reply = await th.chat.completions.parse(
        model="gpt-5.4", messages=[{"role": "user", "content": "Tell me about Paris"}],
        response_format=City)
    city = reply.choices[0].message.parsed
    print(f"{type(city).__name__}: {city!r}")


async def demo(args: argparse.Namespace) -> int:
    from ..batch import run_batch
    from ..testing import FakeTokenHot
    from ..unified import Finish, TextDelta, Usage

    user = [{"role": "user", "content": QUESTION}]
    async with FakeTokenHot(reply_words=10, chunk_delay=0.03, video_polls=4, record=False) as fake, \
            fake.client() as th:
        print(f"fake TokenHot gateway on {fake.base_url} (in-process, no key needed)")

        _title("one reply, streamed token by token, over each protocol")
        async with th.chat.completions.stream(model="gpt-5.4", messages=user) as s1:
            await _show("Chat Completions", "gpt-5.4", s1.text())
        async with th.responses.stream(model="grok-4.1", input=QUESTION) as s2:
            await _show("Responses", "grok-4.1", s2.text())
        async with th.messages.stream(model="claude-opus-4-6", max_tokens=128, messages=user) as s3:
            await _show("Anthropic Messages", "claude-opus-4-6", s3.text())
        async with th.gemini.stream_generate_content(
            "gemini-2.5-flash", contents=[{"role": "user", "parts": [{"text": QUESTION}]}]
        ) as s4:
            await _show("Gemini", "gemini-2.5-flash", s4.text())

        _title("the unified stream: one event type for every model")
        for model in ("gpt-5.4", "claude-opus-4-6", "gemini-2.5-flash"):
            print(f"{'th.stream(...)':<20}{model:<18}", end="", flush=True)
            tail = ""
            async for event in th.stream(model=model, messages=user):
                if isinstance(event, TextDelta):
                    print(event.text, end="", flush=True)
                elif isinstance(event, Usage):
                    tail += f"  [{event.input_tokens} in / {event.output_tokens} out]"
                elif isinstance(event, Finish):
                    tail += f"  [{event.reason}]"
            print(tail, flush=True)

        fake.chunk_delay = 0.0
        _title(f"a fan-out batch: {args.batch_size} requests over 4 protocols, "
               "32 at a time, paced at 12,000 rpm")
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "requests.jsonl"
            import pydantic_core

            src.write_bytes(b"".join(pydantic_core.to_json(line) + b"\n"
                                     for line in _batch_lines(args.batch_size)))
            summary = await run_batch(th, src, output=Path(tmp) / "results.jsonl",
                                      concurrency=32, rpm=12000, progress=None)
            print(summary.format())
            again = await run_batch(th, src, output=Path(tmp) / "results.jsonl")
            print(f"rerun with the same output: {again.skipped} already done, {again.ok} sent")

            _title("a video task, waited on with progress")
            task = await th.videos.create(model="doubao-seedance-2.0",
                                          prompt="a paper boat on a rainy street")
            done = await th.videos.wait(task, poll_interval=0.2, max_poll_interval=0.3,
                                        on_progress=progress_printer("video", sys.stdout))
            path = await th.videos.download(done, Path(tmp) / "boat.mp4")
            print(f"downloaded {path.name}: {path.stat().st_size:,} bytes")

            await _local_file_and_structured_output(th, Path(tmp))
        print("\nEvery call above went through the real client and the fake gateway's sockets.")
    return 0
