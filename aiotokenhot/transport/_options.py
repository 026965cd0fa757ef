"""Per-call options: the keywords every public method takes besides its own fields.

``RequestOptionsParams`` is their one definition for type checkers (public methods take
``**params: Unpack[...]`` of a TypedDict that includes it); :class:`RequestOptions` is the checked
value the transport reads. :meth:`RequestOptions.split` is the one way a method's keywords become a
request body plus options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from typing_extensions import TypedDict

from .._config import Timeout, TimeoutTypes
from .._exceptions import InvalidRequestError

__all__ = ["OPTION_NAMES", "RequestOptions", "RequestOptionsParams"]


class RequestOptionsParams(TypedDict, total=False):
    """Keywords every public method accepts, on top of its own fields."""

    #: seconds for the whole call (a number) or a :class:`~aiotokenhot.Timeout` with connect/idle parts
    timeout: TimeoutTypes | None
    #: retries of this call after a connection error or a retryable status (default: the client's)
    max_retries: int | None
    #: headers added to (or replacing) the client's for this call
    extra_headers: Mapping[str, str] | None
    #: query parameters added to the URL
    extra_query: Mapping[str, Any] | None
    #: JSON fields merged into the body (for fields the SDK does not name)
    extra_body: Mapping[str, Any] | None


#: the per-call option keywords, as opposed to a method's own fields
OPTION_NAMES = frozenset(RequestOptionsParams.__annotations__)


@dataclass(frozen=True)
class RequestOptions:
    """Per-call overrides, checked: a bad value raises before anything is sent."""

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
        """Checked options. Raises :class:`InvalidRequestError` for a negative ``max_retries``
        or a timeout that is not a number, ``None`` or a :class:`Timeout`."""
        if max_retries is not None and (
            isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0
        ):
            raise InvalidRequestError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        if timeout is not None:
            Timeout.coerce(timeout)
        return cls(timeout, max_retries, extra_headers, extra_query, extra_body)

    @classmethod
    def split(cls, params: Mapping[str, Any]) -> tuple[dict[str, Any], RequestOptions]:
        """``(fields, options)`` from a public method's keywords.

        ``fields`` holds every other keyword whose value is not ``None`` (the request body's
        fields); ``options`` the checked :class:`RequestOptionsParams` part.
        """
        fields: dict[str, Any] = {}
        options: dict[str, Any] = {}
        for name, value in params.items():
            if name in OPTION_NAMES:
                options[name] = value
            elif value is not None:
                fields[name] = value
        return fields, cls.make(**options) if options else _NO_OPTIONS

    def without_retries(self) -> RequestOptions:
        """The same options with ``max_retries=0`` (for uploads read once from a stream)."""
        return RequestOptions(self.timeout, 0, self.extra_headers, self.extra_query, self.extra_body)


_NO_OPTIONS = RequestOptions()
