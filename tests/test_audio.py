"""th.audio: speech (OpenAI TTS and Gemini TTS as WAV), transcriptions and translations."""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from aiotokenhot import AsyncTokenHot
from aiotokenhot._exceptions import BadRequestError, InternalServerError, InvalidRequestError
from aiotokenhot.protocols.audio import pcm_to_wav
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.testing._media import tone_pcm


def open_wav(data: bytes) -> wave.Wave_read:
    return wave.open(io.BytesIO(data), "rb")


class AsyncFile:
    def __init__(self, data: bytes, name: str) -> None:
        self._buffer = io.BytesIO(data)
        self.name = name

    async def read(self, size: int = -1) -> bytes:
        return self._buffer.read(size)


async def pieces(data: bytes) -> AsyncIterator[bytes]:
    for i in range(0, len(data), 7):
        yield data[i:i + 7]


async def test_openai_speech_returns_bytes_with_their_type(
    fake: FakeTokenHot, client: AsyncTokenHot, tmp_path: Path
) -> None:
    speech = await client.audio.speech(model="gpt-4o-mini-tts", input="Hello there", voice="coral",
                                       instructions="cheerful", speed=1.25)

    assert speech.mime_type == "audio/mpeg"
    assert speech.data.startswith(b"ID3")
    saved = await speech.save(tmp_path / "hello.mp3")
    assert saved.read_bytes() == speech.data
    assert fake.requests_to("/v1/audio/speech")[0].json == {
        "model": "gpt-4o-mini-tts", "input": "Hello there", "voice": "coral",
        "instructions": "cheerful", "speed": 1.25}


async def test_openai_wav_speech_is_a_valid_wav(client: AsyncTokenHot) -> None:
    speech = await client.audio.speech(model="tts-1", input="Hi", voice="alloy", response_format="wav")

    assert speech.mime_type == "audio/wav"
    with open_wav(speech.data) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (24000, 2, 1)


