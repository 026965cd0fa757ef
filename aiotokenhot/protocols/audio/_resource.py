"""``th.audio``: speech synthesis (OpenAI TTS or Gemini TTS by model), transcription, translation."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from typing_extensions import Unpack

from ..._exceptions import InvalidRequestError, ResponseValidationError
from ..._media import LIMITS, prepare_upload
from ...telemetry._seam import price_media
from ...transport import HTTPResult, RequestOptions, Transport
from ...transport._download import fetch_url_bytes
from ...transport._multipart import build_multipart, is_file_input
from .._raw import RawMethod, RawView, raw_view
from .._resource import Resource, accepts
from ._params import SpeechParams, TranscriptionParams, TranslationParams
from ._types import SpeechResult, Transcription
from ._wav import is_pcm, pcm_to_wav, wav_seconds

__all__ = [
    "Audio", "AudioWithRawResponse", "Transcriptions", "TranscriptionsWithRawResponse", "Translations",
    "TranslationsWithRawResponse",
]

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

    @accepts(SpeechParams)
    async def speech(self, **params: Unpack[SpeechParams]) -> SpeechResult:
        """Speak ``input`` (text) with ``model``.

        Parameters that matter:

        - OpenAI-style models (``/v1/audio/speech``): ``voice`` is required (``alloy``,
          ``coral``, ``nova``...); ``response_format`` ``mp3`` (default), ``opus``, ``aac``,
          ``flac``, ``wav`` or ``pcm``; ``speed`` 0.25–4.0; ``instructions`` steer the delivery.
        - Gemini TTS models (``gemini-*-tts``) go through generateContent: ``voice`` defaults to
          Kore; ``speakers`` maps speaker names to voices for multi-speaker text; their raw PCM
          comes back as WAV unless ``response_format="pcm"``.
        - Per call: ``timeout`` (seconds or :class:`~aiotokenhot.Timeout`), ``max_retries``,
          ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns a :class:`SpeechResult` (``.data`` bytes, ``.mime_type``, ``await
        .save(path)``, ``.request_id``). Raises :class:`~aiotokenhot.InvalidRequestError` for
        a missing model, text or voice, a speed out of range or ``speakers`` on a non-Gemini
        model, before anything is sent; :class:`~aiotokenhot.ResponseValidationError` for a
        Gemini answer without audio; the usual status and connection errors.
        """
        fields, options = RequestOptions.split(params)
        model, text = fields.get("model"), fields.get("input")
        voice, response_format = fields.get("voice"), fields.get("response_format")
        speed, speakers = fields.get("speed"), fields.pop("speakers", None)
        if not isinstance(model, str) or not model.strip():
            raise InvalidRequestError("model is required")
        if not isinstance(text, str) or not text:
            raise InvalidRequestError("input text is required")
        if speed is not None and not 0.25 <= speed <= 4.0:
            raise InvalidRequestError("speed must be between 0.25 and 4.0")
        if is_gemini_tts_model(model):
            return await self._gemini_speech(model, text, voice, fields.get("instructions"),
                                             speakers, response_format, options)
        if not voice:
            raise InvalidRequestError("voice is required (alloy, coral, nova, ...)")
        if speakers:
            raise InvalidRequestError("speakers is only for Gemini TTS models")
        result = await self._transport.request("POST", "/v1/audio/speech", json=fields,
                                               options=options)
        mime = result.headers.get("Content-Type", "")
        if not mime or mime.startswith(("application/octet-stream", "binary/")):
            mime = _SPEECH_MIME.get(response_format or "mp3", "application/octet-stream")
        return _priced_speech(self._transport, SpeechResult(result.content, mime, model))

    with_raw_response = raw_view(lambda: AudioWithRawResponse)

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
            return _priced_speech(self._transport, SpeechResult(pcm_to_wav(data, mime), "audio/wav", model),
                                  token_cost=result.cost)
        return _priced_speech(self._transport, SpeechResult(data, mime, model), token_cost=result.cost)


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


def _priced_speech(transport: Transport, speech: SpeechResult, *,
                   token_cost: Decimal | None = None) -> SpeechResult:
    """Attach what the speech cost: per audio minute when its length is known (WAV)."""
    seconds = wav_seconds(speech.data) if speech.mime_type.startswith("audio/wav") else None
    price_media(transport, speech, speech.model, "speech",
                audio_minutes=None if seconds is None else seconds / 60, token_cost=token_cost)
    return speech


class _Whisper(Resource):
    _path = ""

    async def _send(self, fields: dict[str, Any], options: RequestOptions) -> Transcription:
        """Check and send one multipart request; ``fields`` are the body fields given."""
        file, response_format = fields.pop("file", None), fields.get("response_format")
        temperature = fields.get("temperature")
        fields.setdefault("model", "whisper-1")
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
        for name in ("timestamp_granularities", "include"):  # list fields repeat as `name[]`
            if name in fields:
                fields[name + "[]"] = fields.pop(name)
        form = build_multipart(fields, [("file", file)], extra=options.extra_body)
        if not form.replayable:  # async sources are read once: such an upload is not retried
            options = options.without_retries()
        result = await self._transport.request("POST", self._path, body=form, options=options)
        if response_format in _TEXT_FORMATS or result.content.lstrip()[:1] != b"{":
            transcription = Transcription(text=result.text())
        else:
            transcription = result.parse(Transcription)
        minutes = None if transcription.duration is None else transcription.duration / 60
        price_media(self._transport, transcription, fields["model"], "transcription",
                    audio_minutes=minutes)
        return transcription


class Transcriptions(_Whisper):
    """``POST /v1/audio/transcriptions`` (multipart)."""

    _path = "/v1/audio/transcriptions"

    @accepts(TranscriptionParams)
    async def create(self, **params: Unpack[TranscriptionParams]) -> Transcription:
        """Transcribe speech in its own language.

        ``file``: a path (streamed from disk), bytes, an async file or an async iterator of
        bytes, optionally as ``(filename, content[, content_type])``. ``model`` defaults to
        ``whisper-1``; ``language`` (ISO-639-1, e.g. ``"en"``) and ``prompt`` help recognition;
        ``response_format`` ``json`` (default), ``verbose_json``, ``text``, ``srt`` or ``vtt``;
        ``temperature`` 0–1; ``timestamp_granularities`` (``["word", "segment"]``, needs
        ``verbose_json``).

        Returns a :class:`Transcription` (``.text``; ``.words`` / ``.segments`` with times in
        seconds for ``verbose_json``). Raises :class:`~aiotokenhot.InvalidRequestError` for a
        missing file or a bad format or temperature, before anything is sent, and the usual
        status and connection errors.
        """
        fields, options = RequestOptions.split(params)
        if fields.get("timestamp_granularities") and fields.get("response_format") != "verbose_json":
            raise InvalidRequestError("timestamp_granularities needs response_format='verbose_json'")
        return await self._send(fields, options)

    with_raw_response = raw_view(lambda: TranscriptionsWithRawResponse)


class Translations(_Whisper):
    """``POST /v1/audio/translations`` (multipart): speech in any language to English text."""

    _path = "/v1/audio/translations"

    @accepts(TranslationParams)
    async def create(self, **params: Unpack[TranslationParams]) -> Transcription:
        """Translate speech into English text.

        Takes the ``file``, ``model`` (default ``whisper-1``), ``prompt``, ``response_format``
        and ``temperature`` of :meth:`Transcriptions.create`, with the same shapes. Returns a
        :class:`Transcription` whose ``.text`` is English. Raises the errors of
        :meth:`Transcriptions.create`.
        """
        fields, options = RequestOptions.split(params)
        return await self._send(fields, options)

    with_raw_response = raw_view(lambda: TranslationsWithRawResponse)


class AudioWithRawResponse(RawView[Audio]):
    speech = RawMethod(Audio.speech)


class TranscriptionsWithRawResponse(RawView[Transcriptions]):
    create = RawMethod(Transcriptions.create)


class TranslationsWithRawResponse(RawView[Translations]):
    create = RawMethod(Translations.create)
