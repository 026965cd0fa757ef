"""th.images: generation for every family, multipart edits, one normalised result."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from aiotokenhot import AsyncTokenHot
from aiotokenhot._exceptions import InternalServerError, InvalidRequestError
from aiotokenhot.protocols.images._types import parse_images
from aiotokenhot.testing import FakeTokenHot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class AsyncFile:
    """A minimal async file-like object (what aiofiles / anyio give you)."""

    def __init__(self, data: bytes, name: str) -> None:
        self._data = data
        self._pos = 0
        self.name = name

    async def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._pos + size
        chunk = self._data[self._pos:end]
        self._pos += len(chunk)
        return chunk


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


async def test_generate_returns_urls_and_save_downloads_them(
    fake: FakeTokenHot, client: AsyncTokenHot, tmp_path: Path
) -> None:
    result = await client.images.generate(model="gpt-image-2", prompt="a red fox", size="1024x1024")

    assert len(result.images) == 1
    image = result.data[0]
    assert image.url is not None and image.url.startswith(fake.base_url)
    assert image.bytes is None
    assert image.mime_type == "image/png"
    saved = await image.save(tmp_path / "fox.png")
    assert saved.read_bytes().startswith(PNG_MAGIC)
    sent = fake.requests_to("/v1/images/generations")[0].json
    assert sent == {"model": "gpt-image-2", "prompt": "a red fox", "size": "1024x1024"}


async def test_b64_json_images_are_decoded_and_saved_without_a_download(
    fake: FakeTokenHot, client: AsyncTokenHot, tmp_path: Path
) -> None:
    result = await client.images.generate(model="dall-e-3", prompt="a lighthouse",
                                          response_format="b64_json", n=2)

    assert [i.mime_type for i in result.images] == ["image/png", "image/png"]
    assert all(i.bytes and i.bytes.startswith(PNG_MAGIC) for i in result.images)
    assert result.images[0].revised_prompt == "A detailed rendering of a lighthouse"
    await result.images[1].save(tmp_path / "b.png")
    assert (tmp_path / "b.png").read_bytes() == result.images[1].bytes
    assert not fake.requests_to("/fake-files/")


async def test_save_from_another_host_sends_no_credentials(
    client: AsyncTokenHot, tmp_path: Path
) -> None:
    seen: list[str | None] = []

    async def cdn(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.Response(body=PNG_MAGIC + b"cdn", content_type="image/png")

    app = web.Application()
    app.router.add_get("/img.png", cdn)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        body = {"created": 1, "data": [{"url": f"http://127.0.0.1:{port}/img.png"}]}
        image = parse_images(body, transport=client._transport).images[0]
        await image.save(tmp_path / "cdn.png")
    finally:
        await runner.cleanup()
    assert (tmp_path / "cdn.png").read_bytes() == PNG_MAGIC + b"cdn"
    assert seen == [None]


async def test_vendor_fields_pass_through_untouched(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    vendor = {"sequential_image_generation": "auto",
              "sequential_image_generation_options": {"max_images": 2}, "watermark": False}
    result = await client.images.generate(
        model="doubao-seedream-4-5-251128", prompt="a garden", size="2K",
        image=["https://example.com/ref.png"], extra_body=vendor)

    assert result.images[0].url
    sent = fake.requests_to("/v1/images/generations")[0].json
    assert sent == {"model": "doubao-seedream-4-5-251128", "prompt": "a garden", "size": "2K",
                    "image": ["https://example.com/ref.png"], **vendor}


@pytest.mark.parametrize("model", ["wan2.6-image", "qwen-image-max"])
async def test_dashscope_shaped_bodies_and_answers(
    fake: FakeTokenHot, client: AsyncTokenHot, model: str
) -> None:
    dashscope = {"input": {"messages": [{"role": "user", "content": [{"text": "autumn lake"}]}]},
                 "parameters": {"size": "1024*1024", "max_images": 1}}

    result = await client.images.generate(model=model, extra_body=dashscope)

    assert len(result.images) == 1
    assert result.images[0].url and result.images[0].url.endswith(".png")
    assert result.raw["request_id"].startswith("req_fake")
    assert fake.requests_to("/v1/images/generations")[0].json == {"model": model, **dashscope}


async def test_gemini_image_models_use_generate_content(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    result = await client.images.generate(model="gemini-2.5-flash-image", prompt="a kite",
                                          size="16:9")

    assert result.images[0].bytes and result.images[0].bytes.startswith(PNG_MAGIC)
    assert result.images[0].mime_type == "image/png"
    assert result.text and "image" in result.text
    sent = fake.requests_to(":generateContent")[0]
    assert sent.path == "/v1beta/models/gemini-2.5-flash-image:generateContent"
    assert sent.json["generationConfig"] == {"responseModalities": ["TEXT", "IMAGE"],
                                             "imageConfig": {"aspectRatio": "16:9"}}


async def test_gemini_snake_case_answers_are_read_too(client: AsyncTokenHot) -> None:
    # the fake answers in snake_case (inline_data / mime_type) when asked in snake_case
    result = await client.images.generate(
        model="gemini-3-pro-image-preview", prompt="a kite",
        extra_body={"generation_config": {"response_modalities": ["IMAGE"]}})

    assert result.raw["candidates"][0]["content"]["parts"][1].keys() == {"inline_data"}
    assert result.images[0].bytes and result.images[0].bytes.startswith(PNG_MAGIC)


async def test_gemini_edit_sends_images_inline(fake: FakeTokenHot, client: AsyncTokenHot,
                                               tmp_path: Path) -> None:
    source = tmp_path / "in.png"
    source.write_bytes(PNG_MAGIC + b"source")

    result = await client.images.edit(model="gemini-2.5-flash-image", image=source,
                                      prompt="make it blue")

    assert result.text == "Here is your image (1 input image(s))."
    part = fake.requests_to(":generateContent")[0].json["contents"][0]["parts"][1]
    assert part["inlineData"]["mimeType"] == "image/png"


async def test_edit_uploads_from_path_bytes_async_file_and_async_iterator(
    fake: FakeTokenHot, client: AsyncTokenHot, tmp_path: Path
) -> None:
    on_disk = tmp_path / "photo.png"
    on_disk.write_bytes(PNG_MAGIC + bytes(range(256)) * 40)
    raw = PNG_MAGIC + b"raw bytes"
    async_file = PNG_MAGIC + b"async file" * 500
    streamed = PNG_MAGIC + b"async iterator" * 500
    mask = PNG_MAGIC + b"mask"

    result = await client.images.edit(
        model="gpt-image-1.5", prompt="add a hat", n=1, size="1024x1024",
        image=[on_disk, ("raw.png", raw), AsyncFile(async_file, "/somewhere/file.png"),
               ("stream.png", chunks(streamed), "image/png")],
        mask=("mask.png", mask))

    assert result.images[0].bytes and result.images[0].bytes.startswith(PNG_MAGIC)
    received = result.raw["received"]
    assert [(f["filename"], f["sha256"]) for f in received["image[]"]] == [
        ("photo.png", sha(on_disk.read_bytes())), ("raw.png", sha(raw)),
        ("file.png", sha(async_file)), ("stream.png", sha(streamed))]
    assert {f["content_type"] for f in received["image[]"]} == {"image/png"}
    assert received["mask"][0]["sha256"] == sha(mask)
    assert result.raw["received_fields"] == {"model": "gpt-image-1.5", "prompt": "add a hat",
                                             "n": "1", "size": "1024x1024"}


async def test_single_image_edit_uses_the_plain_field_name(client: AsyncTokenHot) -> None:
    result = await client.images.edit(model="gpt-image-2", image=b"\x89PNG\r\n\x1a\nx", prompt="p",
                                      extra_body={"input_fidelity": "high"})

    assert list(result.raw["received"]) == ["image"]
    assert result.raw["received_fields"]["input_fidelity"] == "high"


async def test_a_missing_file_is_rejected_before_sending(
    fake: FakeTokenHot, client: AsyncTokenHot, tmp_path: Path
) -> None:
    with pytest.raises(InvalidRequestError, match="no such file"):
        await client.images.edit(model="gpt-image-2", image=tmp_path / "nope.png", prompt="p")
    assert fake.requests == []


@pytest.mark.parametrize("kwargs", [
    {"model": "gpt-image-2"},
    {"model": "", "prompt": "p"},
    {"model": "gpt-image-2", "prompt": "p", "n": 0},
    {"model": "gemini-2.5-flash-image", "prompt": "p", "size": "1024x1024"},
])
async def test_invalid_generation_arguments_send_nothing(
    fake: FakeTokenHot, client: AsyncTokenHot, kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidRequestError):
        await client.images.generate(**kwargs)  # type: ignore[arg-type]
    assert fake.requests == []


async def test_path_uploads_are_rebuilt_for_each_retry(fake: FakeTokenHot, tmp_path: Path) -> None:
    on_disk = tmp_path / "photo.png"
    on_disk.write_bytes(PNG_MAGIC + b"retry me" * 1000)
    fake.fail_next(1, 503, retry_after=0, path="/v1/images/edits")

    async with fake.client(max_retries=2) as th:
        result = await th.images.edit(model="gpt-image-2", image=on_disk, prompt="p")

    assert result.raw["received"]["image"][0]["sha256"] == sha(on_disk.read_bytes())
    attempts = fake.requests_to("/v1/images/edits")
    assert len(attempts) == 2
    assert all(on_disk.read_bytes() in attempt.body for attempt in attempts)


async def test_async_stream_uploads_are_not_replayed(fake: FakeTokenHot) -> None:
    fake.fail_next(1, 503, retry_after=0, path="/v1/images/edits")

    async with fake.client(max_retries=2) as th:
        with pytest.raises(InternalServerError):
            await th.images.edit(model="gpt-image-2", image=("a.png", chunks(b"x" * 10)), prompt="p")

    assert len(fake.requests_to("/v1/images/edits")) == 1


async def test_path_uploads_stream_from_disk(tmp_path: Path) -> None:
    size = 24 * 1024 * 1024
    big = tmp_path / "big.png"
    with big.open("wb") as f:
        for _ in range(size // (1024 * 1024)):
            f.write(b"\x5a" * (1024 * 1024))
    received = 0

    async def edits(request: web.Request) -> web.Response:  # consumes the upload as it arrives
        nonlocal received
        async for chunk in request.content.iter_chunked(256 * 1024):
            received += len(chunk)
        return web.json_response({"created": 1, "data": [{"url": "https://cdn.example/x.png"}]})

    app = web.Application(client_max_size=0)
    app.router.add_post("/v1/images/edits", edits)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        async with AsyncTokenHot(api_key="sk-test", base_url=f"http://127.0.0.1:{port}") as th:
            tracemalloc.start()
            try:
                await th.images.edit(model="gpt-image-2", image=big, prompt="p")
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    finally:
        await runner.cleanup()
    assert received > size  # the file plus the form's other fields
    assert peak < size / 4
