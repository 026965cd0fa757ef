"""Local files wherever media goes in: each protocol gets them in its own wire form."""

from __future__ import annotations

import base64
import gc
import io
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import aiotokenhot
from aiotokenhot import AsyncTokenHot, InvalidRequestError, to_data_url
from aiotokenhot._media import LIMITS, Pending, load_media_sync, sniff_mime
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.testing._media import fake_png, parse_multipart

PNG = fake_png("cat")
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40)
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture
def cat(tmp_path: Path) -> Path:
    path = tmp_path / "cat.png"
    path.write_bytes(PNG)
    return path


def image_message(source: Any) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [
        {"type": "text", "text": "what is this"},
        {"type": "image_url", "image_url": {"url": source}}]}]


# -- the public helper and sniffing --------------------------------------------------------------


def test_to_data_url_reads_paths_bytes_and_files(cat: Path) -> None:
    assert to_data_url(cat) == PNG_URL
    assert to_data_url(str(cat)) == PNG_URL
    assert to_data_url(PNG) == PNG_URL
    assert to_data_url(io.BytesIO(PNG)) == PNG_URL
    assert to_data_url(PNG_URL) == PNG_URL
    assert aiotokenhot.to_data_url is to_data_url
    assert to_data_url(b"hello", mime_type="text/plain") == "data:text/plain;base64,aGVsbG8="


def test_the_type_comes_from_the_content_not_the_name(tmp_path: Path) -> None:
    misnamed = tmp_path / "scan.jpg"  # a PDF saved under an image name
    misnamed.write_bytes(PDF)
    assert to_data_url(misnamed).startswith("data:application/pdf;base64,")
    notes = tmp_path / "notes.txt"  # no signature: the suffix decides
    notes.write_text("plain words")
    assert to_data_url(notes).startswith("data:text/plain;base64,")


@pytest.mark.parametrize(("head", "mime"), [
    (PNG, "image/png"), (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"), (b"GIF89a..", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"), (WAV, "audio/wav"), (PDF, "application/pdf"),
    (b"ID3\x04\x00", "audio/mpeg"), (b"\xff\xfb\x90\x00", "audio/mpeg"), (b"OggS\x00", "audio/ogg"),
    (b"fLaC\x00", "audio/flac"), (b"\x00\x00\x00\x18ftypmp42\x00\x00", "video/mp4"),
    (b"\x00\x00\x00\x18ftypqt  \x00\x00", "video/quicktime"),
    (b"\x00\x00\x00\x1cftypM4A \x00\x00", "audio/mp4"), (b"\x1aE\xdf\xa3\x9fB\x82\x84webm", "video/webm"),
    (b"just some text", None),
])
def test_sniffing_known_signatures(head: bytes, mime: str | None) -> None:
    assert sniff_mime(head) == mime


@given(st.binary(min_size=1, max_size=512))
def test_a_data_url_carries_the_exact_bytes(data: bytes) -> None:
    url = to_data_url(data, mime_type="application/octet-stream")
    header, _, payload = url.partition(",")
    assert header == "data:application/octet-stream;base64"
    assert base64.b64decode(payload) == data


@given(st.binary(max_size=64))
def test_sniffing_never_fails_on_arbitrary_bytes(data: bytes) -> None:
    assert sniff_mime(data) is None or "/" in str(sniff_mime(data))


def test_bad_files_raise_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "gone.png"
    with pytest.raises(InvalidRequestError, match=r"no such file: .*gone\.png"):
        to_data_url(missing)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(InvalidRequestError, match=r"empty\.png is empty"):
        to_data_url(empty)
    blob = tmp_path / "blob.zzz"
    blob.write_bytes(b"\x00\x01\x02 no known header")
    with pytest.raises(InvalidRequestError, match=r"cannot tell the type of .*blob\.zzz"):
        to_data_url(blob)
    with pytest.raises(InvalidRequestError, match="binary mode"):
        to_data_url(io.StringIO("text"))
    with pytest.raises(InvalidRequestError, match=r"over this endpoint's limit of 10 bytes"):
        load_media_sync(PNG, where="image", kinds=("image",), limit=10)
    with pytest.raises(InvalidRequestError, match=r"cat\.wav is audio/wav, but this takes image"):
        wav = tmp_path / "cat.wav"
        wav.write_bytes(WAV)
        load_media_sync(wav, where="image", kinds=("image",))


# -- Chat Completions ----------------------------------------------------------------------------


@pytest.mark.parametrize("as_", ["path", "bytes", "file"])
async def test_chat_sends_a_local_image_as_a_data_url(fake: FakeTokenHot, th: AsyncTokenHot,
                                                      cat: Path, as_: str) -> None:
    source = {"path": cat, "bytes": PNG, "file": io.BytesIO(PNG)}[as_]
    messages = image_message(source)

    reply = await th.chat.completions.create(model="gpt-5.4", messages=messages)

    assert reply.text.startswith("Echo: what is this")
    sent = fake.requests_to("/v1/chat/completions")[0].json
    assert sent["messages"][0]["content"][1] == {"type": "image_url", "image_url": {"url": PNG_URL}}
    assert messages[0]["content"][1]["image_url"]["url"] is source  # the caller's dict is untouched


