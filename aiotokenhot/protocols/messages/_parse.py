"""``th.messages.parse``: Anthropic replies validated into the caller's pydantic class.

Two ways to ask Claude for JSON of a schema: the native ``output_format`` (structured-outputs
beta) and a forced tool whose ``input_schema`` is the schema. ``method="auto"`` sends the native
form first and falls back to the forced tool when the gateway rejects it (400) or drops it (the
reply is not JSON at all); the client then remembers to go straight to the tool.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import pydantic_core

from .._structured import ModelT, parse_json_text, parse_object, schema_name, strict_json_schema
from ._types import Message

__all__ = ["STRUCTURED_OUTPUTS_BETA", "ParsedMessage", "native_arguments", "parse_message",
           "tool_arguments"]

ContentT = TypeVar("ContentT")

#: the ``anthropic-beta`` flag of native structured outputs
STRUCTURED_OUTPUTS_BETA = "structured-outputs-2025-11-13"


class ParsedMessage(Message, Generic[ContentT]):
    """A :class:`Message` with ``parsed_output``: the reply as the requested class.

    ``parsed_output`` is None when Claude refused (``stop_reason == "refusal"``).
    """

    parsed_output: ContentT | None = None


def native_arguments(kwargs: Mapping[str, Any], model: type[Any]) -> dict[str, Any]:
    """``create`` arguments asking for the native ``output_format``."""
    fmt = {"type": "json_schema", "schema": strict_json_schema(model)}
    headers = dict(kwargs.get("extra_headers") or {})
    beta = headers.get("anthropic-beta")
    headers["anthropic-beta"] = f"{beta},{STRUCTURED_OUTPUTS_BETA}" if beta else STRUCTURED_OUTPUTS_BETA
    return {**kwargs, "extra_body": {**(kwargs.get("extra_body") or {}), "output_format": fmt},
            "extra_headers": headers}


def tool_arguments(kwargs: Mapping[str, Any], model: type[Any]) -> dict[str, Any]:
    """``create`` arguments forcing one tool whose input is the schema."""
    tool = {"name": schema_name(model),
            "description": f"Answer with a {model.__name__} object.",
            "input_schema": strict_json_schema(model)}
    return {**kwargs, "tools": [*(kwargs.get("tools") or ()), tool],
            "tool_choice": {"type": "tool", "name": tool["name"]}}


def looks_like_json(message: Message) -> bool:
    """False when a native-format reply is plain prose: the gateway dropped ``output_format``."""
    return message.stop_reason == "refusal" or message.text.lstrip()[:1] in ("{", "[")


def parse_message(message: Message, model: type[ModelT], *, via_tool: bool) -> ParsedMessage[ModelT]:
    """``parsed_output`` from the text (native) or the forced tool's input.

    Raises:
        ResponseValidationError: the reply is not ``model``'s shape; ``body`` is the raw text.
    """
    parsed: ParsedMessage[ModelT] = ParsedMessage.model_validate(message.model_dump(by_alias=True))
    if parsed.stop_reason == "refusal":
        return parsed
    if not via_tool:
        parsed.parsed_output = parse_json_text(model, parsed.text)
        return parsed
    name = schema_name(model)
    use = next((u for u in parsed.tool_uses if u.name == name), None)
    if use is None:
        parsed.parsed_output = parse_json_text(model, parsed.text)  # answered in text after all
        return parsed
    parsed.parsed_output = parse_object(model, use.input,
                                        pydantic_core.to_json(use.input).decode())
    return parsed
