"""Structured outputs: a pydantic class → a strict JSON schema out, the reply → that class back.

The schema comes from pydantic (``model_json_schema``) and is then made strict-compatible:
every object closed (``additionalProperties: false``) with all its properties required,
``default`` values dropped (a required field has none), and ``$ref`` siblings folded in.
Protocols that cannot follow ``$ref`` get the definitions inlined. A reply that does not
validate raises :class:`ResponseValidationError` whose ``body`` is the raw text; a refusal is
not parsed and not an error: it is reported where each protocol reports refusals.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeGuard, TypeVar

import pydantic

from .._exceptions import InvalidRequestError, ResponseValidationError

__all__ = [
    "ModelT",
    "check_model_class",
    "is_model_class",
    "parse_final",
    "parse_json_text",
    "parse_object",
    "schema_name",
    "strict_json_schema",
]

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


def is_model_class(value: Any) -> TypeGuard[type[pydantic.BaseModel]]:
    """True for a pydantic model class (not an instance)."""
    return isinstance(value, type) and issubclass(value, pydantic.BaseModel)


def check_model_class(value: Any, name: str) -> None:
    """Raises :class:`InvalidRequestError` (before anything is sent) unless ``value``, the
    argument called ``name``, is a pydantic model class."""
    if not is_model_class(value):
        raise InvalidRequestError(f"{name} must be a pydantic model class")


def schema_name(model: type[pydantic.BaseModel]) -> str:
    """The class name, cut to the characters and length schema names allow (``[A-Za-z0-9_-]{1,64}``)."""
    name = "".join(c if c.isalnum() or c in "_-" else "_" for c in model.__name__)
    return name[:64] or "output"


def strict_json_schema(model: type[pydantic.BaseModel], *, inline_refs: bool = False) -> dict[str, Any]:
    """A strict-compatible JSON schema for ``model`` (definitions inlined if asked)."""
    if not is_model_class(model):
        raise InvalidRequestError(f"expected a pydantic model class, not {model!r}")
    schema = model.model_json_schema()
    defs: dict[str, Any] = schema.get("$defs", {})
    strict: dict[str, Any] = _strict(schema, defs, inline_refs, ())
    if inline_refs:
        strict.pop("$defs", None)
    return strict


def _resolve(ref: str, defs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    prefix = "#/$defs/"
    if not ref.startswith(prefix) or ref[len(prefix):] not in defs:
        raise InvalidRequestError(f"cannot resolve the schema reference {ref!r}")
    name = ref[len(prefix):]
    return name, defs[name]


def _strict(node: Any, defs: dict[str, Any], inline: bool, seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_strict(item, defs, inline, seen) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: v for k, v in node.items() if k not in ("default",)}
    ref = out.get("$ref")
    if isinstance(ref, str) and (inline or len(out) > 1):
        name, target = _resolve(ref, defs)
        if name in seen:
            raise InvalidRequestError(
                f"{name} refers to itself; this protocol needs the schema without references"
            )
        merged = {**copy.deepcopy(target), **{k: v for k, v in out.items() if k != "$ref"}}
        return _strict(merged, defs, inline, (*seen, name))
    all_of = out.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
        rest = {k: v for k, v in out.items() if k != "allOf"}
        return _strict({**all_of[0], **rest}, defs, inline, seen)
    for key, value in list(out.items()):
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _strict(sub, defs, inline, seen) for name, sub in value.items()}
        elif key == "$defs" and isinstance(value, dict):
            out[key] = {name: _strict(sub, defs, inline, (*seen, name)) if not inline else sub
                        for name, sub in value.items()}
        elif isinstance(value, (dict, list)):
            out[key] = _strict(value, defs, inline, seen)
    if out.get("type") == "object" or "properties" in out:
        props = out.get("properties")
        if isinstance(props, dict):
            out["required"] = list(props)
        if not isinstance(out.get("additionalProperties"), dict):
            out["additionalProperties"] = False
    return out


StreamT = TypeVar("StreamT")


def parse_final(stream: StreamT, parse: Callable[[Any], Any]) -> StreamT:
    """Make ``stream.final()`` return ``parse(<the stream's own final()>)`` (computed once).

    Used by the stream forms of structured outputs: whatever class the stream is, its
    accumulated result comes back with ``parsed`` filled in.
    """
    own_final = stream.final  # type: ignore[attr-defined]
    done: list[Any] = []

    def final() -> Any:
        if not done:
            done.append(parse(own_final()))
        return done[0]

    stream.final = final  # type: ignore[attr-defined]
    return stream


def parse_json_text(model: type[ModelT], text: str | None) -> ModelT:
    """Validate the reply text as JSON of ``model``.

    Raises:
        ResponseValidationError: the text is empty, not JSON, or not ``model``'s shape;
            ``body`` holds the raw text.
    """
    if not text:
        raise ResponseValidationError(f"the reply has no text to parse as {model.__name__}",
                                      body=text)
    try:
        return model.model_validate_json(text)
    except pydantic.ValidationError as exc:
        raise ResponseValidationError(
            f"the reply does not match {model.__name__}: {_first_error(exc)}", body=text
        ) from None


def parse_object(model: type[ModelT], data: Any, raw: str | None = None) -> ModelT:
    """Validate already-decoded JSON (a tool call's input) as ``model``."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        text = raw if raw is not None else repr(data)
        raise ResponseValidationError(
            f"the reply does not match {model.__name__}: {_first_error(exc)}", body=text
        ) from None


def _first_error(exc: pydantic.ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return str(exc)
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "(root)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid')}{more}"