async def test_chat_audio_and_file_parts_take_local_files(fake: FakeTokenHot, th: AsyncTokenHot,
                                                          tmp_path: Path) -> None:
    clip, doc = tmp_path / "clip.wav", tmp_path / "report.pdf"
    clip.write_bytes(WAV)
    doc.write_bytes(PDF)

    await th.chat.completions.create(model="gpt-5.4", messages=[{"role": "user", "content": [
        {"type": "input_audio", "input_audio": {"data": clip}},
        {"type": "file", "file": {"file_data": doc}}]}])

    parts = fake.requests_to("/v1/chat/completions")[0].json["messages"][0]["content"]
    assert parts[0] == {"type": "input_audio", "input_audio": {
        "data": base64.b64encode(WAV).decode(), "format": "wav"}}
    assert parts[1] == {"type": "file", "file": {
        "file_data": "data:application/pdf;base64," + base64.b64encode(PDF).decode(),
        "filename": "report.pdf"}}


async def test_chat_stream_reads_the_file_off_the_event_loop(fake: FakeTokenHot, th: AsyncTokenHot,
                                                             cat: Path) -> None:
    readers: list[str] = []
    original = Pending.load

    def spy(self: Pending) -> Any:
        readers.append(threading.current_thread().name)
        return original(self)

    Pending.load = spy  # type: ignore[method-assign]
    try:
        stream = th.chat.completions.stream(model="gpt-5.4", messages=image_message(cat))
        assert readers == []  # nothing read (or sent) before the stream opens
        async with stream as s:
            text = "".join([piece async for piece in s.text()])
    finally:
        Pending.load = original  # type: ignore[method-assign]

    assert text.startswith("Echo: what is this")
    assert readers and threading.main_thread().name not in readers
    assert fake.requests_to("/v1/chat/completions")[0].json["messages"][0]["content"][1][
        "image_url"]["url"] == PNG_URL


async def test_a_missing_file_raises_before_anything_is_sent(fake: FakeTokenHot,
                                                             th: AsyncTokenHot, tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match=r"messages\[0\]\.content\[1\].*nope\.png"):
        await th.chat.completions.create(model="gpt-5.4",
                                         messages=image_message(tmp_path / "nope.png"))
    with pytest.raises(InvalidRequestError, match=r"nope\.png"):
        async with th.chat.completions.stream(model="gpt-5.4",
                                              messages=image_message(tmp_path / "nope.png")):
            pass
    assert fake.requests == []


# -- Responses, Anthropic, Gemini ----------------------------------------------------------------


async def test_responses_input_image_and_file(fake: FakeTokenHot, th: AsyncTokenHot, cat: Path,
                                              tmp_path: Path) -> None:
    doc = tmp_path / "report.pdf"
    doc.write_bytes(PDF)

    await th.responses.create(model="gpt-5.4", input=[{"role": "user", "content": [
        {"type": "input_text", "text": "describe"},
        {"type": "input_image", "image_url": cat},
        {"type": "input_file", "file_data": doc}]}])

    parts = fake.requests_to("/v1/responses")[0].json["input"][0]["content"]
    assert parts[1] == {"type": "input_image", "image_url": PNG_URL}
    assert parts[2] == {"type": "input_file", "filename": "report.pdf",
                        "file_data": "data:application/pdf;base64," + base64.b64encode(PDF).decode()}


async def test_anthropic_image_and_document_become_base64_sources(
    fake: FakeTokenHot, th: AsyncTokenHot, cat: Path, tmp_path: Path
) -> None:
    doc = tmp_path / "report.pdf"
    doc.write_bytes(PDF)

    async with th.messages.stream(model="claude-opus-4-6", max_tokens=64, messages=[
        {"role": "user", "content": [{"type": "image", "source": cat},
                                     {"type": "document", "source": {"type": "base64", "data": doc}},
                                     {"type": "text", "text": "compare"}]}]) as s:
        await s.until_done()

    blocks = fake.requests_to("/v1/messages")[0].json["messages"][0]["content"]
    assert blocks[0] == {"type": "image", "source": {
        "type": "base64", "media_type": "image/png", "data": base64.b64encode(PNG).decode()}}
    assert blocks[1]["source"] == {"type": "base64", "media_type": "application/pdf",
                                   "data": base64.b64encode(PDF).decode()}


