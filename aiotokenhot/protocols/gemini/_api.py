"""``th.gemini``: native Gemini ``generateContent``, its SSE stream, ``countTokens`` and models."""

from __future__ import annotations

from typing import Any, Literal, overload

from typing_extensions import Unpack

from ..._media import defer_media, resolve_media
from ...transport import RequestOptions
from .._raw import RawMethod, RawStreamMethod, RawView, raw_view
from .._resource import Resource, accepts
from .._structured import ModelT, check_model_class, parse_final
from ..embeddings._gemini import batch_embed_body, embed_body
from ..embeddings._types import BatchEmbedContentsResponse, EmbedContentResponse
from ._params import (
    BatchEmbedContentsParams,
    CountTokensParams,
    EmbedContentParams,
    GenerateContentParams,
    ListModelsParams,
    build_request,
    camel_keys,
    model_path,
)
from ._parse import ParsedGenerateContentResponse, json_config, parse_generated, schema_class
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
        body = build_request(**fields)
        await resolve_media(body)  # local files, read off the loop
        return await self._post(path, body, options, GenerateContentResponse)

    @accepts(GenerateContentParams)
    async def parse(
        self, model: str, *, response_schema: type[ModelT], **params: Unpack[GenerateContentParams]
    ) -> ParsedGenerateContentResponse[ModelT]:
        """:meth:`generate_content` in JSON mode (``responseMimeType: application/json`` and
        ``responseJsonSchema`` from ``response_schema``, a pydantic class), the answer
        validated back into it as ``parsed``.

        Takes the same keywords as :meth:`generate_content` (``model``, ``contents``...). A
        blocked answer is not an error: ``parsed`` stays None and ``refusal`` gives the reason.
        Returns a :class:`ParsedGenerateContentResponse` (with ``request_id``).

        Raises:
            InvalidRequestError: ``response_schema`` is not a pydantic model class, or another
                argument is bad (before anything is sent).
            ResponseValidationError: the answer is not JSON of ``response_schema`` (``body``
                holds the raw text).
        """
        check_model_class(response_schema, "response_schema")
        params["generation_config"] = json_config(params.get("generation_config"), response_schema)
        response = await self.generate_content(model, **params)
        return parse_generated(response, response_schema)

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
        output_type = schema_class(fields.get("generation_config"))
        body = build_request(**fields)
        stream = defer_media(self._transport.stream(
            GenerateContentStream, "POST", path, json=body, params={"alt": "sse"}, options=options
        ), body)
        if output_type is not None:  # final() gives ParsedGenerateContentResponse
            return parse_final(stream, lambda done: parse_generated(done, output_type))
        return stream

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
        await resolve_media(body)
        return await self._post(path, body, options, CountTokensResponse)

    @accepts(EmbedContentParams)
    async def embed_content(
        self, model: str, **params: Unpack[EmbedContentParams]
    ) -> EmbedContentResponse:
        """``POST /v1beta/models/{model}:embedContent``: one vector for ``content``.

        ``model``: an embedding model (``"gemini-embedding-001"``; a ``models/`` prefix is
        accepted). ``content`` is a string or ``{"parts": [...]}``; ``task_type`` is e.g.
        ``RETRIEVAL_DOCUMENT`` (then ``title`` may be given); ``output_dimensionality``
        shortens the vector. Returns an :class:`EmbedContentResponse` (``.values``, floats).

        Raises :class:`~aiotokenhot.InvalidRequestError` for an empty content or a bad model
        name before anything is sent, and the usual status and connection errors.
        """
        path = model_path(model, "embedContent")
        fields, options = RequestOptions.split(params)
        body = embed_body(path.rsplit("/", 1)[-1].split(":", 1)[0], fields.pop("content", None),
                          **fields)
        return await self._post(path, body, options, EmbedContentResponse)

    @accepts(BatchEmbedContentsParams)
    async def batch_embed_contents(
        self, model: str, **params: Unpack[BatchEmbedContentsParams]
    ) -> BatchEmbedContentsResponse:
        """``POST /v1beta/models/{model}:batchEmbedContents``: one vector per item of
        ``contents``, in order.

        ``model``, ``task_type`` and ``output_dimensionality`` as for :meth:`embed_content`.
        Returns a
        :class:`BatchEmbedContentsResponse` (``.vectors``: one list of floats per content).

        Raises :class:`~aiotokenhot.InvalidRequestError` for empty ``contents`` or a bad model
        name before anything is sent, and the usual status and connection errors.
        """
        path = model_path(model, "batchEmbedContents")
        fields, options = RequestOptions.split(params)
        body = batch_embed_body(path.rsplit("/", 1)[-1].split(":", 1)[0],
                                fields.pop("contents", None), **fields)
        return await self._post(path, body, options, BatchEmbedContentsResponse)

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

    async def _post(self, path: str, body: dict[str, Any], options: RequestOptions,
                    result_type: type[ModelT]) -> ModelT:
        """POST ``body`` to a model's action ``path``; the answer validated as ``result_type``."""
        result = await self._transport.request("POST", path, json=body, options=options)
        return result.parse(result_type)

    with_raw_response = raw_view(lambda: GeminiWithRawResponse)


class GeminiWithRawResponse(RawView[Gemini]):
    generate_content = RawMethod(Gemini.generate_content)
    stream_generate_content = RawStreamMethod(Gemini.stream_generate_content)
    parse = RawMethod(Gemini.parse)
    count_tokens = RawMethod(Gemini.count_tokens)
    embed_content = RawMethod(Gemini.embed_content)
    batch_embed_contents = RawMethod(Gemini.batch_embed_contents)
    list_models = RawMethod(Gemini.list_models)
