"""Fake-gateway routes (filled by the protocol's issue)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from ._server import FakeTokenHot


def register(app: web.Application, fake: FakeTokenHot) -> None:
    """Add this family's routes to the fake gateway."""
