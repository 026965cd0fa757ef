"""Fixtures for the reliability suite: a replay server and a leak check around every test."""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import AsyncIterator, Iterator

import pytest

from ._servers import Replay, serve


@pytest.fixture
def load_scale() -> int:
    """How many times the base size the `load` tests run: 10 with AIOTOKENHOT_LOAD_FULL=1."""
    return 10 if os.environ.get("AIOTOKENHOT_LOAD_FULL") else 1


@pytest.fixture
def no_resource_warnings() -> Iterator[None]:
    """Collect garbage after the test and fail on any unclosed session/connector/transport.

    ``error::ResourceWarning`` already fails a warning raised while the test runs; collecting
    here also catches objects kept alive by reference cycles, and pins the blame on this test.
    """
    yield
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    leaks = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert not leaks, [str(w.message) for w in leaks]


@pytest.fixture
async def replay() -> AsyncIterator[tuple[Replay, str]]:
    server = Replay()
    async with serve(server.app) as url:
        yield server, url
