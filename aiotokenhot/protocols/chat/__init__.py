"""OpenAI Chat Completions: ``th.chat.completions.create(...)`` and ``.stream(...)``."""

from . import _types
from ._accumulate import ChatCompletionAccumulator
from ._params import ChatCompletionParams, ChatCompletionStreamParams
from ._parse import ParsedChatCompletion, ParsedChatCompletionMessage, ParsedChoice
from ._resource import Chat, ChatCompletions
from ._stream import ChatCompletionStream
from ._types import *  # noqa: F403 - its __all__ is part of this package's

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
