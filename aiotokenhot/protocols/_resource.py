"""Base of every protocol namespace (``th.chat``, ``th.images``...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._client import AsyncTokenHot
    from ..transport import Transport

__all__ = ["Resource"]


class Resource:
    """A namespace of thin coroutine methods over the client's transport."""

    def __init__(self, client: AsyncTokenHot) -> None:
        self._client = client

    @property
    def _transport(self) -> Transport:
        return self._client._transport
