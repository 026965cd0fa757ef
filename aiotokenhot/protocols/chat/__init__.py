"""OpenAI Chat Completions: ``th.chat.completions.create(...)`` and ``.stream(...)``.

The stream, accumulator and parsed types load on first access (PEP 562): ``th.chat`` and a
whole-reply ``create`` need none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._exports import load_export
from . import _types
from ._params import ChatCompletionParams, ChatCompletionStreamParams
from ._resource import Chat, ChatCompletions
from ._types import *  # noqa: F403 - its __all__ is part of this package's

if TYPE_CHECKING:
    from ._accumulate import ChatCompletionAccumulator
    from ._parse import ParsedChatCompletion, ParsedChatCompletionMessage, ParsedChoice
    from ._stream import ChatCompletionStream

_LAZY: dict[str, str] = {
    "ChatCompletionAccumulator": "._accumulate",
    "ChatCompletionStream": "._stream",
    "ParsedChatCompletion": "._parse",
    "ParsedChatCompletionMessage": "._parse",
    "ParsedChoice": "._parse",
}

__all__ = [
    "Chat",
    "ChatCompletionAccumulator",
    "ChatCompletionStream",
    "ChatCompletions",
    "ParsedChatCompletion",
    "ParsedChatCompletionMessage",
    "ParsedChoice",
]
__all__ += _types.__all__
__all__ += ["ChatCompletionParams", "ChatCompletionStreamParams"]


def __getattr__(name: str) -> Any:
    return load_export(__name__, _LAZY, globals(), name)


def __dir__() -> list[str]:
    return __all__
