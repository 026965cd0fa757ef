"""``th.embeddings``: ``POST /v1/embeddings``, with vectors sent as base64 and decoded to floats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from typing_extensions import Unpack

from ..._exceptions import InvalidRequestError
from ...transport import RequestOptions
from .._raw import RawMethod, RawView, raw_view
from .._resource import Resource, accepts
from ._params import EmbeddingCreateParams
from ._types import CreateEmbeddingResponse

__all__ = ["Embeddings", "EmbeddingsWithRawResponse", "check_embedding_input"]

PATH = "/v1/embeddings"
#: OpenAI's cap on inputs per request
MAX_INPUTS = 2048


def check_embedding_input(value: Any) -> Any:
    """A string, a list of strings, a list of token ids or a list of token-id lists."""
    if isinstance(value, str):
        if not value:
            raise InvalidRequestError("input must not be empty")
        return value
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Sequence) or not value:
        raise InvalidRequestError("input must be a string or a non-empty list of strings or token ids")
    items = list(value)
    if len(items) > MAX_INPUTS:
        raise InvalidRequestError(f"input has {len(items)} items; at most {MAX_INPUTS} per request")
    if all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        return items
    for i, item in enumerate(items):
        if isinstance(item, str):
            if not item:
                raise InvalidRequestError(f"input[{i}] is empty")
        elif isinstance(item, Sequence) and item and all(
                isinstance(t, int) and not isinstance(t, bool) for t in item):
            items[i] = list(item)
        else:
            raise InvalidRequestError(
                f"input[{i}] must be a non-empty string or a list of token ids, got {item!r:.60}")
    return items


class Embeddings(Resource):
    """Embed texts (or token ids) through the gateway's OpenAI-style ``/v1/embeddings``."""

    @accepts(EmbeddingCreateParams)
    async def create(self, **params: Unpack[EmbeddingCreateParams]) -> CreateEmbeddingResponse:
        """Vectors for ``input``: a string, a list of strings, token ids or lists of token ids.

        ``dimensions`` shortens the vectors (models that support it). The vectors travel as
        base64 unless ``encoding_format="float"`` is asked (about a quarter of the bytes of
        JSON numbers); either way ``data[i].embedding`` is a list of floats and ``vectors``
        lists them in input order.

        ``model`` (str) names the embedding model; per call: ``timeout``, ``max_retries``,
        ``extra_headers``, ``extra_query``, ``extra_body``. Returns a
        :class:`CreateEmbeddingResponse` (``.vectors``, ``.usage`` in tokens, ``.request_id``).

        Raises:
            InvalidRequestError: empty or ill-typed input, a non-positive ``dimensions``
                (before anything is sent); also the usual status and connection errors.
        """
        fields, options = RequestOptions.split(params)
        model, input = fields.get("model"), fields.get("input")
        dimensions, encoding_format = fields.get("dimensions"), fields.get("encoding_format")
        user = fields.get("user")
        if not isinstance(model, str) or not model.strip():
            raise InvalidRequestError("model must be a non-empty string")
        if dimensions is not None and (
            isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1
        ):
            raise InvalidRequestError(f"dimensions must be a positive integer, got {dimensions!r}")
        if encoding_format not in (None, "float", "base64"):
            raise InvalidRequestError("encoding_format must be 'float' or 'base64'")
        body: dict[str, Any] = {"model": model, "input": check_embedding_input(input),
                                "encoding_format": encoding_format or "base64"}
        if dimensions is not None:
            body["dimensions"] = dimensions
        if user is not None:
            body["user"] = user
        result = await self._transport.request("POST", PATH, json=body, options=options)
        return result.parse(CreateEmbeddingResponse)

    with_raw_response = raw_view(lambda: EmbeddingsWithRawResponse)


class EmbeddingsWithRawResponse(RawView[Embeddings]):
    create = RawMethod(Embeddings.create)
