"""``th.responses``: POST /v1/responses, whole or streamed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pydantic

from ..._config import TimeoutTypes
from ..._exceptions import InvalidRequestError
from ..._media import defer_media, resolve_media
from ...transport import RequestOptions
from .._media import responses_input
from .._resource import Resource
from .._structured import ModelT, parse_final
from ..chat._validate import check_body, request_body
from ._parse import ParsedResponse, parse_response, text_config
from ._stream import ResponseStream
from ._types import Response

__all__ = ["Responses"]

PATH = "/v1/responses"
_INPUT_ROLES = ("user", "assistant", "system", "developer")


def _normalize_input(value: Any) -> Any:
    """A string, or a list of items (dicts or pydantic models, e.g. earlier output items)."""
    if isinstance(value, str):
        if not value:
            raise InvalidRequestError("input must not be empty")
        return value
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Sequence):
        raise InvalidRequestError("input must be a string or a list of input items")
    if not value:
        raise InvalidRequestError("input must not be empty")
    items: list[Any] = []
    for i, item in enumerate(value):
        if isinstance(item, pydantic.BaseModel):
            item = item.model_dump(mode="json", exclude_none=True, by_alias=True)
        elif not isinstance(item, Mapping):
            raise InvalidRequestError(f"input[{i}] must be a dict or a model, not {type(item).__name__}")
        role = item.get("role")
        if role is None and not isinstance(item.get("type"), str):
            raise InvalidRequestError(f"input[{i}] needs a 'role' (message) or a 'type' (item)")
        if role is not None and role not in _INPUT_ROLES:
            raise InvalidRequestError(
                f"input[{i}] has an unknown role {role!r}; expected one of {', '.join(_INPUT_ROLES)}"
            )
        items.append(item if isinstance(item, dict) else dict(item))
    return items


def responses_body(args: Mapping[str, Any]) -> dict[str, Any]:
    body = request_body(args)
    if "input" in body:
        body["input"] = responses_input(_normalize_input(body["input"]))
    elif "previous_response_id" not in body:
        raise InvalidRequestError("input is required (or previous_response_id)")
    if "text" in body:
        body["text"] = text_config(body["text"])  # a pydantic class as format → strict schema
    check_body(body)
    return body


class Responses(Resource):
    """Create Responses API results. Every documented field is a keyword; ``extra_body`` adds more."""

    async def create(
        self,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any] | pydantic.BaseModel] | None = None,
        instructions: str | None = None,
        tools: Iterable[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        previous_response_id: str | None = None,
        reasoning: Mapping[str, Any] | None = None,
        text: Mapping[str, Any] | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        store: bool | None = None,
        metadata: Mapping[str, str] | None = None,
        truncation: str | None = None,
        include: Sequence[str] | None = None,
        user: str | None = None,
        service_tier: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Response:
        """One whole Response; ``response.output_text`` joins its text."""
        body = responses_body(locals())
        options = RequestOptions.of(locals())
        await resolve_media(body)  # local files, read off the loop
        result = await self._transport.request("POST", PATH, json=body, options=options)
        return result.parse(Response)

    def stream(
        self,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any] | pydantic.BaseModel] | None = None,
        instructions: str | None = None,
        tools: Iterable[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        previous_response_id: str | None = None,
        reasoning: Mapping[str, Any] | None = None,
        text: Mapping[str, Any] | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        store: bool | None = None,
        metadata: Mapping[str, str] | None = None,
        truncation: str | None = None,
        include: Sequence[str] | None = None,
        user: str | None = None,
        service_tier: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ResponseStream:
        """A stream of typed Responses events; the request is sent on ``async with``."""
        body = responses_body(locals())
        body["stream"] = True
        options = RequestOptions.of(locals())
        stream = defer_media(
            self._transport.stream(ResponseStream, "POST", PATH, json=body, options=options), body)
        output_type = text.get("format") if isinstance(text, Mapping) else None
        if isinstance(output_type, type) and issubclass(output_type, pydantic.BaseModel):
            chosen = output_type  # final() gives ParsedResponse
            return parse_final(stream, lambda done: parse_response(done, chosen))
        return stream

    async def parse(
        self,
        *,
        text_format: type[ModelT],
        text: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> ParsedResponse[ModelT]:
        """:meth:`create` with ``text.format`` a strict JSON schema made from ``text_format``
        (a pydantic class), and the output text validated back into it as ``output_parsed``.

        Takes every argument of :meth:`create`. A refusal is not an error: ``output_parsed``
        stays None and ``refusal`` says why.

        Raises:
            ResponseValidationError: the output is not JSON of ``text_format`` (``body`` holds
                the raw text).
        """
        if not (isinstance(text_format, type) and issubclass(text_format, pydantic.BaseModel)):
            raise InvalidRequestError("text_format must be a pydantic model class")
        response = await self.create(text={**(text or {}), "format": text_format}, **kwargs)
        return parse_response(response, text_format)
