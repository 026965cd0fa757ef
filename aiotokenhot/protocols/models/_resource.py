"""``th.models``: the gateway's model catalogue (GET /v1/models, GET /v1/models/{id})."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..._config import TimeoutTypes
from ..._exceptions import InvalidRequestError
from ...transport import RequestOptions
from .._resource import Resource
from ._types import Model, ModelList

__all__ = ["Models"]


class Models(Resource):
    """List and look up models (OpenAI shape)."""

    async def list(
        self,
        *,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ModelList:
        """The models this key may call."""
        options = RequestOptions.of(locals())
        result = await self._transport.request("GET", "/v1/models", options=options)
        return result.parse(ModelList)

    async def retrieve(
        self,
        model: str,
        *,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Model:
        """One model. An unknown id raises :class:`NotFoundError` — the gateway answers it with
        HTTP 200 and an error body, which the transport turns into the typed error."""
        if not isinstance(model, str) or not model.strip():
            raise InvalidRequestError("model must be a non-empty string")
        options = RequestOptions.of(locals())
        path = "/v1/models/" + quote(model, safe="")
        result = await self._transport.request("GET", path, options=options)
        return result.parse(Model)
