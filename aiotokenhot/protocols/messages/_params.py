"""Check and build Anthropic Messages request bodies before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from typing_extensions import Required

from ..._exceptions import InvalidRequestError
from ..._models import plain_data
from ...transport._options import RequestOptionsParams
from .._media import anthropic_messages

__all__ = ["LegacyCompletionParams", "MessageCreateParams", "build_legacy_body",
           "build_messages_body"]


class MessageCreateParams(RequestOptionsParams, total=False):
    """The keywords of ``th.messages.create`` and ``.stream``: body fields and per-call options."""

    model: Required[str]
    max_tokens: Required[int]
    messages: Required[Sequence[Any]]
    system: str | Sequence[Any] | None
    temperature: float | None
    top_p: float | None
    top_k: int | None
    stop_sequences: Sequence[str] | None
    tools: Sequence[Any] | None
    tool_choice: str | Mapping[str, Any] | None
    thinking: Mapping[str, Any] | None
    metadata: Mapping[str, Any] | None


class LegacyCompletionParams(RequestOptionsParams, total=False):
    """The keywords of ``th.messages.legacy_complete`` (``POST /v1/complete``)."""

    model: Required[str]
    prompt: Required[str]
    max_tokens_to_sample: Required[int]
    temperature: float | None
    top_p: float | None
    top_k: int | None
    stop_sequences: Sequence[str] | None
    metadata: Mapping[str, Any] | None

_ROLES = ("user", "assistant")
_TOOL_CHOICES = ("auto", "any", "tool", "none")


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidRequestError(f"{name} must be a positive integer, got {value!r}")
    return value


def _number(name: str, value: Any, low: float, high: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRequestError(f"{name} must be a number, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise InvalidRequestError(f"{name} must be {bound}, got {value!r}")


def _check_model(model: Any) -> None:
    if not isinstance(model, str) or not model.strip():
        raise InvalidRequestError("model must be a non-empty string")


def _check_messages(messages: Any) -> list[dict[str, Any]]:
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence) or not messages:
        raise InvalidRequestError("messages must be a non-empty list of {role, content} objects")
    out: list[Any] = plain_data(list(messages))
    for i, msg in enumerate(out):
        if not isinstance(msg, dict):
            raise InvalidRequestError(f"messages[{i}] must be an object, got {type(msg).__name__}")
        role = msg.get("role")
        if role not in _ROLES:
            hint = " (put system text in the `system` argument)" if role == "system" else ""
            raise InvalidRequestError(
                f"messages[{i}].role must be 'user' or 'assistant', got {role!r}{hint}"
            )
        content = msg.get("content")
        if isinstance(content, str):
            continue
        if not isinstance(content, list):
            raise InvalidRequestError(f"messages[{i}].content must be a string or a list of blocks")
        for j, block in enumerate(content):
            if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                raise InvalidRequestError(f"messages[{i}].content[{j}] must be an object with a 'type'")
            if block["type"] == "tool_use" and not (block.get("id") and block.get("name")):
                raise InvalidRequestError(f"messages[{i}].content[{j}]: tool_use needs id and name")
            if block["type"] == "tool_result" and not block.get("tool_use_id"):
                raise InvalidRequestError(f"messages[{i}].content[{j}]: tool_result needs tool_use_id")
    return out


def _check_system(system: Any) -> Any:
    if system is None or isinstance(system, str):
        return system
    blocks = plain_data(system)
    if not isinstance(blocks, list) or not all(
        isinstance(b, dict) and b.get("type") == "text" for b in blocks
    ):
        raise InvalidRequestError("system must be a string or a list of text blocks")
    return blocks


def _check_tools(tools: Any) -> list[dict[str, Any]] | None:
    if tools is None:
        return None
    out: list[Any] = plain_data(list(tools))
    for i, tool in enumerate(out):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise InvalidRequestError(f"tools[{i}] must be an object with a name")
        if tool.get("type") in (None, "custom") and not isinstance(tool.get("input_schema"), dict):
            raise InvalidRequestError(f"tools[{i}] ({tool['name']!r}) needs an input_schema object")
    return out


def _check_tool_choice(choice: Any) -> dict[str, Any] | None:
    if choice is None:
        return None
    if isinstance(choice, str):
        choice = {"type": choice}
    if not isinstance(choice, dict) or choice.get("type") not in _TOOL_CHOICES:
        raise InvalidRequestError(f"tool_choice type must be one of {_TOOL_CHOICES}, got {choice!r}")
    if choice["type"] == "tool" and not choice.get("name"):
        raise InvalidRequestError("tool_choice of type 'tool' needs a name")
    return dict(choice)


def _check_thinking(thinking: Any, max_tokens: int) -> dict[str, Any] | None:
    if thinking is None:
        return None
    if not isinstance(thinking, dict) or not isinstance(thinking.get("type"), str):
        raise InvalidRequestError("thinking must be an object like {'type': 'enabled', 'budget_tokens': N}")
    if thinking["type"] == "enabled":
        budget = _positive_int("thinking.budget_tokens", thinking.get("budget_tokens"))
        if budget >= max_tokens:
            raise InvalidRequestError(
                f"thinking.budget_tokens ({budget}) must be less than max_tokens ({max_tokens})"
            )
    return dict(thinking)


def build_messages_body(
    *,
    model: str,
    max_tokens: int,
    messages: Sequence[Any],
    system: Any = None,
    temperature: float | None = None,
    top_p: float | None = None,
    top_k: int | None = None,
    stop_sequences: Sequence[str] | None = None,
    tools: Sequence[Any] | None = None,
    tool_choice: Any = None,
    thinking: Any = None,
    metadata: Mapping[str, Any] | None = None,
    stream: bool = False,
) -> dict[str, Any]:
    """The JSON body of ``POST /v1/messages``; None arguments are left out."""
    _check_model(model)
    _positive_int("max_tokens", max_tokens)
    _number("temperature", temperature, 0.0, 1.0)
    _number("top_p", top_p, 0.0, 1.0)
    if top_k is not None:
        _positive_int("top_k", top_k)
    if stop_sequences is not None and (
        isinstance(stop_sequences, str) or not all(isinstance(s, str) and s for s in stop_sequences)
    ):
        raise InvalidRequestError("stop_sequences must be a list of non-empty strings")
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": max_tokens,
        "messages": anthropic_messages(_check_messages(messages)),
        "system": _check_system(system),
        "temperature": temperature,
        "top_p": top_p,
        "top_k": top_k,
        "stop_sequences": list(stop_sequences) if stop_sequences is not None else None,
        "tools": _check_tools(tools),
        "tool_choice": _check_tool_choice(tool_choice),
        "thinking": _check_thinking(thinking, max_tokens),
        "metadata": dict(metadata) if metadata is not None else None,
    }
    if stream:
        body["stream"] = True
    return {k: v for k, v in body.items() if v is not None}


def build_legacy_body(
    *,
    model: str,
    prompt: str,
    max_tokens_to_sample: int,
    temperature: float | None = None,
    top_p: float | None = None,
    top_k: int | None = None,
    stop_sequences: Sequence[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of the legacy ``POST /v1/complete``."""
    _check_model(model)
    if not isinstance(prompt, str) or not prompt:
        raise InvalidRequestError("prompt must be a non-empty string ('\\n\\nHuman: ...\\n\\nAssistant:')")
    _positive_int("max_tokens_to_sample", max_tokens_to_sample)
    _number("temperature", temperature, 0.0, 1.0)
    _number("top_p", top_p, 0.0, 1.0)
    if top_k is not None:
        _positive_int("top_k", top_k)
    body: dict[str, Any] = {
        "model": model,
        "prompt": prompt,
        "max_tokens_to_sample": max_tokens_to_sample,
        "temperature": temperature,
        "top_p": top_p,
        "top_k": top_k,
        "stop_sequences": list(stop_sequences) if stop_sequences is not None else None,
        "metadata": dict(metadata) if metadata is not None else None,
    }
    return {k: v for k, v in body.items() if v is not None}
