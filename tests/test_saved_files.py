"""Files the SDK and the CLI save: the user's umask, typed errors, deadlines that hold mid-request."""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest
from aiohttp import web

from aiotokenhot import AsyncTokenHot, Timeout
from aiotokenhot._exceptions import APITimeoutError, InvalidRequestError, ResponseValidationError
from aiotokenhot.batch import run_batch
from aiotokenhot.protocols.images import Image
from aiotokenhot.testing import FakeTokenHot

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-test-saved-files"


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
async def test_saved_files_get_the_users_umask(tmp_path: Path, mask: int) -> None:
    with umask(mask):
        async with FakeTokenHot(video_polls=1) as fake, fake.client(max_retries=0) as th:
            by_url = await th.images.generate(model="gpt-image-2", prompt="a fox")
            inline = await th.images.generate(model="dall-e-3", prompt="a fox",
                                              response_format="b64_json")
            speech = await th.audio.speech(model="tts-1", input="hi", voice="alloy")
            task = await th.videos.create(model="sora-2", prompt="a boat")
            await th.videos.wait(task.id, poll_interval=0.01)
            saved = [
                await by_url.images[0].save(tmp_path / "url.png"),
                await inline.images[0].save(tmp_path / "inline.png"),
                await speech.save(tmp_path / "hi.mp3"),
                await th.videos.download(task.id, tmp_path / "boat.mp4"),
            ]
            await run_batch(th, [{"custom_id": "a", "url": "/v1/chat/completions", "body": {
                "model": "gpt-5.4", "messages": [{"role": "user", "content": "x"}]}}],
                output=tmp_path / "out.jsonl")
            saved.append(tmp_path / "out.jsonl")
    assert {p.name: mode(p) for p in saved} == {p.name: 0o666 & ~mask for p in saved}
    assert files_in(tmp_path) == sorted(p.name for p in saved)


def test_the_cli_video_gets_the_users_umask(tmp_path: Path) -> None:
    from aiotokenhot.cli import main

    target = tmp_path / "boat.mp4"
    with umask(0o022):
        assert main(["video", "--fake", "sora-2", "a boat", "-o", str(target)]) == 0
    assert mode(target) == 0o644


@pytest.mark.parametrize("url", [
    "data:image/png;base64,abc",      # bad padding
    "data:image/png;base64,@@@@",     # nothing decodable
    "data:image/png;base64",          # no comma at all
])
async def test_a_broken_data_url_raises_an_sdk_error(tmp_path: Path, url: str) -> None:
    image = Image(url=url)
    with pytest.raises(ResponseValidationError, match="data: URL"):
        await image.save(tmp_path / "x.png")
    assert files_in(tmp_path) == []


async def test_data_urls_decode_base64_and_percent_escapes(tmp_path: Path) -> None:
    assert (await Image(url="data:image/png;base64,iVBORw==").save(tmp_path / "a")).read_bytes() \
        == b"\x89PNG"
    assert (await Image(url="data:text/plain,a%20b").save(tmp_path / "b")).read_bytes() == b"a b"


# -- deadlines that hold while a request is under way ---------------------------------------------


class Stalling:
    """A gateway whose status polls never answer and whose video content drips."""

    def __init__(self, drip_every: float) -> None:
        self.drip_every = drip_every
        self.polls = 0
        self.app = web.Application()
        self.app.router.add_get("/v1/videos/{id}", self.poll)
        self.app.router.add_get("/v1/videos/{id}/content", self.content)

    async def poll(self, request: web.Request) -> web.StreamResponse:
        self.polls += 1
        await _until_gone(request)
        return web.Response(status=504)

    async def content(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        await resp.prepare(request)
        for _ in range(int(30 / self.drip_every)):  # bounded: 30 s at most
            try:
                await resp.write(b"x")
            except (ConnectionResetError, RuntimeError):
                break
            await asyncio.sleep(self.drip_every)
        return resp


async def _until_gone(request: web.Request) -> None:
    for _ in range(3000):  # at most 30 s
        if request.transport is None or request.transport.is_closing():
            return
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def stalling(drip_every: float, timeout: Timeout) -> AsyncIterator[tuple[Stalling, AsyncTokenHot]]:
    server = Stalling(drip_every)
    runner = web.AppRunner(server.app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with AsyncTokenHot(KEY, f"http://127.0.0.1:{port}", timeout=timeout,
                                 max_retries=0) as th:
            yield server, th
    finally:
        await runner.cleanup()


async def test_wait_returns_at_its_deadline_while_a_poll_hangs() -> None:
    async with stalling(1.0, Timeout(total=600)) as (server, th):
        with anyio.fail_after(10):  # a guard against hanging, not a timing claim
            with pytest.raises(APITimeoutError, match=r"got no answer within the 0\.5s wait") as caught:
                await th.videos.wait("video_1", poll_interval=0.1, timeout=0.5)
    assert caught.value.partial is None  # no poll ever answered
    assert server.polls == 1


async def test_a_dripping_download_hits_the_idle_timeout(tmp_path: Path) -> None:
    async with stalling(1.0, Timeout(total=600, idle=0.3)) as (_, th):  # 1 byte a second
        with anyio.fail_after(10), pytest.raises(APITimeoutError, match="download timed out"):
            await th.videos.download("video_1", tmp_path / "v.mp4")
    assert files_in(tmp_path) == []


async def test_a_dripping_download_hits_the_total_timeout(tmp_path: Path) -> None:
    async with stalling(0.05, Timeout(total=0.5, idle=5)) as (_, th):  # never idle for long
        with anyio.fail_after(10), pytest.raises(APITimeoutError, match=r"total timeout of 0\.5s"):
            await th.videos.download("video_1", tmp_path / "v.mp4")
    assert files_in(tmp_path) == []


async def test_a_per_call_timeout_bounds_the_download_too(tmp_path: Path) -> None:
    async with stalling(0.05, Timeout(total=600)) as (_, th):
        with anyio.fail_after(10), pytest.raises(APITimeoutError):
            await th.videos.download("video_1", tmp_path / "v.mp4", timeout=0.4)
    assert files_in(tmp_path) == []


# -- the video command checks where it will write before it pays ----------------------------------


@pytest.mark.parametrize("where", ["a directory", "inside a file", "a read-only filesystem"])
async def test_video_command_checks_the_output_before_submitting(tmp_path: Path, where: str) -> None:
    target = {"a directory": tmp_path,
              "inside a file": tmp_path / "file.txt" / "v.mp4",
              "a read-only filesystem": Path("/proc/v.mp4")}[where]
    (tmp_path / "file.txt").write_text("x")
    async with FakeTokenHot() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENHOT_")}
        env.update(TOKENHOT_API_KEY=fake.api_key, TOKENHOT_BASE_URL=fake.base_url,
                   PYTHONPATH=str(ROOT))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "aiotokenhot", "video", "sora-2", "a boat", "-o", str(target),
            cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        _, err = await proc.communicate()
        assert fake.requests == []  # nothing submitted, nothing paid
    assert proc.returncode == 2
    [line] = err.decode().splitlines()
    assert line.startswith("aiotokenhot: error: ")


def test_writable_target_refuses_a_directory(tmp_path: Path) -> None:
    from aiotokenhot.transport._download import writable_target

    with pytest.raises(InvalidRequestError, match="is a directory"):
        writable_target(tmp_path)
    assert writable_target(tmp_path / "v.mp4") == tmp_path / "v.mp4"
    assert files_in(tmp_path) == []  # the probe is gone
