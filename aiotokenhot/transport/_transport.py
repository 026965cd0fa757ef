"""The one place that builds and sends requests: auth, headers, bodies, retries, timeouts, errors.

Protocol modules call :meth:`Transport.request` (whole answers) or :meth:`Transport.open`
(answers read incrementally: streams, downloads) and never touch aiohttp themselves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import pydantic
import pydantic_core
from yarl import URL

from .._config import Secret, Timeout, TimeoutTypes, missing_key_error
from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InvalidRequestError,
    ResponseValidationError,
    raise_unchained,
)
from .._redact import SENSITIVE_HEADERS, redact_headers, redact_text, scrub_exception
from .._version import __version__
from ._errors import body_error, build_status_error, is_retryable_body
from ._pool import SessionPool
from ._retry import RETRYABLE_STATUS, backoff_delay, parse_retry_after

if TYPE_CHECKING:
    from ..streams._stream import Stream

__all__ = ["HTTPResult", "RequestOptions", "Transport"]

log = logging.getLogger("aiotokenhot")
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)
StreamT = TypeVar("StreamT", bound="Stream[Any]")
BodyFactory = Callable[[], Any]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5
ANTHROPIC_VERSION = "2023-06-01"


@dataclass(frozen=True)
class RequestOptions:
    """Per-call overrides every public method accepts."""

    timeout: TimeoutTypes | None = None
    max_retries: int | None = None
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = None

    @classmethod
    def make(
        cls,
        *,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> RequestOptions:
        """Checked here, so a bad per-call option fails before anything is sent."""
        if max_retries is not None and (
            isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0
        ):
            raise InvalidRequestError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        if timeout is not None:
            Timeout.coerce(timeout)
        return cls(timeout, max_retries, extra_headers, extra_query, extra_body)

    @classmethod
    def of(cls, args: Mapping[str, Any]) -> RequestOptions:
        """The per-call options among a public method's ``locals()``."""
        return cls.make(
            timeout=args.get("timeout"), max_retries=args.get("max_retries"),
            extra_headers=args.get("extra_headers"), extra_query=args.get("extra_query"),
            extra_body=args.get("extra_body"),
        )


_NO_OPTIONS = RequestOptions()
#: each protocol record's auth family -> the header set above that carries it
_HEADER_SET = {"bearer": "bearer", "x-api-key": "anthropic", "x-goog-api-key": "gemini"}


def _auth_family(path: str) -> str:
    """The auth family of ``path`` from the protocol registry (imported on first use)."""
    from ..unified._registry import auth_family

    return auth_family(path)


