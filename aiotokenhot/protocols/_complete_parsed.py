"""``th.complete(..., response_format=Model)``: a structured reply on whichever protocol.

A wrapper around the unified :func:`complete`: it adds each protocol's way of asking for JSON
of a schema (Chat ``response_format``, Responses ``text.format``, Gemini JSON mode through
``extra_body``; Anthropic a forced tool through ``tools`` / ``tool_choice``), then validates
the reply into ``Completion.parsed``. A refusal sets ``Completion.refusal`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pydantic

from .._exceptions import InvalidRequestError
from ._structured import check_model_class, parse_json_text, parse_object, schema_name, strict_json_schema

if TYPE_CHECKING:
    from .._client import AsyncTokenHot
    from ..unified import Completion

__all__ = ["complete_parsed", "finish_structured", "prepare_structured", "structured_arguments"]


def structured_arguments(
    protocol: str, kwargs: Mapping[str, Any], model: type[pydantic.BaseModel]
) -> dict[str, Any]:
    """The unified ``complete`` arguments that ask ``protocol`` for JSON of ``model``."""
    name = schema_name(model)
    extra = dict(kwargs.get("extra_body") or {})
    out = dict(kwargs)
    if protocol == "openai":
        extra["response_format"] = {"type": "json_schema", "json_schema": {
            "name": name, "schema": strict_json_schema(model), "strict": True}}
    elif protocol == "responses":
        text = dict(extra.get("text") or {})
        extra["text"] = {**text, "format": {"type": "json_schema", "name": name,
                                            "schema": strict_json_schema(model), "strict": True}}
    elif protocol == "gemini":
        sampling = {"maxOutputTokens": kwargs.get("max_tokens"),
                    "temperature": kwargs.get("temperature"), "topP": kwargs.get("top_p"),
                    "stopSequences": ([kwargs["stop"]] if isinstance(kwargs.get("stop"), str)
                                      else kwargs.get("stop"))}
        extra["generationConfig"] = {
            **{k: v for k, v in sampling.items() if v is not None},
            **dict(extra.get("generationConfig") or {}),
            "responseMimeType": "application/json",
            "responseJsonSchema": strict_json_schema(model, inline_refs=True)}
    else:  # anthropic: a forced tool whose input is the schema
        tool = {"type": "function", "function": {
            "name": name, "description": f"Answer with a {model.__name__} object.",
            "parameters": strict_json_schema(model)}}
        out["tools"] = [*(kwargs.get("tools") or ()), tool]
        out["tool_choice"] = {"type": "function", "function": {"name": name}}
    if extra:
        out["extra_body"] = extra
    return out


def _refusal(completion: Completion) -> str | None:
    raw = completion.raw if isinstance(completion.raw, dict) else {}
    if completion.protocol == "openai":
        choices = raw.get("choices") or [{}]
        refusal = (choices[0].get("message") or {}).get("refusal")
        return refusal if isinstance(refusal, str) and refusal else None
    if completion.protocol == "responses":
        texts = [p.get("refusal") or "" for item in raw.get("output") or ()
                 if isinstance(item, dict) for p in item.get("content") or ()
                 if isinstance(p, dict) and p.get("type") == "refusal"]
        return "".join(texts) or None
    finish = completion.finish
    if finish is not None and (finish.reason == "content_filter" or finish.raw_reason == "refusal"):
        return completion.text or finish.raw_reason or "refused"
    return None


def prepare_structured(response_format: Any, kwargs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(protocol, unified arguments asking it for JSON of ``response_format``).

    Raises:
        InvalidRequestError: ``response_format`` is not a pydantic class, or ``model`` is not
            one model name.
    """
    from ..unified import pick_protocol

    check_model_class(response_format, "response_format")
    model = kwargs.get("model")
    if not isinstance(model, str):
        raise InvalidRequestError("response_format needs one model name")
    protocol = pick_protocol(model, kwargs.get("protocol", "auto"))
    return protocol, structured_arguments(protocol, kwargs, response_format)


def finish_structured(
    completion: Completion, response_format: type[pydantic.BaseModel], protocol: str
) -> Completion:
    """Fill ``parsed`` (or ``refusal``) of a unified completion asked for ``response_format``.

    Raises:
        ResponseValidationError: the reply is not ``response_format``'s shape (``body`` holds
            the raw text).
    """
    from ..unified import Finish

    completion.refusal = _refusal(completion)
    if completion.refusal is not None:
        return completion
    name = schema_name(response_format)
    call = next((c for c in completion.tool_calls if c.name == name), None)
    if protocol == "anthropic" and call is not None:
        # the forced tool is how the answer travelled, not a call for the caller to run
        completion.parsed = parse_object(response_format, call.arguments, call.raw_arguments)
        completion.tool_calls = [c for c in completion.tool_calls if c is not call]
        completion.text = completion.text or call.raw_arguments
        if not completion.tool_calls:
            completion.finish = Finish("stop", completion.finish.raw_reason if completion.finish
                                       else None)
        return completion
    if completion.text or not completion.tool_calls:
        completion.parsed = parse_json_text(response_format, completion.text)
    return completion


async def complete_parsed(
    client: AsyncTokenHot, response_format: Any, kwargs: dict[str, Any]
) -> Completion:
    """Run the unified ``complete`` asking for ``response_format`` and parse the reply."""
    protocol, arguments = prepare_structured(response_format, kwargs)
    return finish_structured(await client.complete(**arguments), response_format, protocol)
