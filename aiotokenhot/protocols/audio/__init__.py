"""Audio: ``th.audio.speech(...)``, ``th.audio.transcriptions.create(...)``, ``.translations``."""

from ._params import SpeechParams, TranscriptionParams, TranslationParams
from ._resource import Audio, Transcriptions, Translations
from ._types import SpeechResult, Transcription, TranscriptionSegment, TranscriptionWord
from ._wav import pcm_to_wav

__all__ = ["Audio", "SpeechResult", "Transcription", "TranscriptionSegment", "TranscriptionWord",
           "Transcriptions", "Translations", "pcm_to_wav"]
__all__ += ["SpeechParams", "TranscriptionParams", "TranslationParams"]
