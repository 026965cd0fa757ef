"""``th.chat.completions.parse``: the reply validated into the caller's pydantic class."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import pydantic
from pydantic import Field

from .._structured import ModelT, parse_json_text, schema_name, strict_json_schema
from ._types import ChatCompletion, ChatCompletionMessage, Choice

__all__ = [
    "ParsedChatCompletion",
    "ParsedChatCompletionMessage",
    "ParsedChoice",
    "parse_chat_completion",
    "strict_response_format",
]

ContentT = TypeVar("ContentT")


class ParsedChatCompletionMessage(ChatCompletionMessage, Generic[ContentT]):
    """A reply message with ``parsed``: the content as the requested class.

    ``parsed`` is None when the model refused (``refusal`` says why) or called tools instead.
    """

    parsed: ContentT | None = None


class ParsedChoice(Choice, Generic[ContentT]):
    message: ParsedChatCompletionMessage[ContentT] = Field(
        default_factory=ParsedChatCompletionMessage)


class ParsedChatCompletion(ChatCompletion, Generic[ContentT]):
    """A :class:`ChatCompletion` whose choices carry ``message.parsed``."""

    choices: list[ParsedChoice[ContentT]] = Field(default_factory=list)  # type: ignore[assignment]

    @property
    def parsed(self) -> ContentT | None:
        """The first choice's parsed content."""
        return self.choices[0].message.parsed if self.choices else None


def strict_response_format(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """``response_format`` for a pydantic class: a strict ``json_schema`` format."""
    return {"type": "json_schema",
            "json_schema": {"name": schema_name(model), "schema": strict_json_schema(model),
                            "strict": True}}


def parse_chat_completion(
    completion: ChatCompletion, model: type[ModelT]
) -> ParsedChatCompletion[ModelT]:
    """Each choice's content validated as ``model`` (a refusal or tool calls leave it None).

    Raises:
        ResponseValidationError: a choice's content is not JSON of ``model``; ``body`` is the text.
    """
    parsed: ParsedChatCompletion[ModelT] = ParsedChatCompletion.model_validate(
        completion.model_dump(by_alias=True))
    for choice in parsed.choices:
        message = choice.message
        if message.refusal or (message.tool_calls and not message.content):
            continue
        message.parsed = parse_json_text(model, message.content)
    return parsed
