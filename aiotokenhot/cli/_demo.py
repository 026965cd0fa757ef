"""``aiotokenhot demo``: a tour against an in-process fake gateway (``make demo``).

Four protocols streaming side by side (live lines on a terminal), the unified stream over three
model families at once, a fan-out batch of a few thousand requests stopped part-way and resumed
(only the rest is sent), a video task with progress saved to a file, an image edit from a local
file and a structured output parsed into a pydantic model. Every file it writes is kept in
``--out`` (default ``./aiotokenhot-demo``) and listed at the end. Needs no key and no network
beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from ._common import EXIT_USAGE, CLIError
from ._progress import bold, progress_mode, track_batch, video_task_progress

__all__ = ["add_parser", "demo"]

BATCH_SIZE = 3000
OUT_DIR = "aiotokenhot-demo"
QUESTION = "Why do async clients reuse connections?"
UNIFIED = (("gpt-5.4", "When should I retry a failed request?"),
           ("claude-opus-4-6", "What belongs in a good error message?"),
           ("gemini-2.5-flash", "How large should a connection pool be?"))
#: what the demo writes into --out (removed first, so every run starts from scratch)
DEMO_FILES = ("requests.jsonl", "results.jsonl", "boat.mp4", "cat.png", "cat-with-hat.png",
              "city.json")


def add_parser(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "demo", help="a 30-second tour against the built-in fake gateway",
        description="Start the fake gateway in-process and show what the SDK does: the four "
                    "protocols streaming side by side, the unified stream, a batch stopped "
                    "and resumed, a video task, an image edit and a structured output. "
                    "No key, no network.")
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                   help=f"requests in the batch part ({BATCH_SIZE})")
    p.add_argument("--out", default=OUT_DIR, metavar="DIR",
                   help=f"where the demo's files go (default ./{OUT_DIR}; its own files there "
                        "are replaced)")
    p.set_defaults(command=demo)


def _title(text: str) -> None:
    print("\n" + bold(f"== {text}"), flush=True)


# -- rows streaming side by side ------------------------------------------------------------------


@dataclass
class _Row:
    label: str
    model: str
    pieces: AsyncIterator[tuple[str, str]]  # ("text", piece) or ("tail", summary)
    text: str = ""
    tail: str = ""
    first: float | None = None
    parts: list[str] = field(default_factory=list)

    def line(self, width: int | None) -> str:
        """The row on one line: while streaming, the newest text that fits in ``width``."""
        head = f"{self.label:<20}{self.model:<17}"
        body = self.text + (f"  [{self.tail}]" if self.tail else "")
        if width is not None and len(head) + len(body) >= width:
            keep = max(0, width - len(head) - 2)
            body = "…" + body[len(body) - keep:] if keep else ""
        return head + body

    def lines(self, width: int | None) -> list[str]:
        """The whole row, wrapped to ``width`` under its text column (once it has ended)."""
        head = f"{self.label:<20}{self.model:<17}"
        body = self.text + (f"  [{self.tail}]" if self.tail else "")
        if width is None or len(head) + len(body) < width:
            return [head + body]
        return textwrap.wrap(body, width=width, initial_indent=head,
                             subsequent_indent=" " * len(head)) or [head]


async def _side_by_side(rows: Sequence[_Row]) -> None:
    """Drive every row's stream at once: on a terminal the rows update in place, otherwise
    each row is printed whole once every stream has ended."""
    live = sys.stdout.isatty()
    width = shutil.get_terminal_size().columns - 1 if live else None
    started = time.monotonic()

    def draw(first: bool = False) -> None:
        up = "" if first else f"\033[{len(rows)}F"  # back to the first row
        sys.stdout.write(up + "".join("\033[2K" + r.line(width) + "\n" for r in rows))
        sys.stdout.flush()

    async def run(row: _Row) -> None:
        async for kind, piece in row.pieces:
            if kind == "text":
                if row.first is None:
                    row.first = time.monotonic() - started
                row.text += piece
            else:
                row.tail = piece
            if live:
                draw()

    if live:
        draw(first=True)
    async with anyio.create_task_group() as tg:
        for row in rows:
            tg.start_soon(run, row)
    if live:  # the whole replies, wrapped, over the live rows
        sys.stdout.write(f"\033[{len(rows)}F")
        sys.stdout.write("".join("\033[2K" + line + "\n" for r in rows for line in r.lines(width)))
    else:
        for row in rows:
            print(row.line(None))
    sys.stdout.flush()


async def _texts(pieces: AsyncIterator[str]) -> AsyncIterator[tuple[str, str]]:
    async for piece in pieces:
        yield "text", piece


async def _unified(th: Any, model: str, messages: list[dict[str, Any]]) -> AsyncIterator[
        tuple[str, str]]:
    from ..unified import Finish, TextDelta, Usage

    tail: list[str] = []
    async for event in th.stream(model=model, messages=messages):
        if isinstance(event, TextDelta):
            yield "text", event.text
        elif isinstance(event, Usage):
            tail.append(f"{event.input_tokens} in / {event.output_tokens} out")
        elif isinstance(event, Finish):
            tail.append(str(event.reason))
    yield "tail", ", ".join(tail)


async def _four_protocols(th: Any) -> None:
    user = [{"role": "user", "content": QUESTION}]
    async with th.chat.completions.stream(model="gpt-5.4", messages=user) as s1, \
            th.responses.stream(model="grok-4.1", input="What makes a good progress bar?") as s2, \
            th.messages.stream(model="claude-opus-4-6", max_tokens=128, messages=[
                {"role": "user", "content": "How should a client handle rate limits?"}]) as s3, \
            th.gemini.stream_generate_content("gemini-2.5-flash", contents=[
                {"role": "user", "parts": [{"text": "Explain streaming responses briefly"}]}]) as s4:
        await _side_by_side([
            _Row("Chat Completions", "gpt-5.4", _texts(s1.text())),
            _Row("Responses", "grok-4.1", _texts(s2.text())),
            _Row("Anthropic Messages", "claude-opus-4-6", _texts(s3.text())),
            _Row("Gemini", "gemini-2.5-flash", _texts(s4.text())),
        ])


# -- batch ------------------------------------------------------------------------------------------


def _batch_lines(n: int) -> list[dict[str, Any]]:
    """A mixed batch: every route family in turn."""
    out: list[dict[str, Any]] = []
    for i in range(n):
        text = f"Summarise support ticket {i} in one line"
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
        out.append({"custom_id": f"ticket-{i}", "method": "POST", "url": url, "body": body})
    return out


async def _batch_stop_and_resume(th: Any, fake: Any, out: Path, size: int) -> None:
    import pydantic_core

    from ..batch import run_batch

    src, results = out / "requests.jsonl", out / "results.jsonl"
    src.write_bytes(b"".join(pydantic_core.to_json(line) + b"\n" for line in _batch_lines(size)))
    stop_at = size // 3
    _title(f"a fan-out batch: {size:,} requests over 4 protocols, 64 at a time; "
           f"stopped after {stop_at:,}, then resumed")
    before = fake.request_count
    got = 0
    async with run_batch(th, src, output=results, concurrency=64) as run:
        async for _ in run:
            got += 1
            if got >= stop_at:
                break  # leaving the block cancels what is in flight: like Ctrl-C
    kept = len(results.read_bytes().splitlines())
    reached = fake.request_count - before
    print(f"stopped: {kept:,} results saved in {results.name}; {reached - kept:,} more had been "
          "sent but not saved when it stopped, so the resume sends them again")

    before = fake.request_count
    resumed = run_batch(th, src, output=results, concurrency=64, progress=False)
    summary = await track_batch(resumed, mode=progress_mode(argparse.Namespace(), sys.stdout),
                                total=size, stream=sys.stdout, every=1.0)
    sent = fake.request_count - before
    rate = summary.ok / summary.elapsed if summary.elapsed > 0 else 0.0
    print(f"resumed with the same command: {summary.skipped:,} already done were skipped, "
          f"{summary.ok:,} sent (the gateway saw {sent:,} requests), {summary.failed} failed")
    print(f"throughput: {rate:,.0f} requests/s  latency p50 "
          f"{(summary.latency_p50 or 0) * 1000:.0f} ms, p95 {(summary.latency_p95 or 0) * 1000:.0f} ms"
          f"  ({summary.tokens:,} tokens)")
    total = len(results.read_bytes().splitlines())
    print(f"{results.name}: {total:,} lines, one per request, none twice")


# -- video, image edit, structured output ---------------------------------------------------------


async def _video(th: Any, out: Path) -> None:
    _title("a video task, waited on with progress, then downloaded")
    task = await th.videos.create(model="doubao-seedance-2.0",
                                  prompt="a paper boat on a rainy street")
    on_task, bar = video_task_progress(progress_mode(argparse.Namespace(), sys.stdout),
                                       stream=sys.stdout)
    done = await th.videos.wait(task, poll_interval=0.2, max_poll_interval=0.3,
                                on_progress=on_task)
    bar.close()
    path = await th.videos.download(done, out / "boat.mp4")
    print(f"downloaded {path.name}: {path.stat().st_size:,} bytes")


async def _local_file_and_structured_output(th: Any, out: Path) -> None:
    """An image edit from a file on disk, and a reply parsed into a pydantic model."""
    from pydantic import BaseModel

    from ..testing import fake_png

    class City(BaseModel):
        name: str
        population: int
        landmarks: list[str]

    _title("an image edit from a local file")
    photo = out / "cat.png"
    photo.write_bytes(fake_png("a cat on a sofa", size=32))
    edited = await th.images.edit(model="gpt-image-2", image=photo, prompt="add a tiny hat")
    got = edited.raw["received"]["image"][0]  # the fake gateway lists the parts it received
    print(f"sent {got['filename']} as {got['content_type']} ({got['size']:,} bytes, "
          "type sniffed from the content, streamed from disk)")
    saved = await edited.data[0].save(out / "cat-with-hat.png")
    print(f"got {saved.name}: {saved.stat().st_size:,} bytes")

    _title("a structured output, parsed into a pydantic model")
    reply = await th.chat.completions.parse(
        model="gpt-5.4", messages=[{"role": "user", "content": "Tell me about Paris"}],
        response_format=City)
    city = reply.choices[0].message.parsed
    print(f"{type(city).__name__}: {city!r}")
    (out / "city.json").write_text(city.model_dump_json(indent=2) + "\n", encoding="utf-8")


def _fresh_dir(where: str) -> Path:
    """The output directory, made if missing, without the files of an earlier demo run."""
    out = Path(where).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name in DEMO_FILES:
        (out / name).unlink(missing_ok=True)
    return out


async def demo(args: argparse.Namespace) -> int:
    from ..testing import FakeTokenHot

    if args.batch_size < 3:
        raise CLIError("--batch-size must be at least 3 (the demo stops the batch after a third)",
                       EXIT_USAGE)
    out = await anyio.to_thread.run_sync(_fresh_dir, args.out)
    started = time.monotonic()
    async with FakeTokenHot(reply_words=20, chunk_delay=0.04, video_polls=5, record=False,
                            replies="prose") as fake, fake.client() as th:
        print(f"fake TokenHot gateway on {fake.base_url} (in-process, no key needed)")

        _title("four protocols, four models, streaming at the same time")
        await _four_protocols(th)

        _title("the unified stream: th.stream(model=...) gives one event type for every model")
        await _side_by_side([
            _Row("th.stream(...)", model, _unified(th, model, [{"role": "user", "content": q}]))
            for model, q in UNIFIED])

        fake.chunk_delay = 0.0
        await _batch_stop_and_resume(th, fake, out, args.batch_size)
        await _video(th, out)
        await _local_file_and_structured_output(th, out)

    print(f"\nEvery call above went through the real client and the fake gateway's sockets "
          f"({time.monotonic() - started:.0f} s).")
    print(bold(f"The demo's files are in {out}:"))
    for name in DEMO_FILES:
        path = out / name
        print(f"  {path}  ({path.stat().st_size:,} bytes)")
    return 0
