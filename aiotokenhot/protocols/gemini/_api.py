"""``th.gemini``: native Gemini ``generateContent``, its SSE stream, ``countTokens`` and models."""

from __future__ import annotations

from functools import cached_property
from typing import Literal, overload

from typing_extensions import Unpack

from ...transport import RequestOptions
from .._raw import RawMethod, RawStreamMethod, RawView
from .._resource import Resource, accepts
from ._params import (
    CountTokensParams,
    GenerateContentParams,
    ListModelsParams,
    build_request,
    camel_keys,
    model_path,
)
from ._stream import GenerateContentStream
from ._types import CountTokensResponse, GeminiModelList, GenerateContentResponse

__all__ = ["Gemini", "GeminiWithRawResponse"]


class Gemini(Resource):
    """Gemini over ``/v1beta``; the transport adds ``x-goog-api-key`` beside the Bearer key.

    Request fields may be written in snake_case or camelCase (``max_output_tokens`` or
    ``maxOutputTokens``); they are sent in camelCase. ``contents`` may be a plain string, and
    ``system_instruction`` too.
    """

    @overload
    async def generate_content(
        self, model: str, *, stream: Literal[False] = False, **params: Unpack[GenerateContentParams]
    ) -> GenerateContentResponse: ...

    @overload
    async def generate_content(
        self, model: str, *, stream: Literal[True], **params: Unpack[GenerateContentParams]
    ) -> GenerateContentStream: ...

    @overload
    async def generate_content(
        self, model: str, *, stream: bool, **params: Unpack[GenerateContentParams]
    ) -> GenerateContentResponse | GenerateContentStream: ...

    @accepts(GenerateContentParams)
    async def generate_content(
        self, model: str, *, stream: bool = False, **params: Unpack[GenerateContentParams]
    ) -> GenerateContentResponse | GenerateContentStream:
        """``POST /v1beta/models/{model}:generateContent``: one whole answer (or, with
        ``stream=True``, the open stream of :meth:`stream_generate_content`).

        Parameters that matter:

        - ``model``: ``"gemini-2.5-flash"`` (a ``models/`` prefix is accepted).
        - ``contents``: a string, or a list of ``{"role": "user" | "model", "parts": [...]}``
          (parts: ``{"text"}``, ``{"inline_data": {"mime_type", "data": <base64>}}``,
          ``{"function_call"}``, ``{"function_response"}``); a plain string is one user turn.
        - ``system_instruction``: a string or ``{"parts": [{"text"}]}``.
        - ``generation_config``: ``temperature`` 0–2, ``top_p`` 0–1, ``top_k`` >= 1,
          ``max_output_tokens`` >= 1, ``candidate_count`` >= 1, ``stop_sequences``,
          ``response_mime_type`` / ``response_schema``, ``thinking_config``.
        - ``tools`` (``[{"function_declarations": [...]}]``, ``{"google_search": {}}``),
          ``tool_config``, ``safety_settings``, ``cached_content`` (a cache name).
        - Per call: ``timeout`` (seconds or :class:`~aiotokenhot.Timeout`), ``max_retries``,
          ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns a :class:`GenerateContentResponse` (``.candidates``, ``.text``,
        ``.usage_metadata`` in tokens, ``.request_id``), or the open stream.

        Raises :class:`~aiotokenhot.InvalidRequestError` for bad arguments (an ``assistant``
        role, an empty part, out-of-range config) before anything is sent, ``TypeError`` for an
        unknown keyword, :class:`~aiotokenhot.APIStatusError` subclasses for error answers,
        :class:`~aiotokenhot.APITimeoutError` / :class:`~aiotokenhot.APIConnectionError` once
        retries are spent.
        """
        if stream:
            return await self.stream_generate_content(model, **params).__aenter__()
        path = model_path(model, "generateContent")
        fields, options = RequestOptions.split(params)
        result = await self._transport.request("POST", path, json=build_request(**fields),
                                               options=options)
        return result.parse(GenerateContentResponse)

    @accepts(GenerateContentParams)
    def stream_generate_content(
        self, model: str, **params: Unpack[GenerateContentParams]
    ) -> GenerateContentStream:
        """``POST /v1beta/models/{model}:streamGenerateContent?alt=sse`` as typed chunks.

        Takes the same keywords as :meth:`generate_content`. Returns the stream unopened: the
        request is sent on ``async with`` or the first iteration, where status errors are
        raised. Each chunk is a :class:`GenerateContentResponse`; ``.text()`` yields the text
        pieces and ``final()`` the merged answer once read to the end.

        Raises the argument errors of :meth:`generate_content` now, before anything is sent; a
        cut stream raises :class:`~aiotokenhot.IncompleteStreamError` with what arrived in
        ``.partial``.
        """
        path = model_path(model, "streamGenerateContent")
        fields, options = RequestOptions.split(params)
        return self._transport.stream(
            GenerateContentStream, "POST", path, json=build_request(**fields), params={"alt": "sse"},
            options=options,
        )

    @accepts(CountTokensParams)
    async def count_tokens(self, model: str, **params: Unpack[CountTokensParams]) -> CountTokensResponse:
        """``POST /v1beta/models/{model}:countTokens``: how many tokens ``contents`` is.

        ``model`` and ``contents`` take the shapes of :meth:`generate_content`. Returns a
        :class:`CountTokensResponse` (``.total_tokens``). Raises
        :class:`~aiotokenhot.InvalidRequestError` for bad contents or model name and the usual
        status and connection errors.
        """
        path = model_path(model, "countTokens")
        fields, options = RequestOptions.split(params)
        body = {"contents": build_request(contents=fields.get("contents"))["contents"]}
        result = await self._transport.request("POST", path, json=body, options=options)
        return result.parse(CountTokensResponse)

    @accepts(ListModelsParams)
    async def list_models(self, **params: Unpack[ListModelsParams]) -> GeminiModelList:
        """``GET /v1beta/models``: one page of models (``page_size``, ``page_token`` from the
        previous page's ``next_page_token``).

        Returns a :class:`GeminiModelList`; use each entry's ``.id`` (``name`` may lack
        ``models/``). Raises the usual status and connection errors.
        """
        fields, options = RequestOptions.split(params)
        result = await self._transport.request("GET", "/v1beta/models", params=camel_keys(fields),
                                               options=options)
        return result.parse(GeminiModelList)

    @cached_property
    def with_raw_response(self) -> GeminiWithRawResponse:
        """The same methods, returning a :class:`~aiotokenhot.RawResponse` (status, headers,
        body; ``.parse()`` gives the ordinary result)."""
        return GeminiWithRawResponse(self)


class GeminiWithRawResponse(RawView[Gemini]):
    generate_content = RawMethod(Gemini.generate_content)
    stream_generate_content = RawStreamMethod(Gemini.stream_generate_content)
    count_tokens = RawMethod(Gemini.count_tokens)
    list_models = RawMethod(Gemini.list_models)
