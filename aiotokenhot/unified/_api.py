"""``th.stream(...)`` and ``th.complete(...)``: one call shape for every model and protocol.

The public signatures live on :class:`~aiotokenhot.AsyncTokenHot`; these functions do the
work: pick the protocol's record, check and convert the request (raising
:class:`InvalidRequestError` before anything is sent), then open the protocol's unified
stream or parse its whole answer with the protocol's adapter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing_extensions import Unpack

from .._pricing import attach_cost
from ..transport import RequestOptions
from ._adapter import NativeRequest
from ._convert import check_request
from ._events import Completion
from ._params import UnifiedFields, UnifiedParams
from ._registry import ProtocolRecord, pick_protocol, record
from ._stream import UnifiedStream

if TYPE_CHECKING:
    from .._client import AsyncTokenHot

__all__ = ["UnifiedParams", "complete", "open_stream", "prepare"]


def prepare(
    *, model: str, protocol: str, stream: bool, **fields: Unpack[UnifiedFields]
) -> tuple[ProtocolRecord, NativeRequest]:
    """The protocol's record and its native request; raises ``InvalidRequestError``."""
    request = check_request(model=model, stream=stream, **fields)
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
