"""``th.audio``: speech synthesis (OpenAI TTS or Gemini TTS by model), transcription, translation."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from ..._config import TimeoutTypes
from ..._exceptions import InvalidRequestError, ResponseValidationError
from ..._media import LIMITS, prepare_upload
from ...transport import HTTPResult, RequestOptions
from ...transport._download import fetch_url_bytes
from ...transport._multipart import FileInput, build_multipart, is_file_input
from .._resource import Resource
from ._types import SpeechResult, Transcription
from ._wav import is_pcm, pcm_to_wav

__all__ = ["Audio", "Transcriptions", "Translations"]

_SPEECH_MIME = {"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac",
                "wav": "audio/wav", "pcm": "audio/L16;codec=pcm;rate=24000"}
_TEXT_FORMATS = frozenset({"text", "srt", "vtt"})
_FORMATS = frozenset({"json", "verbose_json", *_TEXT_FORMATS})
DEFAULT_GEMINI_VOICE = "Kore"


def is_gemini_tts_model(model: str) -> bool:
    """``gemini-2.5-flash-preview-tts`` and kin speak generateContent, not /v1/audio/speech."""
    lowered = model.lower()
    return "gemini" in lowered and "tts" in lowered


class Audio(Resource):
    """``speech()`` plus the ``transcriptions`` and ``translations`` namespaces."""

    @cached_property
    def transcriptions(self) -> Transcriptions:
        return Transcriptions(self._client)

    @cached_property
    def translations(self) -> Translations:
        return Translations(self._client)

    async def speech(
        self,
        *,
        model: str,
        input: str,
        voice: str | None = None,
        response_format: str | None = None,
        instructions: str | None = None,
        speed: float | None = None,
        speakers: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> SpeechResult:
        """Speak ``input``. Gemini TTS models go through generateContent (``voice`` defaults to
        Kore; ``speakers`` maps speaker names to voices for multi-speaker text) and their raw
        PCM comes back as WAV unless ``response_format="pcm"``; others use ``/v1/audio/speech``.
        """
        options = RequestOptions.of(locals())
        if not isinstance(model, str) or not model.strip():
            raise InvalidRequestError("model is required")
        if not isinstance(input, str) or not input:
            raise InvalidRequestError("input text is required")
        if speed is not None and not 0.25 <= speed <= 4.0:
            raise InvalidRequestError("speed must be between 0.25 and 4.0")
        if is_gemini_tts_model(model):
            return await self._gemini_speech(model, input, voice, instructions, speakers,
                                             response_format, options)
        if not voice:
            raise InvalidRequestError("voice is required (alloy, coral, nova, ...)")
        if speakers:
            raise InvalidRequestError("speakers is only for Gemini TTS models")
        body = {k: v for k, v in {"model": model, "input": input, "voice": voice,
                                  "response_format": response_format,
                                  "instructions": instructions, "speed": speed}.items()
                if v is not None}
        result = await self._transport.request("POST", "/v1/audio/speech", json=body,
                                               options=options)
        mime = result.headers.get("Content-Type", "")
        if not mime or mime.startswith(("application/octet-stream", "binary/")):
            mime = _SPEECH_MIME.get(response_format or "mp3", "application/octet-stream")
        return SpeechResult(result.content, mime, model)

    async def _gemini_speech(
        self,
        model: str,
        text: str,
        voice: str | None,
        instructions: str | None,
        speakers: Mapping[str, str] | None,
        response_format: str | None,
        options: RequestOptions,
    ) -> SpeechResult:
        if response_format not in (None, "wav", "pcm"):
            raise InvalidRequestError("Gemini TTS gives wav (default) or pcm")
        speech: dict[str, Any]
        if speakers:
            speech = {"multiSpeakerVoiceConfig": {"speakerVoiceConfigs": [
                {"speaker": name, "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": v}}}
                for name, v in speakers.items()]}}
        else:
            speech = {"voiceConfig": {"prebuiltVoiceConfig": {
                "voiceName": voice or DEFAULT_GEMINI_VOICE}}}
        prompt = f"{instructions}: {text}" if instructions else text
        body = {"contents": [{"role": "user", "parts": [{"text": prompt}]}],
                "generationConfig": {"responseModalities": ["AUDIO"], "speechConfig": speech}}
        name = model.removeprefix("models/")
        if "/" in name or ":" in name:
            raise InvalidRequestError(f"invalid Gemini model name: {model!r}")
        result = await self._transport.request(
            "POST", f"/v1beta/models/{name}:generateContent", json=body, options=options)
        data, mime = _inline_audio(result)
        if data.startswith((b"http://", b"https://")):
            data, fetched = await fetch_url_bytes(self._transport, data.decode(), options=options)
            mime = fetched or mime
        if is_pcm(mime) and response_format != "pcm":
            return SpeechResult(pcm_to_wav(data, mime), "audio/wav", model)
        return SpeechResult(data, mime, model)


def _inline_audio(result: HTTPResult) -> tuple[bytes, str]:
    """The first inline audio part of a generateContent answer (either key casing)."""
    body = result.json()
    for cand in (body.get("candidates") or []) if isinstance(body, dict) else []:
        parts = ((cand or {}).get("content") or {}).get("parts") or []
        for part in parts:
            inline = part.get("inlineData") or part.get("inline_data") if isinstance(part, dict) else None
            if not isinstance(inline, dict) or not isinstance(inline.get("data"), str):
                continue
            mime = inline.get("mimeType") or inline.get("mime_type") or "audio/L16;codec=pcm;rate=24000"
            data: str = inline["data"]
            if data.startswith(("http://", "https://")):
                return data.encode(), str(mime)
            try:
                return base64.b64decode(data, validate=False), str(mime)
            except (binascii.Error, ValueError):
                raise ResponseValidationError("the audio's base64 data is malformed") from None
    raise ResponseValidationError("the answer carries no audio part", body=result.content[:2000])


class _Whisper(Resource):
    _path = ""

    async def _send(
        self,
        fields: dict[str, Any],
        file: FileInput,
        response_format: str | None,
        temperature: float | None,
        *,
        timeout: TimeoutTypes | None,
        max_retries: int | None,
        extra_headers: Mapping[str, str] | None,
        extra_query: Mapping[str, Any] | None,
        extra_body: Mapping[str, Any] | None,
    ) -> Transcription:
        if not fields.get("model"):
            raise InvalidRequestError("model is required")
        # a local file: type sniffed from its content, size checked; a path is still streamed
        file = await prepare_upload(Path(file) if isinstance(file, str) else file, where="file",
                                    kinds=("audio", "video"), limit=LIMITS["audio"])
        if not is_file_input(file):
            raise InvalidRequestError("file must be a path, bytes, an async file or async iterator")
        if response_format is not None and response_format not in _FORMATS:
            raise InvalidRequestError(f"response_format must be one of {sorted(_FORMATS)}")
        if temperature is not None and not 0.0 <= temperature <= 1.0:
            raise InvalidRequestError("temperature must be between 0 and 1")
        form = build_multipart({**fields, "response_format": response_format,
                                "temperature": temperature}, [("file", file)], extra=extra_body)
        options = RequestOptions.make(timeout=timeout,
                                      max_retries=max_retries if form.replayable else 0,
                                      extra_headers=extra_headers, extra_query=extra_query)
        result = await self._transport.request("POST", self._path, body=form, options=options)
        if response_format in _TEXT_FORMATS or result.content.lstrip()[:1] != b"{":
            return Transcription(text=result.text())
        return result.parse(Transcription)


class Transcriptions(_Whisper):
    """``POST /v1/audio/transcriptions`` (multipart)."""

    _path = "/v1/audio/transcriptions"

    async def create(
        self,
        *,
        file: FileInput,
        model: str = "whisper-1",
        language: str | None = None,
        prompt: str | None = None,
        response_format: str | None = None,
        temperature: float | None = None,
        timestamp_granularities: list[str] | None = None,
        include: list[str] | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Transcription:
        """Transcribe speech in its own language; ``file`` is a path (streamed), bytes or async file."""
        if timestamp_granularities and response_format != "verbose_json":
            raise InvalidRequestError("timestamp_granularities needs response_format='verbose_json'")
        return await self._send(
            {"model": model, "language": language, "prompt": prompt,
             "timestamp_granularities[]": timestamp_granularities, "include[]": include},
            file, response_format, temperature, timeout=timeout, max_retries=max_retries,
            extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body)


class Translations(_Whisper):
    """``POST /v1/audio/translations`` (multipart): speech in any language to English text."""

    _path = "/v1/audio/translations"

    async def create(
        self,
        *,
        file: FileInput,
        model: str = "whisper-1",
        prompt: str | None = None,
        response_format: str | None = None,
        temperature: float | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Transcription:
        """Translate speech into English text."""
        return await self._send(
            {"model": model, "prompt": prompt}, file, response_format, temperature,
            timeout=timeout, max_retries=max_retries, extra_headers=extra_headers,
            extra_query=extra_query, extra_body=extra_body)
