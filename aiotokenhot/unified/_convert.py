"""Unified request checks, and the OpenAI-chat-shape helpers the protocols' builders share.

Input is what most apps already hold: ``messages`` with roles system/developer, user (text,
``image_url``, ``input_audio``, ``file`` parts), assistant (text and ``tool_calls``) and tool;
``tools`` as ``{"type": "function", "function": {...}}``. Each builder writes the native body
faithfully and raises :class:`InvalidRequestError` for what its protocol cannot express, before
anything is sent. Each protocol's builder is its adapter's ``native_request``, in the
protocol's own package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pydantic_core
from typing_extensions import Unpack

from .._exceptions import InvalidRequestError
from ._adapter import NativeRequest, Sampling, UnifiedRequest
from ._params import UnifiedFields

__all__ = [
    "DEFAULT_ANTHROPIC_MAX_TOKENS",
    "NativeRequest",
    "UnifiedFields",
    "build_request",
    "call_arguments",
    "call_object",
    "check_request",
    "content_parts",
    "data_url",
    "drop_none",
    "forced_function",
    "function_tools",
    "image_url_of",
    "merge_turn",
    "opening_system",
    "text_only",
]

#: Anthropic requires ``max_tokens``; this is what is sent when the caller gives none.
DEFAULT_ANTHROPIC_MAX_TOKENS = 4096
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


def build_request(
    protocol: str, *, model: str, stream: bool, **fields: Unpack[UnifiedFields]
) -> NativeRequest:
    """The native request for ``protocol`` (already resolved from ``auto``)."""
    from ._registry import record

    request = check_request(model=model, stream=stream, **fields)
    return record(protocol).adapter().native_request(request)


def check_request(
    *,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: str | Mapping[str, Any] | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    stop: str | Sequence[str] | None = None,
    stream: bool,
) -> UnifiedRequest:
    """The protocol-neutral checks; raises :class:`InvalidRequestError` before anything is sent."""
    if not isinstance(model, str) or not model.strip():
        raise InvalidRequestError("model must be a non-empty string")
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence) or not messages:
        raise InvalidRequestError("messages must be a non-empty list of chat messages")
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping) or message.get("role") not in _ROLES:
            raise InvalidRequestError(
                f"messages[{i}] needs a role among {', '.join(sorted(_ROLES))}"
            )
    if max_tokens is not None and (
        isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1
    ):
        raise InvalidRequestError("max_tokens must be a positive integer")
    _check_range("temperature", temperature, 0.0, 2.0)
    _check_range("top_p", top_p, 0.0, 1.0)
    if stop is not None and not isinstance(stop, str) and not (
        isinstance(stop, Sequence) and all(isinstance(s, str) for s in stop)
    ):
        raise InvalidRequestError("stop must be a string or a list of strings")
    stops = [stop] if isinstance(stop, str) else (list(stop) if stop is not None else None)
    sampling = Sampling(max_tokens, temperature, top_p, stops)
    return UnifiedRequest(model, messages, _check_tools(tools), tool_choice, sampling, stream)


def _check_range(name: str, value: Any, low: float, high: float) -> None:
    """The same bounds the native Chat Completions methods check (OpenAI's documented ones)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRequestError(f"{name} must be a number, got {value!r}")
    if not low <= value <= high:
        raise InvalidRequestError(f"{name} must be between {low} and {high}, got {value!r}")


# -- shared helpers ------------------------------------------------------------------------------


def _check_tools(tools: Sequence[Mapping[str, Any]] | None) -> list[Mapping[str, Any]]:
    if tools is None:
        return []
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Sequence):
        raise InvalidRequestError("tools must be a list of tool definitions")
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping) or not isinstance(tool.get("type"), str):
            raise InvalidRequestError(f"tools[{i}] must be an object with a 'type'")
        if tool["type"] == "function":
            fn = tool.get("function")
            if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
                raise InvalidRequestError(f"tools[{i}] needs function.name (OpenAI chat shape)")
    return list(tools)


