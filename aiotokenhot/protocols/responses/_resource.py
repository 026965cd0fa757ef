"""``th.responses``: POST /v1/responses, whole or streamed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, overload

import pydantic
from typing_extensions import Unpack

from ..._exceptions import InvalidRequestError
from ..._media import defer_media, resolve_media
from ...transport import RequestOptions
from .._media import responses_input
from .._raw import RawMethod, RawStreamMethod, RawView, raw_view
from .._resource import Resource, accepts
from .._structured import ModelT, parse_final
from ..chat._validate import check_body, mapping_items
from ._params import ResponseCreateParams
from ._parse import ParsedResponse, parse_response, text_config
from ._stream import ResponseStream
from ._types import Response

__all__ = ["Responses", "ResponsesWithRawResponse"]

PATH = "/v1/responses"
_INPUT_ROLES = ("user", "assistant", "system", "developer")


def _normalize_input(value: Any) -> Any:
    """A string, or a list of items (dicts or pydantic models, e.g. earlier output items)."""
    if isinstance(value, str):
        if not value:
            raise InvalidRequestError("input must not be empty")
        return value
    items: list[Any] = []
    checked = mapping_items(value, "input", expected="a string or a list of input items",
                            model="a model")
    for i, item in enumerate(checked):
        role = item.get("role")
        if role is None and not isinstance(item.get("type"), str):
            raise InvalidRequestError(f"input[{i}] needs a 'role' (message) or a 'type' (item)")
        if role is not None and role not in _INPUT_ROLES:
            raise InvalidRequestError(
                f"input[{i}] has an unknown role {role!r}; expected one of {', '.join(_INPUT_ROLES)}"
            )
        items.append(item if isinstance(item, dict) else dict(item))
    return items


def responses_body(fields: dict[str, Any], *, stream: bool) -> dict[str, Any]:
    """The checked JSON body from a method's body fields (``None`` values already dropped)."""
    if "input" in fields:
        fields["input"] = responses_input(_normalize_input(fields["input"]))
    elif "previous_response_id" not in fields:
        raise InvalidRequestError("input is required (or previous_response_id)")
    if "text" in fields:
        fields["text"] = text_config(fields["text"])  # a pydantic class as format → strict schema
    check_body(fields)
    if stream:
        fields["stream"] = True
    return fields


