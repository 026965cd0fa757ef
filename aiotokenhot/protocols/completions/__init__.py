"""Legacy OpenAI text completions: ``th.completions.create(...)`` and ``.stream(...)``."""

from ._params import CompletionCreateParams, CompletionStreamParams
from ._resource import Completions
from ._stream import TextCompletionAccumulator, TextCompletionStream
from ._types import TextCompletion, TextCompletionChoice, TextCompletionChunk

__all__ = [
    "Completions",
    "TextCompletion",
    "TextCompletionAccumulator",
    "TextCompletionChoice",
    "TextCompletionChunk",
    "TextCompletionStream",
]
__all__ += ["CompletionCreateParams", "CompletionStreamParams"]
