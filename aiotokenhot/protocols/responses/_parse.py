"""``th.responses.parse``: the output text validated into the caller's pydantic class."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import pydantic

from .._structured import ModelT, is_model_class, parse_json_text, schema_name, strict_json_schema
from ._types import Response, ResponseOutputMessage

__all__ = ["ParsedResponse", "parse_response", "text_config"]

ContentT = TypeVar("ContentT")


class ParsedResponse(Response, Generic[ContentT]):
    """A :class:`Response` with ``output_parsed``: the output text as the requested class.

    ``output_parsed`` is None when the model refused (``refusal`` says why) or only called tools.
    """

    output_parsed: ContentT | None = None

    @property
    def refusal(self) -> str | None:
        """The refusal text, when a message refused instead of answering."""
        texts = [part.refusal for item in self.output if isinstance(item, ResponseOutputMessage)
                 for part in item.content if part.type == "refusal" and part.refusal]
        return "".join(texts) or None


def text_config(text: Any) -> Any:
    """``text`` whose ``format`` is a pydantic class becomes a strict ``json_schema`` format."""
    if isinstance(text, dict) and is_model_class(text.get("format")):
        model: type[pydantic.BaseModel] = text["format"]
        return {**text, "format": {"type": "json_schema", "name": schema_name(model),
                                   "schema": strict_json_schema(model), "strict": True}}
    return text


def parse_response(response: Response, model: type[ModelT]) -> ParsedResponse[ModelT]:
    """``output_parsed`` from the output text (left None for a refusal or a tool-call turn).

    Raises:
        ResponseValidationError: the text is not JSON of ``model``; ``body`` is the text.
    """
    parsed: ParsedResponse[ModelT] = ParsedResponse.model_validate(response.model_dump(by_alias=True))
    text = parsed.output_text
    if parsed.refusal is None and (text or not parsed.function_calls):
        parsed.output_parsed = parse_json_text(model, text)
    return parsed
