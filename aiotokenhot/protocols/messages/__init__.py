"""Anthropic Messages: ``th.messages.create / stream / legacy_complete`` and their types."""

from . import _events, _types
from ._api import Messages
from ._events import *  # noqa: F403 - its __all__ is part of this package's
from ._params import LegacyCompletionParams, MessageCreateParams
from ._parse import ParsedMessage
from ._stream import MessageStream
from ._types import *  # noqa: F403 - its __all__ is part of this package's

__all__ = [
    "MessageStream",
    "Messages",
    "ParsedMessage",
]
__all__ += _events.__all__
__all__ += _types.__all__
__all__ += ["LegacyCompletionParams", "MessageCreateParams"]
