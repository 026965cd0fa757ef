"""One typed delta stream and one Completion over every protocol.

``th.stream(model=..., messages=[...])`` yields :class:`TextDelta`, :class:`ReasoningDelta`,
:class:`ToolCallDelta`, :class:`Usage` and :class:`Finish` whether Chat Completions, Responses,
Anthropic Messages or Gemini carries the reply; ``await th.complete(...)`` returns a
:class:`Completion`. Conversations and tools are given in the OpenAI chat shape.

How a protocol plugs in: ``_adapter`` (the adapter and fold interfaces) and ``_registry``
(one :class:`ProtocolRecord` per protocol).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._exports import load_export

if TYPE_CHECKING:
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

#: where each public name lives; a name's module loads on first access (PEP 562), so that the
#: client can declare ``th.stream`` / ``th.complete`` without loading the unified machinery
_EXPORTS: dict[str, str] = {
    "NativeRequest": "._adapter", "UnifiedAdapter": "._adapter", "UnifiedRequest": "._adapter",
    "complete": "._api", "open_stream": "._api", "prepare": "._api",
    "DEFAULT_ANTHROPIC_MAX_TOKENS": "._convert",
    "Attempt": "._events", "Completion": "._events", "Finish": "._events",
    "FinishReason": "._events", "ReasoningDelta": "._events", "TextDelta": "._events",
    "ToolCall": "._events", "ToolCallDelta": "._events", "UnifiedEvent": "._events",
    "Usage": "._events",
    "FallbackStream": "._fallback", "complete_with_fallback": "._fallback",
    "should_fall_back": "._fallback",
    "normalize_finish": "._finish",
    "PROTOCOLS": "._registry", "REGISTRY": "._registry", "ProtocolRecord": "._registry",
    "pick_protocol": "._registry",
    "UnifiedStream": "._stream",
}

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


def __getattr__(name: str) -> Any:
    return load_export(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return __all__
