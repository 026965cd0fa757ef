"""Audio results: synthesised speech and Whisper-style transcriptions."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..._models import APIModel
from ..._pricing import Costed
from ...transport._download import target_path, write_bytes_atomically

__all__ = ["SpeechResult", "Transcription", "TranscriptionSegment", "TranscriptionWord"]


class SpeechResult:
    """Audio bytes with their type; Gemini's raw PCM already wrapped as WAV.

    ``cost``: USD from the client's price table (``ModelPrice.per_audio_minute`` × the length),
    known for WAV audio, whose header states its length; None otherwise.
    """

    __slots__ = ("cost", "data", "mime_type", "model", "request_id")

    def __init__(self, data: bytes, mime_type: str, model: str | None = None) -> None:
        self.data = data
        self.mime_type = mime_type
        self.model = model
        #: the gateway's id of the request that returned this audio (None if it sent none)
        self.request_id: str | None = None
        self.cost: Decimal | None = None

    def __repr__(self) -> str:
        return f"SpeechResult(mime_type={self.mime_type!r}, bytes={len(self.data)})"

    async def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the audio to ``path`` atomically."""
        dest = target_path(path)
        await write_bytes_atomically(self.data, dest)
        return dest


class TranscriptionWord(APIModel):
    word: str
    start: float | None = None
    end: float | None = None


class TranscriptionSegment(APIModel):
    id: int | None = None
    start: float | None = None
    end: float | None = None
    text: str = ""
    avg_logprob: float | None = None
    no_speech_prob: float | None = None


class Transcription(Costed, APIModel):
    """Text of a transcription or translation.

    For ``text``, ``srt`` and ``vtt`` formats ``text`` is the body as sent; ``verbose_json``
    adds ``language``, ``duration``, ``segments`` and (with word timestamps) ``words``.
    ``cost``: USD from the client's price table (``ModelPrice.per_audio_minute`` ×
    ``duration``), None when the price or the duration (only in ``verbose_json``) is unknown.
    """

    text: str
    task: str | None = None
    language: str | None = None
    duration: float | None = None
    segments: list[TranscriptionSegment] | None = None
    words: list[TranscriptionWord] | None = None
    usage: dict[str, Any] | None = None
