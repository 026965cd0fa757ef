"""Session pool and request sending: auth, retries, timeouts, status → exception mapping."""

from ._options import RequestOptionsParams
from ._pool import SessionPool
from ._transport import HTTPResult, RequestOptions, Transport

__all__ = ["HTTPResult", "RequestOptions", "RequestOptionsParams", "SessionPool", "Transport"]
