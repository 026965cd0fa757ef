"""Legacy text completion types (``object: "text_completion"``); stream chunks share the shape."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..._models import APIModel
from ..chat._types import CompletionUsage

__all__ = ["CompletionUsage", "TextCompletion", "TextCompletionChoice", "TextCompletionChunk"]


class TextCompletionChoice(APIModel):
    index: int = 0
    text: str = ""
    finish_reason: str | None = None
    logprobs: Any = None


class TextCompletion(APIModel):
    """A whole legacy completion, or one streamed chunk of one (same shape).

    As with chat chunks, ``choices`` is required so that an in-stream error object is told
    apart by the parser itself.
    """

    id: str = ""
    object: str = "text_completion"
    created: int = 0
    model: str = ""
    choices: list[TextCompletionChoice] = Field(default_factory=list)
    usage: CompletionUsage | None = None
    system_fingerprint: str | None = None

    @property
    def text(self) -> str:
        """The first choice's text."""
        return self.choices[0].text if self.choices else ""


class TextCompletionChunk(TextCompletion):
    """A streamed piece (``choices`` is ``[]``, or absent, on the usage chunk; a stream reads
    ``null`` the same)."""
