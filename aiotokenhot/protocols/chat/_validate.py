"""Cheap argument checks for the OpenAI-family endpoints, run before anything is sent.

Only clearly bad input is rejected (an unknown role, an empty message list, a temperature of
7); anything a gateway might legitimately accept passes through untouched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pydantic

from ..._exceptions import InvalidRequestError
from ..._media import Pending
from ..._models import model_data
from .._media import chat_part

__all__ = [
    "check_body",
    "json_schema_format",
    "normalize_messages",
]

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
_NEEDS_CONTENT = frozenset({"system", "developer", "user", "tool"})

# field -> (low, high, integer?) ; None means unbounded on that side
_RANGES: dict[str, tuple[float | None, float | None, bool]] = {
    "temperature": (0.0, 2.0, False),
    "top_p": (0.0, 1.0, False),
    "presence_penalty": (-2.0, 2.0, False),
    "frequency_penalty": (-2.0, 2.0, False),
    "n": (1, None, True),
    "best_of": (1, None, True),
    "max_tokens": (1, None, True),
    "max_completion_tokens": (1, None, True),
    "max_output_tokens": (1, None, True),
    "top_logprobs": (0, 20, True),
}
_RANGE_NAMES = frozenset(_RANGES)


def check_body(body: dict[str, Any]) -> None:
    """Model name, numeric ranges, ``stop`` and ``tools`` shapes of an OpenAI-family body.

    Raises :class:`InvalidRequestError` naming the first bad field.
    """
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        raise InvalidRequestError("model must be a non-empty string")
    # most bodies set none of the ranged fields: one set test instead of ten lookups
    for name, (low, high, integer) in _RANGES.items() if not _RANGE_NAMES.isdisjoint(body) else ():
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            integer and not isinstance(value, int)
        ):
            kind = "an integer" if integer else "a number"
            raise InvalidRequestError(f"{name} must be {kind}, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f">= {low}"
            raise InvalidRequestError(f"{name} must be {bounds}, got {value!r}")
    stop = body.get("stop")
    if stop is not None and not isinstance(stop, str) and not (
        isinstance(stop, Sequence) and all(isinstance(s, str) for s in stop)
    ):
        raise InvalidRequestError("stop must be a string or a list of strings")
    tools = body.get("tools")
    if tools is not None:
        _check_tools(tools)


def _check_tools(tools: Any) -> None:
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Sequence):
        raise InvalidRequestError("tools must be a list of tool objects")
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping) or not isinstance(tool.get("type"), str):
            raise InvalidRequestError(f"tools[{i}] must be an object with a 'type'")
        fn = tool.get("function")
        if tool["type"] == "function" and isinstance(fn, Mapping) and not fn.get("name"):
            raise InvalidRequestError(f"tools[{i}].function needs a 'name'")


def mapping_items(value: Any, name: str, *, expected: str, model: str) -> list[Mapping[str, Any]]:
    """The entries of the list argument ``name`` as mappings (pydantic models as plain dicts).

    Raises :class:`InvalidRequestError` before anything is sent: ``"<name> must be
    <expected>"`` when ``value`` is not a list (a string, bytes or a dict are not),
    ``"<name> must not be empty"``, and ``"<name>[i] must be a dict or <model>, not <type>"``.
    """
    if value.__class__ is not list and (
            isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence)):
        raise InvalidRequestError(f"{name} must be {expected}")
    if not value:
        raise InvalidRequestError(f"{name} must not be empty")
    items: list[Mapping[str, Any]] = []
    for i, item in enumerate(value):
        if item.__class__ is dict:  # the common case, without the ABC checks below
            pass
        elif isinstance(item, pydantic.BaseModel):
            item = model_data(item)
        elif not isinstance(item, Mapping):
            raise InvalidRequestError(f"{name}[{i}] must be a dict or {model}, not {type(item).__name__}")
        items.append(item)
    return items


def normalize_messages(messages: Any) -> list[Any]:
    """Check roles and content shapes; typed models become plain dicts. Unchanged dicts are reused."""
    out: list[Any] = []
    checked = mapping_items(messages, "messages", expected="a list of message objects",
                            model="a message model")
    for i, message in enumerate(checked):
        role = message.get("role")
        if role not in ROLES:
            raise InvalidRequestError(
                f"messages[{i}] has an unknown role {role!r}; expected one of {', '.join(ROLES)}"
            )
        content = message.get("content")
        if content is None:
            if role in _NEEDS_CONTENT:
                raise InvalidRequestError(f"messages[{i}] ({role}) needs content")
        elif isinstance(content, list):
            parts = _normalize_parts(content, i)
            if parts is not content:
                message = {**message, "content": parts}
        elif not isinstance(content, str):
            raise InvalidRequestError(
                f"messages[{i}].content must be a string or a list of parts, "
                f"not {type(content).__name__}"
            )
        if role == "tool" and not message.get("tool_call_id"):
            raise InvalidRequestError(f"messages[{i}] (tool) needs a tool_call_id")
        out.append(message if isinstance(message, dict) else dict(message))
    return out


def _normalize_parts(parts: list[Any], i: int) -> list[Any]:
    out: list[Any] | None = None
    for j, part in enumerate(parts):
        if isinstance(part, pydantic.BaseModel):
            part = model_data(part)
            if out is None:
                out = list(parts)
            out[j] = part
        converted = chat_part(part, f"messages[{i}].content[{j}]")  # local files: placeholders
        if converted is not part:
            if out is None:
                out = list(parts)
            out[j] = part = converted
        if not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
            raise InvalidRequestError(f"messages[{i}].content[{j}] must be an object with a 'type'")
        kind = part["type"]
        if kind == "text" and not isinstance(part.get("text"), str):
            raise InvalidRequestError(f"messages[{i}].content[{j}] (text) needs a string 'text'")
        if kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, Mapping) else image
            if not isinstance(url, (str, Pending)) or not url:
                raise InvalidRequestError(
                    f"messages[{i}].content[{j}] (image_url) needs image_url.url"
                )
    return parts if out is None else out


def json_schema_format(value: Any) -> Any:
    """A pydantic model class given as a response format becomes a strict ``json_schema`` format."""
    if isinstance(value, type) and issubclass(value, pydantic.BaseModel):
        from ._parse import strict_response_format

        return strict_response_format(value)
    if value is not None and not isinstance(value, Mapping):
        raise InvalidRequestError("response_format must be a dict or a pydantic model class")
    return value
