"""The ``async with obj:`` protocol, written once: :class:`AsyncContext` and :class:`AsyncClosing`."""

from __future__ import annotations

from types import TracebackType

from typing_extensions import Self

__all__ = ["AsyncClosing", "AsyncContext"]


class AsyncContext:
    """Base of an object used as ``async with obj as o:``.

    Entering gives back the object itself (a subclass that must do work on entry overrides
    ``__aenter__`` and returns ``self``); leaving the block, normally or by an exception, awaits
    :meth:`_leave` with that exception (None on a normal exit), which a subclass defines.
    """

    async def _leave(self, exc: BaseException | None) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._leave(exc)


class AsyncClosing(AsyncContext):
    """An :class:`AsyncContext` released by :meth:`aclose` on leaving the block.

    A subclass defines ``aclose``; it must be safe to call more than once.
    """

    async def aclose(self) -> None:
        """Release what the object holds."""
        raise NotImplementedError

    async def _leave(self, exc: BaseException | None) -> None:
        await self.aclose()
