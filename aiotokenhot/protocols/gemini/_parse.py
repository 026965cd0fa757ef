"""``th.gemini.parse``: Gemini's JSON mode, validated into the caller's pydantic class."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import pydantic

from .._structured import ModelT, is_model_class, parse_json_text, strict_json_schema
from ._params import camel_keys
from ._types import GenerateContentResponse

__all__ = ["BLOCKED_REASONS", "ParsedGenerateContentResponse", "json_config", "parse_generated"]

ContentT = TypeVar("ContentT")

#: finish reasons (and prompt block reasons) that mean Gemini declined to answer
BLOCKED_REASONS = frozenset({"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
                             "IMAGE_SAFETY", "OTHER"})


class ParsedGenerateContentResponse(GenerateContentResponse, Generic[ContentT]):
    """A :class:`GenerateContentResponse` with ``parsed``: the answer as the requested class.

    ``parsed`` is None when Gemini declined (``refusal`` gives the finish or block reason).
    """

    parsed: ContentT | None = None

    @property
    def refusal(self) -> str | None:
        feedback = self.prompt_feedback
        if not self.candidates:
            return (feedback.block_reason if feedback else None) or "no candidates"
        reason = self.finish_reason
        return reason if reason in BLOCKED_REASONS and not self.text else None


def json_config(
    generation_config: Mapping[str, Any] | Any, model: type[pydantic.BaseModel]
) -> dict[str, Any]:
    """``generationConfig`` asking for JSON of ``model`` (``responseJsonSchema``, refs inlined)."""
    config = camel_keys(generation_config) if generation_config is not None else {}
    if not isinstance(config, dict):
        config = {}
    return {**config, "responseMimeType": "application/json",
            "responseJsonSchema": strict_json_schema(model, inline_refs=True)}


def schema_class(generation_config: Any) -> type[pydantic.BaseModel] | None:
    """The pydantic class given as ``response_schema`` / ``response_json_schema``, if any."""
    if isinstance(generation_config, Mapping):
        for key in ("response_json_schema", "responseJsonSchema", "response_schema",
                    "responseSchema"):
            value = generation_config.get(key)
            if is_model_class(value):
                return value
    return None


def with_schema_class(generation_config: Any) -> Any:
    """``generation_config`` with a pydantic class as its schema turned into JSON mode."""
    model = schema_class(generation_config)
    if model is None:
        return generation_config
    rest = {k: v for k, v in generation_config.items() if schema_class({k: v}) is None}
    return json_config(rest, model)


def parse_generated(
    response: GenerateContentResponse, model: type[ModelT]
) -> ParsedGenerateContentResponse[ModelT]:
    """``parsed`` from the first candidate's text (None when blocked or only function calls).

    Raises:
        ResponseValidationError: the text is not JSON of ``model``; ``body`` is the text.
    """
    parsed: ParsedGenerateContentResponse[ModelT] = ParsedGenerateContentResponse.model_validate(
        response.model_dump(by_alias=True))
    if parsed.refusal is None and (parsed.text or not parsed.function_calls):
        parsed.parsed = parse_json_text(model, parsed.text)
    return parsed
