"""``th.models``: the gateway's model catalogue (GET /v1/models, GET /v1/models/{id})."""

from __future__ import annotations

from urllib.parse import quote

from typing_extensions import Unpack

from ..._exceptions import InvalidRequestError
from ...transport import RequestOptions, RequestOptionsParams
from .._raw import RawMethod, RawView, raw_view
from .._resource import Resource, accepts
from ._types import Model, ModelList

__all__ = ["Models", "ModelsWithRawResponse"]


class Models(Resource):
    """List and look up models (OpenAI shape)."""

    @accepts(RequestOptionsParams)
    async def list(self, **options: Unpack[RequestOptionsParams]) -> ModelList:
        """``GET /v1/models``: the models this key may call.

        Takes only the per-call options (``timeout``, ``max_retries``, ``extra_headers``,
        ``extra_query``). Returns a :class:`ModelList` (``.data``: :class:`Model` with ``.id``,
        ``.owned_by``; iterable). Raises :class:`~aiotokenhot.AuthenticationError` for a bad
        key and the usual status and connection errors.
        """
        result = await self._transport.request("GET", "/v1/models",
                                               options=RequestOptions.make(**options))
        return result.parse(ModelList)

    @accepts(RequestOptionsParams)
    async def retrieve(self, model: str, **options: Unpack[RequestOptionsParams]) -> Model:
        """``GET /v1/models/{model}``: one model by id (``model``, e.g. ``"gpt-5.4"``).

        Returns a :class:`Model`. Raises :class:`~aiotokenhot.InvalidRequestError` for an
        empty id and :class:`~aiotokenhot.NotFoundError` for an unknown one (the gateway
        answers it with HTTP 200 and an error body, which becomes the typed error).
        """
        if not isinstance(model, str) or not model.strip():
            raise InvalidRequestError("model must be a non-empty string")
        path = "/v1/models/" + quote(model, safe="")
        result = await self._transport.request("GET", path, options=RequestOptions.make(**options))
        return result.parse(Model)

    with_raw_response = raw_view(lambda: ModelsWithRawResponse)


class ModelsWithRawResponse(RawView[Models]):
    list = RawMethod(Models.list)
    retrieve = RawMethod(Models.retrieve)