async def test_anthropic_images_are_held_to_its_5_mb_limit(fake: FakeTokenHot, th: AsyncTokenHot,
                                                          tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(PNG + bytes(5 * 1024 * 1024))
    with pytest.raises(InvalidRequestError, match=r"big\.png is 5,24.* over this endpoint's limit"):
        await th.messages.create(model="claude-opus-4-6", max_tokens=16, messages=[
            {"role": "user", "content": [{"type": "image", "source": big}]}])
    assert fake.requests == []


async def test_gemini_inline_data_and_file_data_take_local_files(
    fake: FakeTokenHot, th: AsyncTokenHot, cat: Path, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.wav"
    clip.write_bytes(WAV)

    await th.gemini.generate_content("gemini-2.5-flash", contents=[{"role": "user", "parts": [
        {"text": "describe"}, {"inline_data": {"data": cat}}, {"fileData": {"fileUri": clip}}]}])

    parts = fake.requests_to(":generateContent")[0].json["contents"][0]["parts"]
    assert parts[1] == {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}}
    assert parts[2] == {"inlineData": {"mimeType": "audio/wav", "data": base64.b64encode(WAV).decode()}}


@pytest.mark.parametrize("model", ["gpt-5.4", "claude-opus-4-6", "gemini-2.5-flash"])
async def test_unified_calls_take_local_files(fake: FakeTokenHot, th: AsyncTokenHot, cat: Path,
                                              model: str) -> None:
    done = await th.complete(model=model, messages=image_message(cat))
    pieces = [e.text async for e in th.stream(model=model, messages=image_message(cat))
              if isinstance(e, aiotokenhot.TextDelta)]

    assert done.text.startswith("Echo: what is this") and "".join(pieces) == done.text
    b64 = base64.b64encode(PNG).decode()
    for request in fake.requests:
        body = request.json
        if model == "gpt-5.4":
            assert body["messages"][0]["content"][1]["image_url"]["url"] == PNG_URL
        elif model.startswith("claude"):
            assert body["messages"][0]["content"][1]["source"]["data"] == b64
        else:
            assert body["contents"][0]["parts"][1]["inlineData"] == {"mimeType": "image/png",
                                                                     "data": b64}


# -- images and audio ----------------------------------------------------------------------------


async def test_seedream_reference_images_go_as_data_urls(fake: FakeTokenHot, th: AsyncTokenHot,
                                                         cat: Path) -> None:
    await th.images.generate(model="doubao-seedream-4-5-251128", prompt="in autumn",
                             image=[cat, "https://example.com/b.png"])

    sent = fake.requests_to("/v1/images/generations")[0].json
    assert sent["image"] == [PNG_URL, "https://example.com/b.png"]


async def test_image_edit_streams_a_path_with_its_sniffed_type(fake: FakeTokenHot,
                                                               th: AsyncTokenHot, tmp_path: Path) -> None:
    photo = tmp_path / "photo.upload"  # no telling suffix: the content says PNG
    photo.write_bytes(PNG)

    result = await th.images.edit(model="gpt-image-2", image=photo, prompt="add a hat")

    assert result.raw["received"]["image"][0]["content_type"] == "image/png"
    request = fake.requests_to("/v1/images/edits")[0]
    _, files = parse_multipart(request.body, request.headers["Content-Type"])
    assert files["image"] == [("photo.upload", "image/png", PNG)]


async def test_an_edit_rejects_a_file_that_is_not_an_image(fake: FakeTokenHot, th: AsyncTokenHot,
                                                           tmp_path: Path) -> None:
    doc = tmp_path / "report.pdf"
    doc.write_bytes(PDF)
    with pytest.raises(InvalidRequestError, match=r"report\.pdf is application/pdf, but this takes image"):
        await th.images.edit(model="gpt-image-2", image=doc, prompt="add a hat")
    assert fake.requests == []


async def test_transcription_uploads_carry_the_sniffed_audio_type(
    fake: FakeTokenHot, th: AsyncTokenHot, tmp_path: Path
) -> None:
    clip = tmp_path / "voice-memo"
    clip.write_bytes(b"ID3\x04\x00\x00" + bytes(500))

    await th.audio.transcriptions.create(file=clip)

    request = fake.requests_to("/v1/audio/transcriptions")[0]
    _, files = parse_multipart(request.body, request.headers["Content-Type"])
    assert files["file"][0][:2] == ("voice-memo", "audio/mpeg")
    big = tmp_path / "long.wav"
    big.write_bytes(WAV + bytes(LIMITS["audio"]))
    with pytest.raises(InvalidRequestError, match=r"long\.wav is .* over this endpoint's limit"):
        await th.audio.transcriptions.create(file=big)


async def test_placeholders_do_not_outlive_their_request(fake: FakeTokenHot, th: AsyncTokenHot,
                                                         cat: Path) -> None:
    gc.collect()  # placeholders an earlier test left in a reference cycle are not this test's
    before = Pending.alive
    await th.chat.completions.create(model="gpt-5.4", messages=image_message(cat))
    async with th.chat.completions.stream(model="gpt-5.4", messages=image_message(cat)) as s:
        await s.until_done()
    del s

    # freed by reference counting alone, so requests without local files skip the search
    assert Pending.alive == before
