"""Base of every protocol namespace (``th.chat``, ``th.images``...) and of its public methods.

A public method declares its keywords once, as a ``TypedDict`` (``ChatCompletionParams``...)
that includes :class:`~aiotokenhot.transport.RequestOptionsParams`, and takes them as
``**params: Unpack[...]``: type checkers and IDEs see every keyword with its type, and
``create`` and ``stream`` of one protocol share the one definition. :func:`accepts` adds what
Python cannot check by itself for ``**params`` (an unknown or missing keyword raises
``TypeError`` naming the public method, and ``help()`` / ``inspect.signature`` list every keyword)
and gives the method's result the ``request_id`` of the answer it came from. Inside the method,
``RequestOptions.split(params)`` separates the body fields from the per-call options.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ForwardRef, TypeVar, cast

from .._models import attach_request_id
from ..transport._capture import begin, end
from ..transport._errors import request_id_of
from ..transport._options import OPTION_NAMES

if TYPE_CHECKING:
    from .._client import AsyncTokenHot
    from ..transport import Transport

__all__ = ["Resource", "accepts"]

F = TypeVar("F", bound=Callable[..., Any])


class Resource:
    """A namespace of thin coroutine methods over the client's transport."""

    def __init__(self, client: AsyncTokenHot) -> None:
        self._client = client

    @property
    def _transport(self) -> Transport:
        return self._client._transport


def _keywords(schema: type[Mapping[str, Any]]) -> dict[str, tuple[str, bool]]:
    """``{name: (annotation text, required)}`` of a TypedDict, in declaration order.

    Read from the annotations' text: with postponed annotations the runtime ``TypedDict``
    cannot tell ``Required[...]`` keys from the others.
    """
    out: dict[str, tuple[str, bool]] = {}
    for klass in reversed(schema.__mro__):
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            text = annotation.__forward_arg__ if isinstance(annotation, ForwardRef) else (
                annotation if isinstance(annotation, str) else repr(annotation))
            required = text.startswith("Required[")
            out[name] = (text[len("Required["):-1] if required else text, required)
    return out


def accepts(*schemas: type[Mapping[str, Any]]) -> Callable[[F], F]:
    """Check a public method's ``**params`` against ``schemas`` (TypedDicts) on every call.

    An unknown keyword raises ``TypeError: Class.method() got an unexpected keyword argument
    'x'`` (with the nearest known name), a missing required one ``TypeError: Class.method()
    missing required keyword argument 'x'``: both before anything is built or sent. The
    method's ``__signature__`` lists the keywords, so ``help()`` shows them.
    """
    keywords: dict[str, tuple[str, bool]] = {}
    for schema in schemas:
        keywords.update(_keywords(schema))

    def decorate(func: F) -> F:
        own = inspect.signature(func)
        explicit = [p for p in own.parameters.values() if p.kind is not p.VAR_KEYWORD]
        known = frozenset(keywords) | {p.name for p in explicit}
        required = frozenset(name for name, (_, needed) in keywords.items() if needed)
        name = func.__qualname__

        def check(kwargs: dict[str, Any]) -> None:
            """Raise the ``TypeError`` for an unknown or missing keyword."""
            if not kwargs.keys() <= known:
                unknown = next(k for k in kwargs if k not in known)
                close = difflib.get_close_matches(unknown, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise TypeError(f"{name}() got an unexpected keyword argument {unknown!r}{hint}")
            if not required <= kwargs.keys():
                missing = sorted(required - kwargs.keys())
                raise TypeError(f"{name}() missing required keyword argument {missing[0]!r}")

        wrapper: Any
        if inspect.iscoroutinefunction(func):
            async def call(*args: Any, **kwargs: Any) -> Any:
                if not kwargs.keys() <= known or not required <= kwargs.keys():
                    check(kwargs)
                answers, token = begin()
                try:
                    value = await func(*args, **kwargs)
                finally:
                    end(token)
                if answers:
                    attach_request_id(value, request_id_of(answers[-1].headers))
                return value

            wrapper = call
        else:
            def call_sync(*args: Any, **kwargs: Any) -> Any:
                if not kwargs.keys() <= known or not required <= kwargs.keys():
                    check(kwargs)
                return func(*args, **kwargs)

            wrapper = call_sync
        functools.update_wrapper(wrapper, func)
        extra = [
            inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY,
                              **({} if needed else {"default": None}), annotation=text)
            for key, (text, needed) in keywords.items() if key not in own.parameters
        ]
        # required keywords first, the per-call options last
        extra.sort(key=lambda p: 0 if p.default is inspect.Parameter.empty
                   else 2 if p.name in OPTION_NAMES else 1)
        wrapper.__signature__ = own.replace(parameters=[*explicit, *extra])
        return cast(F, wrapper)

    return decorate
