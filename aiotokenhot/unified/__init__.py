"""One typed delta stream and one Completion over every protocol.

``th.stream(model=..., messages=[...])`` yields :class:`TextDelta`, :class:`ReasoningDelta`,
:class:`ToolCallDelta`, :class:`Usage` and :class:`Finish` whether Chat Completions, Responses,
Anthropic Messages or Gemini carries the reply; ``await th.complete(...)`` returns a
:class:`Completion`. Conversations and tools are given in the OpenAI chat shape.

How a protocol plugs in: ``_adapter`` (the adapter and fold interfaces) and ``_registry``
(one :class:`ProtocolRecord` per protocol).
"""

from __future__ import annotations

from ._adapter import NativeRequest, UnifiedAdapter, UnifiedRequest
from ._api import complete, open_stream, prepare
from ._convert import DEFAULT_ANTHROPIC_MAX_TOKENS
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
from ._finish import normalize_finish
from ._registry import PROTOCOLS, REGISTRY, ProtocolRecord, pick_protocol
from ._stream import UnifiedStream

__all__ = [
    "DEFAULT_ANTHROPIC_MAX_TOKENS",
    "PROTOCOLS",
    "REGISTRY",
    "Attempt",
    "Completion",
    "FallbackStream",
    "Finish",
    "FinishReason",
    "NativeRequest",
    "ProtocolRecord",
    "ReasoningDelta",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "UnifiedAdapter",
    "UnifiedEvent",
    "UnifiedRequest",
    "UnifiedStream",
    "Usage",
    "complete",
    "complete_with_fallback",
    "normalize_finish",
    "open_stream",
    "pick_protocol",
    "prepare",
    "should_fall_back",
]
