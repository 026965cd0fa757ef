"""th.videos: submit, poll with fallback, wait, download atomically, remix."""

from __future__ import annotations

import asyncio
import hashlib
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from aiotokenhot import AsyncTokenHot
from aiotokenhot._exceptions import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    InvalidRequestError,
    NotFoundError,
)
from aiotokenhot.protocols.videos import VideoStatus, VideoTask, VideoTaskError, normalize_status
from aiotokenhot.protocols.videos._resource import next_poll_delay
from aiotokenhot.protocols.videos._types import parse_progress, parse_task
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.testing._media import video_bytes

# every vocabulary of catalog §0.7, word by word
VOCABULARIES = {
    "gateway OpenAI-video object": {"queued": "queued", "in_progress": "running",
                                    "completed": "succeeded", "failed": "failed",
                                    "unknown": "unknown", "NOT_START": "queued"},
    "gateway task DTO": {"NOT_START": "queued", "SUBMITTED": "queued", "QUEUED": "queued",
                         "IN_PROGRESS": "running", "SUCCESS": "succeeded", "FAILURE": "failed",
                         "UNKNOWN": "unknown"},
    "OpenAI Sora": {"queued": "queued", "in_progress": "running", "completed": "succeeded",
                    "failed": "failed"},
    "Volcengine Ark": {"queued": "queued", "running": "running", "succeeded": "succeeded",
                       "failed": "failed", "cancelled": "cancelled", "expired": "expired",
                       "pending": "queued", "processing": "running"},
    "MiniMax Hailuo": {"Preparing": "queued", "Queueing": "queued", "Processing": "running",
                       "Success": "succeeded", "Fail": "failed"},
    "Alibaba DashScope": {"PENDING": "queued", "RUNNING": "running", "SUCCEEDED": "succeeded",
                          "FAILED": "failed", "CANCELED": "cancelled", "UNKNOWN": "unknown"},
}
def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


CASES = [(vocab, word, status) for vocab, words in VOCABULARIES.items()
         for word, status in words.items()]


@pytest.mark.parametrize(("vocabulary", "word", "expected"), CASES,
                         ids=[f"{v}:{w}" for v, w, _ in CASES])
def test_every_vendor_status_word_is_normalised(vocabulary: str, word: str, expected: str) -> None:
    assert normalize_status(word) is VideoStatus(expected)


@pytest.mark.parametrize("word", ["RENDERING", "", None, 3, "waiting-for-gpu"])
def test_unheard_of_words_are_unknown_and_not_terminal(word: Any) -> None:
    status = normalize_status(word)
    assert status is VideoStatus.UNKNOWN
    assert not status.terminal


def test_terminal_states() -> None:
    assert {s for s in VideoStatus if s.terminal} == {
        VideoStatus.SUCCEEDED, VideoStatus.FAILED, VideoStatus.CANCELLED, VideoStatus.EXPIRED}
    assert isinstance(VideoStatus.RUNNING, str) and VideoStatus("running") is VideoStatus.RUNNING


@pytest.mark.parametrize(("raw", "expected"), [
    (42, 42.0), (12.5, 12.5), ("50%", 50.0), (" 75 % ", 75.0), ("30", 30.0), (140, 100.0),
    (-3, 0.0), (None, None), ("soon", None), (True, None),
])
def test_progress_accepts_numbers_and_percent_strings(raw: Any, expected: float | None) -> None:
    assert parse_progress(raw) == expected


def test_gateway_video_object() -> None:
    task = parse_task({"id": "task_a", "task_id": "task_a", "object": "video", "model": "sora-2",
                       "status": "in_progress", "progress": 42, "created_at": 1761622232,
                       "metadata": {"url": "https://cdn.example/a.mp4"}, "error": None})
    assert (task.id, task.model, task.status, task.progress) == ("task_a", "sora-2",
                                                                 VideoStatus.RUNNING, 42.0)
    assert task.result_url == "https://cdn.example/a.mp4"
    assert task.raw_status == "in_progress"
    assert task.error is None


def test_gateway_task_dto_with_result_url() -> None:
    task = parse_task({"code": "success", "message": "", "data": {
        "task_id": "task_b", "status": "SUCCESS", "fail_reason": "", "progress": "100%",
        "result_url": "https://cdn.example/b.mp4",
        "data": {"id": "cgt-1", "status": "succeeded",
                 "content": {"video_url": "https://ark.example/b.mp4"}}}})
    assert (task.id, task.status, task.progress) == ("task_b", VideoStatus.SUCCEEDED, 100.0)
    assert task.result_url == "https://cdn.example/b.mp4"  # data.result_url before data.data...


