"""``th.stream(...)`` and ``th.complete(...)``: one call shape for every model and protocol."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._config import TimeoutTypes
from .._exceptions import ResponseValidationError
from .._pricing import attach_cost
from ..transport import RequestOptions
from ._complete import PARSERS
from ._convert import NativeRequest, build_request, pick_protocol
from ._events import Completion
from ._mappers import STREAMS
from ._stream import UnifiedStream

if TYPE_CHECKING:
    from .._client import AsyncTokenHot

__all__ = ["complete", "open_stream"]


def _native(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None,
    tool_choice: str | Mapping[str, Any] | None,
    max_tokens: int | None,
    temperature: float | None,
    top_p: float | None,
    stop: str | Sequence[str] | None,
    protocol: str,
    stream: bool,
) -> NativeRequest:
    chosen = pick_protocol(model if isinstance(model, str) else "", protocol)
    return build_request(
        chosen, model=model, messages=messages, tools=tools, tool_choice=tool_choice,
        max_tokens=max_tokens, temperature=temperature, top_p=top_p, stop=stop, stream=stream,
    )


def open_stream(
    client: AsyncTokenHot,
    *,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: str | Mapping[str, Any] | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    stop: str | Sequence[str] | None = None,
    protocol: str = "auto",
    timeout: TimeoutTypes | None = None,
    max_retries: int | None = None,
    extra_headers: Mapping[str, str] | None = None,
    extra_query: Mapping[str, Any] | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> UnifiedStream:
    """A :class:`UnifiedStream` over the protocol picked for ``model`` (or forced).

    The request is converted and checked now, so bad arguments raise here; the connection
    opens on ``async with`` or the first iteration.
    """
    native = _native(model, messages, tools, tool_choice, max_tokens, temperature, top_p, stop,
                     protocol, True)
    options = RequestOptions.make(timeout=timeout, max_retries=max_retries, extra_headers=extra_headers,
                                  extra_query=extra_query, extra_body=extra_body)
    return client._transport.stream(
        STREAMS[native.protocol], "POST", native.path, json=native.body, params=native.params,
        options=options,
    )


async def complete(
    client: AsyncTokenHot,
    *,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: str | Mapping[str, Any] | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    stop: str | Sequence[str] | None = None,
    protocol: str = "auto",
    timeout: TimeoutTypes | None = None,
    max_retries: int | None = None,
    extra_headers: Mapping[str, str] | None = None,
    extra_query: Mapping[str, Any] | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> Completion:
    """One whole reply as a unified :class:`Completion` (the native non-streaming endpoint)."""
    native = _native(model, messages, tools, tool_choice, max_tokens, temperature, top_p, stop,
                     protocol, False)
    options = RequestOptions.make(timeout=timeout, max_retries=max_retries, extra_headers=extra_headers,
                                  extra_query=extra_query, extra_body=extra_body)
    result = await client._transport.request(
        "POST", native.path, json=native.body, params=native.params, options=options
    )
    body = result.json()
    try:
        completion = PARSERS[native.protocol](body)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ResponseValidationError(
            f"the {native.protocol} response does not have the expected shape ({exc!r})",
            body=body,
        ) from None
    attach_cost(completion, result.cost)
    return completion
