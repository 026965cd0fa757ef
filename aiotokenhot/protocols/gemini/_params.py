"""Check Gemini requests and write them in the wire's camelCase, whatever casing came in.

Keys are converted recursively (``generation_config.max_output_tokens`` →
``generationConfig.maxOutputTokens``) except inside values that belong to the caller: function
``args``/``response`` payloads and JSON schemas keep their keys exactly as given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import pydantic
from typing_extensions import Required

from ..._exceptions import InvalidRequestError
from ..._models import model_data, plain_data
from ...transport._options import RequestOptionsParams
from .._media import gemini_contents

__all__ = [
    "BatchEmbedContentsParams", "CountTokensParams", "EmbedContentParams", "GenerateContentParams",
    "ListModelsParams", "build_request", "camel_keys", "model_path",
]


class GenerateContentParams(RequestOptionsParams, total=False):
    """The keywords of ``generate_content`` and ``stream_generate_content`` (after ``model``)."""

    contents: Required[Any]
    system_instruction: Any
    generation_config: Mapping[str, Any] | Any
    tools: Sequence[Any] | None
    tool_config: Mapping[str, Any] | None
    safety_settings: Sequence[Any] | None
    cached_content: str | None


class CountTokensParams(RequestOptionsParams, total=False):
    """The keywords of ``count_tokens`` (after ``model``)."""

    contents: Required[Any]


class EmbedContentParams(RequestOptionsParams, total=False):
    """The keywords of ``embed_content`` (after ``model``)."""

    content: Required[Any]
    task_type: str | None
    title: str | None
    output_dimensionality: int | None


class BatchEmbedContentsParams(RequestOptionsParams, total=False):
    """The keywords of ``batch_embed_contents`` (after ``model``)."""

    contents: Required[Sequence[Any]]
    task_type: str | None
    output_dimensionality: int | None


class ListModelsParams(RequestOptionsParams, total=False):
    """The keywords of ``list_models``."""

    page_size: int | None
    page_token: str | None

#: values whose keys are the caller's own data (wire names on the left, either casing)
_OPAQUE = frozenset({
    "args", "response", "parameters", "parametersJsonSchema", "responseSchema",
    "responseJsonSchema", "labels", "partialArgs",
})
_ROLES = (None, "user", "model", "function")


def _camel(key: str) -> str:
    if "_" not in key or key.startswith("_"):
        return key
    head, *rest = key.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def camel_keys(value: Any) -> Any:
    """``value`` with camelCase keys (models dumped first); opaque payloads left untouched."""
    value = model_data(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = _camel(key) if isinstance(key, str) else key
            out[name] = plain_data(item) if name in _OPAQUE else camel_keys(item)
        return out
    if isinstance(value, (list, tuple)):
        return [camel_keys(v) for v in value]
    return value


def model_path(model: str, action: str) -> str:
    """``/v1beta/models/{model}:{action}`` — the colon stays literal, the model is escaped."""
    if not isinstance(model, str):
        raise InvalidRequestError("model must be a string such as 'gemini-2.5-flash'")
    name = model.strip().removeprefix("models/")
    if not name or any(c in name for c in "/:?# "):
        raise InvalidRequestError(f"invalid Gemini model name: {model!r}")
    return f"/v1beta/models/{quote(name, safe='.-_~@')}:{action}"


def _contents(contents: Any) -> list[dict[str, Any]]:
    if isinstance(contents, str):
        return [{"role": "user", "parts": [{"text": contents}]}]
    if isinstance(contents, (Mapping, pydantic.BaseModel)):
        contents = [contents]
    if not isinstance(contents, Sequence) or not contents:
        raise InvalidRequestError("contents must be a string or a non-empty list of {role, parts}")
    out: list[dict[str, Any]] = []
    for i, item in enumerate(contents):
        if isinstance(item, str):
            item = {"role": "user", "parts": [{"text": item}]}
        content = camel_keys(item)
        if not isinstance(content, dict):
            raise InvalidRequestError(f"contents[{i}] must be an object with parts")
        role = content.get("role")
        if role not in _ROLES:
            raise InvalidRequestError(
                f"contents[{i}].role must be 'user' or 'model', got {role!r}"
                + (" (Gemini calls the assistant 'model')" if role == "assistant" else "")
                + (" (use system_instruction)" if role == "system" else "")
            )
        parts = content.get("parts")
        if isinstance(parts, str):
            content["parts"] = parts = [{"text": parts}]
        if not isinstance(parts, list) or not parts:
            raise InvalidRequestError(f"contents[{i}].parts must be a non-empty list")
        for j, part in enumerate(parts):
            if not isinstance(part, dict) or not part:
                raise InvalidRequestError(f"contents[{i}].parts[{j}] must be a non-empty object")
        out.append(content)
    return out


def _system(system: Any) -> Any:
    if system is None:
        return None
    if isinstance(system, str):
        return {"parts": [{"text": system}]}
    value = camel_keys(system)
    if not isinstance(value, dict) or not isinstance(value.get("parts"), list):
        raise InvalidRequestError("system_instruction must be a string or {parts: [{text}]}")
    return value


_RANGES: dict[str, tuple[float, float | None, bool]] = {
    # name: (low, high, integer)
    "temperature": (0.0, 2.0, False),
    "topP": (0.0, 1.0, False),
    "topK": (1, None, True),
    "maxOutputTokens": (1, None, True),
    "candidateCount": (1, None, True),
}


def _generation_config(config: Any) -> dict[str, Any] | None:
    if config is None:
        return None
    value = camel_keys(config)
    if not isinstance(value, dict):
        raise InvalidRequestError("generation_config must be an object")
    for name, (low, high, integer) in _RANGES.items():
        item = value.get(name)
        if item is None:
            continue
        kinds = (int,) if integer else (int, float)
        if isinstance(item, bool) or not isinstance(item, kinds) or item < low or (
            high is not None and item > high
        ):
            bound = f"between {low} and {high}" if high is not None else f">= {low}"
            kind = "an integer" if integer else "a number"
            raise InvalidRequestError(f"generation_config.{name} must be {kind} {bound}, got {item!r}")
    stops = value.get("stopSequences")
    if stops is not None and (isinstance(stops, str) or not isinstance(stops, list)):
        raise InvalidRequestError("generation_config.stop_sequences must be a list of strings")
    return value


def _list_of_objects(name: str, value: Any) -> list[Any] | None:
    if value is None:
        return None
    items = camel_keys(value if isinstance(value, (list, tuple)) else [value])
    if not all(isinstance(item, dict) for item in items):
        raise InvalidRequestError(f"{name} must be a list of objects")
    return list(items)


def build_request(
    *,
    contents: Any,
    system_instruction: Any = None,
    generation_config: Any = None,
    tools: Any = None,
    tool_config: Any = None,
    safety_settings: Any = None,
    cached_content: str | None = None,
) -> dict[str, Any]:
    """The JSON body of ``generateContent`` / ``streamGenerateContent``; None fields left out.

    A pydantic class as ``generation_config["response_schema"]`` (or ``response_json_schema``)
    turns on JSON mode with its strict schema.
    """
    from ._parse import with_schema_class
    config = tool_config if tool_config is None else camel_keys(tool_config)
    if config is not None and not isinstance(config, dict):
        raise InvalidRequestError("tool_config must be an object")
    body: dict[str, Any] = {
        "contents": gemini_contents(_contents(contents)),
        "systemInstruction": _system(system_instruction),
        "generationConfig": _generation_config(with_schema_class(generation_config)),
        "tools": _list_of_objects("tools", tools),
        "toolConfig": config,
        "safetySettings": _list_of_objects("safety_settings", safety_settings),
        "cachedContent": cached_content,
    }
    return {k: v for k, v in body.items() if v is not None}