def function_tools(tools: Iterable[Mapping[str, Any]], protocol: str) -> list[Mapping[str, Any]]:
    """The ``function`` objects of the tools; other tool types have no equivalent here."""
    out: list[Mapping[str, Any]] = []
    for tool in tools:
        if tool["type"] != "function":
            raise InvalidRequestError(
                f"the {protocol} protocol cannot carry a {tool['type']!r} tool through the "
                "unified API; only function tools are converted"
            )
        out.append(tool["function"])
    return out


def content_parts(content: Any, where: str) -> list[Mapping[str, Any]]:
    """Content as a list of typed parts (a string is one text part)."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if isinstance(content, Sequence) and not isinstance(content, bytes):
        for part in content:
            if not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
                raise InvalidRequestError(f"{where}: every content part needs a 'type'")
        return list(content)
    raise InvalidRequestError(f"{where}: content must be a string or a list of parts")


def text_only(content: Any, where: str) -> str:
    """The text of content that may only hold text (system prompts, tool results)."""
    pieces: list[str] = []
    for part in content_parts(content, where):
        if part["type"] not in ("text", "input_text", "output_text", "refusal"):
            raise InvalidRequestError(f"{where}: only text parts are allowed here, got {part['type']!r}")
        pieces.append(str(part.get("text") or part.get("refusal") or ""))
    return "".join(pieces)


def data_url(url: str, where: str) -> tuple[str, str] | None:
    """(media type, base64 data) of a ``data:`` URL; None for any other URL."""
    if not url.startswith("data:"):
        return None
    head, sep, data = url.partition(",")
    if not sep or not head.endswith(";base64"):
        raise InvalidRequestError(f"{where}: data URLs must be base64 encoded")
    return head[5:-7] or "application/octet-stream", data


def image_url_of(part: Mapping[str, Any], where: str) -> str:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, Mapping) else image
    if not isinstance(url, str) or not url:
        raise InvalidRequestError(f"{where}: image_url needs a url")
    return url


def call_arguments(call: Mapping[str, Any], where: str) -> tuple[str, str, str, Any]:
    """(id, name, raw arguments, parsed arguments) of an assistant tool call."""
    fn = call.get("function")
    if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
        raise InvalidRequestError(f"{where}: every tool call needs function.name")
    raw = fn.get("arguments") or ""
    if not isinstance(raw, str):
        raw = pydantic_core.to_json(raw).decode()
    try:
        parsed = pydantic_core.from_json(raw) if raw else {}
    except ValueError:
        raise InvalidRequestError(f"{where}: tool call arguments are not valid JSON") from None
    return str(call.get("id") or ""), fn["name"], raw, parsed


def call_object(call: Mapping[str, Any], where: str) -> tuple[str, str, dict[str, Any]]:
    """(id, name, parsed arguments) of an assistant tool call, for a protocol whose calls carry
    a JSON object; raises :class:`InvalidRequestError` for arguments that are not one."""
    call_id, name, _, parsed = call_arguments(call, where)
    if not isinstance(parsed, dict):
        raise InvalidRequestError(f"{where}: tool call arguments must be a JSON object")
    return call_id, name, parsed


def opening_system(message: Mapping[str, Any], where: str, started: bool, protocol: str,
                   what: str) -> str:
    """The text of a system or developer ``message``, for a protocol that only takes ``what``
    (its name for them) before the conversation; raises :class:`InvalidRequestError` once the
    conversation has ``started``."""
    if started:
        raise InvalidRequestError(
            f"{where}: the {protocol} protocol only takes {what} before the conversation starts"
        )
    return text_only(message.get("content"), where)


def forced_function(choice: str | Mapping[str, Any]) -> str | None:
    if isinstance(choice, Mapping):
        fn = choice.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else choice.get("name")
        if not isinstance(name, str):
            raise InvalidRequestError("tool_choice must name the function to call")
        return name
    if choice not in ("auto", "none", "required"):
        raise InvalidRequestError("tool_choice must be 'auto', 'none', 'required' or a function")
    return None


def merge_turn(turns: list[dict[str, Any]], role: str, key: str, items: list[Any]) -> None:
    """Append a turn, folding it into the previous one when the role repeats."""
    if turns and turns[-1]["role"] == role:
        turns[-1][key].extend(items)
    else:
        turns.append({"role": role, key: items})


def drop_none(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` without its None values."""
    return {k: v for k, v in body.items() if v is not None}
