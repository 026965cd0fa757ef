"""Account endpoints: xAI-style model prices, tokenizer and key info; gateway balance and usage.

The xAI paths are not routed by TokenHot's gateway: a 404, 405, 501 or an HTML page for
them becomes :class:`EndpointNotSupportedError`, never a parse error.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from typing_extensions import Unpack

from ..._exceptions import (
    APIStatusError,
    EndpointNotSupportedError,
    InvalidRequestError,
    NotFoundError,
)
from ..._redact import redact_text
from ...transport import HTTPResult, RequestOptions, RequestOptionsParams, Transport
from .._raw import RawMethod, RawView, raw_view
from .._resource import Resource, accepts
from ._params import TokenizeParams
from ._types import (
    APIKeyInfo,
    BillingSubscription,
    BillingUsage,
    LanguageModel,
    LanguageModelList,
    TokenizeResult,
    TokenUsage,
)

if TYPE_CHECKING:
    from ..._client import AsyncTokenHot

__all__ = [
    "APIKey", "APIKeyWithRawResponse", "Billing", "BillingWithRawResponse", "LanguageModels",
    "LanguageModelsWithRawResponse", "TokenizeParams", "tokenize",
]


async def _call(
    transport: Transport,
    method: str,
    path: str,
    options: RequestOptions,
    *,
    json: Any = None,
    params: Mapping[str, Any] | None = None,
) -> HTTPResult:
    try:
        result = await transport.request(method, path, json=json, params=params, options=options,
                                         unsupported_on_404=True)
    except APIStatusError as exc:
        if exc.status_code == 405:
            raise _unsupported(path, exc.status_code, exc.body) from None
        raise
    if result.content_type == "text/html":  # a web console answering an unknown path
        raise _unsupported(path, result.status, None)
    return result


def _unsupported(path: str, status: int, body: Any) -> EndpointNotSupportedError:
    return EndpointNotSupportedError(f"this gateway does not support {path}", status_code=status,
                                     body=body)


class LanguageModels(Resource):
    """xAI ``/v1/language-models``: models with their token prices."""

    @accepts(RequestOptionsParams)
    async def list(self, **options: Unpack[RequestOptionsParams]) -> builtins.list[LanguageModel]:
        """``GET /v1/language-models``: every model with its prices.

        Returns a list of :class:`LanguageModel` (``.id``, ``.prompt_text_token_price``,
        ``.completion_text_token_price``; each with the call's ``request_id``). Raises
        :class:`~aiotokenhot.EndpointNotSupportedError` on gateways without the route (TokenHot's
        answers 404) and the usual status and connection errors.
        """
        result = await _call(self._transport, "GET", "/v1/language-models",
                             RequestOptions.make(**options))
        return result.parse(LanguageModelList).models

    @accepts(RequestOptionsParams)
    async def retrieve(self, model_id: str, **options: Unpack[RequestOptionsParams]) -> LanguageModel:
        """``GET /v1/language-models/{model_id}``: one model with its prices.

        Returns a :class:`LanguageModel` (token prices in xAI's own unit).

        Raises :class:`~aiotokenhot.InvalidRequestError` for an empty id,
        :class:`~aiotokenhot.NotFoundError` for an unknown model,
        :class:`~aiotokenhot.EndpointNotSupportedError` where the route does not exist.
        """
        if not model_id:
            raise InvalidRequestError("model_id is required")
        try:
            result = await _call(self._transport, "GET",
                                 f"/v1/language-models/{quote(model_id, safe='')}",
                                 RequestOptions.make(**options))
        except EndpointNotSupportedError as exc:
            if exc.error_code != "model_not_found":
                raise
            # the route exists; only this model is unknown
            raise NotFoundError(str(exc.body.get("error", {}).get("message", exc.message))
                                if isinstance(exc.body, dict) else exc.message,
                                status_code=exc.status_code, body=exc.body, headers=exc.headers,
                                request_id=exc.request_id, error_type=exc.error_type,
                                error_code=exc.error_code, attempts=exc.attempts) from None
        return result.parse(LanguageModel)

    with_raw_response = raw_view(lambda: LanguageModelsWithRawResponse)


class LanguageModelsWithRawResponse(RawView[LanguageModels]):
    list = RawMethod(LanguageModels.list)
    retrieve = RawMethod(LanguageModels.retrieve)


class APIKey(Resource):
    """xAI ``GET /v1/api-key``: the calling key's name, ACLs and state (redacted)."""

    @accepts(RequestOptionsParams)
    async def retrieve(self, **options: Unpack[RequestOptionsParams]) -> APIKeyInfo:
        """``GET /v1/api-key``: the calling key's name, ACLs and whether it is blocked.

        Returns an :class:`APIKeyInfo` (the key itself only as the gateway's redacted hint).
        Raises :class:`~aiotokenhot.EndpointNotSupportedError` where the route does not exist
        and the usual status and connection errors.
        """
        result = await _call(self._transport, "GET", "/v1/api-key", RequestOptions.make(**options))
        return result.parse(APIKeyInfo)

    with_raw_response = raw_view(lambda: APIKeyWithRawResponse)


class APIKeyWithRawResponse(RawView[APIKey]):
    retrieve = RawMethod(APIKey.retrieve)


@accepts(TokenizeParams)
async def tokenize(client: AsyncTokenHot, **params: Unpack[TokenizeParams]) -> TokenizeResult:
    """xAI ``POST /v1/tokenize-text`` (what ``th.tokenize(text=..., model=...)`` calls).

    Returns a :class:`TokenizeResult` (``.token_ids``). Raises
    :class:`~aiotokenhot.InvalidRequestError` for a non-string ``text`` or an empty ``model``,
    :class:`~aiotokenhot.EndpointNotSupportedError` where the route does not exist.
    """
    fields, options = RequestOptions.split(params)
    text, model = fields.get("text"), fields.get("model")
    if not isinstance(text, str):
        raise InvalidRequestError("text must be a string")
    if not model:
        raise InvalidRequestError("model is required")
    result = await _call(client._transport, "POST", "/v1/tokenize-text", options,
                         json={"text": text, "model": model})
    return result.parse(TokenizeResult)


class Billing(Resource):
    """Balance and usage in the gateway's legacy OpenAI shapes (operator-configured numbers)."""

    @accepts(RequestOptionsParams)
    async def subscription(self, **options: Unpack[RequestOptionsParams]) -> BillingSubscription:
        """``GET /dashboard/billing/subscription``: the balance in the legacy OpenAI shape.

        Returns a :class:`BillingSubscription` (``.hard_limit_usd``: the quota in the gateway's
        display unit, usually USD). Raises the usual status and connection errors.
        """
        result = await _call(self._transport, "GET", "/dashboard/billing/subscription",
                             RequestOptions.make(**options))
        return result.parse(BillingSubscription)

    @accepts(RequestOptionsParams)
    async def usage(
        self,
        start_date: dt.date | str | None = None,
        end_date: dt.date | str | None = None,
        **options: Unpack[RequestOptionsParams],
    ) -> BillingUsage:
        """``GET /dashboard/billing/usage``: usage between two dates (``date`` objects or
        ``"YYYY-MM-DD"``; the gateway may ignore the range).

        Returns a :class:`BillingUsage` (``.total_usage`` in cents, ``.total_usage_usd``).
        Raises :class:`~aiotokenhot.InvalidRequestError` for a malformed date or a start after
        the end, and the usual status and connection errors.
        """
        start, end = _iso_date(start_date, "start_date"), _iso_date(end_date, "end_date")
        if start and end and start > end:
            raise InvalidRequestError("start_date is after end_date")
        result = await _call(self._transport, "GET", "/dashboard/billing/usage",
                             RequestOptions.make(**options),
                             params={"start_date": start, "end_date": end})
        return result.parse(BillingUsage)

    @accepts(RequestOptionsParams)
    async def token_usage(self, **options: Unpack[RequestOptionsParams]) -> TokenUsage:
        """``GET /api/usage/token/``: the calling key's quota (works even for exhausted keys).

        Returns a :class:`TokenUsage` (granted, used and available quota in the gateway's
        quota units).

        Raises:
            APIStatusError: the gateway answered ``{"success": false, "message": ...}`` (it
                does so with HTTP 200); the message is the gateway's. Also the usual status
                and connection errors.
        """
        result = await _call(self._transport, "GET", "/api/usage/token/",
                             RequestOptions.make(**options))
        body = result.json()
        if isinstance(body, dict) and (body.get("success") is False or body.get("code") is False):
            # the gateway's own API answers 200 {"success": false, "message": ...} on failure
            message = redact_text(str(body.get("message") or ""), self._transport.secret)
            raise APIStatusError(message or "the gateway refused the token usage request",
                                 status_code=result.status, body={**body, "message": message},
                                 headers=result.headers)
        if isinstance(body, dict) and isinstance(body.get("data"), dict):
            body = body["data"]
        return TokenUsage.model_validate(body)

    with_raw_response = raw_view(lambda: BillingWithRawResponse)


class BillingWithRawResponse(RawView[Billing]):
    subscription = RawMethod(Billing.subscription)
    usage = RawMethod(Billing.usage)
    token_usage = RawMethod(Billing.token_usage)


def _iso_date(value: dt.date | str | None, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    try:
        return dt.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise InvalidRequestError(f"{name} must be a date or 'YYYY-MM-DD', not {value!r}") from None
