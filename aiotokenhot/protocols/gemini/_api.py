"""``th.gemini``: native Gemini ``generateContent``, its SSE stream, ``countTokens`` and models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..._config import TimeoutTypes
from ..._exceptions import InvalidRequestError
from ..._media import defer_media, resolve_media
from ...transport import RequestOptions
from .._resource import Resource
from .._structured import ModelT, is_model_class, parse_final
from ..embeddings._gemini import batch_embed_body, embed_body
from ..embeddings._types import BatchEmbedContentsResponse, EmbedContentResponse
from ._params import build_request, camel_keys, model_path
from ._parse import ParsedGenerateContentResponse, json_config, parse_generated, schema_class
from ._stream import GenerateContentStream
from ._types import CountTokensResponse, GeminiModelList, GenerateContentResponse

__all__ = ["Gemini"]


class Gemini(Resource):
    """Gemini over ``/v1beta``; the transport adds ``x-goog-api-key`` beside the Bearer key.

    Request fields may be written in snake_case or camelCase (``max_output_tokens`` or
    ``maxOutputTokens``); they are sent in camelCase. ``contents`` may be a plain string, and
    ``system_instruction`` too.
    """

    async def generate_content(
        self,
        model: str,
        *,
        contents: Any,
        system_instruction: Any = None,
        generation_config: Mapping[str, Any] | Any = None,
        tools: Sequence[Any] | None = None,
        tool_config: Mapping[str, Any] | None = None,
        safety_settings: Sequence[Any] | None = None,
        cached_content: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> GenerateContentResponse:
        """``POST /v1beta/models/{model}:generateContent`` → a typed :class:`GenerateContentResponse`."""
        path = model_path(model, "generateContent")
        body = build_request(
            contents=contents, system_instruction=system_instruction,
            generation_config=generation_config, tools=tools, tool_config=tool_config,
            safety_settings=safety_settings, cached_content=cached_content,
        )
        options = _options(timeout, max_retries, extra_headers, extra_query, extra_body)
        await resolve_media(body)  # local files, read off the loop
        result = await self._transport.request("POST", path, json=body, options=options)
        return result.parse(GenerateContentResponse)

    async def parse(
        self,
        model: str,
        *,
        response_schema: type[ModelT],
        generation_config: Mapping[str, Any] | Any = None,
        **kwargs: Any,
    ) -> ParsedGenerateContentResponse[ModelT]:
        """:meth:`generate_content` in JSON mode (``responseMimeType: application/json`` and
        ``responseJsonSchema`` from ``response_schema``, a pydantic class), the answer
        validated back into it as ``parsed``.

        Takes every argument of :meth:`generate_content`. A blocked answer is not an error:
        ``parsed`` stays None and ``refusal`` gives the reason.

        Raises:
            ResponseValidationError: the answer is not JSON of ``response_schema`` (``body``
                holds the raw text).
        """
        if not is_model_class(response_schema):
            raise InvalidRequestError("response_schema must be a pydantic model class")
        response = await self.generate_content(
            model, generation_config=json_config(generation_config, response_schema), **kwargs)
        return parse_generated(response, response_schema)

    def stream_generate_content(
        self,
        model: str,
        *,
        contents: Any,
        system_instruction: Any = None,
        generation_config: Mapping[str, Any] | Any = None,
        tools: Sequence[Any] | None = None,
        tool_config: Mapping[str, Any] | None = None,
        safety_settings: Sequence[Any] | None = None,
        cached_content: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> GenerateContentStream:
        """``POST /v1beta/models/{model}:streamGenerateContent?alt=sse`` as typed chunks.

        Arguments are checked now; the request is sent on ``async with`` or first iteration.
        """
        path = model_path(model, "streamGenerateContent")
        body = build_request(
            contents=contents, system_instruction=system_instruction,
            generation_config=generation_config, tools=tools, tool_config=tool_config,
            safety_settings=safety_settings, cached_content=cached_content,
        )
        options = _options(timeout, max_retries, extra_headers, extra_query, extra_body)
        stream = defer_media(self._transport.stream(
            GenerateContentStream, "POST", path, json=body, params={"alt": "sse"}, options=options
        ), body)
        output_type = schema_class(generation_config)
        if output_type is not None:  # final() gives ParsedGenerateContentResponse
            return parse_final(stream, lambda done: parse_generated(done, output_type))
        return stream

    async def count_tokens(
        self,
        model: str,
        *,
        contents: Any,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> CountTokensResponse:
        """``POST /v1beta/models/{model}:countTokens`` for ``contents``."""
        path = model_path(model, "countTokens")
        body = {"contents": build_request(contents=contents)["contents"]}
        options = _options(timeout, max_retries, extra_headers, extra_query, extra_body)
        await resolve_media(body)
        result = await self._transport.request("POST", path, json=body, options=options)
        return result.parse(CountTokensResponse)

    async def embed_content(
        self,
        model: str,
        *,
        content: Any,
        task_type: str | None = None,
        title: str | None = None,
        output_dimensionality: int | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> EmbedContentResponse:
        """``POST /v1beta/models/{model}:embedContent``: one vector (``.values``) for ``content``
        (a string or ``{parts: [...]}``). ``task_type`` is e.g. ``RETRIEVAL_DOCUMENT`` (then
        ``title`` may be given); ``output_dimensionality`` shortens the vector."""
        path = model_path(model, "embedContent")
        body = embed_body(path.rsplit("/", 1)[-1].split(":", 1)[0], content, task_type=task_type,
                          title=title, output_dimensionality=output_dimensionality)
        options = _options(timeout, max_retries, extra_headers, extra_query, extra_body)
        result = await self._transport.request("POST", path, json=body, options=options)
        return result.parse(EmbedContentResponse)

    async def batch_embed_contents(
        self,
        model: str,
        *,
        contents: Sequence[Any],
        task_type: str | None = None,
        output_dimensionality: int | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> BatchEmbedContentsResponse:
        """``POST /v1beta/models/{model}:batchEmbedContents``: one vector per content, in order
        (``.vectors``)."""
        path = model_path(model, "batchEmbedContents")
        body = batch_embed_body(path.rsplit("/", 1)[-1].split(":", 1)[0], contents,
                                task_type=task_type, output_dimensionality=output_dimensionality)
        options = _options(timeout, max_retries, extra_headers, extra_query, extra_body)
        result = await self._transport.request("POST", path, json=body, options=options)
        return result.parse(BatchEmbedContentsResponse)

    async def list_models(
        self,
        *,
        page_size: int | None = None,
        page_token: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> GeminiModelList:
        """``GET /v1beta/models``. Use each entry's ``.id``: ``name`` may lack ``models/``."""
        options = _options(timeout, max_retries, extra_headers, extra_query, extra_body)
        params = camel_keys({"page_size": page_size, "page_token": page_token})
        result = await self._transport.request("GET", "/v1beta/models", params=params, options=options)
        return result.parse(GeminiModelList)


def _options(
    timeout: TimeoutTypes | None,
    max_retries: int | None,
    extra_headers: Mapping[str, str] | None,
    extra_query: Mapping[str, Any] | None,
    extra_body: Mapping[str, Any] | None,
) -> RequestOptions:
    return RequestOptions.of(locals())