def test_result_url_falls_back_to_the_raw_upstream_object() -> None:
    task = parse_task({"code": "success", "data": {
        "task_id": "task_c", "status": "SUCCESS", "result_url": "", "progress": "100%",
        "data": {"id": "cgt-2", "content": {"video_url": "https://ark.example/c.mp4"}}}})
    assert task.id == "task_c"
    assert task.result_url == "https://ark.example/c.mp4"


def test_metadata_url_comes_first() -> None:
    task = parse_task({"task_id": "t", "status": "completed", "url": "https://b/2.mp4",
                       "video_url": "https://b/3.mp4", "metadata": {"url": "https://b/1.mp4"}})
    assert task.result_url == "https://b/1.mp4"
    assert task.progress == 100.0


@pytest.mark.parametrize(("body", "url"), [
    ({"task_id": "t", "status": "completed", "url": "https://b/u.mp4", "format": "mp4"},
     "https://b/u.mp4"),
    ({"id": "t", "status": "succeeded", "video_url": "https://b/v.mp4"}, "https://b/v.mp4"),
    ({"request_id": "r", "output": {"task_id": "t", "task_status": "SUCCEEDED",
                                    "video_url": "https://b/d.mp4"}}, "https://b/d.mp4"),
    ({"id": "cgt-t", "status": "succeeded", "content": {"video_url": "https://b/a.mp4"}},
     "https://b/a.mp4"),
])
def test_result_url_wherever_the_vendor_puts_it(body: dict[str, Any], url: str) -> None:
    task = parse_task(body)
    assert task.status is VideoStatus.SUCCEEDED
    assert task.result_url == url


@pytest.mark.parametrize(("body", "message", "code"), [
    ({"id": "t", "status": "failed", "error": {"message": "blocked", "code": "policy"}},
     "blocked", "policy"),
    ({"code": "success", "data": {"task_id": "t", "status": "FAILURE",
                                  "fail_reason": "upstream said no", "progress": "100%"}},
     "upstream said no", None),
    ({"task_id": "t", "status": "Fail", "base_resp": {"status_code": 1027,
                                                      "status_msg": "sensitive input"}},
     "sensitive input", None),
    ({"output": {"task_id": "t", "task_status": "FAILED", "code": "DataInspectionFailed",
                 "message": "inappropriate content"}}, "inappropriate content",
     "DataInspectionFailed"),
])
def test_failures_carry_the_vendor_message(body: dict[str, Any], message: str,
                                           code: str | None) -> None:
    task = parse_task(body)
    assert task.status is VideoStatus.FAILED
    assert task.error is not None
    assert (task.error.message, task.error.code) == (message, code)


def test_backoff_grows_from_poll_interval_and_is_capped() -> None:
    delays = [1.0]
    for _ in range(8):
        delays.append(next_poll_delay(delays[-1], 1.0, 5.0))
    assert delays[:4] == [1.0, 1.5, 2.25, 3.375]
    assert delays[-1] == 5.0 and max(delays) == 5.0


async def test_seedance_task_submits_waits_and_downloads(
    fake: FakeTokenHot, client: AsyncTokenHot, tmp_path: Path
) -> None:
    fake.video_polls = 3
    seen: list[tuple[VideoStatus, float | None]] = []

    task = await client.videos.create(
        model="doubao-seedance-2.0", prompt="a horse on a beach", duration=5,
        metadata={"ratio": "16:9", "resolution": "720p"})
    assert task.status is VideoStatus.QUEUED and task.id.startswith("task_")

    done = await client.videos.wait(task.id, poll_interval=0.01,
                                    on_progress=lambda t: seen.append((t.status, t.progress)))

    assert done.succeeded and done.result_url
    assert seen == [(VideoStatus.RUNNING, 33.0), (VideoStatus.RUNNING, 66.0),
                    (VideoStatus.SUCCEEDED, 100.0)]
    path = await client.videos.download(done, tmp_path / "horse.mp4")
    assert path.read_bytes() == b"".join(video_bytes(fake.video_size))
    sent = fake.requests_to("/v1/video/generations")[0].json
    assert sent == {"model": "doubao-seedance-2.0", "prompt": "a horse on a beach", "duration": 5,
                    "metadata": {"ratio": "16:9", "resolution": "720p"}}


