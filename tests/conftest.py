"""Shared fixtures: a running fake gateway and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, settings

from aiotokenhot import AsyncTokenHot
from aiotokenhot.testing import FakeTokenHot

# Property tests judge behaviour, never speed: a loaded CI machine must not fail them on
# hypothesis' per-example deadline or its too-slow health check.
settings.register_profile(
    "aiotokenhot", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("aiotokenhot")


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
