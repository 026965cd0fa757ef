"""Account endpoints: xAI-style model prices, tokenizer and key info; gateway balance and usage.

The xAI paths are not routed by TokenHot's gateway: a 404, 405, 501 or an HTML page for
them becomes :class:`EndpointNotSupportedError`, never a parse error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..._config import TimeoutTypes
from ..._exceptions import (
    APIStatusError,
    EndpointNotSupportedError,
    InvalidRequestError,
    NotFoundError,
)
from ..._redact import redact_text
from ...transport import HTTPResult, RequestOptions, Transport
from .._resource import Resource
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

__all__ = ["APIKey", "Billing", "LanguageModels", "tokenize"]


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


def _options(timeout: TimeoutTypes | None, max_retries: int | None,
             extra_headers: Mapping[str, str] | None, extra_query: Mapping[str, Any] | None,
             extra_body: Mapping[str, Any] | None = None) -> RequestOptions:
    return RequestOptions.of(locals())


class LanguageModels(Resource):
    """xAI ``/v1/language-models``: models with their token prices."""

    async def list(
        self,
        *,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> list[LanguageModel]:
        options = _options(timeout, max_retries, extra_headers, extra_query)
        result = await _call(self._transport, "GET", "/v1/language-models", options)
        return result.parse(LanguageModelList).models

    async def retrieve(
        self,
        model_id: str,
        *,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> LanguageModel:
        if not model_id:
            raise InvalidRequestError("model_id is required")
        options = _options(timeout, max_retries, extra_headers, extra_query)
        try:
            result = await _call(self._transport, "GET",
                                 f"/v1/language-models/{quote(model_id, safe='')}", options)
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


class APIKey(Resource):
    """xAI ``GET /v1/api-key``: the calling key's name, ACLs and state (redacted)."""

    async def retrieve(
        self,
        *,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> APIKeyInfo:
        options = _options(timeout, max_retries, extra_headers, extra_query)
        result = await _call(self._transport, "GET", "/v1/api-key", options)
        return result.parse(APIKeyInfo)


async def tokenize(
    client: AsyncTokenHot,
    *,
    text: str,
    model: str,
    timeout: TimeoutTypes | None = None,
    max_retries: int | None = None,
    extra_headers: Mapping[str, str] | None = None,
    extra_query: Mapping[str, Any] | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> TokenizeResult:
    """xAI ``POST /v1/tokenize-text`` (what ``th.tokenize(text=..., model=...)`` calls)."""
    if not isinstance(text, str):
        raise InvalidRequestError("text must be a string")
    if not model:
        raise InvalidRequestError("model is required")
    options = _options(timeout, max_retries, extra_headers, extra_query, extra_body)
    result = await _call(client._transport, "POST", "/v1/tokenize-text", options,
                         json={"text": text, "model": model})
    return result.parse(TokenizeResult)


class Billing(Resource):
    """Balance and usage in the gateway's legacy OpenAI shapes (operator-configured numbers)."""

    async def subscription(
        self,
        *,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> BillingSubscription:
        options = _options(timeout, max_retries, extra_headers, extra_query)
        result = await _call(self._transport, "GET", "/dashboard/billing/subscription", options)
        return result.parse(BillingSubscription)

    async def usage(
        self,
        start_date: dt.date | str | None = None,
        end_date: dt.date | str | None = None,
        *,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> BillingUsage:
        """Usage between two dates (``YYYY-MM-DD``; the gateway may ignore the range)."""
        start, end = _iso_date(start_date, "start_date"), _iso_date(end_date, "end_date")
        if start and end and start > end:
            raise InvalidRequestError("start_date is after end_date")
        options = _options(timeout, max_retries, extra_headers, extra_query)
        result = await _call(self._transport, "GET", "/dashboard/billing/usage", options,
                             params={"start_date": start, "end_date": end})
        return result.parse(BillingUsage)

    async def token_usage(
        self,
        *,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> TokenUsage:
        """The calling key's quota (``GET /api/usage/token/``; works even for exhausted keys).

        Raises:
            APIStatusError: the gateway answered ``{"success": false, "message": ...}`` (it
                does so with HTTP 200); the message is the gateway's.
        """
        options = _options(timeout, max_retries, extra_headers, extra_query)
        result = await _call(self._transport, "GET", "/api/usage/token/", options)
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


def _iso_date(value: dt.date | str | None, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    try:
        return dt.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise InvalidRequestError(f"{name} must be a date or 'YYYY-MM-DD', not {value!r}") from None