async def test_gemini_tts_pcm_becomes_a_valid_wav(
    fake: FakeTokenHot, client: AsyncTokenHot, tmp_path: Path
) -> None:
    speech = await client.audio.speech(model="gemini-2.5-flash-preview-tts",
                                       input="Have a wonderful day", voice="Puck",
                                       instructions="Say cheerfully")

    assert speech.mime_type == "audio/wav"
    path = await speech.save(tmp_path / "day.wav")
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (24000, 2, 1)
        frames = wav.readframes(wav.getnframes())
    assert frames and frames != bytes(len(frames))  # real samples, not silence
    sent = fake.requests_to(":generateContent")[0]
    assert sent.path == "/v1beta/models/gemini-2.5-flash-preview-tts:generateContent"
    assert sent.json == {
        "contents": [{"role": "user", "parts": [{"text": "Say cheerfully: Have a wonderful day"}]}],
        "generationConfig": {"responseModalities": ["AUDIO"], "speechConfig": {
            "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}}}}


async def test_gemini_tts_raw_pcm_on_request(client: AsyncTokenHot) -> None:
    speech = await client.audio.speech(model="gemini-2.5-pro-preview-tts", input="Hi",
                                       response_format="pcm")

    assert speech.mime_type == "audio/L16;codec=pcm;rate=24000"
    assert not speech.data.startswith(b"RIFF")
    assert len(speech.data) % 2 == 0


async def test_gemini_tts_snake_case_answer(client: AsyncTokenHot) -> None:
    speech = await client.audio.speech(
        model="gemini-2.5-flash-preview-tts", input="Hi",
        extra_body={"generation_config": {"response_modalities": ["AUDIO"]}})

    with open_wav(speech.data) as wav:
        assert wav.getframerate() == 24000


async def test_gemini_multi_speaker_config(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    await client.audio.speech(model="gemini-2.5-flash-preview-tts",
                              input="Joe: Hi!\nJane: Hello!", speakers={"Joe": "Kore", "Jane": "Puck"})

    config = fake.requests_to(":generateContent")[0].json["generationConfig"]["speechConfig"]
    assert config == {"multiSpeakerVoiceConfig": {"speakerVoiceConfigs": [
        {"speaker": "Joe", "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
        {"speaker": "Jane", "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}}]}}


def test_pcm_to_wav_reads_the_rate_and_drops_a_torn_frame() -> None:
    pcm = tone_pcm(0.01, rate=16000) + b"\x01"
    with open_wav(pcm_to_wav(pcm, "audio/L16;rate=16000;channels=1")) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (16000, 2, 1)
        assert wav.getnframes() == 160


@pytest.mark.parametrize("kwargs", [
    {"model": "tts-1", "input": "hi"},                       # no voice
    {"model": "tts-1", "input": "", "voice": "alloy"},
    {"model": "tts-1", "input": "hi", "voice": "alloy", "speed": 9},
    {"model": "gemini-2.5-flash-preview-tts", "input": "hi", "response_format": "mp3"},
])
async def test_invalid_speech_arguments_send_nothing(fake: FakeTokenHot, client: AsyncTokenHot,
                                                     kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError):
        await client.audio.speech(**kwargs)
    assert fake.requests == []


async def test_transcription_json_from_a_path(fake: FakeTokenHot, client: AsyncTokenHot,
                                              tmp_path: Path) -> None:
    audio = tmp_path / "meeting.wav"
    audio.write_bytes(pcm_to_wav(tone_pcm(0.1), "audio/L16;rate=24000"))

    result = await client.audio.transcriptions.create(file=audio, language="zh", prompt="会议",
                                                      temperature=0.2)

    assert result.text.startswith(f"Fake transcribe of meeting.wav ({audio.stat().st_size} bytes)")
    body = fake.requests_to("/v1/audio/transcriptions")[0].body
    assert audio.read_bytes() in body
    assert b'filename="meeting.wav"' in body and b"Content-Type: audio/" in body
    assert b'name="language"\r\n\r\nzh' in body


@pytest.mark.parametrize("source", ["bytes", "async file", "async iterator", "tuple"])
async def test_transcription_uploads_from_memory_and_async_sources(
    fake: FakeTokenHot, client: AsyncTokenHot, source: str
) -> None:
    data = b"RIFF" + bytes(range(200))
    file: Any = {"bytes": data, "async file": AsyncFile(data, "/tmp/clip.wav"),
                 "async iterator": ("clip.wav", pieces(data)),
                 "tuple": ("clip.wav", data, "audio/wav")}[source]

    result = await client.audio.transcriptions.create(file=file, response_format="text")

    assert f"({len(data)} bytes)" in result.text
    assert data in fake.requests_to("/v1/audio/transcriptions")[0].body


async def test_verbose_json_is_typed(client: AsyncTokenHot) -> None:
    result = await client.audio.transcriptions.create(
        file=("a.mp3", b"ID3" + bytes(64000)), response_format="verbose_json",
        timestamp_granularities=["word", "segment"])

    assert result.task == "transcribe"
    assert result.language == "english"
    assert result.duration == 2.0
    assert result.segments and result.segments[0].end == 2.0
    assert result.words and result.words[0].word == "Fake"


@pytest.mark.parametrize(("fmt", "start"), [("srt", "1\n00:00:00,000"), ("vtt", "WEBVTT")])
async def test_subtitle_formats_come_back_as_text(client: AsyncTokenHot, fmt: str, start: str) -> None:
    result = await client.audio.transcriptions.create(file=("a.mp3", b"x"), response_format=fmt)
    assert result.text.startswith(start)


async def test_translation(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    result = await client.audio.translations.create(file=("speech.m4a", b"x" * 10),
                                                    response_format="json")

    assert result.text.startswith("Fake translate of speech.m4a (10 bytes)")
    assert fake.requests_to("/v1/audio/translations")


@pytest.mark.parametrize("kwargs", [
    {"file": b"x", "temperature": 1.5},
    {"file": b"x", "response_format": "xml"},
    {"file": b"x", "timestamp_granularities": ["word"]},
    {"file": "/no/such/file.wav"},
    {"file": 42},
])
async def test_invalid_transcription_arguments_send_nothing(
    fake: FakeTokenHot, client: AsyncTokenHot, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidRequestError):
        await client.audio.transcriptions.create(**kwargs)
    assert fake.requests == []


async def test_gateway_errors_are_typed(client: AsyncTokenHot) -> None:
    with pytest.raises(BadRequestError, match="unknown voice"):
        await client.audio.speech(model="tts-1", input="hi", voice="robot")


async def test_text_mode_files_are_rejected(fake: FakeTokenHot, client: AsyncTokenHot,
                                            tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with text.open() as handle, pytest.raises(InvalidRequestError, match="binary"):
        await client.audio.transcriptions.create(file=handle)
    assert fake.requests == []


async def test_an_open_binary_file_is_uploaded_but_not_replayed(fake: FakeTokenHot,
                                                                tmp_path: Path) -> None:
    clip = tmp_path / "clip.ogg"
    clip.write_bytes(b"OggS" + bytes(300))
    fake.fail_next(1, 503, retry_after=0, path="/v1/audio/transcriptions")

    async with fake.client(max_retries=2) as th:
        with clip.open("rb") as handle:
            with pytest.raises(InternalServerError):
                await th.audio.transcriptions.create(file=handle)
            handle.seek(0)
            result = await th.audio.transcriptions.create(file=handle)

    assert result.text.startswith("Fake transcribe of clip.ogg (304 bytes)")
    assert len(fake.requests_to("/v1/audio/transcriptions")) == 2
