"""One typed delta stream and one Completion over every protocol.

``th.stream(model=..., messages=[...])`` yields :class:`TextDelta`, :class:`ReasoningDelta`,
:class:`ToolCallDelta`, :class:`Usage` and :class:`Finish` whether Chat Completions, Responses,
Anthropic Messages or Gemini carries the reply; ``await th.complete(...)`` returns a
:class:`Completion`. Conversations and tools are given in the OpenAI chat shape.
"""

from __future__ import annotations

from ._api import complete, open_stream
from ._convert import DEFAULT_ANTHROPIC_MAX_TOKENS, PROTOCOLS, pick_protocol
from ._events import (
    Attempt,
    Completion,
    Finish,
    FinishReason,
    ReasoningDelta,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    UnifiedEvent,
    Usage,
)
from ._fallback import FallbackStream, complete_with_fallback, should_fall_back
from ._stream import UnifiedStream

__all__ = [
    "DEFAULT_ANTHROPIC_MAX_TOKENS",
    "PROTOCOLS",
    "Attempt",
    "Completion",
    "FallbackStream",
    "Finish",
    "FinishReason",
    "ReasoningDelta",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "UnifiedEvent",
    "UnifiedStream",
    "Usage",
    "complete",
    "complete_with_fallback",
    "open_stream",
    "pick_protocol",
    "should_fall_back",
]