class HTTPResult:
    """A complete success answer: status, headers and the raw body."""

    __slots__ = ("_secret", "content", "headers", "status")

    def __init__(self, status: int, headers: Mapping[str, str], content: bytes,
                 secret: str | None = None) -> None:
        self.status = status
        self.headers = headers
        self.content = content
        self._secret = secret  # redacted from errors that quote the body

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        try:
            return pydantic_core.from_json(self.content)
        except ValueError as exc:
            raise self._invalid(f"expected a JSON body, got {self.content[:200]!r}: {exc}") from None

    def parse(self, model: type[ModelT]) -> ModelT:
        """Validate the body as ``model`` straight from bytes (one JSON pass, in Rust)."""
        try:
            return model.__pydantic_validator__.validate_json(self.content)  # type: ignore[no-any-return]
        except pydantic.ValidationError as exc:
            raise self._invalid(
                f"the response does not match {model.__name__}: {exc.error_count()} error(s): "
                f"{exc.errors()[0]['msg'] if exc.errors() else ''}"
            ) from None

    def _invalid(self, message: str) -> ResponseValidationError:
        error = ResponseValidationError(message, body=self.content[:2000])
        scrub_exception(error, self._secret)
        return error

    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class Transport:
    """Sends requests for one client configuration over a shared :class:`SessionPool`."""

    def __init__(
        self,
        *,
        pool: SessionPool,
        base_url: str,
        api_key: Secret | None,
        timeout: Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None = None,
        max_event_size: int = 16 * 1024 * 1024,
    ) -> None:
        if max_retries < 0:
            raise InvalidRequestError("max_retries must be >= 0")
        if max_event_size <= 0:
            raise InvalidRequestError("max_event_size must be a positive number of bytes")
        self.pool = pool
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_event_size = max_event_size
        self._key = api_key
        self._default_headers = dict(default_headers or {})
        self._header_sets: dict[str, dict[str, str]] | None = None

    def with_options(
        self, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None
    ) -> Transport:
        """A transport with other defaults that shares this one's pool and key."""
        return Transport(
            pool=self.pool,
            base_url=self.base_url,
            api_key=self._key,
            timeout=self.timeout if timeout is None else Timeout.coerce(timeout),
            max_retries=self.max_retries if max_retries is None else max_retries,
            default_headers=self._default_headers,
            max_event_size=self.max_event_size,
        )

    @property
    def secret(self) -> str | None:
        return self._key.reveal() if self._key else None

    # -- headers -----------------------------------------------------------------------------

    def _headers_for(self, path: str, json_body: bool = False) -> dict[str, str]:
        """Auth headers per protocol family, as the gateway documents them (built once)."""
        sets = self._header_sets
        if sets is None:
            if not self._key:
                raise missing_key_error()
            key = self._key.reveal()
            base = {
                "User-Agent": f"aiotokenhot/{__version__}",
                "Authorization": f"Bearer {key}",
                **self._default_headers,
            }
            sets = self._header_sets = {
                "bearer": base,
                "anthropic": {**base, "x-api-key": key, "anthropic-version": ANTHROPIC_VERSION},
                "gemini": {**base, "x-goog-api-key": key},
            }
            for name in ("bearer", "anthropic", "gemini"):  # the usual JSON-body variants
                if "Content-Type" not in sets[name]:
                    sets[name + "+json"] = {**sets[name], "Content-Type": "application/json"}
        family = _HEADER_SET[_auth_family(path)]
        if json_body:
            return sets.get(family + "+json") or sets[family]
        return sets[family]

    # -- public entry points ---------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        body: BodyFactory | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        options: RequestOptions = _NO_OPTIONS,
        unsupported_on_404: bool = False,
        check_body_error: bool = True,
    ) -> HTTPResult:
        """Send a request and read the whole answer, retrying what is safe to retry."""
        timeout = self._timeout(options)
        client_timeout = _client_timeout(timeout.total, timeout.connect, None)
        resp, raw, attempts = await self._send(
            method, path, json, body, params, headers, options, client_timeout,
            unsupported_on_404, read=True,
        )
        assert raw is not None
        if check_body_error and raw[:1] == b"{" and (b'"error"' in raw or b'"code"' in raw):
            try:
                obj = pydantic_core.from_json(raw)
            except ValueError:
                obj = None
            if body_error(obj):
                raise build_status_error(
                    200, dict(resp.headers), raw, secret=self.secret, attempts=attempts
                )
        return HTTPResult(resp.status, resp.headers, raw, self.secret)

    async def open(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        body: BodyFactory | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        options: RequestOptions = _NO_OPTIONS,
        unsupported_on_404: bool = False,
        stream_idle: bool = True,
    ) -> aiohttp.ClientResponse:
        """Send a request and return the open response (status already checked).

        The caller owns the response and must ``release()`` or ``close()`` it. Retries cover
        connecting and error statuses only: once a success answer is returned nothing replays.
        """
        timeout = self._timeout(options)
        client_timeout = _client_timeout(
            None, timeout.connect, timeout.idle if stream_idle else timeout.total
        )
        resp, _, _ = await self._send(
            method, path, json, body, params, headers, options, client_timeout,
            unsupported_on_404, read=False,
        )
        return resp

    def idle_timeout(self, options: RequestOptions = _NO_OPTIONS) -> float | None:
        return self._timeout(options).idle

    def stream(
        self,
        cls: type[StreamT],
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        options: RequestOptions = _NO_OPTIONS,
        **kwargs: Any,
    ) -> StreamT:
        """A ``cls`` stream whose connection opens on ``async with`` or first iteration."""

        async def opener() -> aiohttp.ClientResponse:
            return await self.open(
                method, path, json=json, params=params, headers=headers, options=options
            )

        retries = self.max_retries if options.max_retries is None else options.max_retries
        return cls(
            opener,
            idle_timeout=self.idle_timeout(options),
            max_event_size=self.max_event_size,
            max_retries=retries,
            secret=self.secret,
            **kwargs,
        )

    # -- internals -------------------------------------------------------------------------------

    def _timeout(self, options: RequestOptions) -> Timeout:
        return self.timeout if options.timeout is None else Timeout.coerce(options.timeout)

    async def _send(
        self,
        method: str,
        path: str,
        json: Any,
        body: BodyFactory | None,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        options: RequestOptions,
        client_timeout: aiohttp.ClientTimeout,
        unsupported_on_404: bool,
        *,
        read: bool,
    ) -> tuple[aiohttp.ClientResponse, bytes | None, int]:
        plain_json = json is not None and not headers and not options.extra_headers
        all_headers = self._headers_for(path, json_body=plain_json)
        if headers or options.extra_headers:
            all_headers = {**all_headers, **(headers or {}), **(options.extra_headers or {})}
        query: dict[str, Any] | None = None
        if params or options.extra_query:
            query = {k: _query_value(v) for k, v in {**(params or {}), **(options.extra_query or {})}.items()
                     if v is not None}
        payload: bytes | None = None
        if json is not None:
            if options.extra_body:
                if not isinstance(json, dict):
                    raise InvalidRequestError("extra_body needs a JSON object body")
                json = {**json, **options.extra_body}
            payload = _dump_json(json)
            if "Content-Type" not in all_headers:
                all_headers = {**all_headers, "Content-Type": "application/json"}
        elif options.extra_body and body is None:
            payload = _dump_json(dict(options.extra_body))
            all_headers = {**all_headers, "Content-Type": "application/json"}
        max_retries = self.max_retries if options.max_retries is None else options.max_retries
        url = self.base_url + path
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s headers=%s", method, url, redact_headers(all_headers))

        attempt = 0
        while True:
            failure: APIConnectionError | None = None
            resp: aiohttp.ClientResponse | None = None
            raw: bytes | None = None
            try:
                data = payload if body is None else body()
                resp = await self._follow(method, url, all_headers, data, query, client_timeout, body)
                if read or resp.status >= 300:
                    raw = await resp.read()
                    resp.release()
            except asyncio.TimeoutError:
                failure = APITimeoutError(
                    f"{method} {path} timed out", attempts=attempt + 1
                )
            except aiohttp.ClientError as exc:
                failure = APIConnectionError(
                    redact_text(f"{method} {path} failed: {type(exc).__name__}: {exc}", self.secret),
                    attempts=attempt + 1,
                )
            if failure is not None:
                if resp is not None:
                    resp.close()
                if attempt < max_retries:
                    delay = backoff_delay(attempt)
                    log.debug("retrying %s %s in %.2fs after %s", method, path, delay, failure)
                    await asyncio.sleep(delay)
                    attempt += 1
                    continue
                raise_unchained(failure)
            assert resp is not None
            if resp.status < 300:
                return resp, raw, attempt + 1
            raw = raw or b""
            retryable = resp.status in RETRYABLE_STATUS and is_retryable_body(resp.status, raw)
            if retryable and attempt < max_retries:
                delay = backoff_delay(attempt, parse_retry_after(resp.headers))
                log.debug("retrying %s %s in %.2fs after HTTP %d", method, path, delay, resp.status)
                await asyncio.sleep(delay)
                attempt += 1
                continue
            error: APIStatusError = build_status_error(
                resp.status, dict(resp.headers), raw, secret=self.secret, attempts=attempt + 1,
                unsupported_on_404=unsupported_on_404,
            )
            raise_unchained(error)

    async def _follow(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        data: Any,
        query: Mapping[str, Any] | None,
        client_timeout: aiohttp.ClientTimeout,
        body: BodyFactory | None,
    ) -> aiohttp.ClientResponse:
        """Send, following redirects by hand so credentials never cross to another origin."""
        session = self.pool.session()
        target: URL | str = url
        for _ in range(_MAX_REDIRECTS + 1):
            resp = await session.request(
                method, target, headers=headers, data=data, params=query,
                timeout=client_timeout, allow_redirects=False,
            )
            if resp.status not in _REDIRECTS:
                return resp
            location = resp.headers.get("Location")
            if not location:
                return resp
            resp.release()
            current = resp.url
            nxt = current.join(URL(location))
            if nxt.origin() != current.origin():
                headers = {k: v for k, v in headers.items() if k.lower() not in SENSITIVE_HEADERS}
            if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                method, data = "GET", None
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            elif body is not None:
                data = body()
            target, query = nxt, None
        raise APIConnectionError(f"too many redirects (more than {_MAX_REDIRECTS})")


@lru_cache(maxsize=64)
def _client_timeout(
    total: float | None, connect: float | None, read: float | None
) -> aiohttp.ClientTimeout:
    """One shared (immutable) ClientTimeout per distinct setting, not one per request."""
    return aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)


def _dump_json(obj: Any) -> bytes:
    try:
        return pydantic_core.to_json(obj, by_alias=True)
    except pydantic_core.PydanticSerializationError as exc:
        raise InvalidRequestError(f"request body is not JSON-serialisable: {exc}") from None


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def replace_options(options: RequestOptions, **changes: Any) -> RequestOptions:
    return replace(options, **changes)
