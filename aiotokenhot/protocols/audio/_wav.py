"""Raw PCM (Gemini TTS: ``audio/L16;codec=pcm;rate=24000``) wrapped into a playable WAV file."""

from __future__ import annotations

import io
import wave

__all__ = ["is_pcm", "pcm_format", "pcm_to_wav", "wav_seconds"]

_WIDTHS = {"l8": 1, "l16": 2, "l24": 3, "l32": 4, "pcm": 2}


def _split(mime: str) -> tuple[str, dict[str, str]]:
    head, *params = (p.strip() for p in mime.split(";"))
    pairs = (p.partition("=") for p in params if "=" in p)
    return head.lower(), {k.strip().lower(): v.strip().strip('"') for k, _, v in pairs}


def is_pcm(mime: str | None) -> bool:
    """True for headerless PCM types (``audio/L16``, ``audio/pcm``) that need a WAV header."""
    if not mime:
        return False
    head, params = _split(mime)
    subtype = head.rpartition("/")[2]
    return subtype in _WIDTHS or params.get("codec") == "pcm"


def pcm_format(mime: str) -> tuple[int, int, int]:
    """(rate, sample width in bytes, channels) from the type's parameters; Gemini's defaults."""
    head, params = _split(mime)
    width = _WIDTHS.get(head.rpartition("/")[2], 2)
    rate = int(params.get("rate", "24000") or 24000)
    channels = int(params.get("channels", "1") or 1)
    return rate, width, channels


def pcm_to_wav(pcm: bytes, mime: str) -> bytes:
    """A RIFF/WAVE file around ``pcm``. Gemini sends little-endian samples, as WAV wants."""
    rate, width, channels = pcm_format(mime)
    frame = width * channels
    pcm = pcm[: len(pcm) - len(pcm) % frame]  # a torn last frame would make the file invalid
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def wav_seconds(data: bytes) -> float | None:
    """The length of a WAV file from its header; None when the header does not state it
    (not WAV, malformed, or a streamed file whose sizes are placeholders beyond the bytes)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            frames, rate = wav.getnframes(), wav.getframerate()
            size = frames * wav.getsampwidth() * wav.getnchannels()
    except (wave.Error, EOFError, ValueError):
        return None
    if rate <= 0 or size > len(data):
        return None
    return frames / rate
