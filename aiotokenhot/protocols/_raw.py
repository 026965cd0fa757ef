"""``with_raw_response``: any public method's HTTP answer (status, headers, body) beside its result.

``await th.chat.completions.with_raw_response.create(...)`` runs the ordinary method inside a
recording of the answers the transport received and returns a :class:`RawResponse` built from
the last one; ``.parse()`` gives what the ordinary call returns. One mechanism serves every
method: each resource lists its methods once in a small :class:`RawView` subclass, which is
what type checkers read to know each method's parameters and result type.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Concatenate, Generic, TypeVar, overload

import pydantic_core
from typing_extensions import ParamSpec, Self

from .._exceptions import TokenHotError
from ..streams._stream import Stream
from ..transport._capture import recording
from ..transport._errors import request_id_of

__all__ = ["RawMethod", "RawResponse", "RawStreamMethod", "RawView", "raw_view"]

R = TypeVar("R")
S = TypeVar("S")
P = ParamSpec("P")
V = TypeVar("V", bound="RawView[Any]")


class RawResponse(Generic[R]):
    """The HTTP answer of one call and the call's ordinary result.

    ``status_code`` and ``headers`` are the answer's (the last one when the method made several,
    e.g. polls); ``content`` is its raw body, or ``None`` for a stream (whose body is the stream
    itself: read it from :meth:`parse`) and for a download (already written to disk).
    """

    __slots__ = ("_parsed", "content", "headers", "status_code")

    def __init__(self, status_code: int, headers: Mapping[str, str], content: bytes | None,
                 parsed: R) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self._parsed = parsed

    @property
    def request_id(self) -> str | None:
        """The gateway's id for this request, from the headers (None if it sent none)."""
        return request_id_of(self.headers)

    def parse(self) -> R:
        """What the ordinary method returns (a typed model, a stream already open...)."""
        return self._parsed

    def text(self) -> str:
        """The body as text (empty for a stream or a download)."""
        return (self.content or b"").decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON data. Raises ``ValueError`` when it is not JSON."""
        return pydantic_core.from_json(self.content or b"")

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] {type(self._parsed).__name__}>"


async def raw_call(method: Callable[..., Any], args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> RawResponse[Any]:
    """Run ``method`` and pair its result with the last answer it received.

    A stream is opened first (the request is sent now), so its status and headers are known;
    the caller reads it from ``parse()`` and closes it as usual (``async with``).
    """
    with recording() as answers:
        value = method(*args, **kwargs)
        if inspect.isawaitable(value):
            value = await value
        if isinstance(value, Stream):
            await value.__aenter__()
    if not answers:
        raise TokenHotError(f"{getattr(method, '__qualname__', method)} made no HTTP request")
    answer = answers[-1]
    content = getattr(answer, "content", None)
    return RawResponse(answer.status, answer.headers,
                       content if isinstance(content, bytes) else None, value)


class RawView(Generic[S]):
    """The methods of one resource, each returning a :class:`RawResponse` of its result."""

    def __init__(self, resource: S) -> None:
        self._resource = resource


class RawMethod(Generic[S, P, R]):
    """Declares ``name = RawMethod(Resource.name)`` on a :class:`RawView` for a coroutine method."""

    def __init__(self, method: Callable[Concatenate[S, P], Awaitable[R]]) -> None:
        self._name = method.__name__

    @overload
    def __get__(self, view: None, owner: Any = None) -> Self: ...

    @overload
    def __get__(self, view: RawView[S], owner: Any = None) -> Callable[P, Awaitable[RawResponse[R]]]: ...

    def __get__(
        self, view: RawView[S] | None, owner: Any = None
    ) -> Self | Callable[P, Awaitable[RawResponse[R]]]:
        if view is None:  # looked up on the class (help(), inspect)
            return self
        bound = getattr(view._resource, self._name)

        async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
            return await raw_call(bound, args, kwargs)

        call.__name__ = call.__qualname__ = self._name
        call.__doc__ = bound.__doc__
        return call


class RawStreamMethod(RawMethod[S, P, R]):
    """The same for a method that returns a stream object (``stream()``): awaiting the raw
    variant sends the request and returns the open stream in ``parse()``."""

    def __init__(self, method: Callable[Concatenate[S, P], R]) -> None:
        self._name = method.__name__


class raw_view(Generic[V]):
    """``with_raw_response = raw_view(lambda: XWithRawResponse)`` on a resource.

    The resource's methods, each returning a :class:`RawResponse` (status, headers, body;
    ``.parse()`` gives the ordinary result). The view class is named through a ``lambda``
    because it is declared after the resource whose methods it lists; it is made once per
    resource object, on first use.
    """

    def __init__(self, view: Callable[[], type[V]]) -> None:
        self._view = view
        self._name = "with_raw_response"

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    @property
    def view_class(self) -> type[V]:
        """The :class:`RawView` subclass that lists the resource's methods."""
        return self._view()

    @overload
    def __get__(self, resource: None, owner: Any = None) -> Self: ...

    @overload
    def __get__(self, resource: object, owner: Any = None) -> V: ...

    def __get__(self, resource: object | None, owner: Any = None) -> Self | V:
        if resource is None:  # looked up on the class (help(), inspect)
            return self
        view = self.view_class(resource)
        vars(resource)[self._name] = view  # later lookups find it on the object
        return view
