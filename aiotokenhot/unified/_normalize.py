"""Each protocol's usage block and stop reason → the unified :class:`Usage` and :class:`Finish`.

Shared by the stream mappers and by :func:`complete`, so a streamed reply and a whole one
normalise the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._events import Finish, FinishReason, Usage
from ._finish import normalize_finish

__all__ = [
    "chat_usage",
    "finish",
    "responses_usage",
]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _sub(block: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = block.get(key)
    return value if isinstance(value, Mapping) else {}


def chat_usage(u: Mapping[str, Any]) -> Usage:
    return Usage(
        input_tokens=_int(u.get("prompt_tokens")),
        output_tokens=_int(u.get("completion_tokens")),
        reasoning_tokens=_int(_sub(u, "completion_tokens_details").get("reasoning_tokens")),
        cached_tokens=_int(_sub(u, "prompt_tokens_details").get("cached_tokens")),
    )


def responses_usage(u: Mapping[str, Any]) -> Usage:
    """Upstream Responses names, or the Chat-style names some gateways put there instead."""
    if "input_tokens" not in u and "prompt_tokens" in u:
        return chat_usage(u)
    return Usage(
        input_tokens=_int(u.get("input_tokens")),
        output_tokens=_int(u.get("output_tokens")),
        reasoning_tokens=_int(_sub(u, "output_tokens_details").get("reasoning_tokens")),
        cached_tokens=_int(_sub(u, "input_tokens_details").get("cached_tokens")),
    )


_REASONS: dict[str, dict[str, FinishReason]] = {
    "responses": {
        "completed": "stop", "max_output_tokens": "length", "incomplete": "length",
        "content_filter": "content_filter", "failed": "error",
    },
}


def finish(protocol: str, raw: str | None, has_tool_calls: bool) -> Finish:
    """The normalised reason by the one rule of ``unified._finish``."""
    return normalize_finish(raw, _REASONS[protocol], has_tool_calls)
