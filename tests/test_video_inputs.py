"""Typed video inputs per family, the newer status vocabularies, download progress and the CLI."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from aiotokenhot import AsyncTokenHot, InvalidRequestError
from aiotokenhot.cli import build_parser
from aiotokenhot.protocols.videos import VideoStatus
from aiotokenhot.protocols.videos._types import parse_task
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.testing._media import fake_png, parse_multipart, video_bytes

PNG = fake_png("frame")
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)


@pytest.fixture
def frame(tmp_path: Path) -> Path:
    path = tmp_path / "frame.png"
    path.write_bytes(PNG)
    return path


def sent(fake: FakeTokenHot, path: str = "/v1/video/generations") -> Any:
    return fake.requests_to(path)[-1].json


# -- request bodies per family ---------------------------------------------------------------------


async def test_seedance_frames_become_content_items_with_roles(fake: FakeTokenHot,
                                                               th: AsyncTokenHot, frame: Path) -> None:
    await th.videos.create(model="doubao-seedance-2.0", prompt="a boat", first_frame=frame,
                           last_frame="https://example.com/last.png",
                           metadata={"ratio": "16:9"})

    assert sent(fake) == {"model": "doubao-seedance-2.0", "prompt": "a boat", "metadata": {
        "ratio": "16:9", "content": [
            {"type": "image_url", "image_url": {"url": PNG_URL}, "role": "first_frame"},
            {"type": "image_url", "image_url": {"url": "https://example.com/last.png"},
             "role": "last_frame"}]}}


async def test_seedance_references_with_video_and_audio(fake: FakeTokenHot, th: AsyncTokenHot,
                                                        tmp_path: Path) -> None:
    clip = tmp_path / "move.mp4"
    clip.write_bytes(MP4)
    await th.videos.create(model="doubao-seedance-2.0", prompt="dance",
                           reference_images=["https://example.com/a.png"],
                           reference_videos=[clip], audio="https://example.com/beat.mp3")

    items = sent(fake)["metadata"]["content"]
    assert [(i["type"], i["role"]) for i in items] == [
        ("image_url", "reference_image"), ("video_url", "reference_video"),
        ("audio_url", "reference_audio")]
    assert items[1]["video_url"]["url"] == "data:video/mp4;base64," + base64.b64encode(MP4).decode()


@pytest.mark.parametrize(("model", "kwargs", "message"), [
    ("doubao-seedance-2.0", {"last_frame": "https://x/l.png"}, "last_frame only together"),
    ("doubao-seedance-2.0", {"first_frame": "https://x/f.png", "reference_images": ["https://x/r.png"]},
     "either frames"),
    ("doubao-seedance-2.0", {"audio": "https://x/a.mp3"}, "audio only beside"),
    ("MiniMax-Hailuo-2.3", {"reference_images": ["https://x/r.png"]}, "Hailuo models cannot take"),
    ("MiniMax-Hailuo-02", {"last_frame": "https://x/l.png"}, "last_frame only together"),
    ("happyhorse-1.0-t2v", {"first_frame": "https://x/f.png"}, "text-to-video models cannot take"),
    ("happyhorse-1.0-i2v", {"reference_images": ["https://x/r.png"]}, "image-to-video models cannot"),
    ("happyhorse-1.0-video-edit", {"reference_images": ["https://x/r.png"]}, "exactly one video"),
    ("sora-2", {"last_frame": "https://x/l.png"}, "Sora models cannot take last_frame"),
    ("sora-2", {"first_frame": "https://x/f.png", "input_reference": "https://x/g.png"},
     "one reference image"),
    ("kling-v2", {"reference_videos": ["https://x/v.mp4"]}, "cannot take reference_videos"),
])
async def test_combinations_a_family_cannot_take(fake: FakeTokenHot, th: AsyncTokenHot, model: str,
                                                 kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        await th.videos.create(model=model, prompt="p", **kwargs)
    assert fake.requests == []


async def test_a_missing_frame_file_is_named(fake: FakeTokenHot, th: AsyncTokenHot,
                                             tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match=r"first_frame: no such file: .*gone\.png"):
        await th.videos.create(model="doubao-seedance-2.0", prompt="p",
                               first_frame=tmp_path / "gone.png")
    assert fake.requests == []


async def test_hailuo_frames_go_in_metadata(fake: FakeTokenHot, th: AsyncTokenHot, frame: Path) -> None:
    await th.videos.create(model="MiniMax-Hailuo-02", prompt="a cat", duration=6, size="768P",
                           first_frame=frame, last_frame="https://example.com/end.png")
    await th.videos.create(model="MiniMax-Hailuo-2.3", prompt="a dog", image="https://example.com/d.png")

    first, second = (r.json for r in fake.requests_to("/v1/video/generations"))
    assert first == {"model": "MiniMax-Hailuo-02", "prompt": "a cat", "duration": 6, "size": "768P",
                     "metadata": {"first_frame_image": PNG_URL,
                                  "last_frame_image": "https://example.com/end.png"}}
    assert second == {"model": "MiniMax-Hailuo-2.3", "prompt": "a dog",
                      "metadata": {"first_frame_image": "https://example.com/d.png"}}


async def test_happyhorse_generic_and_dashscope_bodies(fake: FakeTokenHot, th: AsyncTokenHot,
                                                       frame: Path) -> None:
    await th.videos.create(model="happyhorse-1.0-i2v", prompt="gallop", first_frame=frame,
                           size="720P", duration=5, metadata={"watermark": False})
    await th.videos.create(model="happyhorse-1.0-video-edit", prompt="make it night",
                           reference_videos=["https://example.com/in.mp4"],
                           reference_images=["https://example.com/style.png"])
    await th.videos.create(model="happyhorse-1.0-i2v", prompt="gallop", first_frame=frame,
                           size="720P", duration=5, body_style="dashscope",
                           metadata={"watermark": False})

    generic, edit, dashscope = (r.json for r in fake.requests_to("/v1/video/generations"))
    assert generic == {"model": "happyhorse-1.0-i2v", "prompt": "gallop", "duration": 5,
                       "size": "720P", "images": [PNG_URL], "metadata": {"watermark": False}}
    assert edit["videos"] == ["https://example.com/in.mp4"]
    assert edit["images"] == ["https://example.com/style.png"]
    assert dashscope == {"model": "happyhorse-1.0-i2v",
                         "input": {"prompt": "gallop",
                                   "media": [{"type": "first_frame", "url": PNG_URL}]},
                         "parameters": {"resolution": "720P", "duration": 5, "watermark": False}}


async def test_other_families_get_the_generic_image_fields(fake: FakeTokenHot,
                                                           th: AsyncTokenHot) -> None:
    await th.videos.create(model="kling-v2-master", prompt="p", first_frame="https://x/f.png",
                           reference_images=["https://x/r.png"])
    assert sent(fake) == {"model": "kling-v2-master", "prompt": "p", "image": "https://x/f.png",
                          "images": ["https://x/r.png"]}


async def test_sora_reference_as_url_object_or_multipart_file(fake: FakeTokenHot, th: AsyncTokenHot,
                                                              tmp_path: Path) -> None:
    upload = tmp_path / "start"  # no suffix: the type comes from the content
    upload.write_bytes(PNG)
    await th.videos.create(model="sora-2", prompt="animate", first_frame="https://x/f.png")
    await th.videos.create(model="sora-2", prompt="animate", seconds=4, first_frame=upload)

    json_request, form_request = fake.requests_to("/v1/videos")
    assert json_request.json["input_reference"] == {"image_url": "https://x/f.png"}
    fields, files = parse_multipart(form_request.body, form_request.headers["Content-Type"])
    assert fields == {"model": "sora-2", "prompt": "animate", "seconds": "4"}
    assert files["input_reference"] == [("start", "image/png", PNG)]


# -- status vocabularies -------------------------------------------------------------------------


def test_kling_status_words_and_result_url() -> None:
    running = parse_task({"code": 0, "message": "SUCCEED", "data": {
        "task_id": "k1", "task_status": "processing"}})
    done = parse_task({"code": 0, "message": "SUCCEED", "data": {
        "task_id": "k1", "task_status": "succeed",
        "task_result": {"videos": [{"id": "v", "url": "https://cdn/k1.mp4", "duration": "5"}]}}})
    failed = parse_task({"code": 0, "message": "SUCCEED", "data": {
        "task_id": "k1", "task_status": "failed", "task_status_msg": "risk control"}})

    assert running.status is VideoStatus.RUNNING and not running.done
    assert done.status is VideoStatus.SUCCEEDED and done.result_url == "https://cdn/k1.mp4"
    assert failed.status is VideoStatus.FAILED and failed.error is not None
    assert failed.error.message == "risk control" and failed.error.code is None


@pytest.mark.parametrize(("state", "status"), [
    ("created", VideoStatus.QUEUED), ("queueing", VideoStatus.QUEUED),
    ("processing", VideoStatus.RUNNING), ("success", VideoStatus.SUCCEEDED),
    ("failed", VideoStatus.FAILED)])
def test_vidu_states(state: str, status: VideoStatus) -> None:
    task = parse_task({"task_id": "v1", "state": state, "err_code": "" if state != "failed" else "Busy",
                       "creations": [{"id": "c", "url": "https://cdn/v1.mp4"}]
                       if state == "success" else []})
    assert task.status is status
    if state == "success":
        assert task.result_url == "https://cdn/v1.mp4"
    if state == "failed":
        assert task.error is not None and task.error.code == "Busy"


def test_dashscope_unknown_is_a_terminal_failure_but_a_gateway_unknown_is_not() -> None:
    dashscope = parse_task({"request_id": "r", "output": {"task_id": "d1", "task_status": "UNKNOWN"}})
    gateway = parse_task({"id": "task_1", "object": "video", "status": "unknown"})

    assert dashscope.status is VideoStatus.FAILED and dashscope.done
    assert gateway.status is VideoStatus.UNKNOWN and not gateway.done


def test_gateway_video_generation_objects() -> None:
    task = parse_task({"id": "task_g", "object": "video.generation", "status": "succeeded",
                       "created_at": "2026-01-02T03:04:05Z", "completed_at": "2026-01-02T03:05:05+00:00",
                       "metadata": {"urls": ["https://cdn/g.mp4"]}})
    other = parse_task({"id": "task_h", "object": "video.generation", "status": "succeeded",
                        "output": {"video_url": "https://cdn/h.mp4"}})

    assert task.succeeded and task.result_url == "https://cdn/g.mp4"
    assert task.created_at == 1767323045 and task.completed_at == 1767323105
    assert other.result_url == "https://cdn/h.mp4"


@pytest.fixture
async def kling_gateway() -> AsyncIterator[str]:
    """A gateway whose task route answers in Kling's shape (and has no OpenAI-video view)."""
    polls = {"n": 0}

    async def no_view(request: web.Request) -> web.Response:
        return web.json_response({"error": {"message": "not_implemented"}}, status=501)

    async def task(request: web.Request) -> web.Response:
        polls["n"] += 1
        status = "processing" if polls["n"] < 3 else "succeed"
        result = {"videos": [{"url": "https://cdn.example/k.mp4"}]} if status == "succeed" else {}
        return web.json_response({"code": 0, "message": "SUCCEED", "data": {
            "task_id": request.match_info["id"], "task_status": status, "task_result": result}})

    app = web.Application()
    app.router.add_get("/v1/videos/{id}", no_view)
    app.router.add_get("/v1/video/generations/{id}", task)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_waiting_on_a_kling_task_ends_when_it_succeeds(kling_gateway: str) -> None:
    async with AsyncTokenHot(api_key="sk-test", base_url=kling_gateway, max_retries=0) as th:
        done = await th.videos.wait("kling-task-1", poll_interval=0.01, timeout=5)
    assert done.succeeded and done.result_url == "https://cdn.example/k.mp4"


