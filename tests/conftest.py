"""Shared fixtures: a running fake gateway and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aiotokenhot import AsyncTokenHot
from aiotokenhot.testing import FakeTokenHot


@pytest.fixture
async def fake() -> AsyncIterator[FakeTokenHot]:
    async with FakeTokenHot() as server:
        yield server


@pytest.fixture
async def client(fake: FakeTokenHot) -> AsyncIterator[AsyncTokenHot]:
    async with fake.client(max_retries=0) as th:
        yield th


@pytest.fixture
async def th(fake: FakeTokenHot) -> AsyncIterator[AsyncTokenHot]:
    """The same client under the short name the protocol tests use."""
    async with fake.client(max_retries=0) as client:
        yield client