async def test_vendor_native_bodies_pass_through(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    happyhorse = {"input": {"prompt": "a horse", "media": [
        {"type": "first_frame", "url": "https://example.com/f.png"}]},
        "parameters": {"resolution": "720P", "duration": 5, "watermark": False}}

    task = await client.videos.create(model="happyhorse-1.0-i2v", extra_body=happyhorse)

    assert task.status is VideoStatus.QUEUED
    assert fake.requests_to("/v1/video/generations")[0].json == {"model": "happyhorse-1.0-i2v",
                                                                 **happyhorse}


async def test_polling_falls_back_to_the_task_dto_once(fake: FakeTokenHot,
                                                       client: AsyncTokenHot) -> None:
    fake.video_polls = 4
    task = await client.videos.create(model="happyhorse-1.0-t2v", prompt="a horse")
    seen: list[str | None] = []

    done = await client.videos.wait(task, poll_interval=0.01,
                                    on_progress=lambda t: seen.append(t.raw_status))

    assert done.succeeded
    assert seen == ["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "SUCCESS"]
    assert [r.path for r in fake.requests if r.method == "GET"].count(f"/v1/videos/{task.id}") == 1


async def test_sora_sends_seconds_as_a_string(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    task = await client.videos.create(model="sora-2", prompt="a paper boat", seconds=8,
                                      size="1280x720")

    assert task.raw["seconds"] == "8"
    assert fake.requests_to("/v1/videos")[0].json == {"model": "sora-2", "prompt": "a paper boat",
                                                      "size": "1280x720", "seconds": "8"}


async def test_sora_input_reference_file_goes_as_multipart(fake: FakeTokenHot,
                                                           client: AsyncTokenHot) -> None:
    task = await client.videos.create(model="sora-2", prompt="animate this", seconds="4",
                                      input_reference=("ref.png", b"\x89PNG\r\n\x1a\nref"))

    assert task.status is VideoStatus.QUEUED
    sent = fake.requests_to("/v1/videos")[0]
    assert sent.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="seconds"\r\n\r\n4\r\n' in sent.body and b"\x89PNG\r\n\x1a\nref" in sent.body


async def test_sora_download_reads_the_content_route(fake: FakeTokenHot, client: AsyncTokenHot,
                                                     tmp_path: Path) -> None:
    fake.video_polls = 1
    task = await client.videos.create(model="sora-2", prompt="a paper boat")
    done = await client.videos.wait(task.id, poll_interval=0.01)
    assert done.result_url is None  # Sora answers carry no URL: only /content has the bytes

    await client.videos.download(task.id, tmp_path / "boat.mp4")

    assert (tmp_path / "boat.mp4").stat().st_size == fake.video_size
    assert fake.requests_to(f"/v1/videos/{task.id}/content")


async def test_a_failed_task_raises_with_the_vendor_message(client: AsyncTokenHot) -> None:
    task = await client.videos.create(model="MiniMax-Hailuo-02", prompt="please fail", duration=6,
                                      size="768P")

    with pytest.raises(VideoTaskError, match="renderer crashed") as caught:
        await client.videos.wait(task.id, poll_interval=0.01)

    assert caught.value.status is VideoStatus.FAILED
    assert caught.value.task.error is not None
    assert caught.value.error_code == "generation_failed"


async def test_wait_gives_up_after_its_timeout(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    fake.video_polls = 10_000
    task = await client.videos.create(model="doubao-seedance-2.0", prompt="slow")

    with pytest.raises(APITimeoutError) as caught:
        await client.videos.wait(task.id, poll_interval=0.01, timeout=0.1)

    assert isinstance(caught.value.partial, VideoTask)
    assert caught.value.partial.status is VideoStatus.RUNNING


async def test_cancelling_wait_stops_polling(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    fake.video_polls = 10_000
    task = await client.videos.create(model="doubao-seedance-2.0", prompt="slow")
    polled = asyncio.Event()

    waiter = asyncio.create_task(client.videos.wait(task.id, poll_interval=0.01,
                                                    on_progress=lambda _: polled.set()))
    await polled.wait()
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    polls = len(fake.requests_to(f"/v1/videos/{task.id}"))
    await asyncio.sleep(0.1)
    assert len(fake.requests_to(f"/v1/videos/{task.id}")) == polls


async def test_async_progress_callbacks_are_awaited(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    fake.video_polls = 2
    task = await client.videos.create(model="doubao-seedance-2.0", prompt="x")
    seen: list[float | None] = []

    async def report(t: VideoTask) -> None:
        await asyncio.sleep(0)
        seen.append(t.progress)

    await client.videos.wait(task.id, poll_interval=0.01, on_progress=report)
    assert seen == [50.0, 100.0]


async def test_unknown_task_is_not_found(client: AsyncTokenHot) -> None:
    with pytest.raises(NotFoundError, match="task_not_exist"):
        await client.videos.retrieve("task_doesnotexist")


async def test_download_before_completion_is_an_error(fake: FakeTokenHot, client: AsyncTokenHot,
                                                      tmp_path: Path) -> None:
    task = await client.videos.create(model="sora-2", prompt="x")

    with pytest.raises(BadRequestError, match="not completed"):
        await client.videos.download(task.id, tmp_path / "x.mp4")
    assert files_in(tmp_path) == []


async def test_download_falls_back_to_the_result_url(fake: FakeTokenHot, client: AsyncTokenHot,
                                                     tmp_path: Path) -> None:
    fake.video_polls = 1
    task = await client.videos.create(model="doubao-seedance-2.0", prompt="x")
    await client.videos.wait(task.id, poll_interval=0.01)
    fake.fail_next(1, 404, path="/content")

    await client.videos.download(task.id, tmp_path / "x.mp4")

    assert (tmp_path / "x.mp4").stat().st_size == fake.video_size
    assert fake.requests_to(f"/fake-files/videos/{task.id}.mp4")


async def test_a_50_mb_download_keeps_memory_flat(tmp_path: Path) -> None:
    size = 50 * 1024 * 1024
    async with FakeTokenHot(video_size=size, video_polls=1, record=False) as fake, \
            fake.client(max_retries=0) as th:
        task = await th.videos.create(model="sora-2", prompt="a long film")
        await th.videos.wait(task.id, poll_interval=0.01)
        tracemalloc.start()
        try:
            path = await th.videos.download(task.id, tmp_path / "film.mp4")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert path.stat().st_size == size
    assert peak < size / 10


async def test_an_interrupted_download_leaves_no_file(fake: FakeTokenHot, client: AsyncTokenHot,
                                                      tmp_path: Path) -> None:
    fake.video_size = 2 * 1024 * 1024
    fake.video_polls = 1
    task = await client.videos.create(model="sora-2", prompt="x")
    await client.videos.wait(task.id, poll_interval=0.01)
    fake.disconnect_after(5, path="/content")
    target = tmp_path / "x.mp4"

    with pytest.raises(APIConnectionError):
        await client.videos.download(task.id, target)

    assert files_in(tmp_path) == []


async def test_an_interrupted_download_keeps_the_previous_file(
    fake: FakeTokenHot, client: AsyncTokenHot, tmp_path: Path
) -> None:
    fake.video_size = 2 * 1024 * 1024
    fake.video_polls = 1
    task = await client.videos.create(model="sora-2", prompt="x")
    await client.videos.wait(task.id, poll_interval=0.01)
    target = tmp_path / "x.mp4"
    target.write_bytes(b"the old video")
    fake.disconnect_after(3, path="/content")

    with pytest.raises(APIConnectionError):
        await client.videos.download(task.id, target)

    assert target.read_bytes() == b"the old video"
    assert files_in(tmp_path) == [target.name]


async def test_a_cancelled_download_leaves_no_file(fake: FakeTokenHot, client: AsyncTokenHot,
                                                   tmp_path: Path) -> None:
    fake.video_size = 8 * 1024 * 1024
    fake.video_polls = 1
    task = await client.videos.create(model="sora-2", prompt="x")
    await client.videos.wait(task.id, poll_interval=0.01)
    fake.chunk_delay = 0.01  # the content route pauses between chunks
    download = asyncio.create_task(client.videos.download(task.id, tmp_path / "x.mp4"))
    while not any(name.endswith(".part") for name in files_in(tmp_path)):
        await asyncio.sleep(0)
    download.cancel()
    with pytest.raises(asyncio.CancelledError):
        await download
    assert files_in(tmp_path) == []


async def test_remix_creates_a_new_task(client: AsyncTokenHot) -> None:
    task = await client.videos.create(model="sora-2", prompt="a paper boat")

    remix = await client.videos.remix(task.id, prompt="now at night")

    assert remix.id != task.id
    assert remix.raw["remixed_from_video_id"] == task.id


@pytest.mark.parametrize("kwargs", [
    {"model": "sora-2"},
    {"model": "sora-2", "prompt": "x", "seconds": "four"},
    {"model": "doubao-seedance-2.0", "prompt": "x", "duration": "5"},
    {"model": "", "prompt": "x"},
])
async def test_invalid_create_arguments_send_nothing(fake: FakeTokenHot, client: AsyncTokenHot,
                                                     kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError):
        await client.videos.create(**kwargs)
    assert fake.requests == []


async def test_download_into_a_missing_directory_is_rejected_first(
    fake: FakeTokenHot, client: AsyncTokenHot, tmp_path: Path
) -> None:
    with pytest.raises(InvalidRequestError, match="does not exist"):
        await client.videos.download("task_x", tmp_path / "no" / "x.mp4")
    assert fake.requests == []


def test_fake_video_bytes_have_the_asked_size() -> None:
    data = b"".join(video_bytes(300_000))
    assert len(data) == 300_000 and data[4:8] == b"ftyp"
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(
        b"".join(video_bytes(300_000))).hexdigest()