# -- download progress and the CLI ---------------------------------------------------------------


async def test_download_reports_bytes(fake: FakeTokenHot, th: AsyncTokenHot, tmp_path: Path) -> None:
    fake.video_polls = 1
    task = await th.videos.create(model="sora-2", prompt="a boat")
    done = await th.videos.wait(task, poll_interval=0.01)
    seen: list[tuple[int, int | None]] = []

    async def record(received: int, total: int | None) -> None:
        seen.append((received, total))

    path = await th.videos.download(done, tmp_path / "boat.mp4", on_progress=record, chunk_size=65536)

    size = fake.video_size
    assert path.read_bytes() == b"".join(video_bytes(size))
    assert seen[-1] == (size, size) and len(seen) >= size // 65536
    assert [r for r, _ in seen] == sorted({r for r, _ in seen})


async def test_cli_resumes_an_existing_task(fake: FakeTokenHot, th: AsyncTokenHot, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TOKENHOT_API_KEY", fake.api_key)
    fake.video_polls = 3
    task = await th.videos.create(model="doubao-seedance-2.0", prompt="a paper boat")
    target = tmp_path / "boat.mp4"

    def run(*argv: str) -> Any:
        args = build_parser().parse_args(["video", "--base-url", fake.base_url, *argv])
        return args.command(args)

    assert await run("status", task.id) == 0
    assert capsys.readouterr().out.startswith(f"{task.id}: running 33%")
    assert await run("download", task.id, "-o", str(target), "--poll-interval", "0.01") == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(target)
    assert target.read_bytes() == b"".join(video_bytes(fake.video_size))
    assert "video: 100% [" in captured.err and "succeeded" in captured.err
    assert captured.err.splitlines()[-1].startswith("download: 100% 262k/262k [")
