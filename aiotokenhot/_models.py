"""The base of every pydantic type: unknown fields are kept, never rejected."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import pydantic

__all__ = ["APIModel", "attach_request_id", "model_data", "plain_data", "type_tag"]


class APIModel(pydantic.BaseModel):
    """Gateways add fields freely (``reasoning_content``, ``success``, cache counters...).

    ``extra="allow"`` keeps them reachable as attributes and in ``model_dump()``.
    """

    model_config = pydantic.ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON-ready data, unset optional fields left out."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)

    @property
    def request_id(self) -> str | None:
        """The gateway's id of the HTTP request that returned this object, for support requests.

        Read from the answer's ``x-request-id``-style header. ``None`` for objects no call
        returned (nested parts, stream chunks, objects you built) or when the gateway sent none.
        Kept in pydantic's private slot: not a field, never in ``model_dump()``.
        """
        private = self.__pydantic_private__
        return private.get("_request_id") if private else None


def attach_request_id(value: object, request_id: str | None) -> None:
    """Give a call's result (a model, a list of models, or an object with a ``request_id``
    attribute) the request id of the answer it came from. Streams read theirs from their own
    response and are left alone."""
    if request_id is None:
        return
    if isinstance(value, APIModel):
        # a private slot, so no per-instance cost for the many models that never carry an id
        private = {**(value.__pydantic_private__ or {}), "_request_id": request_id}
        object.__setattr__(value, "__pydantic_private__", private)
    elif isinstance(value, list):
        for item in value:
            attach_request_id(item, request_id)
    elif hasattr(value, "request_id") and not isinstance(getattr(type(value), "request_id", None), property):
        setattr(value, "request_id", request_id)  # noqa: B010 (a plain attribute, e.g. SpeechResult's)



def model_data(value: Any) -> Any:
    """A pydantic model as plain JSON-ready data (by alias, ``None`` fields left out); any other
    value as it is."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", exclude_none=True, by_alias=True)
    return value


def plain_data(value: Any) -> Any:
    """``value`` with every pydantic model in it, at any depth of mappings, lists and tuples,
    as :func:`model_data`; mappings become dicts and tuples lists (e.g. an earlier reply's
    blocks passed back in a request)."""
    value = model_data(value)
    if isinstance(value, Mapping):
        return {k: plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
    return value


def type_tag(known: Collection[str], fallback: str) -> Callable[[Any], str]:
    """A pydantic ``Discriminator`` function for a union tagged by ``type``: the ``type`` of a
    dict or model when ``known`` holds it, else ``fallback`` (the union's catch-all member, so
    that a type this SDK does not know is kept rather than rejected)."""

    def tag(value: Any) -> str:
        kind: Any = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
        return kind if kind in known else fallback

    return tag
