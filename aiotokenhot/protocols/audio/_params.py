"""The keywords of ``th.audio.speech`` and of the transcription and translation ``create``."""

from __future__ import annotations

from collections.abc import Mapping

from typing_extensions import Required

from ...transport._multipart import FileInput
from ...transport._options import RequestOptionsParams

__all__ = ["SpeechParams", "TranscriptionParams", "TranslationParams"]


class SpeechParams(RequestOptionsParams, total=False):
    """Fields of ``POST /v1/audio/speech`` (or a Gemini TTS request) plus the per-call options."""

    model: Required[str]
    input: Required[str]
    voice: str | None
    response_format: str | None
    instructions: str | None
    speed: float | None
    speakers: Mapping[str, str] | None


class TranslationParams(RequestOptionsParams, total=False):
    """Fields of ``POST /v1/audio/translations`` (multipart) plus the per-call options."""

    file: Required[FileInput]
    model: str
    prompt: str | None
    response_format: str | None
    temperature: float | None


class TranscriptionParams(TranslationParams, total=False):
    """Fields of ``POST /v1/audio/transcriptions`` (multipart) plus the per-call options."""

    language: str | None
    timestamp_granularities: list[str] | None
    include: list[str] | None
