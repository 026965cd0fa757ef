"""Whole (non-streamed) answers → one unified :class:`Completion`, for the protocols whose
adapter has not taken this over yet (each adapter's ``parse`` does it for its protocol)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic_core

from ._events import Completion, ToolCall, parse_arguments
from ._normalize import finish, responses_usage

__all__ = ["PARSERS"]


def _tool_call(call_id: Any, name: Any, raw: Any, extra: dict[str, Any] | None = None) -> ToolCall:
    if not isinstance(raw, str):
        raw = pydantic_core.to_json(raw if raw is not None else {}).decode()
    return ToolCall(str(call_id or ""), str(name or ""), parse_arguments(raw), raw, extra)


def _responses(body: dict[str, Any]) -> Completion:
    text: list[str] = []
    reasoning: list[str] = []
    calls: list[ToolCall] = []
    for item in body.get("output") or ():
        kind = item.get("type")
        if kind == "message":
            text += [p.get("text", "") for p in item.get("content") or ()
                     if p.get("type") == "output_text"]
        elif kind == "reasoning":
            reasoning += [p.get("text", "") for key in ("summary", "content")
                          for p in item.get(key) or ()]
        elif kind == "function_call":
            calls.append(_tool_call(item.get("call_id") or item.get("id"), item.get("name"),
                                    item.get("arguments")))
    status = body.get("status") or "completed"
    raw_reason = status
    if status == "incomplete":
        raw_reason = (body.get("incomplete_details") or {}).get("reason") or status
    usage = body.get("usage")
    return Completion(
        text="".join(text),
        reasoning="".join(reasoning),
        tool_calls=calls,
        usage=responses_usage(usage) if usage else None,
        finish=finish("responses", raw_reason, bool(calls)),
        protocol="responses",
        model=body.get("model"),
        id=body.get("id"),
        raw=body,
    )


PARSERS: dict[str, Callable[[dict[str, Any]], Completion]] = {
    "responses": _responses,
}
