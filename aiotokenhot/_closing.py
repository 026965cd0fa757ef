"""``async with obj:`` for objects that are released by ``await obj.aclose()``."""

from __future__ import annotations

from types import TracebackType

from typing_extensions import Self

__all__ = ["AsyncClosing"]


class AsyncClosing:
    """Base of an object used as ``async with obj as o:``.

    Entering gives back the object itself; leaving the block, normally or by an exception,
    awaits :meth:`aclose`, which a subclass defines (it must be safe to call more than once).
    A subclass that must do work on entry overrides ``__aenter__`` and returns ``self``.
    """

    async def aclose(self) -> None:
        """Release what the object holds."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