class Responses(Resource):
    """Create Responses API results. Every documented field is a keyword; ``extra_body`` adds more."""

    @overload
    async def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ResponseCreateParams]
    ) -> Response: ...

    @overload
    async def create(
        self, *, stream: Literal[True], **params: Unpack[ResponseCreateParams]
    ) -> ResponseStream: ...

    @overload
    async def create(
        self, *, stream: bool, **params: Unpack[ResponseCreateParams]
    ) -> Response | ResponseStream: ...

    @accepts(ResponseCreateParams)
    async def create(
        self, *, stream: bool = False, **params: Unpack[ResponseCreateParams]
    ) -> Response | ResponseStream:
        """One whole :class:`Response`, or with ``stream=True`` the open event stream.

        Parameters that matter:

        - ``model`` (str); ``input``: a string, or a list of input items (``{"role", "content"}``
          messages, ``function_call_output`` items, or output items of an earlier response);
          ``previous_response_id`` continues a stored response instead (then ``input`` may be
          omitted).
        - ``instructions``: the system text; ``max_output_tokens``: upper bound on generated
          tokens, reasoning included (>= 1); ``temperature`` 0–2; ``top_p`` 0–1.
        - ``tools``: ``[{"type": "function", "name", "parameters": <JSON schema>}]`` or built-in
          tools (``{"type": "web_search"}``); ``tool_choice``; ``reasoning``:
          ``{"effort": "low" | "medium" | "high", "summary": "auto"}``; ``text``:
          ``{"format": {...}}`` for structured output.
        - Per call: ``timeout`` (seconds or :class:`~aiotokenhot.Timeout`), ``max_retries``,
          ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns a :class:`Response` (``.output`` items, ``.output_text`` joining their text,
        ``.usage`` in tokens, ``.request_id``), or with ``stream=True`` the open
        :class:`ResponseStream` (the request already sent).

        Raises :class:`~aiotokenhot.InvalidRequestError` for bad arguments (an empty ``input``,
        an unknown role, a temperature of 3) before anything is sent, ``TypeError`` for an
        unknown keyword, :class:`~aiotokenhot.APIStatusError` subclasses for error answers,
        :class:`~aiotokenhot.APITimeoutError` / :class:`~aiotokenhot.APIConnectionError` once
        retries are spent, :class:`~aiotokenhot.ResponseValidationError` for an answer that is
        not a Response.
        """
        fields, options = RequestOptions.split(params)
        if stream:
            return await self._open(fields, options).__aenter__()
        body = responses_body(fields, stream=False)
        await resolve_media(body)  # local files, read off the loop
        result = await self._transport.request("POST", PATH, json=body, options=options)
        return result.parse(Response)

    @accepts(ResponseCreateParams)
    def stream(self, **params: Unpack[ResponseCreateParams]) -> ResponseStream:
        """A :class:`ResponseStream` of typed Responses events (``response.created``,
        ``response.output_text.delta``... ``response.completed``).

        Takes the same keywords as :meth:`create`. Returns the stream unopened: the request is
        sent on ``async with`` or the first iteration, where status errors are raised.
        ``.text()`` yields the text deltas; ``final()`` the completed :class:`Response` once
        read to the end.

        Raises the argument errors of :meth:`create` now, before anything is sent; a broken
        stream raises
        :class:`~aiotokenhot.IncompleteStreamError` or :class:`~aiotokenhot.StreamError` (an
        in-stream ``error`` or ``response.failed`` event), with what arrived in ``.partial``.
        """
        fields, options = RequestOptions.split(params)
        return self._open(fields, options)

    def _open(self, fields: dict[str, Any], options: RequestOptions) -> ResponseStream:
        """The unopened stream; local files are read when it opens; a pydantic class as
        ``text.format`` makes its ``final()`` a :class:`ParsedResponse`."""
        text = fields.get("text")
        output_type = text.get("format") if isinstance(text, Mapping) else None
        body = responses_body(fields, stream=True)
        stream = defer_media(
            self._transport.stream(ResponseStream, "POST", PATH, json=body, options=options), body)
        if isinstance(output_type, type) and issubclass(output_type, pydantic.BaseModel):
            chosen = output_type  # final() gives ParsedResponse
            return parse_final(stream, lambda done: parse_response(done, chosen))
        return stream

    @accepts(ResponseCreateParams)
    async def parse(
        self, *, text_format: type[ModelT], **params: Unpack[ResponseCreateParams]
    ) -> ParsedResponse[ModelT]:
        """:meth:`create` with ``text.format`` a strict JSON schema made from ``text_format``
        (a pydantic class), and the output text validated back into it as ``output_parsed``.

        Takes the same keywords as :meth:`create` (``model``, ``input``...). A refusal is not
        an error: ``output_parsed`` stays None and ``refusal`` says why. Returns a
        :class:`ParsedResponse` (with ``request_id``).

        Raises:
            InvalidRequestError: ``text_format`` is not a pydantic model class, or another
                argument is bad (before anything is sent).
            ResponseValidationError: the output is not JSON of ``text_format`` (``body`` holds
                the raw text).
        """
        if not (isinstance(text_format, type) and issubclass(text_format, pydantic.BaseModel)):
            raise InvalidRequestError("text_format must be a pydantic model class")
        params["text"] = {**(params.get("text") or {}), "format": text_format}
        response = await self.create(**params)
        return parse_response(response, text_format)

    with_raw_response = raw_view(lambda: ResponsesWithRawResponse)


class ResponsesWithRawResponse(RawView[Responses]):
    create = RawMethod(Responses.create)
    stream = RawStreamMethod(Responses.stream)
    parse = RawMethod(Responses.parse)
