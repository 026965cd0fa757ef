"""``th.stream(...)`` and ``th.complete(...)``: one call shape for every model and protocol.

The public signatures live on :class:`~aiotokenhot.AsyncTokenHot`; these functions do the
work: pick the protocol's record, check and convert the request (raising
:class:`InvalidRequestError` before anything is sent), then open the protocol's unified
stream or parse its whole answer with the protocol's adapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._pricing import attach_cost
from ..transport import RequestOptions
from ._adapter import NativeRequest
from ._convert import check_request
from ._events import Completion
from ._registry import ProtocolRecord, pick_protocol, record
from ._stream import UnifiedStream

if TYPE_CHECKING:
    from .._client import AsyncTokenHot

__all__ = ["complete", "open_stream", "prepare"]


def prepare(
    *,
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
) -> tuple[ProtocolRecord, NativeRequest]:
    """The protocol's record and its native request; raises ``InvalidRequestError``."""
    request = check_request(model=model, messages=messages, tools=tools, tool_choice=tool_choice,
                            max_tokens=max_tokens, temperature=temperature, top_p=top_p,
                            stop=stop, stream=stream)
    chosen = record(pick_protocol(model, protocol))
    return chosen, chosen.adapter().native_request(request)


def open_stream(client: AsyncTokenHot, chosen: ProtocolRecord, native: NativeRequest,
                options: RequestOptions) -> UnifiedStream:
    """The protocol's :class:`UnifiedStream`; the connection opens on ``async with``."""
    return client._transport.stream(
        chosen.unified(), "POST", native.path, json=native.body, params=native.params,
        options=options,
    )


async def complete(client: AsyncTokenHot, chosen: ProtocolRecord, native: NativeRequest,
                   options: RequestOptions) -> Completion:
    """The whole answer of the native non-streaming endpoint as a :class:`Completion`."""
    result = await client._transport.request(
        "POST", native.path, json=native.body, params=native.params, options=options
    )
    completion = chosen.adapter().parse(result.json())
    attach_cost(completion, result.cost)
    return completion
